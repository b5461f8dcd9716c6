//! XACK key group id [id ...]

use crate::command_logic::streams::parse_strict_id;
use crate::prelude::*;
use crate::store::Stream;

/// `XACK`: Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.
pub struct Xack;

impl Command for Xack {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xack",
            arity: -4,
            flags: &[Flag::Write, Flag::Fast],
            group: "stream",
            summary: "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
            since: "5.0.0",
            complexity: "O(1) for each message ID processed.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, group) = (args.next()?, args.next()?);
        let ids = args.rest().map(parse_strict_id).collect::<Result<Vec<_>, _>>()?;
        let found = ctx.db().get_typed::<Stream>(key)?.is_some_and(|s| s.groups.contains_key(group));
        if !found {
            ctx.propagate_none();
            return Ok(Reply::Integer(0));
        }
        let stream = ctx.db().get_typed_mut::<Stream>(key)?.expect("checked above");
        let target = stream.groups.get_mut(group).expect("checked above");
        let acked = ids.into_iter().filter(|&id| target.ack(id)).count();
        if acked == 0 {
            ctx.propagate_none();
        }
        Ok(Reply::Integer(acked as i64))
    }
}

inventory::submit! { Registration::new(&Xack, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn acknowledges_pending_entries() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        h.run("XADD s 2 a 1");
        h.run("XGROUP CREATE s g 0");
        h.run("XREADGROUP GROUP g c STREAMS s >");
        assert_eq!(h.run("XACK s g 1 1 3"), int(1));
        assert_eq!(h.propagated(), None, "logged as received");
        assert_eq!(h.run("XACK s g 1"), int(0));
        assert_eq!(h.propagated(), Some(vec![]));
        assert_eq!(h.run("XACK s nog 2"), int(0));
        assert_eq!(h.run("XACK nokey g 2"), int(0));
        assert_eq!(
            h.run("XACK s g 2 abc"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
        assert_eq!(h.run("XACK s g 2"), int(1));
        h.run("SET str v");
        assert_eq!(
            h.run("XACK str g 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

//! XDEL key id [id ...]

use crate::command_logic::streams::parse_strict_id;
use crate::prelude::*;
use crate::store::Stream;

/// `XDEL`: Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.
pub struct Xdel;

impl Command for Xdel {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xdel",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "stream",
            summary: "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
            since: "5.0.0",
            complexity: "O(1) for each single item to delete in the stream, regardless of the stream size.",
            keys: Keys::ONE,
            key_specs: &[KeySpec {
                keys: Keys::ONE,
                flags: &["RW", "delete"],
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        // Every ID is checked before anything is deleted.
        let ids = args.rest().map(parse_strict_id).collect::<Result<Vec<_>, _>>()?;
        let Some(stream) = ctx.db().get_typed_mut::<Stream>(key)? else {
            ctx.propagate_none();
            return Ok(Reply::Integer(0));
        };
        let deleted = ids.into_iter().filter(|&id| stream.delete(id)).count();
        if deleted == 0 {
            ctx.propagate_none();
        } else {
            ctx.notify(EventClass::Stream, "xdel", key);
        }
        Ok(Reply::Integer(deleted as i64))
    }
}

inventory::submit! { Registration::new(&Xdel, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn deletes_and_counts() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        h.run("XADD s 2 a 1");
        assert_eq!(h.run("XDEL s 1 1 3"), int(1));
        assert_eq!(h.run("XDEL s 9"), int(0));
        assert_eq!(h.propagated(), Some(vec![]));
        assert_eq!(h.run("XDEL missing 1"), int(0));
        assert_eq!(h.run("XDEL s 1 abc"), err("ERR Invalid stream ID specified as stream command argument"));
        assert_eq!(h.run("XDEL s +"), err("ERR Invalid stream ID specified as stream command argument"));
        assert_eq!(h.run("XDEL s 2"), int(1));
        assert_eq!(h.run("XLEN s"), int(0));
        assert_eq!(h.run("EXISTS s"), int(1), "an emptied stream stays");
        assert_eq!(
            h.run("XADD s 2 a 1"),
            err("ERR The ID specified in XADD is equal or smaller than the target stream top item")
        );
    }
}

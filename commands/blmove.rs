//! BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout

use crate::prelude::*;

/// `BLMOVE`: Pop an element from a list, push it to another list and return it; or block until one is available
pub struct Blmove;

impl Command for Blmove {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "blmove",
            arity: 6,
            flags: &[Flag::Write, Flag::DenyOom, Flag::NoScript, Flag::Blocking],
            group: "list",
            summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
            since: "6.2.0",
            complexity: "O(1)",
            keys: Keys { first: 1, last: 2, step: 1 },
            key_specs: {
 const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "access", "delete"]), KeySpec::one(2, &["RW", "insert"])];
 SPECS
 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (source, destination) = (args.next()?, args.next()?);
        let (from_arg, to_arg) = (args.next()?, args.next()?);
        let ends = (
            crate::command_logic::lists::parse_end(from_arg)?,
            crate::command_logic::lists::parse_end(to_arg)?,
        );
        let logged: &[&[u8]] = &[b"LMOVE", source, destination, from_arg, to_arg];
        crate::command_logic::lists::blocking_move(ctx, (source, destination), ends, args.next()?, logged)
    }
}

inventory::submit! { Registration::new(&Blmove, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn moves_or_asks_to_block() {
        let mut h = Harness::new();
        h.run("RPUSH a 1 2");
        assert_eq!(h.run("BLMOVE a b RIGHT LEFT 0"), bulk("2"));
        assert_eq!(h.propagated(), logged(&["LMOVE a b RIGHT LEFT"]));
        assert_eq!(h.run("BLMOVE none b RIGHT LEFT 0"), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().timeout_reply, Reply::NullArray);
        assert_eq!(h.run("BLMOVE a b UP LEFT 0"), err("ERR syntax error"));
        assert_eq!(h.run("BLMOVE a b LEFT LEFT -1"), err("ERR timeout is negative"));
    }

    #[test]
    fn a_woken_client_keeps_waiting_on_a_source_of_another_type() {
        let mut h = Harness::new();
        h.run("SET s v");
        h.client.rerun = true;
        assert_eq!(h.run("BLMOVE s d LEFT LEFT 0"), Reply::None);
        assert!(h.client.blocked.take().is_some());
        // A destination of another type still fails, leaving the source as it was.
        h.run("RPUSH l a");
        assert_eq!(
            h.run("BLMOVE l s LEFT LEFT 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("LLEN l"), int(1));
    }
}

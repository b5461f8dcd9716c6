//! BRPOPLPUSH source destination timeout

use crate::prelude::*;
use crate::store::End;

/// `BRPOPLPUSH`: Pop an element from a list, push it to another list and return it; or block until one is available
pub struct Brpoplpush;

impl Command for Brpoplpush {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "brpoplpush",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::NoScript, Flag::Blocking],
            group: "list",
            summary: "Pop an element from a list, push it to another list and return it; or block until one is available",
            since: "2.2.0",
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
        let logged: &[&[u8]] = &[b"RPOPLPUSH", source, destination];
        crate::command_logic::lists::blocking_move(
            ctx,
            (source, destination),
            (End::Right, End::Left),
            args.next()?,
            logged,
        )
    }
}

inventory::submit! { Registration::new(&Brpoplpush, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn rotates_or_asks_to_block() {
        let mut h = Harness::new();
        h.run("RPUSH a 1 2");
        assert_eq!(h.run("BRPOPLPUSH a b 0"), bulk("2"));
        assert_eq!(h.propagated(), logged(&["RPOPLPUSH a b"]));
        assert_eq!(h.run("BRPOPLPUSH none b 0"), Reply::None);
        assert!(h.client.blocked.take().is_some());
    }

    #[test]
    fn a_woken_client_keeps_waiting_on_a_source_of_another_type() {
        let mut h = Harness::new();
        h.run("SET s v");
        h.client.rerun = true;
        assert_eq!(h.run("BRPOPLPUSH s d 0"), Reply::None);
        assert!(h.client.blocked.take().is_some());
    }
}

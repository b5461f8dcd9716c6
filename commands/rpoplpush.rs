//! RPOPLPUSH source destination

use crate::prelude::*;
use crate::store::End;

/// `RPOPLPUSH`: Remove the last element in a list, prepend it to another list and return it
pub struct Rpoplpush;

impl Command for Rpoplpush {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "rpoplpush",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "list",
            summary: "Remove the last element in a list, prepend it to another list and return it",
            since: "1.2.0",
            complexity: "O(1)",
            keys: Keys { first: 1, last: 2, step: 1 },
            key_specs: {
                const SPECS: &[KeySpec] =
                    &[KeySpec::one(1, &["RW", "access", "delete"]), KeySpec::one(2, &["RW", "insert"])];
                SPECS
            },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (source, destination) = (args.next()?, args.next()?);
        let moved = crate::command_logic::lists::lmove(ctx, source, destination, End::Right, End::Left)?;
        Ok(moved.map_or(Reply::Null, Reply::Bulk))
    }
}

inventory::submit! { Registration::new(&Rpoplpush, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn rotates() {
        let mut h = Harness::new();
        assert_eq!(h.run("RPOPLPUSH a b"), Reply::Null);
        h.run("RPUSH a 1 2 3");
        assert_eq!(h.run("RPOPLPUSH a a"), bulk("3"));
        assert_eq!(h.run("LRANGE a 0 -1"), array(&["3", "1", "2"]));
    }
}

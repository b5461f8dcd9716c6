//! LMOVE source destination LEFT|RIGHT LEFT|RIGHT

use crate::prelude::*;

/// `LMOVE`: Pop an element from a list, push it to another list and return it
pub struct Lmove;

impl Command for Lmove {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lmove",
            arity: 5,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "list",
            summary: "Pop an element from a list, push it to another list and return it",
            since: "6.2.0",
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
        let from = crate::command_logic::lists::parse_end(args.next()?)?;
        let to = crate::command_logic::lists::parse_end(args.next()?)?;
        Ok(crate::command_logic::lists::lmove(ctx, source, destination, from, to)?
            .map_or(Reply::Null, Reply::Bulk))
    }
}

inventory::submit! { Registration::new(&Lmove, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn moves_between_ends() {
        let mut h = Harness::new();
        assert_eq!(h.run("LMOVE a b LEFT RIGHT"), Reply::Null);
        h.run("RPUSH a 1 2 3");
        assert_eq!(h.run("LMOVE a b LEFT RIGHT"), bulk("1"));
        assert_eq!(h.run("LMOVE a b right left"), bulk("3"));
        assert_eq!(h.run("LRANGE b 0 -1"), array(&["3", "1"]));
        assert_eq!(h.run("LMOVE a a LEFT RIGHT"), bulk("2"));
        assert_eq!(h.run("LRANGE a 0 -1"), array(&["2"]));
        h.run("SET s v");
        assert_eq!(
            h.run("LMOVE a s LEFT RIGHT"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("LRANGE a 0 -1"), array(&["2"]));
        assert_eq!(h.run("LMOVE a b UP RIGHT"), err("ERR syntax error"));
    }
}

//! LPOP key [count]

use crate::prelude::*;

/// `LPOP`: Remove and get the first elements in a list
pub struct Lpop;

impl Command for Lpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lpop",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "list",
            summary: "Remove and get the first elements in a list",
            since: "1.0.0",
            complexity: "O(N) where N is the number of elements returned",
            keys: Keys::ONE,
            key_specs: {
                const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "access", "delete"])];
                SPECS
            },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::lists::pop_command(ctx, args, crate::store::End::Left)
    }
}

inventory::submit! { Registration::new(&Lpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_one_or_count() {
        let mut h = Harness::new();
        assert_eq!(h.run("LPOP l"), Reply::Null);
        assert_eq!(h.run("LPOP l 2"), Reply::NullArray);
        h.run("RPUSH l a b c d");
        assert_eq!(h.run("LPOP l"), bulk("a"));
        assert_eq!(h.run("LPOP l 0"), array(&[]));
        assert_eq!(h.run("LPOP l 2"), array(&["b", "c"]));
        assert_eq!(h.run("LPOP l 100"), array(&["d"]));
        assert_eq!(h.run("EXISTS l"), int(0));
        assert_eq!(h.run("LPOP l -1"), err("ERR value is out of range, must be positive"));
        assert_eq!(h.run("LPOP l x"), err("ERR value is out of range, must be positive"));
        assert_eq!(h.run("LPOP l 1 2"), err("ERR wrong number of arguments for 'lpop' command"));
        h.run("SET s v");
        assert_eq!(h.run("LPOP s"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
    }
}

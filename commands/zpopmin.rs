//! ZPOPMIN key [count]

use crate::prelude::*;

/// `ZPOPMIN`: removes and returns the members with the lowest scores.
pub struct Zpopmin;

impl Command for Zpopmin {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zpopmin",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "sortedset",
            summary: "Remove and return members with the lowest scores in a sorted set",
            since: "5.0.0",
            complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::pop_command(ctx, args, false)
    }
}

inventory::submit! { Registration::new(&Zpopmin, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn pops() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("ZPOPMIN z")), array(&["a", "1"]));
        assert_eq!(flat(h.run("ZPOPMIN z 10")), array(&["b", "2", "c", "3"]));
        assert_eq!(flat(h.run("EXISTS z")), int(0));
        assert_eq!(flat(h.run("ZPOPMIN z")), array(&[]));
        h.run("ZADD z 1 a");
        assert_eq!(flat(h.run("ZPOPMIN z 0")), array(&[]));
        h.run("HELLO 3");
        assert_eq!(h.wire("ZPOPMIN z"), "*2\r\n$1\r\na\r\n,1\r\n");
        h.run("ZADD z 1 a");
        assert_eq!(h.wire("ZPOPMIN z 1"), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        assert_eq!(flat(h.run("ZPOPMIN z -1")), err("ERR value is out of range, must be positive"));
        assert_eq!(flat(h.run("ZPOPMIN z x")), err("ERR value is out of range, must be positive"));
        assert_eq!(
            flat(h.run("ZPOPMIN str 0")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(flat(h.run("ZPOPMIN z 1 2")), err("ERR syntax error"));
    }
}

//! ZREVRANGEBYLEX key max min [LIMIT offset count]

use crate::prelude::*;

/// `ZREVRANGEBYLEX`: members in a range, optionally with scores.
pub struct Zrevrangebylex;

impl Command for Zrevrangebylex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrevrangebylex",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
            since: "2.8.9",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::range_command(
            ctx,
            args,
            crate::command_logic::zsets::RangeKind::Lex,
            Some(true),
            None,
        )
    }
}

inventory::submit! { Registration::new(&Zrevrangebylex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranges() {
        let mut h = Harness::new();
        h.run("ZADD z 0 a 0 b 0 c");
        assert_eq!(flat(h.run("ZREVRANGEBYLEX z + (a")), array(&["c", "b"]));
        assert_eq!(flat(h.run("ZREVRANGEBYLEX z - +")), array(&[]));
    }
}

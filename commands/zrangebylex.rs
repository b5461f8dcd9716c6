//! ZRANGEBYLEX key min max [LIMIT offset count]

use crate::prelude::*;

/// `ZRANGEBYLEX`: members in a range, optionally with scores.
pub struct Zrangebylex;

impl Command for Zrangebylex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrangebylex",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Return a range of members in a sorted set, by lexicographical range",
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
            Some(false),
            None,
        )
    }
}

inventory::submit! { Registration::new(&Zrangebylex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranges() {
        let mut h = Harness::new();
        h.run("ZADD z 0 a 0 b 0 c");
        assert_eq!(flat(h.run("ZRANGEBYLEX z [b +")), array(&["b", "c"]));
        assert_eq!(flat(h.run("ZRANGEBYLEX z - + LIMIT 1 1")), array(&["b"]));
        assert_eq!(
            flat(h.run("ZRANGEBYLEX z - + WITHSCORES")),
            err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        );
        assert_eq!(flat(h.run("ZRANGEBYLEX z a +")), err("ERR min or max not valid string range item"));
    }
}

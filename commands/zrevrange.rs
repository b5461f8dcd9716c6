//! ZREVRANGE key start stop [WITHSCORES]

use crate::prelude::*;

/// `ZREVRANGE`: members in a range, optionally with scores.
pub struct Zrevrange;

impl Command for Zrevrange {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrevrange",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low",
            since: "1.2.0",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::range_command(
            ctx,
            args,
            crate::command_logic::zsets::RangeKind::Rank,
            Some(true),
            None,
        )
    }
}

inventory::submit! { Registration::new(&Zrevrange, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranges() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("ZREVRANGE z 0 0 WITHSCORES")), array(&["c", "3"]));
        assert_eq!(flat(h.run("ZREVRANGE z 1 -1")), array(&["b", "a"]));
        assert_eq!(
            flat(h.run("ZREVRANGE z 0 -1 LIMIT 0 1")),
            err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        );
    }
}

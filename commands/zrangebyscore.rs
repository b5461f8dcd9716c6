//! ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]

use crate::prelude::*;

/// `ZRANGEBYSCORE`: members in a range, optionally with scores.
pub struct Zrangebyscore;

impl Command for Zrangebyscore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrangebyscore",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Return a range of members in a sorted set, by score",
            since: "1.0.5",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::range_command(
            ctx,
            args,
            crate::command_logic::zsets::RangeKind::Score,
            Some(false),
            None,
        )
    }
}

inventory::submit! { Registration::new(&Zrangebyscore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranges() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("ZRANGEBYSCORE z 2 +inf")), array(&["b", "c"]));
        assert_eq!(flat(h.run("ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 1")), array(&["b", "2"]));
        assert_eq!(flat(h.run("ZRANGEBYSCORE z 0 1 BYSCORE")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZRANGEBYSCORE z 0 1 REV")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZRANGEBYSCORE z x 1")), err("ERR min or max is not a float"));
    }
}

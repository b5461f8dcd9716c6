//! ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]

use crate::prelude::*;

/// `ZREVRANGEBYSCORE`: members in a range, optionally with scores.
pub struct Zrevrangebyscore;

impl Command for Zrevrangebyscore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrevrangebyscore",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low",
            since: "2.2.0",
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
            Some(true),
            None,
        )
    }
}

inventory::submit! { Registration::new(&Zrevrangebyscore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranges() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("ZREVRANGEBYSCORE z +inf 2")), array(&["c", "b"]));
        assert_eq!(flat(h.run("ZREVRANGEBYSCORE z 2 +inf")), array(&[]));
        assert_eq!(flat(h.run("ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 0 1")), array(&["c", "3"]));
    }
}

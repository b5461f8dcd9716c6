//! ZREMRANGEBYSCORE key min max

use crate::prelude::*;

/// `ZREMRANGEBYSCORE`: removes the members in a score range; the number removed.
pub struct Zremrangebyscore;

impl Command for Zremrangebyscore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zremrangebyscore",
            arity: 4,
            flags: &[Flag::Write],
            group: "sortedset",
            summary: "Remove all members in a sorted set within the given scores",
            since: "1.2.0",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let (first, second) = (args.next()?, args.next()?);
        let bounds = crate::command_logic::zsets::Bounds::Score(
            crate::command_logic::zsets::parse_score_bound(first)?,
            crate::command_logic::zsets::parse_score_bound(second)?,
        );
        crate::command_logic::zsets::remove_range_command(ctx, key, "zremrangebyscore", |zset| {
            bounds.ranks(&zset.view())
        })
    }
}

inventory::submit! { Registration::new(&Zremrangebyscore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes_scores() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c 4 d");
        assert_eq!(flat(h.run("ZREMRANGEBYSCORE z (1 3")), int(2));
        assert_eq!(flat(h.run("ZRANGE z 0 -1")), array(&["a", "d"]));
        assert_eq!(flat(h.run("ZREMRANGEBYSCORE z -inf +inf")), int(2));
        assert_eq!(flat(h.run("EXISTS z")), int(0));
        assert_eq!(flat(h.run("ZREMRANGEBYSCORE z x 1")), err("ERR min or max is not a float"));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZREMRANGEBYSCORE str 0 1")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

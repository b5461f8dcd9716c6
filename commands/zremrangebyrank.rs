//! ZREMRANGEBYRANK key start stop

use crate::prelude::*;

/// `ZREMRANGEBYRANK`: removes the members in a rank range; the number removed.
pub struct Zremrangebyrank;

impl Command for Zremrangebyrank {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zremrangebyrank",
            arity: 4,
            flags: &[Flag::Write],
            group: "sortedset",
            summary: "Remove all members in a sorted set within the given indexes",
            since: "2.0.0",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let (first, second) = (args.next()?, args.next()?);
        let start = crate::protocol::parse::parse_i64(first).ok_or(ReplyError::NOT_INTEGER)?;
        let stop = crate::protocol::parse::parse_i64(second).ok_or(ReplyError::NOT_INTEGER)?;
        crate::command_logic::zsets::remove_range_command(ctx, key, "zremrangebyrank", |zset| {
            crate::command_logic::zsets::rank_range(start, stop, zset.len())
        })
    }
}

inventory::submit! { Registration::new(&Zremrangebyrank, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes_ranks() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c 4 d");
        assert_eq!(flat(h.run("ZREMRANGEBYRANK z 1 2")), int(2));
        assert_eq!(flat(h.run("ZRANGE z 0 -1")), array(&["a", "d"]));
        assert_eq!(flat(h.run("ZREMRANGEBYRANK z 5 10")), int(0));
        assert_eq!(flat(h.run("ZREMRANGEBYRANK z 0 -1")), int(2));
        assert_eq!(flat(h.run("EXISTS z")), int(0));
        assert_eq!(flat(h.run("ZREMRANGEBYRANK z x 1")), err("ERR value is not an integer or out of range"));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZREMRANGEBYRANK str 0 1")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

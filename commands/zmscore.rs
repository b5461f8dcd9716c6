//! ZMSCORE key member [member ...]

use crate::prelude::*;

/// `ZMSCORE`: each member's score, nil for the absent.
pub struct Zmscore;

impl Command for Zmscore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zmscore",
            arity: -3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Get the score associated with the given members in a sorted set",
            since: "6.2.0",
            complexity: "O(N) where N is the number of members being requested.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let zset = ctx.db().get_typed::<ZSet>(key)?;
        let scores = args.rest().map(|m| zset.and_then(|z| z.score(m)).map_or(Reply::Null, Reply::Double));
        Ok(Reply::Array(scores.collect()))
    }
}

inventory::submit! { Registration::new(&Zmscore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn scores() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2.5 b");
        assert_eq!(h.wire("ZMSCORE z a x b"), "*3\r\n$1\r\n1\r\n$-1\r\n$3\r\n2.5\r\n");
        assert_eq!(h.wire("ZMSCORE missing a"), "*1\r\n$-1\r\n");
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZMSCORE str a")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

//! ZSCORE key member

use crate::prelude::*;

/// `ZSCORE`: a member's score (nil when absent), as Redis 7.0 formats it.
pub struct Zscore;

impl Command for Zscore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zscore",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Get the score associated with the given member in a sorted set",
            since: "1.2.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let member = args.next()?;
        Ok(ctx.db().get_typed::<ZSet>(key)?.and_then(|z| z.score(member)).map_or(Reply::Null, Reply::Double))
    }
}

inventory::submit! { Registration::new(&Zscore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn formats_like_redis() {
        let mut h = Harness::new();
        h.run("ZADD z 1.1 a 0.30000000000000004 b 1e300 c -0 d inf e 3 f 1e22 g 1e-5 i");
        for (m, s) in [
            ("a", "1.1000000000000001"),
            ("b", "0.30000000000000004"),
            ("c", "1.0000000000000001e+300"),
            ("d", "0"),
            ("e", "inf"),
            ("f", "3"),
            ("g", "1e+22"),
            ("i", "1.0000000000000001e-05"),
        ] {
            assert_eq!(flat(h.run(&format!("ZSCORE z {m}"))), bulk(s), "{m}");
        }
        assert_eq!(flat(h.run("ZSCORE z nope")), crate::protocol::Reply::Null);
        assert_eq!(flat(h.run("ZSCORE missing a")), crate::protocol::Reply::Null);
        h.run("HELLO 3");
        assert_eq!(h.wire("ZSCORE z a"), ",1.1000000000000001\r\n");
        assert_eq!(h.wire("ZSCORE z e"), ",inf\r\n");
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZSCORE str a")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

//! ZRANDMEMBER key [count [WITHSCORES]]

use crate::prelude::*;

/// `ZRANDMEMBER`: random members, with `SRANDMEMBER`'s count rules (a negative
/// count may repeat, at most `command_logic::sets::MAX_REPEATED`).
pub struct Zrandmember;

impl Command for Zrandmember {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrandmember",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Get one or multiple random elements from a sorted set",
            since: "6.2.0",
            complexity: "O(N) where N is the number of elements returned",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let mut rng = ctx.rng();
        if args.is_empty() {
            let zset = ctx.db().get_typed::<ZSet>(key)?;
            let member =
                zset.filter(|z| !z.is_empty()).map(|z| z.view().get(rng.usize(..z.len())).0.to_vec());
            return Ok(Reply::bulk_or_null(member));
        }
        let count = crate::command_logic::sets::random_count(args)?;
        let with_scores = args.eat("WITHSCORES");
        args.finish()?;
        if with_scores && count.unsigned_abs() > (i64::MAX / 2) as u64 {
            return Err(ReplyError::err("value is out of range"));
        }
        if count < 0 && count.unsigned_abs() > crate::command_logic::sets::MAX_REPEATED {
            return Err(ReplyError::err("value is out of range"));
        }
        let resp3 = ctx.resp3();
        let zset = match ctx.db().get_typed::<ZSet>(key)? {
            Some(z) if !z.is_empty() => z,
            _ => return Ok(Reply::Array(Vec::new())),
        };
        let view = zset.view();
        let indexes: Vec<usize> = if count < 0 {
            (0..count.unsigned_abs()).map(|_| rng.usize(..view.len())).collect()
        } else {
            crate::command_logic::sets::distinct_indexes(&mut rng, view.len(), count as u64)
        };
        let picked = indexes.into_iter().map(|i| {
            let (m, s) = view.get(i);
            (m.to_vec(), s)
        });
        Ok(crate::command_logic::zsets::scored_reply(picked.collect(), with_scores, resp3))
    }
}

inventory::submit! { Registration::new(&Zrandmember, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts() {
        let mut h = Harness::new();
        assert_eq!(h.wire("ZRANDMEMBER missing"), "$-1\r\n");
        assert_eq!(h.wire("ZRANDMEMBER missing 2"), "*0\r\n");
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("ZRANDMEMBER z 3 WITHSCORES")), array(&["a", "1", "b", "2", "c", "3"]));
        assert_eq!(flat(h.run("ZRANDMEMBER z 10")), array(&["a", "b", "c"]));
        let crate::protocol::Reply::Array(got) = h.run("ZRANDMEMBER z -20") else { panic!() };
        assert_eq!(got.len(), 20);
        let crate::protocol::Reply::Array(got) = h.run("ZRANDMEMBER z 2") else { panic!() };
        assert_eq!(got.len(), 2);
        assert_ne!(got[0], got[1]);
        h.run("HELLO 3");
        assert_eq!(h.wire("ZRANDMEMBER z -1 WITHSCORES").matches(",").count(), 1);
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a");
        h.run("SET str v");
        assert_eq!(flat(h.run("ZRANDMEMBER z x")), err("ERR value is not an integer or out of range"));
        assert_eq!(flat(h.run("ZRANDMEMBER z 1 WITHSCORE")), err("ERR syntax error"));
        assert_eq!(
            flat(h.run("ZRANDMEMBER z -9223372036854775808")),
            err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
        );
        assert_eq!(flat(h.run("ZRANDMEMBER z -1048577")), err("ERR value is out of range"));
        assert_eq!(
            flat(h.run("ZRANDMEMBER str")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

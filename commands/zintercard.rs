//! ZINTERCARD numkeys key [key ...] [LIMIT limit]

use crate::prelude::*;

/// `ZINTERCARD`: the size of the intersection, counting up to `LIMIT` (0: all).
pub struct Zintercard;

impl Command for Zintercard {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zintercard",
            arity: -3,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "sortedset",
            summary: "Intersect multiple sorted sets and return the cardinality of the result",
            since: "7.0.0",
            complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RO", "access"],
                keys: Keys { first: 1, last: 1, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let numkeys = args.next_i64()?;
        if numkeys < 1 {
            return Err(ReplyError::err("at least 1 input key is needed for 'zintercard' command"));
        }
        if numkeys as u64 > args.remaining() as u64 {
            return Err(ReplyError::SYNTAX);
        }
        let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next()).collect::<Result<_, _>>()?;
        let db = ctx.db();
        for key in &keys {
            if !matches!(db.get(key), None | Some(Value::Set(_)) | Some(Value::ZSet(_))) {
                return Err(ReplyError::WRONG_TYPE);
            }
        }
        let mut limit = 0;
        while !args.is_empty() {
            if args.remaining() >= 2 && args.eat("LIMIT") {
                let n = crate::protocol::parse::parse_i64(args.next()?)
                    .filter(|&n| n >= 0)
                    .ok_or_else(|| ReplyError::err("LIMIT can't be negative"))?;
                limit = n as usize;
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        let inputs = keys
            .iter()
            .map(|key| crate::command_logic::zsets::read_scored(ctx.db(), key))
            .collect::<Result<Vec<_>, _>>()?;
        let smallest = (0..inputs.len()).min_by_key(|&i| inputs[i].len()).unwrap_or(0);
        let others: Vec<std::collections::HashSet<&[u8]>> =
            inputs.iter().map(|input| input.iter().map(|(m, _)| &m[..]).collect()).collect();
        let mut count = 0;
        for (member, _) in &inputs[smallest] {
            if others.iter().all(|o| o.contains(&member[..])) {
                count += 1;
                if count == limit {
                    break;
                }
            }
        }
        Ok(Reply::Integer(count as i64))
    }
}

inventory::submit! { Registration::new(&Zintercard, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts() {
        let mut h = Harness::new();
        h.run("ZADD x 1 a 2 b 3 c");
        h.run("SADD y a b c d");
        assert_eq!(flat(h.run("ZINTERCARD 2 x y")), int(3));
        assert_eq!(flat(h.run("ZINTERCARD 2 x y LIMIT 2")), int(2));
        assert_eq!(flat(h.run("ZINTERCARD 1 missing")), int(0));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZINTERCARD 1 str")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            flat(h.run("ZINTERCARD 0 x")),
            err("ERR at least 1 input key is needed for 'zintercard' command")
        );
        assert_eq!(flat(h.run("ZINTERCARD 2 x")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZINTERCARD 1 x LIMIT -1")), err("ERR LIMIT can't be negative"));
        assert_eq!(flat(h.run("ZINTERCARD 1 x WEIGHTS 1")), err("ERR syntax error"));
    }
}

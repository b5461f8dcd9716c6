//! ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]

use crate::prelude::*;

/// `ZADD`: adds members or updates their scores; the number added (or
/// changed, with `CH`), or with `INCR` the new score (nil when skipped).
pub struct Zadd;

impl Command for Zadd {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zadd",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "sortedset",
            summary: "Add one or more members to a sorted set, or update its score if it already exists",
            since: "1.2.0",
            complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let mut options = crate::command_logic::zsets::AddOptions::default();
        loop {
            let flag = match args.peek() {
                Some(a) if a.eq_ignore_ascii_case(b"NX") => &mut options.nx,
                Some(a) if a.eq_ignore_ascii_case(b"XX") => &mut options.xx,
                Some(a) if a.eq_ignore_ascii_case(b"GT") => &mut options.gt,
                Some(a) if a.eq_ignore_ascii_case(b"LT") => &mut options.lt,
                Some(a) if a.eq_ignore_ascii_case(b"CH") => &mut options.ch,
                Some(a) if a.eq_ignore_ascii_case(b"INCR") => &mut options.incr,
                _ => break,
            };
            *flag = true;
            args.next()?;
        }
        // The pairs are read twice (checked, then added), not collected:
        // no allocation per request.
        let pairs = *args;
        let count = args.rest().len();
        if count == 0 || count % 2 == 1 {
            return Err(ReplyError::SYNTAX);
        }
        if options.nx && options.xx {
            return Err(ReplyError::err("XX and NX options at the same time are not compatible"));
        }
        if ((options.gt || options.lt) && options.nx) || (options.gt && options.lt) {
            return Err(ReplyError::err("GT, LT, and/or NX options at the same time are not compatible"));
        }
        if options.incr && count > 2 {
            return Err(ReplyError::err("INCR option supports a single increment-element pair"));
        }
        // Every score is valid before anything changes, as in Redis.
        for score in pairs.clone().rest().step_by(2) {
            crate::command_logic::zsets::parse_score(score)?;
        }
        let db = ctx.db();
        let limits = db.limits();
        // One lookup for an existing key; a new one is sized for the pairs given, as in Redis.
        let zset = match db.get_typed_mut::<ZSet>(key)? {
            Some(zset) => zset,
            None if options.xx => return Ok(if options.incr { Reply::Null } else { Reply::Integer(0) }),
            None => {
                let longest = pairs.clone().rest().skip(1).step_by(2).map(<[u8]>::len).max().unwrap_or(0);
                db.set(key, Value::ZSet(ZSet::sized_for(count / 2, longest, &limits)));
                db.get_typed_mut::<ZSet>(key)?.expect("created above")
            }
        };
        let (mut added, mut updated, mut last) = (0, 0, None);
        let mut failure = None;
        let mut rest = pairs.clone().rest();
        while let (Some(score), Some(member)) = (rest.next(), rest.next()) {
            let score = crate::command_logic::zsets::parse_score(score)?;
            match crate::command_logic::zsets::add_one(zset, member, score, options, &limits) {
                Ok(crate::command_logic::zsets::Added::New(s)) => (added, last) = (added + 1, Some(s)),
                Ok(crate::command_logic::zsets::Added::Updated(s)) => {
                    (updated, last) = (updated + 1, Some(s))
                }
                Ok(crate::command_logic::zsets::Added::Unchanged(s)) => last = Some(s),
                Ok(crate::command_logic::zsets::Added::Skipped) => {}
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        db.remove_if_empty(key);
        if added + updated > 0 {
            ctx.notify(EventClass::SortedSet, if options.incr { "zincr" } else { "zadd" }, key);
        }
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(match (options.incr, last) {
            (true, Some(score)) => Reply::Double(score),
            (true, None) => Reply::Null,
            (false, _) => Reply::Integer(if options.ch { added + updated } else { added }),
        })
    }
}

inventory::submit! { Registration::new(&Zadd, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn adds_and_updates() {
        let mut h = Harness::new();
        assert_eq!(flat(h.run("ZADD z 1 a 2 b")), int(2));
        assert_eq!(flat(h.run("ZADD z 3 a 2 b 4 c")), int(1));
        assert_eq!(flat(h.run("ZADD z CH 5 a 2 b 6 d")), int(2));
        assert_eq!(
            h.wire("ZRANGE z 0 -1 WITHSCORES"),
            "*8\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\na\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n6\r\n"
        );
        assert_eq!(flat(h.run("OBJECT ENCODING z")), bulk("listpack"));
        assert_eq!(flat(h.run("TYPE z")), crate::protocol::Reply::simple("zset"));
    }

    #[test]
    fn flags() {
        let mut h = Harness::new();
        h.run("ZADD z 10 a");
        assert_eq!(flat(h.run("ZADD z NX 20 a 1 b")), int(1));
        assert_eq!(flat(h.run("ZSCORE z a")), bulk("10"));
        assert_eq!(flat(h.run("ZADD z XX 20 a 1 c")), int(0));
        assert_eq!(flat(h.run("ZSCORE z a")), bulk("20"));
        assert_eq!(flat(h.run("ZSCORE z c")), crate::protocol::Reply::Null);
        assert_eq!(flat(h.run("ZADD z GT CH 5 a")), int(0));
        assert_eq!(flat(h.run("ZADD z GT CH 25 a")), int(1));
        assert_eq!(flat(h.run("ZADD z LT CH 30 a 0 b")), int(1));
        assert_eq!(flat(h.run("ZADD z INCR 5 a")), bulk("30"));
        assert_eq!(flat(h.run("ZADD z NX INCR 5 a")), crate::protocol::Reply::Null);
        assert_eq!(flat(h.run("ZADD z XX INCR 5 new")), crate::protocol::Reply::Null);
        assert_eq!(flat(h.run("ZADD missing XX 1 a")), int(0));
        assert_eq!(flat(h.run("EXISTS missing")), int(0));
        assert_eq!(flat(h.run("ZADD z INCR inf a")), bulk("inf"));
        assert_eq!(flat(h.run("ZADD z INCR -inf a")), err("ERR resulting score is not a number (NaN)"));
        h.run("HELLO 3");
        assert_eq!(h.wire("ZADD z INCR 1.5 b"), ",1.5\r\n");
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(flat(h.run("ZADD z 1")), err("ERR wrong number of arguments for 'zadd' command"));
        assert_eq!(flat(h.run("ZADD z 1 a 2")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZADD z NX 1")), err("ERR syntax error"));
        assert_eq!(
            flat(h.run("ZADD z NX XX 1 a")),
            err("ERR XX and NX options at the same time are not compatible")
        );
        assert_eq!(
            flat(h.run("ZADD z GT LT 1 a")),
            err("ERR GT, LT, and/or NX options at the same time are not compatible")
        );
        assert_eq!(
            flat(h.run("ZADD z GT NX 1 a")),
            err("ERR GT, LT, and/or NX options at the same time are not compatible")
        );
        assert_eq!(
            flat(h.run("ZADD z INCR 1 a 2 b")),
            err("ERR INCR option supports a single increment-element pair")
        );
        assert_eq!(flat(h.run("ZADD z nan a")), err("ERR value is not a valid float"));
        assert_eq!(flat(h.run("ZADD z 1 a x b")), err("ERR value is not a valid float"));
        assert_eq!(flat(h.run("EXISTS z")), int(0));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZADD str 1 a")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }

    #[test]
    fn encoding_follows_the_settings() {
        let mut h = Harness::new();
        h.run("CONFIG SET zset-max-ziplist-entries 2 zset-max-listpack-value 3");
        h.run("ZADD z 1 a 2 b");
        assert_eq!(flat(h.run("OBJECT ENCODING z")), bulk("listpack"));
        h.run("ZADD z 3 c");
        assert_eq!(flat(h.run("OBJECT ENCODING z")), bulk("skiplist"));
        h.run("ZADD long 1 abcd");
        assert_eq!(flat(h.run("OBJECT ENCODING long")), bulk("skiplist"));
        h.run("ZADD many 1 a 2 a 3 a");
        assert_eq!(
            flat(h.run("OBJECT ENCODING many")),
            bulk("skiplist"),
            "sized for the pairs given, as Redis"
        );
        assert_eq!(flat(h.run("ZCARD many")), int(1));
    }

    #[test]
    fn events() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a");
        assert_eq!(h.events(), ["0:zadd:z"]);
        h.run("ZADD z 1 a");
        assert_eq!(h.events(), Vec::<String>::new(), "nothing changed");
        h.run("ZADD z INCR 1 a");
        assert_eq!(h.events(), ["0:zincr:z"]);
        h.run("ZINCRBY z 1 a");
        assert_eq!(h.events(), ["0:zincr:z"]);
        h.run("ZREM z a");
        assert_eq!(h.events(), ["0:zrem:z", "0:del:z"]);
        h.run("ZADD z 1 a 2 b 3 c");
        h.run("ZREMRANGEBYSCORE z 1 1");
        assert_eq!(h.events(), ["0:zremrangebyscore:z"]);
        h.run("ZPOPMIN z 5");
        assert_eq!(h.events(), ["0:zpopmin:z", "0:del:z"]);
        h.run("ZADD z 1 a");
        h.run("ZUNIONSTORE d 1 z");
        assert_eq!(h.events(), ["0:zunionstore:d"]);
        h.run("ZMPOP 1 z MAX");
        assert_eq!(h.propagated(), logged(&["ZPOPMAX z 1"]));
    }
}

//! SPOP key [count]

use crate::prelude::*;

/// `SPOP`: removes and returns random members: one (nil when there is no
/// key), or up to `count` distinct ones. Propagated as `SREM` of the members
/// taken, so replicas and the AOF agree.
pub struct Spop;

impl Command for Spop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "spop",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "set",
            summary: "Remove and return one or multiple random members from a set",
            since: "1.0.0",
            complexity:
                "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let count = match args.peek() {
            None => None,
            Some(arg) => {
                // Redis answers "out of range" for anything but a count >= 0.
                let count = crate::protocol::parse::parse_i64(arg)
                    .filter(|&n| n >= 0)
                    .ok_or_else(|| ReplyError::err("value is out of range, must be positive"))?;
                args.next()?;
                args.finish()?;
                Some(count as u64)
            }
        };
        let mut rng = ctx.rng();
        let db = ctx.db();
        let Some(set) = db.get_typed_mut::<Set>(key)? else {
            return Ok(match count {
                None => Reply::Null,
                Some(_) => Reply::Set(Vec::new()),
            });
        };
        let taken: Vec<Vec<u8>> = match count {
            None => vec![set.take(rng.usize(..set.len()))],
            Some(count) => {
                let mut indexes = crate::command_logic::sets::distinct_indexes(&mut rng, set.len(), count);
                // Highest first, so each removal leaves the lower positions alone
                // in a table (it moves the last member into the hole).
                indexes.reverse();
                let mut members: Vec<Vec<u8>> = indexes.iter().map(|&i| set.get(i).to_vec()).collect();
                members.iter().for_each(|m| {
                    set.remove(m);
                });
                // Replied in the set's order, as Redis returns a whole set.
                members.reverse();
                members
            }
        };
        db.remove_if_empty(key);
        if taken.is_empty() {
            ctx.propagate_none();
            return Ok(Reply::Set(Vec::new()));
        }
        let mut srem: Vec<&[u8]> = vec![b"SREM", key];
        srem.extend(taken.iter().map(Vec::as_slice));
        ctx.propagate_as(&srem);
        ctx.notify(EventClass::Set, "spop", key);
        if !ctx.db().contains(key) {
            ctx.notify(EventClass::Generic, "del", key);
        }
        Ok(match count {
            None => Reply::Bulk(taken.into_iter().next().expect("one taken")),
            Some(_) => Reply::Set(taken.into_iter().map(Reply::Bulk).collect()),
        })
    }
}

inventory::submit! { Registration::new(&Spop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn pops_one() {
        let mut h = Harness::new();
        assert_eq!(h.wire("SPOP missing"), "$-1\r\n");
        h.run("SADD s only");
        assert_eq!(h.run("SPOP s"), bulk("only"));
        assert_eq!(h.run("EXISTS s"), int(0));
    }

    #[test]
    fn pops_many() {
        let mut h = Harness::new();
        h.run("SADD s 1 2 3 4 5 a");
        let crate::protocol::Reply::Set(got) = h.run("SPOP s 4") else { panic!() };
        assert_eq!(got.len(), 4);
        assert_eq!(h.run("SCARD s"), int(2));
        for m in &got {
            let crate::protocol::Reply::Bulk(m) = m else { panic!() };
            assert_eq!(h.run_args(&[&b"SISMEMBER"[..], b"s", m]), int(0));
        }
        assert_eq!(h.wire("SPOP s 0"), "*0\r\n");
        let crate::protocol::Reply::Set(rest) = h.run("SPOP s 10") else { panic!() };
        assert_eq!(rest.len(), 2);
        assert_eq!(h.run("EXISTS s"), int(0));
        assert_eq!(h.wire("SPOP missing 3"), "*0\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("SPOP missing 3"), "~0\r\n");
        h.run("SADD t x");
        assert_eq!(h.wire("SPOP t 1"), "~1\r\n$1\r\nx\r\n");
    }

    #[test]
    fn big_table_pops_distinct() {
        let mut h = Harness::new();
        for i in 0..600 {
            h.run(&format!("SADD s m{i}"));
        }
        let crate::protocol::Reply::Set(got) = h.run("SPOP s 300") else { panic!() };
        let distinct: std::collections::HashSet<_> = got.iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(distinct.len(), 300);
        assert_eq!(h.run("SCARD s"), int(300));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        assert_eq!(h.run("SPOP s -1"), err("ERR value is out of range, must be positive"));
        assert_eq!(h.run("SPOP s x"), err("ERR value is out of range, must be positive"));
        assert_eq!(h.run("SPOP s 1 2"), err("ERR syntax error"));
        assert_eq!(
            h.run("SPOP str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("SPOP str 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }

    #[test]
    fn events_and_propagation() {
        let mut h = Harness::new();
        h.run("SADD s a");
        assert_eq!(h.events(), ["0:sadd:s"]);
        h.run("SPOP s");
        assert_eq!(h.events(), ["0:spop:s", "0:del:s"]);
        assert_eq!(h.propagated(), logged(&["SREM s a"]));
        h.run("SADD s 1 2 3");
        h.run("SPOP s 2");
        assert_eq!(h.events(), ["0:spop:s"]);
        let lines = h.propagated().unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("SREM s "));
        h.run("SPOP missing 2");
        assert_eq!(h.events(), Vec::<String>::new());
    }
}

//! ZSCAN key cursor [MATCH pattern] [COUNT count]

use crate::command_logic::keys::parse_scan_cursor;
use crate::prelude::*;
use crate::store::glob::glob_match;

/// `ZSCAN`: iterates a sorted set's members and scores with a cursor. A
/// listpack comes back whole with cursor 0 (as Redis); a bigger one is
/// walked `COUNT` members at a time (see `scan_step` for the guarantee).
pub struct Zscan;

impl Command for Zscan {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zscan",
            arity: -3,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Incrementally iterate sorted sets elements and associated scores",
            since: "2.8.0",
            complexity:
                "O(1) for every call. O(N) for a complete iteration, including enough command calls for \
                         the cursor to return back to 0. N is the number of elements inside the collection..",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let cursor = parse_scan_cursor(args.next()?)?;
        // As in Redis, a missing key answers before the options are read.
        let Some(zset) = ctx.db().get_typed::<ZSet>(key)? else {
            return Ok(crate::command_logic::keys::scan_reply(0, Vec::new()));
        };
        let (pattern, count) = crate::command_logic::keys::scan_options(args)?;
        let mut items = Vec::new();
        let visit = |member: &[u8], score: f64| {
            if pattern.is_none_or(|p| glob_match(p, member, false)) {
                // A bulk string in RESP3 too, as Redis sends it.
                items
                    .extend([Reply::bulk(member), Reply::bulk(crate::protocol::reply::format_double(score))]);
            }
        };
        let next = zset.scan(cursor, count, visit);
        Ok(crate::command_logic::keys::scan_reply(next, items))
    }
}

inventory::submit! { Registration::new(&Zscan, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn listpack_comes_back_whole() {
        let mut h = Harness::new();
        h.run("ZADD z 2 b 1 a");
        assert_eq!(
            h.wire("ZSCAN z 0 COUNT 1"),
            "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        assert_eq!(h.wire("ZSCAN z 0 MATCH b"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
        assert_eq!(h.wire("ZSCAN missing 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
    }

    #[test]
    fn skiplist_is_walked() {
        let mut h = Harness::new();
        for i in 0..200 {
            h.run(&format!("ZADD z {i} m{i}"));
        }
        let (mut cursor, mut seen) = ("0".to_string(), 0);
        loop {
            let crate::protocol::Reply::Array(parts) = h.run(&format!("ZSCAN z {cursor} COUNT 30")) else {
                panic!()
            };
            let [crate::protocol::Reply::Bulk(next), crate::protocol::Reply::Array(items)] = &parts[..]
            else {
                panic!()
            };
            assert!(items.len() <= 60);
            seen += items.len() / 2;
            cursor = String::from_utf8(next.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen, 200);
    }

    #[test]
    fn every_member_present_throughout_is_returned_despite_changes() {
        let mut h = Harness::new();
        for i in 0..300 {
            h.run(&format!("ZADD z {i} m{i}"));
        }
        let (mut cursor, mut seen, mut step) = ("0".to_string(), std::collections::HashSet::new(), 0);
        loop {
            let crate::protocol::Reply::Array(parts) = h.run(&format!("ZSCAN z {cursor} COUNT 9")) else {
                panic!()
            };
            let [crate::protocol::Reply::Bulk(next), crate::protocol::Reply::Array(items)] = &parts[..]
            else {
                panic!()
            };
            for pair in items.chunks(2) {
                let crate::protocol::Reply::Bulk(m) = &pair[0] else { panic!() };
                seen.insert(String::from_utf8(m.clone()).unwrap());
            }
            step += 1;
            h.run(&format!("ZREM z m{}", step * 5));
            h.run(&format!("ZADD z -{step} new{step}"));
            cursor = String::from_utf8(next.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        for i in (0..300).filter(|i| i % 5 != 0 || i / 5 > step) {
            assert!(seen.contains(&format!("m{i}")), "m{i} missed");
        }
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        h.run("ZADD z 1 a");
        assert_eq!(
            h.run("ZSCAN str 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("ZSCAN z x"), err("ERR invalid cursor"));
        assert_eq!(h.run("ZSCAN z 0 COUNT 0"), err("ERR syntax error"));
    }
}

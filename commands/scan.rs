//! SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]

use crate::prelude::*;
use crate::store::glob::glob_match;

/// `SCAN`: one step of an incremental walk over the selected database's
/// keys; replies `[next cursor, keys]`, cursor 0 when the walk is done.
/// Every key present for the whole walk is returned at least once.
pub struct Scan;

impl Command for Scan {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "scan",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "generic",
            summary: "Incrementally iterate the keys space",
            since: "2.8.0",
            complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let cursor = crate::command_logic::keys::parse_scan_cursor(args.next()?)?;
        let (mut pattern, mut count, mut kind) = (None, 10, None);
        while let Some(option) = args.peek() {
            args.next()?;
            if args.is_empty() {
                return Err(ReplyError::SYNTAX);
            }
            if option.eq_ignore_ascii_case(b"COUNT") {
                count = args.next_i64()?;
                if count < 1 {
                    return Err(ReplyError::SYNTAX);
                }
            } else if option.eq_ignore_ascii_case(b"MATCH") {
                // `*` matches everything: no filtering at all.
                pattern = Some(args.next()?).filter(|p| *p != b"*");
            } else if option.eq_ignore_ascii_case(b"TYPE") {
                // Compared without case; an unknown type simply matches nothing.
                kind = Some(args.next()?);
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        let mut keys = Vec::new();
        // Each slot visited counts towards COUNT, as each bucket does in Redis.
        // Filters run in Redis's order; like Redis, an expired key that passes
        // MATCH is deleted on the way, which only moves already visited keys.
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let next = ctx.db().scan(cursor, count, |db, key| {
            if pattern.is_some_and(|p| !glob_match(p, &key, false)) {
                return;
            }
            let wanted = match kind {
                // A read lookup in Redis: it counts a keyspace hit or miss.
                Some(kind) => db
                    .lookup_no_touch(&key)
                    .is_some_and(|value| value.type_name().as_bytes().eq_ignore_ascii_case(kind)),
                None => db.contains(&key),
            };
            if wanted {
                keys.push(key);
            }
        });
        Ok(Reply::Array(vec![Reply::bulk(next.to_string()), Reply::bulks(keys)]))
    }
}

inventory::submit! { Registration::new(&Scan, module_path!()) }

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::protocol::Reply;
    use crate::testing::*;

    /// One SCAN call: (next cursor, keys).
    fn step(h: &mut Harness, line: &str) -> (String, Vec<Vec<u8>>) {
        let Reply::Array(mut parts) = h.run(line) else { panic!("not an array for {line}") };
        let (Some(Reply::Array(keys)), Some(Reply::Bulk(cursor))) = (parts.pop(), parts.pop()) else {
            panic!("bad SCAN reply for {line}");
        };
        let keys = keys.into_iter().map(|k| if let Reply::Bulk(k) = k { k } else { panic!() }).collect();
        (String::from_utf8(cursor).unwrap(), keys)
    }

    /// Every key a full iteration returns (the options follow the cursor).
    fn full(h: &mut Harness, options: &str) -> HashSet<Vec<u8>> {
        let (mut cursor, mut seen) = ("0".to_string(), HashSet::new());
        loop {
            let (next, keys) = step(h, &format!("SCAN {cursor} {options}"));
            seen.extend(keys);
            if next == "0" {
                return seen;
            }
            cursor = next;
        }
    }

    fn set(keys: &[&str]) -> HashSet<Vec<u8>> {
        keys.iter().map(|k| k.as_bytes().to_vec()).collect()
    }

    #[test]
    fn empty_database_and_reply_shape() {
        let mut h = Harness::new();
        assert_eq!(h.wire("SCAN 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
        h.run("SET a 1");
        assert_eq!(h.wire("SCAN 0"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("SCAN 0"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
    }

    #[test]
    fn count_pages_through_every_key() {
        let mut h = Harness::new();
        for i in 0..25 {
            h.run(&format!("SET k{i} v"));
        }
        let (cursor, keys) = step(&mut h, "SCAN 0");
        assert_eq!(keys.len(), 10, "COUNT defaults to 10");
        assert_ne!(cursor, "0");
        let (cursor, keys) = step(&mut h, "SCAN 0 COUNT 1000");
        assert_eq!((cursor.as_str(), keys.len()), ("0", 25));
        assert_eq!(full(&mut h, "COUNT 3").len(), 25);
        assert_eq!(full(&mut h, "count 1 COUNT 7").len(), 25, "the last COUNT wins");
    }

    #[test]
    fn match_and_type_filters() {
        let mut h = Harness::new();
        for key in ["user:1", "user:2", "user:10", "other"] {
            h.run(&format!("SET {key} v"));
        }
        h.run("HSET user:h f v");
        assert_eq!(full(&mut h, "MATCH user:?"), set(&["user:1", "user:2", "user:h"]));
        assert_eq!(full(&mut h, "MATCH * COUNT 2").len(), 5);
        assert_eq!(full(&mut h, "MATCH user:[^1]*"), set(&["user:2", "user:h"]));
        assert_eq!(full(&mut h, "TYPE hash"), set(&["user:h"]));
        assert_eq!(full(&mut h, "TYPE STRING MATCH user:1*"), set(&["user:1", "user:10"]));
        assert_eq!(full(&mut h, "TYPE list"), set(&[]));
        assert_eq!(full(&mut h, "TYPE nosuchtype"), set(&[]), "unknown types match nothing");
        assert_eq!(full(&mut h, "MATCH nomatch*"), set(&[]));
    }

    #[test]
    fn binary_keys_and_patterns() {
        let mut h = Harness::new();
        h.run_args(&[&b"SET"[..], b"a\x00\xff", b"v"]);
        h.run("SET b v");
        let Reply::Array(parts) = h.run_args(&[&b"SCAN"[..], b"0", b"MATCH", b"a\x00*"]) else { panic!() };
        assert_eq!(parts[1], Reply::Array(vec![Reply::Bulk(b"a\x00\xff".to_vec())]));
    }

    #[test]
    fn expired_keys_are_skipped_and_deleted_when_they_pass_match() {
        let mut h = Harness::new();
        h.run("SET live v");
        h.run("SET dead1 v PX 10");
        h.run("SET dead2 v PX 10");
        h.advance_ms(10);
        assert_eq!(full(&mut h, "MATCH nomatch"), set(&[]));
        assert_eq!(h.run("DBSIZE"), int(3), "filtered out by MATCH first: not looked at");
        assert_eq!(full(&mut h, "MATCH *1"), set(&[]));
        assert_eq!(h.run("DBSIZE"), int(2));
        assert_eq!(full(&mut h, ""), set(&["live"]));
        assert_eq!(h.run("DBSIZE"), int(1));
    }

    #[test]
    fn type_filter_counts_hits_like_redis() {
        let mut h = Harness::new();
        h.run("SET a v");
        h.run("HSET h f v");
        h.run("SCAN 0");
        assert_eq!(h.shared.store.stats().hits, 0);
        h.run("SCAN 0 TYPE string");
        assert_eq!(h.shared.store.stats().hits, 2);
    }

    #[test]
    fn cursor_parsing() {
        let mut h = Harness::new();
        h.run("SET a v");
        for ok in ["0", "\"\"", "00", "+0", "-0", "-1", "18446744073709551615", "-18446744073709551615"] {
            assert!(!h.run(&format!("SCAN {ok}")).is_error(), "{ok}");
        }
        for bad in ["x", "1x", "\" 0\"", "-", "+", "18446744073709551616", "-18446744073709551616", "1.0"] {
            assert_eq!(h.run(&format!("SCAN {bad}")), err("ERR invalid cursor"), "{bad}");
        }
        assert_eq!(h.run("SCAN x COUNT 0"), err("ERR invalid cursor"), "the cursor is checked first");
    }

    #[test]
    fn option_errors() {
        let mut h = Harness::new();
        let syntax = "ERR syntax error";
        assert_eq!(h.run("SCAN 0 COUNT 0"), err(syntax));
        assert_eq!(h.run("SCAN 0 COUNT -1"), err(syntax));
        assert_eq!(h.run("SCAN 0 COUNT x"), err("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("SCAN 0 COUNT 99999999999999999999"),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(h.run("SCAN 0 COUNT"), err(syntax));
        assert_eq!(h.run("SCAN 0 MATCH"), err(syntax));
        assert_eq!(h.run("SCAN 0 TYPE"), err(syntax));
        assert_eq!(h.run("SCAN 0 FOO bar"), err(syntax));
        assert_eq!(h.run("SCAN 0 COUNT 0 FOO"), err(syntax));
        assert_eq!(h.run("SCAN 0 COUNT x FOO"), err("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("SCAN 0 COUNT 9223372036854775807"),
            Reply::Array(vec![bulk("0"), Reply::Array(vec![])])
        );
        assert_eq!(h.run("SCAN"), err("ERR wrong number of arguments for 'scan' command"));
    }

    /// A full iteration while keys are added and removed between calls
    /// returns every key that was present the whole time.
    #[test]
    fn full_iteration_under_churn_misses_no_stable_key() {
        let mut h = Harness::new();
        for i in 0..500 {
            h.run(&format!("SET stable:{i} v"));
            h.run(&format!("SET churn:{i} v"));
        }
        let (mut cursor, mut seen, mut round) = ("0".to_string(), HashSet::new(), 0);
        loop {
            let (next, keys) = step(&mut h, &format!("SCAN {cursor} COUNT 17"));
            seen.extend(keys);
            // Between calls: delete churn keys (some visited, some not),
            // add new keys, and let a few volatile ones expire.
            for j in 0..5 {
                h.run(&format!("DEL churn:{}", (round * 37 + j * 101) % 500));
                h.run(&format!("SET new:{round}:{j} v"));
            }
            h.run(&format!("SET brief:{round} v PX 1"));
            h.advance_ms(1);
            round += 1;
            if next == "0" {
                break;
            }
            cursor = next;
        }
        assert!(round > 10, "the walk took several steps");
        for i in 0..500 {
            assert!(seen.contains(format!("stable:{i}").as_bytes()), "stable:{i} missed");
        }
    }
}

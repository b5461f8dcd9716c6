//! HSCAN key cursor [MATCH pattern] [COUNT count]

use crate::command_logic::keys::parse_scan_cursor;
use crate::prelude::*;
use crate::store::glob::glob_match;

/// `HSCAN`: iterates a hash's fields and values with a cursor. A hash Redis
/// would keep listpack-encoded comes back whole with cursor 0 (Redis
/// ignores `COUNT` for those too); a bigger one is walked `COUNT` fields at
/// a time (see `scan_step` for the guarantee). `MATCH` filters fields.
pub struct Hscan;

impl Command for Hscan {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hscan",
            arity: -3,
            flags: &[Flag::Readonly],
            group: "hash",
            summary: "Incrementally iterate hash fields and associated values",
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
        let Some(hash) = ctx.db().get_hash(key)? else {
            return Ok(crate::command_logic::keys::scan_reply(0, Vec::new()));
        };
        let (pattern, count) = crate::command_logic::keys::scan_options(args)?;
        let mut items = Vec::new();
        let visit = |field: &[u8], value: &[u8]| {
            if pattern.is_none_or(|p| glob_match(p, field, false)) {
                items.extend([Reply::bulk(field), Reply::bulk(value)]);
            }
        };
        let next = hash.scan(cursor, count, visit);
        Ok(crate::command_logic::keys::scan_reply(next, items))
    }
}

inventory::submit! { Registration::new(&Hscan, module_path!()) }

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::protocol::Reply;
    use crate::testing::*;

    /// (next cursor, field -> value) of one HSCAN call.
    fn scan(h: &mut Harness, line: &str) -> (String, Vec<(String, String)>) {
        let Reply::Array(parts) = h.run(line) else { panic!("array expected for {line}") };
        let [Reply::Bulk(cursor), Reply::Array(items)] = &parts[..] else { panic!("bad reply {parts:?}") };
        let text = |r: &Reply| match r {
            Reply::Bulk(b) => String::from_utf8(b.clone()).unwrap(),
            other => panic!("bulk expected, got {other:?}"),
        };
        let pairs = items.chunks(2).map(|p| (text(&p[0]), text(&p[1]))).collect();
        (String::from_utf8(cursor.clone()).unwrap(), pairs)
    }

    #[test]
    fn small_hash_comes_back_whole() {
        let mut h = Harness::new();
        h.run("HSET h b 1 a 2 c 3");
        assert_eq!(
            h.wire("HSCAN h 0"),
            "*2\r\n$1\r\n0\r\n*6\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
        );
        for line in ["HSCAN h 0 COUNT 1", "HSCAN h 5", "HSCAN h 18446744073709551615", "HSCAN h -1 count 2"] {
            let (cursor, pairs) = scan(&mut h, line);
            assert_eq!((cursor.as_str(), pairs.len()), ("0", 3), "{line}");
        }
        h.run("HELLO 3");
        assert_eq!(h.wire("HSCAN h 0 MATCH a"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n2\r\n");
    }

    #[test]
    fn a_scan_over_a_conversion_returns_every_field() {
        let mut h = Harness::new();
        h.run("CONFIG SET hash-max-listpack-entries 4");
        h.run("HSET h a 1 b 2 c 3 d 4");
        let (cursor, pairs) = scan(&mut h, "HSCAN h 0 COUNT 1");
        assert_eq!((cursor.as_str(), pairs.len()), ("0", 4), "a listpack comes back whole");
        h.run("HSET h e 5");
        assert_eq!(h.run("OBJECT ENCODING h"), bulk("hashtable"));
        let (mut cursor, mut seen) = (String::from("0"), std::collections::HashSet::new());
        let mut added = 0;
        loop {
            let (next, pairs) = scan(&mut h, &format!("HSCAN h {cursor} COUNT 1"));
            seen.extend(pairs.into_iter().map(|(field, _)| field));
            added += 1;
            h.run(&format!("HSET h new{added} v"));
            if next == "0" {
                break;
            }
            cursor = next;
        }
        for field in ["a", "b", "c", "d", "e"] {
            assert!(seen.contains(field), "{field} missed");
        }
    }

    #[test]
    fn match_filters_fields_only() {
        let mut h = Harness::new();
        h.run("HSET h user:1 x user:2 y other user:9 'a[b' z");
        let (_, pairs) = scan(&mut h, "HSCAN h 0 MATCH user:*");
        assert_eq!(pairs, vec![("user:1".into(), "x".into()), ("user:2".into(), "y".into())]);
        let (_, pairs) = scan(&mut h, "HSCAN h 0 MATCH user:[^1] COUNT 100");
        assert_eq!(pairs, vec![("user:2".into(), "y".into())]);
        let (_, pairs) = scan(&mut h, "HSCAN h 0 match a\\[b");
        assert_eq!(pairs, vec![("a[b".into(), "z".into())]);
        let (_, pairs) = scan(&mut h, "HSCAN h 0 MATCH nothing* MATCH *");
        assert_eq!(pairs.len(), 4, "the last MATCH wins");
    }

    #[test]
    fn big_hash_is_walked_with_the_cursor() {
        let mut h = Harness::new();
        // Past hash-max-listpack-entries (512), so the cursor is used.
        for i in 0..600 {
            h.run(&format!("HSET h f{i} v{i}"));
        }
        let (mut cursor, mut seen, mut calls) = ("0".to_string(), HashMap::new(), 0);
        loop {
            let (next, pairs) = scan(&mut h, &format!("HSCAN h {cursor} COUNT 25"));
            assert!(pairs.len() <= 25);
            seen.extend(pairs);
            calls += 1;
            cursor = next;
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 600);
        assert!(seen.iter().all(|(f, v)| f[1..] == v[1..]), "values travel with their fields");
        assert!(calls >= 24);
        let (_, pairs) = scan(&mut h, "HSCAN h 0");
        assert_eq!(pairs.len(), 10, "COUNT defaults to 10");
    }

    #[test]
    fn every_field_present_throughout_is_returned_despite_changes() {
        let mut h = Harness::new();
        for i in 0..200 {
            h.run(&format!("HSET h f{i} v"));
        }
        let (mut cursor, mut seen, mut step) = ("0".to_string(), std::collections::HashSet::new(), 0);
        loop {
            let (next, pairs) = scan(&mut h, &format!("HSCAN h {cursor} COUNT 7"));
            seen.extend(pairs.into_iter().map(|(f, _)| f));
            step += 1;
            h.run(&format!("HDEL h f{}", step * 5));
            h.run(&format!("HSET h new{step} v"));
            cursor = next;
            if cursor == "0" {
                break;
            }
        }
        for i in (0..200).filter(|i| i % 5 != 0 || i / 5 > step) {
            assert!(seen.contains(&format!("f{i}")), "f{i} missed");
        }
    }

    #[test]
    fn long_values_make_a_hash_big() {
        let mut h = Harness::new();
        let long = "x".repeat(65);
        for i in 0..30 {
            h.run(&format!("HSET h f{i} {long}"));
        }
        let (cursor, pairs) = scan(&mut h, "HSCAN h 0 COUNT 5");
        assert_ne!(cursor, "0");
        assert_eq!(pairs.len(), 5);
    }

    #[test]
    fn cursor_syntax() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        for ok in ["0", "+5", "-1", "007", "''", "-0", "18446744073709551615", "-18446744073709551615"] {
            assert_eq!(scan(&mut h, &format!("HSCAN h {ok}")).0, "0", "{ok}");
        }
        assert_eq!(scan(&mut h, "HSCAN h \"1\\x00ab\"").0, "0", "a NUL ends the cursor, as in C");
        for bad in
            ["abc", "' 1'", "'1 '", "-", "+", "0x10", "1.0", "18446744073709551616", "-18446744073709551616"]
        {
            assert_eq!(h.run(&format!("HSCAN h {bad}")), err("ERR invalid cursor"), "{bad}");
        }
        assert_eq!(h.run("HSCAN missing abc"), err("ERR invalid cursor"), "checked before the key");
    }

    #[test]
    fn option_errors() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        for bad in
            ["COUNT 0", "COUNT -1", "COUNT", "MATCH", "FOO bar", "TYPE string", "COUNT 1 x", "MATCH * COUNT"]
        {
            assert_eq!(h.run(&format!("HSCAN h 0 {bad}")), err("ERR syntax error"), "{bad}");
        }
        let not_integer = "ERR value is not an integer or out of range";
        assert_eq!(h.run("HSCAN h 0 COUNT abc"), err(not_integer));
        assert_eq!(h.run("HSCAN h 0 COUNT 9223372036854775808"), err(not_integer));
        assert_eq!(scan(&mut h, "HSCAN h 0 count 9223372036854775807").1.len(), 1);
        // Redis answers for a missing key before it reads the options.
        assert_eq!(h.wire("HSCAN missing 0 COUNT 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(h.wire("HSCAN missing 0 FOO"), "*2\r\n$1\r\n0\r\n*0\r\n");
    }

    #[test]
    fn wrong_type_arity_and_expired() {
        let mut h = Harness::new();
        h.run("SET s v");
        let wrong_type = "WRONGTYPE Operation against a key holding the wrong kind of value";
        assert_eq!(h.run("HSCAN s 0"), err(wrong_type));
        assert_eq!(h.run("HSCAN s 0 COUNT 0"), err(wrong_type), "the type is checked before the options");
        assert_eq!(h.run("HSCAN h"), err("ERR wrong number of arguments for 'hscan' command"));
        h.run("HSET h f v");
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.wire("HSCAN h 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
    }
}

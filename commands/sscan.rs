//! SSCAN key cursor [MATCH pattern] [COUNT count]

use crate::command_logic::keys::parse_scan_cursor;
use crate::prelude::*;
use crate::store::glob::glob_match;

/// `SSCAN`: iterates a set's members with a cursor. An intset comes back
/// whole with cursor 0 (Redis ignores `COUNT` for those too); a table is
/// walked `COUNT` members at a time (see `scan_step` for the guarantee).
pub struct Sscan;

impl Command for Sscan {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sscan",
            arity: -3,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Incrementally iterate Set elements",
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
        let Some(set) = ctx.db().get_typed::<Set>(key)? else {
            return Ok(crate::command_logic::keys::scan_reply(0, Vec::new()));
        };
        let (pattern, count) = crate::command_logic::keys::scan_options(args)?;
        let mut items = Vec::new();
        let visit = |member: &[u8]| {
            if pattern.is_none_or(|p| glob_match(p, member, false)) {
                items.push(Reply::bulk(member));
            }
        };
        let next = set.scan(cursor, count, visit);
        Ok(crate::command_logic::keys::scan_reply(next, items))
    }
}

inventory::submit! { Registration::new(&Sscan, module_path!()) }

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::protocol::Reply;
    use crate::testing::*;

    fn scan(h: &mut Harness, line: &str) -> (String, Vec<String>) {
        let Reply::Array(parts) = h.run(line) else { panic!("array expected for {line}") };
        let [Reply::Bulk(cursor), Reply::Array(items)] = &parts[..] else { panic!("bad reply {parts:?}") };
        let members = items
            .iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8(b.clone()).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        (String::from_utf8(cursor.clone()).unwrap(), members)
    }

    #[test]
    fn intset_comes_back_whole() {
        let mut h = Harness::new();
        h.run("SADD s 3 1 2");
        assert_eq!(h.wire("SSCAN s 0 COUNT 1"), "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
        assert_eq!(scan(&mut h, "SSCAN s 0 MATCH 2").1, ["2"]);
        assert_eq!(h.wire("SSCAN missing 0 COUNT 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
    }

    #[test]
    fn table_is_walked_with_the_cursor() {
        let mut h = Harness::new();
        for i in 0..100 {
            h.run(&format!("SADD s m{i}"));
        }
        let (mut cursor, mut seen) = ("0".to_string(), HashSet::new());
        loop {
            let (next, members) = scan(&mut h, &format!("SSCAN s {cursor} COUNT 7 MATCH m*"));
            assert!(members.len() <= 7);
            seen.extend(members);
            cursor = next;
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 100);
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        h.run("SADD s a");
        assert_eq!(
            h.run("SSCAN str 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SSCAN s x"), err("ERR invalid cursor"));
        assert_eq!(h.run("SSCAN s 0 COUNT 0"), err("ERR syntax error"));
        assert_eq!(h.run("SSCAN s 0 FOO"), err("ERR syntax error"));
        assert_eq!(h.run("SSCAN s"), err("ERR wrong number of arguments for 'sscan' command"));
    }
}

//! COPY source destination [DB destination-db] [REPLACE]

use crate::command_logic::keys::{db_index, put_key, SAME_OBJECT};
use crate::prelude::*;

/// `COPY`: copies a key's value (a deep copy) and time to live to another
/// key, possibly in another database; 1 if copied, 0 if not.
pub struct CopyCommand;

impl Command for CopyCommand {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "copy",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "generic",
            summary: "Copy a key",
            since: "6.2.0",
            complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
            keys: Keys { first: 1, last: 2, step: 1 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, newkey) = (args.next()?, args.next()?);
        let source = ctx.client.db;
        let (mut target, mut replace) = (source, false);
        // Options are checked in order: an error stops at the first bad one.
        while let Some(option) = args.peek() {
            args.next()?;
            if option.eq_ignore_ascii_case(b"REPLACE") {
                replace = true;
            } else if option.eq_ignore_ascii_case(b"DB") && !args.is_empty() {
                target = db_index(ctx, args.next()?)?;
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        if source == target && key == newkey {
            return Err(SAME_OBJECT);
        }
        let db = ctx.db();
        // A read of the source (a keyspace hit or miss), a write lookup of the destination.
        if db.select(source).get(key).is_none() {
            return Ok(Reply::Integer(0));
        }
        if db.select(target).contains(newkey) && !replace {
            return Ok(Reply::Integer(0));
        }
        let deadline = db.select(source).deadline(key);
        let Some(value) = db.peek(key).cloned() else {
            return Ok(Reply::Integer(0));
        };
        put_key(db.select(target), newkey, value, deadline);
        ctx.notify_in(target, EventClass::Generic, "copy_to", newkey);
        Ok(Reply::Integer(1))
    }
}

inventory::submit! { Registration::new(&CopyCommand, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn copies_value_and_ttl() {
        let mut h = Harness::new();
        h.run("SET a v PX 5000");
        assert_eq!(h.wire("COPY a b"), ":1\r\n");
        assert_eq!(h.run("GET b"), bulk("v"));
        assert_eq!(h.run("PTTL b"), int(5000));
        assert_eq!(h.run("GET a"), bulk("v"), "the source stays");
        h.run("SET c v");
        assert_eq!(h.run("COPY c d"), int(1));
        assert_eq!(h.run("TTL d"), int(-1));
    }

    #[test]
    fn hashes_are_deep_copies() {
        let mut h = Harness::new();
        h.run("HSET h f1 v1 f2 v2");
        assert_eq!(h.run("COPY h h2"), int(1));
        h.run("HSET h f1 changed");
        h.run("HDEL h2 f2");
        assert_eq!(h.run("HGET h2 f1"), bulk("v1"));
        assert_eq!(h.run("HGET h f2"), bulk("v2"));
        assert_eq!(h.run("HGET h f1"), bulk("changed"));
    }

    #[test]
    fn existing_destination_needs_replace() {
        let mut h = Harness::new();
        h.run("SET a v");
        h.run("HSET b f v");
        h.run("EXPIRE b 100");
        assert_eq!(h.run("COPY a b"), int(0));
        assert_eq!(h.run("TYPE b"), Reply::simple("hash"));
        assert_eq!(h.run("COPY a b REPLACE"), int(1));
        assert_eq!(h.run("GET b"), bulk("v"));
        assert_eq!(h.run("TTL b"), int(-1), "the destination's TTL goes with its value");
        assert_eq!(h.run("COPY a b replace REPLACE"), int(1));
        assert_eq!(h.run("COPY missing b REPLACE"), int(0));
        assert_eq!(h.run("GET b"), bulk("v"));
    }

    #[test]
    fn expired_source_or_destination() {
        let mut h = Harness::new();
        h.run("SET a v PX 10");
        h.run("SET b old PX 10");
        h.run("SET c v");
        h.advance_ms(10);
        assert_eq!(h.run("COPY a x"), int(0));
        assert_eq!(h.run("COPY c b"), int(1), "an expired destination is free");
        assert_eq!(h.run("GET b"), bulk("v"));
    }

    #[test]
    fn to_another_database() {
        let mut h = Harness::new();
        h.run("SET a v EX 100");
        assert_eq!(h.run("COPY a a DB 0"), err("ERR source and destination objects are the same"));
        assert_eq!(h.run("COPY a a"), err("ERR source and destination objects are the same"));
        assert_eq!(h.run("COPY missing missing"), err("ERR source and destination objects are the same"));
        assert_eq!(h.run("COPY a a DB 3"), int(1));
        assert_eq!(h.run("COPY a a DB 3"), int(0));
        assert_eq!(h.run("COPY a a REPLACE DB 3"), int(1));
        assert_eq!(h.run("COPY a b DB 4 DB 5"), int(1), "the last DB wins");
        h.run("SELECT 3");
        assert_eq!(h.run("GET a"), bulk("v"));
        assert_eq!(h.run("TTL a"), int(100));
        h.run("SELECT 5");
        assert_eq!(h.run("GET b"), bulk("v"));
        h.run("SELECT 4");
        assert_eq!(h.run("EXISTS b"), int(0));
    }

    #[test]
    fn option_errors() {
        let mut h = Harness::new();
        h.run("SET a v");
        let range = "ERR value is out of range, value must between -2147483648 and 2147483647";
        assert_eq!(h.run("COPY a b DB"), err("ERR syntax error"));
        assert_eq!(h.run("COPY a b FOO"), err("ERR syntax error"));
        assert_eq!(h.run("COPY missing b FOO"), err("ERR syntax error"));
        assert_eq!(h.run("COPY a b DB x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("COPY a b DB 16"), err("ERR DB index is out of range"));
        assert_eq!(h.run("COPY a b DB -1"), err("ERR DB index is out of range"));
        assert_eq!(h.run("COPY a b DB 2147483648"), err(range));
        assert_eq!(h.run("COPY a b DB -2147483649"), err(range));
        assert_eq!(
            h.run("COPY a b DB 9999999999999999999"),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(h.run("COPY a b DB 99 FOO"), err("ERR DB index is out of range"));
        assert_eq!(h.run("COPY a b DB 1 DB x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("EXISTS b"), int(0));
    }

    #[test]
    fn binary_values_and_arity() {
        let mut h = Harness::new();
        h.run_args(&[&b"SET"[..], b"\x00\xff", b"bin\x00"]);
        assert_eq!(h.run_args(&[&b"COPY"[..], b"\x00\xff", b"k"]), int(1));
        assert_eq!(h.run("GET k"), Reply::Bulk(b"bin\x00".to_vec()));
        assert_eq!(h.run("COPY a"), err("ERR wrong number of arguments for 'copy' command"));
    }

    #[test]
    fn counts_a_hit_or_miss_for_the_source() {
        let mut h = Harness::new();
        h.run("SET a v");
        h.run("COPY a b");
        h.run("COPY missing b");
        let stats = h.shared.store.stats();
        assert_eq!((stats.hits, stats.misses), (1, 1));
    }
}

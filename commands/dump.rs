//! DUMP key

use crate::prelude::*;
use crate::store::rdb;

/// `DUMP key`: the value serialized as Redis does (its RDB encoding, the
/// RDB version and a CRC64), for `RESTORE` here or in redis-server; nil
/// when the key does not exist.
pub struct Dump;

impl Command for Dump {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "dump",
            arity: 2,
            flags: &[Flag::Readonly],
            group: "generic",
            summary: "Return a serialized version of the value stored at the specified key.",
            since: "2.6.0",
            complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        args.finish()?;
        let db = ctx.db();
        let limits = db.limits();
        Ok(match db.get(key) {
            Some(value) => Reply::bulk(rdb::dump_payload(value, &limits)),
            None => Reply::Null,
        })
    }
}

inventory::submit! { Registration::new(&Dump, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn payload(h: &mut Harness, key: &str) -> Vec<u8> {
        match h.run(&format!("DUMP {key}")) {
            Reply::Bulk(bytes) => bytes.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn payloads_are_redis_bytes() {
        let mut h = Harness::new();
        assert_eq!(h.run("DUMP missing"), Reply::Null);
        h.run("SET s hello");
        // As redis-server 7.0.15 answers.
        assert_eq!(payload(&mut h, "s"), b"\x00\x05hello\x0a\x00cr\xdfve4 \x0a");
        h.run("SET a30 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(payload(&mut h, "a30"), b"\x00\xc3\x09\x1e\x01aa\xe0\x11\x00\x01aa\x0a\x00Es|\xbb+d{\xbb");
        h.run("HSET h f v");
        assert_eq!(
            payload(&mut h, "h"),
            b"\x10\x0d\x0d\x00\x00\x00\x02\x00\x81f\x02\x81v\x02\xff\x0a\x00 \xf1=D#T\x08\x9d"
        );
        h.run("RPUSH l a b c 1 2");
        assert_eq!(
            payload(&mut h, "l"),
            b"\x12\x01\x02\x14\x14\x00\x00\x00\x05\x00\x81a\x02\x81b\x02\x81c\x02\x01\x01\x02\x01\xff\x0a\x00\xcb\x19t\\\xc3\xea\xfb\x0d"
        );
        h.run("SADD set 1 2 3");
        assert_eq!(
            payload(&mut h, "set"),
            b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\x0a\x00\xa5\x02\\\xe2mnM\x1b"
        );
        h.run("ZADD z 1.1 a 2 b");
        assert_eq!(
            payload(&mut h, "z"),
            b"\x11\xc3\x1b#\x0d#\x00\x00\x00\x04\x00\x81a\x02\x921.10\xe0\x04\x00\x071\x13\x81b\x02\x02\x01\xff\x0a\x00/\x9c\x1cm\xab_\xb2\xf0"
        );
    }

    #[test]
    fn expired_keys_and_errors() {
        let mut h = Harness::new();
        h.run("SET k v PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("DUMP k"), Reply::Null);
        assert_eq!(h.run("DUMP"), err("ERR wrong number of arguments for 'dump' command"));
        assert_eq!(h.run("DUMP a b"), err("ERR wrong number of arguments for 'dump' command"));
    }
}

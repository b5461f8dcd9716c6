//! BITOP AND|OR|XOR|NOT destkey key [key ...]

use crate::prelude::*;
use crate::registry::KeySpec;
use crate::store::bitmap::BitOp;

/// `BITOP`: stores the bitwise AND, OR, XOR of the source strings (or NOT
/// of one) at `destkey`; the result's length. An empty result deletes it.
pub struct Bitop;

impl Command for Bitop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bitop",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "bitmap",
            summary: "Perform bitwise operations between strings",
            since: "2.6.0",
            complexity: "O(N)",
            keys: Keys { first: 2, last: -1, step: 1 },
            key_specs: &[
                KeySpec {
                    keys: Keys { first: 2, last: 2, step: 1 },
                    flags: &["OW", "update"],
                    ..KeySpec::DEFAULT
                },
                KeySpec {
                    keys: Keys { first: 3, last: -1, step: 1 },
                    flags: &["RO", "access"],
                    ..KeySpec::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let op = BitOp::parse(args.next()?).ok_or(ReplyError::SYNTAX)?;
        let dest = args.next()?;
        if op == BitOp::Not && args.remaining() != 1 {
            return Err(ReplyError::from_static("ERR BITOP NOT must be called with a single source key."));
        }
        let db = ctx.db();
        let mut sources = Vec::with_capacity(args.remaining());
        for key in args.rest() {
            sources.push(db.get_string(key)?.cloned());
        }
        let slices: Vec<&[u8]> = sources.iter().map(|s| s.as_deref().unwrap_or_default()).collect();
        let result = op.apply(&slices);
        let len = result.len();
        if len > 0 {
            db.set(dest, Value::string(result));
            ctx.notify(EventClass::String, "set", dest);
        } else if db.delete(dest) {
            ctx.notify(EventClass::Generic, "del", dest);
        }
        Ok(Reply::Integer(len as i64))
    }
}

inventory::submit! { Registration::new(&Bitop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn operations() {
        let mut h = Harness::new();
        h.run("SET a \"\\xff\\x0f\"");
        h.run("SET b \"\\x0f\"");
        assert_eq!(h.run("BITOP AND d a b"), int(2));
        assert_eq!(h.events(), ["0:set:d"]);
        assert_eq!(h.run("GET d"), Reply::bulk(b"\x0f\x00"));
        assert_eq!(h.run("BITOP or d a b missing"), int(2));
        assert_eq!(h.run("GET d"), Reply::bulk(b"\xff\x0f"));
        assert_eq!(h.run("BITOP XOR d a b"), int(2));
        assert_eq!(h.run("GET d"), Reply::bulk(b"\xf0\x0f"));
        assert_eq!(h.run("BITOP NOT d a"), int(2));
        assert_eq!(h.run("GET d"), Reply::bulk(b"\x00\xf0"));
        assert_eq!(h.run("BITOP AND d a missing"), int(2));
        assert_eq!(h.run("GET d"), Reply::bulk(b"\x00\x00"));
    }

    #[test]
    fn replaces_and_deletes_the_destination() {
        let mut h = Harness::new();
        h.run("HSET d f v");
        h.run("SET a x EX 100");
        assert_eq!(h.run("BITOP OR d a"), int(1));
        assert_eq!(h.run("GET d"), bulk("x"));
        h.run("EXPIRE d 100");
        assert_eq!(h.run("BITOP OR d a"), int(1));
        assert_eq!(h.run("TTL d"), int(-1), "the destination loses its TTL");
        assert_eq!(h.run("BITOP OR d missing other"), int(0));
        assert_eq!(h.events(), ["0:del:d"]);
        assert_eq!(h.run("EXISTS d"), int(0));
    }

    #[test]
    fn key_specs_tell_destination_from_sources() {
        let mut h = Harness::new();
        let key = |name: &str, flags: &[&'static str]| {
            Reply::Array(vec![bulk(name), Reply::Set(flags.iter().map(|f| Reply::simple(f)).collect())])
        };
        assert_eq!(
            h.run("COMMAND GETKEYSANDFLAGS BITOP AND d a b"),
            Reply::Array(vec![
                key("d", &["OW", "update"]),
                key("a", &["RO", "access"]),
                key("b", &["RO", "access"])
            ])
        );
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("BITOP FOO d a"), err("ERR syntax error"));
        assert_eq!(h.run("BITOP NOT d a b"), err("ERR BITOP NOT must be called with a single source key."));
        assert_eq!(h.run("BITOP AND d"), err("ERR wrong number of arguments for 'bitop' command"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("BITOP AND d h"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

//! SETBIT key offset value

use crate::prelude::*;
use crate::registry::KeySpec;
use crate::store::bitmap::{get_bit, grow_for_bit, parse_offset, set_bit};

/// `SETBIT`: sets or clears one bit of the string at `key`, growing it
/// with zero bytes as far as that bit (creating the key); the old bit.
pub struct Setbit;

impl Command for Setbit {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "setbit",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "bitmap",
            summary: "Sets or clears the bit at offset in the string value stored at key",
            since: "2.2.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            key_specs: &[KeySpec { flags: &["RW", "access", "update"], ..KeySpec::DEFAULT }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let max_bytes = ctx.server.config.proto_max_bulk_len();
        let offset = parse_offset(args.next()?, None, max_bytes).map_err(ReplyError::from_static)?;
        let on = match args.next()? {
            b"0" => false,
            b"1" => true,
            _ => return Err(ReplyError::from_static("ERR bit is not an integer or out of range")),
        };
        let db = ctx.db();
        // Only a change (or growth) counts as a write, as in Redis.
        let old = match db.get_string(key)? {
            Some(text) if (offset >> 3) < text.len() as u64 && get_bit(text, offset) == on => {
                return Ok(Reply::Integer(i64::from(on)));
            }
            Some(text) => get_bit(text, offset),
            None => false,
        };
        match db.get_mut(key) {
            Some(Value::String(text)) => {
                let bytes = text.make_mut();
                grow_for_bit(bytes, offset);
                set_bit(bytes, offset, on);
            }
            _ => {
                let mut bytes = Vec::new();
                grow_for_bit(&mut bytes, offset);
                set_bit(&mut bytes, offset, on);
                db.set(key, Value::string(bytes));
            }
        }
        ctx.notify(EventClass::String, "setbit", key);
        Ok(Reply::Integer(i64::from(old)))
    }
}

inventory::submit! { Registration::new(&Setbit, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";

    #[test]
    fn sets_and_grows() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETBIT k 7 1"), int(0));
        assert_eq!(h.events(), vec!["0:setbit:k"]);
        assert_eq!(h.run("GET k"), Reply::bulk(b"\x01"));
        assert_eq!(h.run("SETBIT k 7 1"), int(1));
        assert!(h.events().is_empty(), "no change, no event");
        assert_eq!(h.run("SETBIT k 16 1"), int(0));
        assert_eq!(h.run("GET k"), Reply::bulk(b"\x01\x00\x80"));
        assert_eq!(h.run("SETBIT k 7 0"), int(1));
        assert_eq!(h.run("GET k"), Reply::bulk(b"\x00\x00\x80"));
        assert_eq!(h.run("SETBIT k 40 0"), int(0));
        assert_eq!(h.run("STRLEN k"), int(6), "clearing a bit past the end still grows the string");
    }

    #[test]
    fn keeps_ttl_and_works_on_any_string() {
        let mut h = Harness::new();
        h.run("SET k 1 EX 100");
        assert_eq!(h.run("SETBIT k 6 1"), int(0));
        assert_eq!(h.run("GET k"), bulk("3"));
        assert_eq!(h.run("TTL k"), int(100));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETBIT k 4294967296 1"), err(BAD_OFFSET));
        assert_eq!(h.run("SETBIT k -1 1"), err(BAD_OFFSET));
        assert_eq!(h.run("SETBIT k x 1"), err(BAD_OFFSET));
        assert_eq!(h.run("SETBIT k 0 2"), err("ERR bit is not an integer or out of range"));
        assert_eq!(h.run("SETBIT k 0 01"), err("ERR bit is not an integer or out of range"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("SETBIT h 0 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SETBIT h x 1"), err(BAD_OFFSET), "the offset is checked first");
        assert_eq!(h.run("SETBIT k 0"), err("ERR wrong number of arguments for 'setbit' command"));
        assert_eq!(h.run("EXISTS k"), int(0));
    }
}

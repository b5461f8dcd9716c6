//! SETRANGE key offset value

use crate::command_logic::strings::check_string_length;
use crate::prelude::*;

/// `SETRANGE`: overwrites part of the string at `key` from `offset`,
/// zero-padding as needed (creating the key), keeping its TTL; the new length.
pub struct Setrange;

impl Command for Setrange {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "setrange",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "string",
            summary: "Overwrite part of a string at key starting at the specified offset",
            since: "2.2.0",
            complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let offset = args.next_i64()?;
        let value = args.next()?;
        if offset < 0 {
            return Err(ReplyError::from_static("ERR offset is out of range"));
        }
        let limit = ctx.server.config.proto_max_bulk_len();
        let db = ctx.db();
        let len = match db.get_mut(key) {
            Some(Value::String(text)) => {
                // Setting nothing answers the length, even past the limit.
                if !value.is_empty() {
                    check_string_length(limit, offset as u64, value.len() as u64)?;
                    overwrite(text.make_mut(), offset as usize, value);
                }
                text.len()
            }
            Some(_) => return Err(ReplyError::WRONG_TYPE),
            // Setting nothing on a missing key creates nothing.
            None if value.is_empty() => 0,
            None => {
                check_string_length(limit, offset as u64, value.len() as u64)?;
                let mut text = Vec::new();
                overwrite(&mut text, offset as usize, value);
                let len = text.len();
                db.set(key, Value::string(text));
                len
            }
        };
        if !value.is_empty() {
            ctx.notify(EventClass::String, "setrange", key);
        }
        Ok(Reply::Integer(len as i64))
    }
}

/// Copies `value` into `text` at `offset`, growing it with zero bytes.
fn overwrite(text: &mut Vec<u8>, offset: usize, value: &[u8]) {
    let end = offset + value.len();
    if text.len() < end {
        text.resize(end, 0);
    }
    text[offset..end].copy_from_slice(value);
}

inventory::submit! { Registration::new(&Setrange, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const TOO_BIG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

    #[test]
    fn overwrites_and_pads() {
        let mut h = Harness::new();
        h.run("SET k \"Hello World\" EX 100");
        assert_eq!(h.run("SETRANGE k 6 Redis"), int(11));
        assert_eq!(h.run("GET k"), bulk("Hello Redis"));
        assert_eq!(h.run("SETRANGE k 13 !"), int(14));
        assert_eq!(h.run("GET k"), Reply::bulk(b"Hello Redis\x00\x00!"));
        assert_eq!(h.run("TTL k"), int(100));
        assert_eq!(h.run("SETRANGE new 3 ab"), int(5));
        assert_eq!(h.run("GET new"), Reply::bulk(b"\x00\x00\x00ab"));
        h.run("SET n 1234");
        assert_eq!(h.run("SETRANGE n 1 x"), int(4));
        assert_eq!(h.run("GET n"), bulk("1x34"));
    }

    #[test]
    fn empty_values_change_nothing() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETRANGE missing 5 \"\""), int(0));
        assert_eq!(h.run("EXISTS missing"), int(0));
        h.run("SET k abc");
        assert_eq!(h.run("SETRANGE k 100 \"\""), int(3));
        assert_eq!(h.run("SETRANGE k 536870912 \"\""), int(3), "no limit check when setting nothing");
        assert_eq!(h.run("GET k"), bulk("abc"));
    }

    #[test]
    fn offsets_and_limits() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETRANGE k -1 x"), err("ERR offset is out of range"));
        assert_eq!(h.run("SETRANGE k 536870912 x"), err(TOO_BIG));
        assert_eq!(h.run("SETRANGE k 536870911 xy"), err(TOO_BIG));
        assert_eq!(h.run("SETRANGE k 9223372036854775807 x"), err(TOO_BIG));
        assert_eq!(h.run("EXISTS k"), int(0));
        h.run("SET k v");
        assert_eq!(h.run("SETRANGE k 536870912 x"), err(TOO_BIG));
        assert_eq!(h.run("SETRANGE k x v"), err("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("SETRANGE k 9223372036854775808 v"),
            err("ERR value is not an integer or out of range")
        );
    }

    /// Failed before issue 18 item 3: the limit was the built-in 512 MB.
    #[test]
    fn the_run_time_proto_max_bulk_len_bounds_the_offset() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET proto-max-bulk-len 1mb"), Reply::OK);
        assert_eq!(h.run("SETRANGE k 2000000 x"), err(TOO_BIG));
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(h.run("SETRANGE k 1048575 x"), int(1_048_576));
        assert_eq!(h.run("SETRANGE k 1048576 x"), err(TOO_BIG), "one byte past the limit");
        assert_eq!(h.run("CONFIG SET proto-max-bulk-len 2mb"), Reply::OK);
        assert_eq!(h.run("SETRANGE k 2000000 x"), int(2_000_001));
    }

    #[test]
    fn wrong_type_expired_and_arity() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(
            h.run("SETRANGE h 0 x"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("SETRANGE h -1 x"),
            err("ERR offset is out of range"),
            "the offset is checked first"
        );
        h.run("SET k old PX 5");
        h.advance_ms(5);
        assert_eq!(h.run("SETRANGE k 1 x"), int(2));
        assert_eq!(h.run("GET k"), Reply::bulk(b"\x00x"));
        assert_eq!(h.run("TTL k"), int(-1));
        assert_eq!(h.run("SETRANGE k 1"), err("ERR wrong number of arguments for 'setrange' command"));
    }
}

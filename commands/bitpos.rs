//! BITPOS key bit [start [end [BYTE|BIT]]]

use crate::prelude::*;
use crate::store::bitmap::{clamp_range, find_bit, Unit};

/// `BITPOS`: the first bit set to 1 or 0 in the string at `key`, or in a
/// byte or bit range of it.
pub struct Bitpos;

impl Command for Bitpos {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bitpos",
            arity: -3,
            flags: &[Flag::Readonly],
            group: "bitmap",
            summary: "Find first bit set or clear in a string",
            since: "2.8.7",
            complexity: "O(N)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let bit = match args.next_i64()? {
            0 => false,
            1 => true,
            _ => return Err(ReplyError::from_static("ERR The bit argument must be 1 or 0.")),
        };
        // A missing key is an endless run of zeros.
        let Some(text) = ctx.db().get_string(key)? else {
            return Ok(Reply::Integer(if bit { -1 } else { 0 }));
        };
        if args.remaining() > 3 {
            return Err(ReplyError::SYNTAX);
        }
        let start = if args.is_empty() { 0 } else { args.next_i64()? };
        // The unit comes before the end is parsed, as in Redis.
        let unit = if args.remaining() == 2 {
            let word = args.argv().get(args.argv().len() - 1);
            if word.eq_ignore_ascii_case(b"bit") {
                Unit::Bit
            } else if word.eq_ignore_ascii_case(b"byte") {
                Unit::Byte
            } else {
                return Err(ReplyError::SYNTAX);
            }
        } else {
            Unit::Byte
        };
        let end = if args.is_empty() { None } else { Some(args.next_i64()?) };
        let len = text.len() as i64;
        let range = match unit {
            Unit::Byte => clamp_range(start, end.unwrap_or(-1), len).map(|(s, e)| (s * 8, e * 8 + 7)),
            Unit::Bit => clamp_range(start, end.unwrap_or(-1), len * 8),
        };
        let Some((first, last)) = range else {
            return Ok(Reply::Integer(-1));
        };
        let found = match find_bit(text, bit, first as u64, last as u64) {
            Some(offset) => offset as i64,
            // Past the range a string reads as zeros, unless an end was given.
            None if !bit && end.is_none() => last + 1,
            None => -1,
        };
        Ok(Reply::Integer(found))
    }
}

inventory::submit! { Registration::new(&Bitpos, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn finds_bits() {
        let mut h = Harness::new();
        h.run("SET k \"\\xff\\xf0\\x00\"");
        assert_eq!(h.run("BITPOS k 0"), int(12));
        assert_eq!(h.run("BITPOS k 1 2"), int(-1));
        assert_eq!(h.run("BITPOS k 1 0 -1 BIT"), int(0));
        assert_eq!(h.run("BITPOS k 0 2 -1 BYTE"), int(16));
        assert_eq!(h.run("BITPOS k 1 7 15 BIT"), int(7));
        assert_eq!(h.run("BITPOS k 0 0 11 BIT"), int(-1));
        h.run("SET ones \"\\xff\\xff\"");
        assert_eq!(h.run("BITPOS ones 0"), int(16), "past the end reads as zeros");
        assert_eq!(h.run("BITPOS ones 0 0"), int(16));
        assert_eq!(h.run("BITPOS ones 0 0 -1"), int(-1), "not with an explicit end");
        h.run("SET empty \"\"");
        assert_eq!(h.run("BITPOS empty 0"), int(-1));
    }

    #[test]
    fn missing_keys_and_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("BITPOS missing 0"), int(0));
        assert_eq!(h.run("BITPOS missing 1 a b"), int(-1));
        assert_eq!(h.run("BITPOS missing 2"), err("ERR The bit argument must be 1 or 0."));
        assert_eq!(h.run("BITPOS missing x"), err("ERR value is not an integer or out of range"));
        h.run("SET k abc");
        assert_eq!(h.run("BITPOS k 1 a"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("BITPOS k 0 0 x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("BITPOS k 0 0 x y"), err("ERR syntax error"));
        assert_eq!(h.run("BITPOS k 0 0 1 BIT x"), err("ERR syntax error"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("BITPOS h 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

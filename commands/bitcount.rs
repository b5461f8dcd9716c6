//! BITCOUNT key [start end [BYTE|BIT]]

use crate::prelude::*;
use crate::store::bitmap::{clamp_range, count_bits, Unit};

/// `BITCOUNT`: the set bits of the string at `key`, or of a byte or bit range of it.
pub struct Bitcount;

impl Command for Bitcount {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bitcount",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "bitmap",
            summary: "Count set bits in a string",
            since: "2.6.0",
            complexity: "O(N)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        // As Redis: a missing key answers 0 before the range is parsed.
        let Some(text) = ctx.db().get_string(key)? else {
            return Ok(Reply::Integer(0));
        };
        let (start, end, unit) = match args.remaining() {
            0 => (0, -1, Unit::Byte),
            2 | 3 => {
                let (start, end) = (args.next_i64()?, args.next_i64()?);
                if start < 0 && end < 0 && start > end {
                    return Ok(Reply::Integer(0));
                }
                (start, end, range_unit(args)?)
            }
            _ => return Err(ReplyError::SYNTAX),
        };
        let bits = 8 * text.len() as i64;
        let count = match unit {
            Unit::Byte => clamp_range(start, end, text.len() as i64).map(|(s, e)| (s * 8, e * 8 + 7)),
            Unit::Bit => clamp_range(start, end, bits),
        }
        .map_or(0, |(first, last)| count_bits(text, first as u64, last as u64));
        Ok(Reply::Integer(count as i64))
    }
}

/// The optional `BYTE|BIT` after a range (`BYTE` when absent).
pub fn range_unit(args: &mut Args<'_>) -> Result<Unit, ReplyError> {
    let unit = match args.next() {
        Err(_) => Unit::Byte,
        Ok(word) if word.eq_ignore_ascii_case(b"byte") => Unit::Byte,
        Ok(word) if word.eq_ignore_ascii_case(b"bit") => Unit::Bit,
        Ok(_) => return Err(ReplyError::SYNTAX),
    };
    args.finish()?;
    Ok(unit)
}

inventory::submit! { Registration::new(&Bitcount, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_ranges() {
        let mut h = Harness::new();
        h.run("SET k foobar");
        assert_eq!(h.run("BITCOUNT k"), int(26));
        assert_eq!(h.run("BITCOUNT k 0 0"), int(4));
        assert_eq!(h.run("BITCOUNT k 1 1"), int(6));
        assert_eq!(h.run("BITCOUNT k 1 1 BYTE"), int(6));
        assert_eq!(h.run("BITCOUNT k 5 30 bit"), int(17));
        assert_eq!(h.run("BITCOUNT k -2 -1"), int(7));
        assert_eq!(h.run("BITCOUNT k -1 -2"), int(0));
        assert_eq!(h.run("BITCOUNT k 3 1"), int(0));
        assert_eq!(h.run("BITCOUNT k -100 100"), int(26));
        assert_eq!(h.run("BITCOUNT k 0 -1 BIT"), int(26));
        assert_eq!(h.run("BITCOUNT k 47 47 BIT"), int(0));
        assert_eq!(h.run("BITCOUNT k 46 46 BIT"), int(1));
    }

    #[test]
    fn missing_keys_and_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("BITCOUNT missing"), int(0));
        assert_eq!(h.run("BITCOUNT missing a b c d"), int(0), "a missing key answers before parsing");
        h.run("SET k abc");
        assert_eq!(h.run("BITCOUNT k 1"), err("ERR syntax error"));
        assert_eq!(h.run("BITCOUNT k a 1"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("BITCOUNT k 0 1 x"), err("ERR syntax error"));
        assert_eq!(h.run("BITCOUNT k -1 -2 x"), int(0), "an empty negative range answers before the unit");
        assert_eq!(h.run("BITCOUNT k 0 1 BIT x"), err("ERR syntax error"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("BITCOUNT h"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

//! GETBIT key offset

use crate::prelude::*;
use crate::store::bitmap::{get_bit, parse_offset};

/// `GETBIT`: the bit at `offset` of the string at `key` (0 past its end).
pub struct Getbit;

impl Command for Getbit {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "getbit",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "bitmap",
            summary: "Returns the bit value at offset in the string value stored at key",
            since: "2.2.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let max_bytes = ctx.server.config.proto_max_bulk_len();
        let offset = parse_offset(args.next()?, None, max_bytes).map_err(ReplyError::from_static)?;
        let bit = ctx.db().get_string(key)?.is_some_and(|text| get_bit(text, offset));
        Ok(Reply::Integer(i64::from(bit)))
    }
}

inventory::submit! { Registration::new(&Getbit, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn reads_bits() {
        let mut h = Harness::new();
        assert_eq!(h.run("GETBIT missing 5"), int(0));
        h.run("SET k `");
        assert_eq!(h.run("GETBIT k 0"), int(0));
        assert_eq!(h.run("GETBIT k 1"), int(1));
        assert_eq!(h.run("GETBIT k 2"), int(1));
        assert_eq!(h.run("GETBIT k 3"), int(0));
        assert_eq!(h.run("GETBIT k 4294967295"), int(0));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("GETBIT k 4294967296"), err("ERR bit offset is not an integer or out of range"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("GETBIT h 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("GETBIT h"), err("ERR wrong number of arguments for 'getbit' command"));
    }
}

//! HKEYS key

use crate::prelude::*;

/// `HKEYS`: every field of a hash (an empty array when there is no key).
pub struct Hkeys;

impl Command for Hkeys {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hkeys",
            arity: 2,
            flags: &[Flag::Readonly],
            group: "hash",
            summary: "Get all the fields in a hash",
            since: "2.0.0",
            complexity: "O(N) where N is the size of the hash.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::hashes::list_hash(ctx, args, crate::command_logic::hashes::HashParts::Fields)
    }
}

inventory::submit! { Registration::new(&Hkeys, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn fields_in_insertion_order() {
        let mut h = Harness::new();
        h.run("HSET h b 1 a 2 c 3");
        assert_eq!(h.wire("HKEYS h"), "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n");
        h.run("HDEL h a");
        assert_eq!(h.run("HKEYS h"), array(&["b", "c"]));
        assert_eq!(h.wire("HKEYS missing"), "*0\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("HKEYS h"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "an array, not a set, in RESP3");
    }

    #[test]
    fn expired_and_errors() {
        let mut h = Harness::new();
        h.run("HSET h a 1");
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.run("HKEYS h"), array(&[]));
        assert_eq!(h.run("HKEYS"), err("ERR wrong number of arguments for 'hkeys' command"));
        h.run("SET s v");
        assert_eq!(
            h.run("HKEYS s"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

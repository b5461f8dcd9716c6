//! HGETALL key

use crate::prelude::*;

/// `HGETALL key`: every field and value (a map in RESP3).
pub struct Hgetall;

impl Command for Hgetall {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hgetall",
            arity: 2,
            flags: &[Flag::Readonly],
            group: "hash",
            summary: "Returns all fields and values in a hash.",
            since: "2.0.0",
            complexity: "O(N) where N is the size of the hash.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::hashes::list_hash(ctx, args, crate::command_logic::hashes::HashParts::Both)
    }
}

inventory::submit! { Registration::new(&Hgetall, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn flat_in_resp2_map_in_resp3() {
        let mut h = Harness::new();
        h.run("HSET h name Alice age 23");
        assert_eq!(h.wire("HGETALL h"), "*4\r\n$4\r\nname\r\n$5\r\nAlice\r\n$3\r\nage\r\n$2\r\n23\r\n");
        assert_eq!(h.wire("HGETALL missing"), "*0\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("HGETALL h"), "%2\r\n$4\r\nname\r\n$5\r\nAlice\r\n$3\r\nage\r\n$2\r\n23\r\n");
        h.run("SET s v");
        assert_eq!(
            h.run("HGETALL s"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

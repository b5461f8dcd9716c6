//! HVALS key

use crate::prelude::*;

/// `HVALS`: every value of a hash (an empty array when there is no key).
pub struct Hvals;

impl Command for Hvals {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hvals",
            arity: 2,
            flags: &[Flag::Readonly],
            group: "hash",
            summary: "Get all the values in a hash",
            since: "2.0.0",
            complexity: "O(N) where N is the size of the hash.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::hashes::list_hash(ctx, args, crate::command_logic::hashes::HashParts::Values)
    }
}

inventory::submit! { Registration::new(&Hvals, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn values_in_field_order() {
        let mut h = Harness::new();
        h.run("HSET h b 1 a 2 c 1");
        assert_eq!(h.wire("HVALS h"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n");
        h.run("HSET h a ''");
        assert_eq!(h.run("HVALS h"), array(&["1", "", "1"]));
        assert_eq!(h.wire("HVALS missing"), "*0\r\n");
        h.run_args(&[&b"HSET"[..], b"bin", b"f", b"\0\xff"]);
        assert_eq!(h.run("HVALS bin"), Reply::Array(vec![Reply::bulk(b"\0\xff")]));
    }

    #[test]
    fn expired_and_errors() {
        let mut h = Harness::new();
        h.run("HSET h a 1");
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.run("HVALS h"), array(&[]));
        assert_eq!(h.run("HVALS a b"), err("ERR wrong number of arguments for 'hvals' command"));
        h.run("SET s v");
        assert_eq!(
            h.run("HVALS s"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

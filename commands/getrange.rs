//! GETRANGE key start end

use crate::prelude::*;

/// `GETRANGE`: the substring between two inclusive byte offsets (negative
/// ones count from the end); an empty string when out of range.
pub struct Getrange;

impl Command for Getrange {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "getrange",
            arity: 4,
            flags: &[Flag::Readonly],
            group: "string",
            summary: "Get a substring of the string stored at a key",
            since: "2.4.0",
            complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::strings::get_range(ctx, args)
    }
}

inventory::submit! { Registration::new(&Getrange, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranges_as_redis_7_0_clamps_them() {
        let mut h = Harness::new();
        h.run("SET s \"This is a string\"");
        // Each row was checked against redis-server 7.0.15.
        for (range, expected) in [
            ("0 3", "This"),
            ("-3 -1", "ing"),
            ("0 -1", "This is a string"),
            ("10 100", "string"),
            ("-1 -5", ""),
            ("-100 -90", "T"),
            ("-100 5", "This i"),
            ("5 3", ""),
            ("0 0", "T"),
            ("-1 -1", "g"),
            ("16 20", ""),
            ("9223372036854775807 9223372036854775807", ""),
            ("-9223372036854775808 -1", "This is a string"),
            ("0 -9223372036854775808", "T"),
        ] {
            assert_eq!(h.run(&format!("GETRANGE s {range}")), bulk(expected), "{range}");
        }
    }

    #[test]
    fn missing_empty_and_binary() {
        let mut h = Harness::new();
        assert_eq!(h.wire("GETRANGE nokey 0 -1"), "$0\r\n\r\n");
        h.run("SET e \"\"");
        assert_eq!(h.run("GETRANGE e 0 -1"), bulk(""));
        assert_eq!(h.run("GETRANGE e -1 0"), bulk(""));
        h.run_args(&[&b"SET"[..], b"b", b"\x00\xff\r\n"]);
        assert_eq!(h.run("GETRANGE b 1 2"), crate::protocol::Reply::bulk(b"\xff\r"));
        h.run("SET n 12345");
        assert_eq!(h.run("GETRANGE n 1 -2"), bulk("234"));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        let not_integer = "ERR value is not an integer or out of range";
        assert_eq!(h.run("GETRANGE k x 1"), err(not_integer));
        assert_eq!(h.run("GETRANGE k 0 1.5"), err(not_integer));
        h.run("HSET h f v");
        assert_eq!(
            h.run("GETRANGE h 0 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("GETRANGE h x 1"), err(not_integer), "indexes are checked first");
        assert_eq!(h.run("GETRANGE k 0"), err("ERR wrong number of arguments for 'getrange' command"));
    }
}

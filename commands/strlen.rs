//! STRLEN key

use crate::prelude::*;

/// `STRLEN key`: the length of the string at `key`, 0 if there is none.
pub struct Strlen;

impl Command for Strlen {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "strlen",
            // Redis's convention: the name counts, positive means exactly.
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "string",
            summary: "Get the length of the value stored in a key",
            since: "2.2.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        // The dispatcher has already checked the arity; the cursor starts
        // after the command name.
        let key = args.next()?;
        args.finish()?;
        // `get_string` skips expired keys and returns WRONGTYPE for a hash.
        let len = ctx.db().get_string(key)?.map_or(0, |s| s.len());
        Ok(Reply::Integer(len as i64))
    }
}

inventory::submit! { Registration::new(&Strlen, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn length_of_a_string_and_of_a_missing_key() {
        let mut h = Harness::new();
        assert_eq!(h.run("STRLEN name"), int(0));
        h.run("SET name Alice");
        assert_eq!(h.run("STRLEN name"), int(5));
        assert_eq!(h.run("strlen name"), int(5), "names are case-insensitive");
        h.run("SET empty \"\"");
        assert_eq!(h.run("STRLEN empty"), int(0));
    }

    #[test]
    fn binary_values_count_bytes() {
        let mut h = Harness::new();
        h.run_args(&[&b"SET"[..], b"k", b"\x00\xff\r\n"]);
        assert_eq!(h.run("STRLEN k"), int(4));
        h.run("SET utf8 \"\\xc3\\xa9\"");
        assert_eq!(h.run("STRLEN utf8"), int(2));
    }

    #[test]
    fn expired_keys_have_no_length() {
        let mut h = Harness::new();
        h.run("SET k hello PX 1000");
        h.advance_ms(999);
        assert_eq!(h.run("STRLEN k"), int(5));
        // The harness clock is manual: tests never sleep.
        h.advance_ms(1);
        assert_eq!(h.run("STRLEN k"), int(0));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(
            h.run("STRLEN h"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("STRLEN"), err("ERR wrong number of arguments for 'strlen' command"));
        assert_eq!(h.run("STRLEN a b"), err("ERR wrong number of arguments for 'strlen' command"));
    }
}

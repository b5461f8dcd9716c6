//! APPEND key value

use crate::command_logic::strings::check_string_length;
use crate::prelude::*;

/// `APPEND`: appends to the string at `key` (created if absent), keeping
/// its TTL; the new length.
pub struct Append;

impl Command for Append {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "append",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Append a value to a key",
            since: "2.0.0",
            complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let value = args.next()?;
        let limit = ctx.server.config.proto_max_bulk_len();
        let db = ctx.db();
        let len = match db.get_mut(key) {
            Some(Value::String(text)) => {
                check_string_length(limit, text.len() as u64, value.len() as u64)?;
                text.make_mut().extend_from_slice(value);
                text.len()
            }
            Some(_) => return Err(ReplyError::WRONG_TYPE),
            None => {
                db.set(key, Value::string(value));
                value.len()
            }
        };
        ctx.notify(EventClass::String, "append", key);
        Ok(Reply::Integer(len as i64))
    }
}

inventory::submit! { Registration::new(&Append, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn creates_then_appends_keeping_ttl() {
        let mut h = Harness::new();
        assert_eq!(h.run("APPEND k Hello"), int(5));
        h.run("EXPIRE k 100");
        assert_eq!(h.run("APPEND k \" World\""), int(11));
        assert_eq!(h.run("GET k"), bulk("Hello World"));
        assert_eq!(h.run("TTL k"), int(100));
        assert_eq!(h.run("APPEND k \"\""), int(11));
        assert_eq!(h.run("APPEND empty \"\""), int(0));
        assert_eq!(h.run("EXISTS empty"), int(1), "an empty string is still created");
    }

    #[test]
    fn binary_and_numbers() {
        let mut h = Harness::new();
        h.run("SET n 12");
        assert_eq!(h.run("APPEND n 3"), int(3));
        assert_eq!(h.run("INCR n"), int(124));
        assert_eq!(h.run_args(&[&b"APPEND"[..], b"n", b"\x00\xff"]), int(5));
        assert_eq!(h.run("GET n"), Reply::bulk(b"124\x00\xff"));
    }

    #[test]
    fn expired_wrong_type_and_arity() {
        let mut h = Harness::new();
        h.run("SET k old PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("APPEND k new"), int(3));
        assert_eq!(h.run("TTL k"), int(-1));
        h.run("HSET h f v");
        assert_eq!(
            h.run("APPEND h x"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("APPEND k"), err("ERR wrong number of arguments for 'append' command"));
    }

    #[test]
    fn length_limit() {
        const LIMIT: u64 = 512 * 1024 * 1024;
        assert!(crate::command_logic::strings::check_string_length(LIMIT, LIMIT - 1, 1).is_ok());
        assert_eq!(
            crate::command_logic::strings::check_string_length(LIMIT, LIMIT, 1).unwrap_err().text(),
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        );
        assert!(
            crate::command_logic::strings::check_string_length(LIMIT, u64::MAX, 1).is_err(),
            "no overflow"
        );
    }

    /// Failed before issue 18 item 3: the limit was the built-in 512 MB.
    #[test]
    fn the_run_time_proto_max_bulk_len_bounds_append() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET proto-max-bulk-len 1mb"), Reply::OK);
        let almost = "x".repeat(1024 * 1024 - 1);
        assert_eq!(h.run_args(&["APPEND", "k", &almost]), Reply::Integer(1024 * 1024 - 1));
        assert_eq!(h.run("APPEND k y"), Reply::Integer(1024 * 1024));
        assert_eq!(h.run("APPEND k z"), err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
        assert_eq!(h.run("STRLEN k"), Reply::Integer(1024 * 1024));
    }
}

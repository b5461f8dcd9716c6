//! GETSET key value

use crate::command_logic::strings::{set_string, SetCondition, StringOptions, TtlOption};
use crate::prelude::*;

/// `GETSET`: sets a string and returns the old one (nil if none); clears the TTL.
pub struct Getset;

impl Command for Getset {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "getset",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Set the string value of a key and return its old value",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let value = args.next()?;
        let options = StringOptions { condition: SetCondition::Always, get: true, ttl: TtlOption::Absent };
        let (_, old) = set_string(ctx, key, value, &options, None)?;
        ctx.notify(EventClass::String, "set", key);
        Ok(Reply::bulk_or_null(old))
    }
}

inventory::submit! { Registration::new(&Getset, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn returns_old_value_and_clears_ttl() {
        let mut h = Harness::new();
        assert_eq!(h.run("GETSET k v"), Reply::Null);
        assert_eq!(h.run("GET k"), bulk("v"));
        h.run("EXPIRE k 100");
        assert_eq!(h.run("GETSET k w"), bulk("v"));
        assert_eq!(h.run("TTL k"), int(-1));
        assert_eq!(h.run("GET k"), bulk("w"));
    }

    #[test]
    fn wrong_type_changes_nothing() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(
            h.run("GETSET h v"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("HGET h f"), bulk("v"));
        assert_eq!(h.run("GETSET h"), err("ERR wrong number of arguments for 'getset' command"));
    }

    #[test]
    fn expired_old_value_is_nil() {
        let mut h = Harness::new();
        h.run("SET k v PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("GETSET k w"), Reply::Null);
        assert_eq!(h.run_args(&["GETSET", "k", "\x00\u{7f}"]), bulk("w"));
        assert_eq!(h.run("GET k"), bulk("\x00\u{7f}"));
    }
}

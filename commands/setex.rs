//! SETEX key seconds value

use crate::prelude::*;

/// `SETEX`: sets a string with a time to live in seconds.
pub struct Setex;

impl Command for Setex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "setex",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "string",
            summary: "Set the value and expiration of a key",
            since: "2.0.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::strings::set_expiring(ctx, args, ExpireUnit::Seconds, "setex")
    }
}

inventory::submit! { Registration::new(&Setex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_value_and_ttl_overwriting_any_type() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETEX k 10 v"), Reply::OK);
        assert_eq!(h.run("GET k"), bulk("v"));
        assert_eq!(h.run("PTTL k"), int(10_000));
        h.advance_ms(9_999);
        assert_eq!(h.run("GET k"), bulk("v"));
        h.advance_ms(1);
        assert_eq!(h.run("GET k"), Reply::Null);
        h.run("HSET h f v");
        assert_eq!(h.run("SETEX h 5 s"), Reply::OK);
        assert_eq!(h.run("GET h"), bulk("s"));
        assert_eq!(h.run("TTL h"), int(5));
    }

    #[test]
    fn invalid_times() {
        let mut h = Harness::new();
        let invalid = "ERR invalid expire time in 'setex' command";
        assert_eq!(h.run("SETEX k 0 v"), err(invalid));
        assert_eq!(h.run("SETEX k -1 v"), err(invalid));
        assert_eq!(h.run("SETEX k 9223372036854775807 v"), err(invalid));
        assert_eq!(h.run("SETEX k 9223372036854775 v"), err(invalid), "overflows once added to now");
        assert_eq!(h.run("SETEX k abc v"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("SETEX k 1.5 v"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(h.run("SETEX k 10"), err("ERR wrong number of arguments for 'setex' command"));
    }
}

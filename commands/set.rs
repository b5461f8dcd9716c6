//! SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]

use crate::command_logic::strings::{set_string, string_options, StringCommand};
use crate::prelude::*;

/// `SET`: stores a string, with Redis 7's conditions, `GET` and expiry options.
pub struct Set;

impl Command for Set {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "set",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "string",
            summary:
                "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let value = args.next()?;
        let options = string_options(args, StringCommand::Set)?;
        let deadline = options.deadline(ctx.now_ms(), "set")?;

        let (allowed, old) = set_string(ctx, key, value, &options, deadline)?;
        Ok(match (options.get, allowed) {
            (true, _) => Reply::bulk_or_null(old),
            (false, true) => Reply::OK,
            (false, false) => Reply::Null,
        })
    }
}

inventory::submit! { Registration::new(&Set, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const SYNTAX: &str = "ERR syntax error";

    #[test]
    fn plain_set_overwrites_any_type_and_clears_ttl() {
        let mut h = Harness::new();
        assert_eq!(h.run("SET k v EX 100"), Reply::OK);
        assert_eq!(h.run("SET k w"), Reply::OK);
        assert_eq!(h.run("TTL k"), int(-1));
        h.run("HSET h f v");
        assert_eq!(h.run("SET h s"), Reply::OK);
        assert_eq!(h.run("GET h"), bulk("s"));
    }

    #[test]
    fn nx_xx_and_get() {
        let mut h = Harness::new();
        assert_eq!(h.run("SET k v XX"), Reply::Null);
        assert_eq!(h.run("SET k v NX"), Reply::OK);
        assert_eq!(h.run("SET k w NX"), Reply::Null);
        assert_eq!(h.run("SET k w xx GET"), bulk("v"));
        assert_eq!(h.run("SET k z NX GET"), bulk("w"));
        assert_eq!(h.run("GET k"), bulk("w"));
        assert_eq!(h.run("SET new v GET"), Reply::Null);
        h.run("HSET h f v");
        assert_eq!(
            h.run("SET h v GET"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SET k v NX XX"), err(SYNTAX));
        assert_eq!(h.run("SET k v BOGUS"), err(SYNTAX));
    }

    #[test]
    fn expiry_options_use_the_clock() {
        let mut h = Harness::new();
        h.run("SET a v EX 5");
        h.run("SET b v PX 1500");
        let at = (START_MS / 1000 + 10).to_string();
        h.run(&format!("SET c v EXAT {at}"));
        h.run(&format!("SET d v PXAT {}", START_MS + 20_000));
        assert_eq!(h.run("PTTL b"), int(1500));
        h.advance_ms(1_500);
        assert_eq!(h.run("GET b"), Reply::Null);
        assert_eq!(h.run("GET a"), bulk("v"));
        h.advance_ms(3_500);
        assert_eq!(h.run("GET a"), Reply::Null);
        assert_eq!(h.run("TTL c"), int(5));
        assert_eq!(h.run("PTTL d"), int(15_000));
    }

    #[test]
    fn keepttl_keeps_the_deadline() {
        let mut h = Harness::new();
        h.run("SET k v PX 1000");
        assert_eq!(h.run("SET k w KEEPTTL"), Reply::OK);
        assert_eq!(h.run("PTTL k"), int(1000));
        assert_eq!(h.run("SET k w KEEPTTL EX 5"), err(SYNTAX));
    }

    #[test]
    fn invalid_expire_times() {
        let mut h = Harness::new();
        let invalid = "ERR invalid expire time in 'set' command";
        assert_eq!(h.run("SET k v EX 0"), err(invalid));
        assert_eq!(h.run("SET k v EX -1"), err(invalid));
        assert_eq!(h.run("SET k v EX 99999999999999999"), err(invalid));
        assert_eq!(h.run("SET k v PX 9223372036854775807"), err(invalid));
        assert_eq!(h.run("SET k v PX abc"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("SET k v EX"), err(SYNTAX));
        assert_eq!(h.run("SET k v EX 10 PX 10"), err(SYNTAX));
        assert_eq!(h.run("SET k v EX 10 EX 20"), Reply::OK);
        assert_eq!(h.run("TTL k"), int(20));
        assert_eq!(h.run("GET k"), bulk("v"));
        assert_eq!(
            h.run("SET k v EX -9223372036854775808"),
            err(invalid),
            "i64::MIN is an integer, so the time is invalid"
        );
        assert_eq!(h.run("SET k v EX abc EX 10"), Reply::OK, "the last expiry wins");
        assert_eq!(h.run("SET k v PERSIST"), err(SYNTAX), "PERSIST is GETEX's");
        assert_eq!(h.run("SET k v EX 10 KEEPTTL"), err(SYNTAX));
    }
}

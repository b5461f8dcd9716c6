//! SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]

use crate::command_logic::strings::{set_string, string_options, StringCommand};
use crate::prelude::*;
use crate::protocol::parse::Argv;

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
        if allowed {
            ctx.notify(EventClass::String, "set", key);
            if deadline.is_some() {
                ctx.notify(EventClass::Generic, "expire", key);
            }
        }
        if let Some(at) = deadline {
            // Logged with `PXAT <deadline>` in place of its expiry option: a
            // replay at any time gives the same deadline.
            ctx.propagate_set_pxat(&without_expiry_option(args.argv()), at);
        }
        Ok(match (options.get, allowed) {
            (true, _) => Reply::bulk_or_null(old),
            (false, true) => Reply::OK,
            (false, false) => Reply::Null,
        })
    }
}

/// The request's arguments without its `EX`/`PX`/`EXAT`/`PXAT` options.
fn without_expiry_option(argv: Argv<'_>) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(argv.len());
    let mut i = 0;
    while i < argv.len() {
        let expiry =
            [&b"EX"[..], b"PX", b"EXAT", b"PXAT"].iter().any(|unit| argv.get(i).eq_ignore_ascii_case(unit));
        if i >= 3 && expiry && i + 1 < argv.len() {
            i += 2;
        } else {
            parts.push(argv.get(i));
            i += 1;
        }
    }
    parts
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

    #[test]
    fn effects_name_the_key_and_its_database() {
        let mut h = Harness::new();
        h.run("SELECT 3");
        assert_eq!(h.run("SET k v"), Reply::OK);
        assert_eq!(h.modified(), ["3:k"]);
        assert_eq!(h.events(), ["3:set:k"]);
        assert_eq!(h.propagated(), None, "logged as received");
        h.run("SET k v EX 10");
        assert_eq!(h.events(), ["3:set:k", "3:expire:k"]);
        assert_eq!(h.run("SET k w NX"), Reply::Null);
        assert_eq!(h.modified(), Vec::<String>::new(), "a SET that did not apply changed nothing");
        assert_eq!(h.events(), Vec::<String>::new());
    }

    #[test]
    fn relative_and_absolute_expiry_is_logged_as_pxat() {
        let mut h = Harness::new();
        h.run("SET k v EX 10 NX");
        assert_eq!(h.propagated(), logged(&["SET k v NX PXAT 1700000010000"]));
        h.run("SET k v px 1500 GET");
        assert_eq!(h.propagated(), logged(&["SET k v GET PXAT 1700000001500"]));
        h.run(&format!("SET k v EXAT {}", START_MS / 1000 + 7));
        assert_eq!(h.propagated(), logged(&["SET k v PXAT 1700000007000"]));
        h.run("SET k v KEEPTTL");
        assert_eq!(h.propagated(), None);
        h.run("SET k v EX 10 EX 20");
        assert_eq!(h.propagated(), logged(&["SET k v PXAT 1700000020000"]), "the last option wins");
        h.run("SET ex ex");
        assert_eq!(h.propagated(), None, "key and value are never options");
    }
}

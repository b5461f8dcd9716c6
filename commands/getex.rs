//! GETEX key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]

use crate::command_logic::strings::{string_options, StringCommand, TtlOption};
use crate::prelude::*;

/// `GETEX`: returns the string at `key` and sets or removes its expiry.
pub struct Getex;

impl Command for Getex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "getex",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "string",
            summary: "Get the value of a key and optionally set its expiration",
            since: "6.2.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let options = string_options(args, StringCommand::GetEx)?;
        let now = ctx.now_ms();
        let db = ctx.db();
        // As Redis: a missing key answers nil before the time is checked.
        let Some(value) = db.get_string(key)?.cloned() else {
            ctx.propagate_none();
            return Ok(Reply::Null);
        };
        let mut persisted = false;
        match (options.ttl, options.deadline(now, "getex")?) {
            // An absolute time already past deletes the key (after the reply's value is taken).
            (TtlOption::At(ExpireUnit::UnixSeconds | ExpireUnit::UnixMillis, _), Some(at)) if at <= now => {
                db.remove(key);
            }
            (_, Some(at)) => {
                db.set_deadline(key, at);
            }
            (TtlOption::Persist, None) => {
                persisted = db.clear_deadline(key);
            }
            _ => {}
        }
        // Logged as the expiry it left, in absolute time (`PEXPIREAT`, `DEL`
        // or `PERSIST`); a plain GETEX is not logged.
        match options.ttl {
            TtlOption::At(..) => ctx.report_expiry(true, key),
            TtlOption::Persist => {
                if persisted {
                    ctx.notify(EventClass::Generic, "persist", key);
                }
                ctx.propagate_expiry(key);
            }
            _ => ctx.propagate_none(),
        }
        Ok(Reply::bulk(value))
    }
}

inventory::submit! { Registration::new(&Getex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const SYNTAX: &str = "ERR syntax error";
    const INVALID: &str = "ERR invalid expire time in 'getex' command";
    const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

    #[test]
    fn plain_getex_is_a_get() {
        let mut h = Harness::new();
        assert_eq!(h.run("GETEX k"), Reply::Null);
        h.run("SET k v PX 500");
        assert_eq!(h.run("GETEX k"), bulk("v"));
        assert_eq!(h.run("PTTL k"), int(500));
    }

    #[test]
    fn every_expiry_option() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("GETEX k EX 10"), bulk("v"));
        assert_eq!(h.run("PTTL k"), int(10_000));
        assert_eq!(h.run("getex k px 2500"), bulk("v"));
        assert_eq!(h.run("PTTL k"), int(2_500));
        assert_eq!(h.run(&format!("GETEX k EXAT {}", START_MS / 1000 + 30)), bulk("v"));
        assert_eq!(h.run("TTL k"), int(30));
        assert_eq!(h.run(&format!("GETEX k PXAT {}", START_MS + 1234)), bulk("v"));
        assert_eq!(h.run("PTTL k"), int(1234));
        assert_eq!(h.run("GETEX k PERSIST"), bulk("v"));
        assert_eq!(h.run("TTL k"), int(-1));
        assert_eq!(h.run("GETEX k PERSIST PERSIST"), bulk("v"));
        assert_eq!(h.run("GETEX k EX 10 EX 20"), bulk("v"), "repeating a unit: the last wins");
        assert_eq!(h.run("TTL k"), int(20));
        h.advance_ms(20_000);
        assert_eq!(h.run("GETEX k"), Reply::Null);
    }

    #[test]
    fn past_absolute_time_deletes_after_replying() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("GETEX k EXAT 1"), bulk("v"));
        assert_eq!(h.run("EXISTS k"), int(0));
        h.run("SET k v");
        assert_eq!(h.run(&format!("GETEX k PXAT {START_MS}")), bulk("v"), "now counts as past");
        assert_eq!(h.run("EXISTS k"), int(0));
    }

    #[test]
    fn conflicting_and_unknown_options() {
        let mut h = Harness::new();
        h.run("SET k v");
        for bad in [
            "EX 10 PX 10",
            "PERSIST EX 10",
            "EX 10 PERSIST",
            "PXAT 5 EXAT 5",
            "KEEPTTL",
            "NX",
            "GET",
            "EX",
            "PERSIST PX",
            "FOO",
        ] {
            assert_eq!(h.run(&format!("GETEX k {bad}")), err(SYNTAX), "{bad}");
        }
        assert_eq!(h.run("GETEX missing EX 10 PX 10"), err(SYNTAX), "syntax is checked first");
        assert_eq!(h.run("TTL k"), int(-1));
    }

    #[test]
    fn time_checks_come_after_the_lookup() {
        let mut h = Harness::new();
        assert_eq!(h.run("GETEX missing EX abc"), Reply::Null);
        assert_eq!(h.run("GETEX missing EX 0"), Reply::Null);
        h.run("HSET h f v");
        let wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
        assert_eq!(h.run("GETEX h EX abc"), err(wrongtype));
        h.run("SET k v");
        assert_eq!(h.run("GETEX k EX abc"), err(NOT_INTEGER));
        assert_eq!(h.run("GETEX k EX 0"), err(INVALID));
        assert_eq!(h.run("GETEX k PX -1"), err(INVALID));
        assert_eq!(h.run("GETEX k EXAT 0"), err(INVALID));
        assert_eq!(h.run("GETEX k EX 9223372036854775807"), err(INVALID));
        assert_eq!(h.run("GETEX k PX 9223372036854775807"), err(INVALID));
        assert_eq!(h.run("GETEX k EX -9223372036854775808"), err(INVALID));
        assert_eq!(h.run("TTL k"), int(-1), "a failed GETEX changes nothing");
        assert_eq!(h.run("GETEX"), err("ERR wrong number of arguments for 'getex' command"));
    }

    #[test]
    fn logged_as_the_expiry_it_left() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        h.run("GETEX k PX 5");
        assert_eq!(h.propagated(), logged(&[]), "a missing key logs nothing");
        h.run("SET k v");
        h.run("GETEX k");
        assert_eq!(h.propagated(), logged(&[]), "a plain GETEX logs nothing");
        h.run("GETEX k PX 5");
        assert_eq!(h.propagated(), logged(&["PEXPIREAT k 1700000000005"]));
        assert_eq!(h.events(), ["0:expire:k"]);
        h.run("GETEX k PERSIST");
        assert_eq!(h.propagated(), logged(&["PERSIST k"]));
        assert_eq!(h.events(), ["0:persist:k"]);
        h.run("GETEX k EXAT 1");
        assert_eq!(h.propagated(), logged(&["DEL k"]));
        assert_eq!(h.events(), ["0:del:k"]);
    }
}

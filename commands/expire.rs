//! EXPIRE key seconds [NX|XX|GT|LT]

use crate::prelude::*;

/// `EXPIRE`: sets a key's time to live in seconds; 1 if set, 0 if not.
pub struct Expire;

impl Command for Expire {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "expire",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Sets the expiration time of a key in seconds.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.argv().get(1);
        let reply = crate::command_logic::keys::expire(ctx, args, ExpireUnit::Seconds, "expire")?;
        // Logged as `PEXPIREAT` with the absolute deadline (`DEL` if past), only when applied.
        ctx.report_expiry(reply == Reply::Integer(1), key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Expire, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_ttl_and_expires_on_the_clock() {
        let mut h = Harness::new();
        assert_eq!(h.run("EXPIRE k 10"), int(0));
        h.run("SET k v");
        assert_eq!(h.run("EXPIRE k 10"), int(1));
        assert_eq!(h.run("TTL k"), int(10));
        h.advance_ms(10_000);
        assert_eq!(h.run("GET k"), Reply::Null);
    }

    #[test]
    fn nx_xx_gt_lt() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("EXPIRE k 10 XX"), int(0));
        assert_eq!(h.run("EXPIRE k 10 GT"), int(0));
        assert_eq!(h.run("EXPIRE k 10 NX"), int(1));
        assert_eq!(h.run("EXPIRE k 20 NX"), int(0));
        assert_eq!(h.run("EXPIRE k 5 GT"), int(0));
        assert_eq!(h.run("EXPIRE k 20 GT"), int(1));
        assert_eq!(h.run("EXPIRE k 30 LT"), int(0));
        assert_eq!(h.run("EXPIRE k 15 lt"), int(1));
        assert_eq!(h.run("TTL k"), int(15));
        h.run("PERSIST k");
        assert_eq!(h.run("EXPIRE k 15 LT"), int(1));
    }

    #[test]
    fn errors_and_past_deadlines() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(
            h.run("EXPIRE k 10 NX XX"),
            err("ERR NX and XX, GT or LT options at the same time are not compatible")
        );
        assert_eq!(
            h.run("EXPIRE k 10 GT LT"),
            err("ERR GT and LT options at the same time are not compatible")
        );
        assert_eq!(h.run("EXPIRE k 10 FOO"), err("ERR Unsupported option FOO"));
        assert_eq!(h.run("EXPIRE k abc"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("EXPIRE k 9223372036854775807"), err("ERR invalid expire time in 'expire' command"));
        assert_eq!(h.run("EXPIRE k -5"), int(1));
        assert_eq!(h.run("EXISTS k"), int(0));
    }

    #[test]
    fn logged_as_pexpireat_or_del_and_only_when_applied() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        h.run("EXPIRE k 10");
        assert_eq!(h.propagated(), logged(&[]), "nothing to log for a missing key");
        h.run("SET k v");
        h.run("EXPIRE k 10 NX");
        assert_eq!(h.propagated(), logged(&["PEXPIREAT k 1700000010000"]), "options are dropped");
        assert_eq!(h.events(), ["0:expire:k"]);
        h.run("EXPIRE k 5 GT");
        assert_eq!(h.propagated(), logged(&[]));
        h.run("EXPIRE k -1");
        assert_eq!(h.propagated(), logged(&["DEL k"]));
        assert_eq!(h.events(), ["0:del:k"]);
        assert_eq!(h.modified(), ["0:k"]);
    }
}

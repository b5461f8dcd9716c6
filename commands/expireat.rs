//! EXPIREAT key unix-time-seconds [NX|XX|GT|LT]

use crate::prelude::*;

/// `EXPIREAT`: sets a key's deadline as a Unix time in seconds; 1 if set, 0 if not.
pub struct Expireat;

impl Command for Expireat {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "expireat",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Set the expiration for a key as a UNIX timestamp",
            since: "1.2.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.argv().get(1);
        let reply = crate::command_logic::keys::expire(ctx, args, ExpireUnit::UnixSeconds, "expireat")?;
        // Logged as `PEXPIREAT` with the absolute deadline (`DEL` if past), only when applied.
        ctx.report_expiry(reply == Reply::Integer(1), key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Expireat, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    const NOW_S: u64 = START_MS / 1000;

    #[test]
    fn absolute_deadline_in_seconds() {
        let mut h = Harness::new();
        assert_eq!(h.run(&format!("EXPIREAT k {}", NOW_S + 10)), int(0));
        h.run("SET k v");
        assert_eq!(h.wire(&format!("EXPIREAT k {}", NOW_S + 10)), ":1\r\n");
        assert_eq!(h.run("TTL k"), int(10));
        assert_eq!(h.run("EXPIRETIME k"), int((NOW_S + 10) as i64));
        h.advance_ms(9_999);
        assert_eq!(h.run("EXISTS k"), int(1));
        h.advance_ms(1);
        assert_eq!(h.run("EXISTS k"), int(0));
    }

    #[test]
    fn past_times_delete() {
        let mut h = Harness::new();
        for (key, at) in [("a", NOW_S as i64), ("b", 0), ("c", -1), ("d", -9223372036854775)] {
            h.run(&format!("SET {key} v"));
            assert_eq!(h.run(&format!("EXPIREAT {key} {at}")), int(1), "{at}");
        }
        assert_eq!(h.run("EXISTS a b c d"), int(0));
    }

    #[test]
    fn conditions() {
        let mut h = Harness::new();
        h.run("SET k v");
        let at = |s: u64| format!("EXPIREAT k {}", NOW_S + s);
        assert_eq!(h.run(&(at(50) + " XX")), int(0));
        assert_eq!(h.run(&(at(50) + " NX")), int(1));
        assert_eq!(h.run(&(at(40) + " GT")), int(0));
        assert_eq!(h.run(&(at(60) + " GT")), int(1));
        assert_eq!(h.run(&(at(70) + " LT")), int(0));
        assert_eq!(h.run(&(at(30) + " LT")), int(1));
        assert_eq!(h.run("TTL k"), int(30));
    }

    #[test]
    fn overflow_and_errors() {
        let mut h = Harness::new();
        h.run("SET k v");
        let invalid = "ERR invalid expire time in 'expireat' command";
        assert_eq!(h.run("EXPIREAT k 9223372036854776"), err(invalid));
        assert_eq!(h.run("EXPIREAT k -9223372036854776"), err(invalid));
        assert_eq!(h.run("EXPIREAT k 9223372036854775807"), err(invalid));
        assert_eq!(h.run("EXPIREAT k 9223372036854775"), int(1), "the largest that fits in ms");
        assert_eq!(h.run("PEXPIRETIME k"), int(9_223_372_036_854_775_000));
        assert_eq!(h.run("EXPIREAT k x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("EXPIREAT k 1 bar"), err("ERR Unsupported option bar"));
        assert_eq!(h.run("EXPIREAT k"), err("ERR wrong number of arguments for 'expireat' command"));
    }

    #[test]
    fn logged_as_pexpireat_in_milliseconds() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        h.run("SET k v");
        h.run(&format!("EXPIREAT k {}", NOW_S + 30));
        assert_eq!(h.propagated(), logged(&["PEXPIREAT k 1700000030000"]));
        h.run("PEXPIREAT missing 5");
        assert_eq!(h.propagated(), logged(&[]));
    }
}

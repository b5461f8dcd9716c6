//! PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]

use crate::prelude::*;

/// `PEXPIREAT`: sets a key's deadline as a Unix time in milliseconds; 1 if set, 0 if not.
pub struct Pexpireat;

impl Command for Pexpireat {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pexpireat",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
            since: "2.6.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.argv().get(1);
        let reply = crate::command_logic::keys::expire(ctx, args, ExpireUnit::UnixMillis, "pexpireat")?;
        // Logged as `PEXPIREAT` with the absolute deadline (`DEL` if past), only when applied.
        ctx.report_expiry(reply == Reply::Integer(1), key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Pexpireat, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn absolute_deadline_in_milliseconds() {
        let mut h = Harness::new();
        let deadline = START_MS + 1_234;
        assert_eq!(h.run(&format!("PEXPIREAT k {deadline}")), int(0));
        h.run("HSET k f v");
        assert_eq!(h.wire(&format!("PEXPIREAT k {deadline}")), ":1\r\n");
        assert_eq!(h.run("PTTL k"), int(1_234));
        assert_eq!(h.run("PEXPIRETIME k"), int(deadline as i64));
        h.advance_ms(1_233);
        assert_eq!(h.run("EXISTS k"), int(1));
        h.advance_ms(1);
        assert_eq!(h.run("EXISTS k"), int(0));
    }

    #[test]
    fn now_or_earlier_deletes() {
        let mut h = Harness::new();
        for at in [START_MS as i64, 1, -9223372036854775808] {
            h.run("SET k v");
            assert_eq!(h.run(&format!("PEXPIREAT k {at}")), int(1), "{at}");
            assert_eq!(h.run("EXISTS k"), int(0));
        }
    }

    #[test]
    fn conditions_and_extremes() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("PEXPIREAT k 9223372036854775807 GT"), int(0));
        assert_eq!(h.run("PEXPIREAT k 9223372036854775807 NX"), int(1), "no overflow without a base time");
        assert_eq!(h.run("PEXPIRETIME k"), int(i64::MAX));
        assert_eq!(h.run("EXPIRETIME k"), int(9_223_372_036_854_776));
        assert_eq!(h.run(&format!("PEXPIREAT k {} LT", START_MS + 500)), int(1));
        assert_eq!(h.run("PTTL k"), int(500));
        assert_eq!(
            h.run("PEXPIREAT k 9223372036854775808"),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run("PEXPIREAT k 1 NX GT"),
            err("ERR NX and XX, GT or LT options at the same time are not compatible")
        );
        assert_eq!(h.run("PEXPIREAT k"), err("ERR wrong number of arguments for 'pexpireat' command"));
        assert_eq!(h.run("PTTL k"), int(500));
    }
}

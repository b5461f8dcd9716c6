//! PEXPIRE key milliseconds [NX|XX|GT|LT]

use crate::prelude::*;

/// `PEXPIRE`: sets a key's time to live in milliseconds; 1 if set, 0 if not.
pub struct Pexpire;

impl Command for Pexpire {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pexpire",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Set a key's time to live in milliseconds",
            since: "2.6.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.argv().get(1);
        let reply = crate::command_logic::keys::expire(ctx, args, ExpireUnit::Millis, "pexpire")?;
        // Logged as `PEXPIREAT` with the absolute deadline (`DEL` if past), only when applied.
        ctx.report_expiry(reply == Reply::Integer(1), key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Pexpire, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn millisecond_ttl_on_the_clock() {
        let mut h = Harness::new();
        assert_eq!(h.run("PEXPIRE k 1500"), int(0));
        h.run("HSET k f v");
        assert_eq!(h.wire("PEXPIRE k 1500"), ":1\r\n");
        assert_eq!(h.run("PTTL k"), int(1500));
        h.advance_ms(1499);
        assert_eq!(h.run("HGET k f"), bulk("v"));
        h.advance_ms(1);
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(h.run("PEXPIRE k 100"), int(0), "expired keys are missing");
    }

    #[test]
    fn conditions() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("PEXPIRE k 100 XX"), int(0));
        assert_eq!(h.run("PEXPIRE k 100 GT"), int(0), "no TTL counts as infinite");
        assert_eq!(h.run("PEXPIRE k 100 LT"), int(1));
        assert_eq!(h.run("PEXPIRE k 200 NX"), int(0));
        assert_eq!(h.run("PEXPIRE k 200 gt xx"), int(1));
        assert_eq!(h.run("PEXPIRE k 200 GT"), int(0), "equal is not greater");
        assert_eq!(h.run("PEXPIRE k 150 LT XX"), int(1));
        assert_eq!(h.run("PTTL k"), int(150));
    }

    #[test]
    fn zero_and_negative_delete() {
        let mut h = Harness::new();
        h.run("SET a v");
        h.run("SET b v");
        assert_eq!(h.run("PEXPIRE a 0"), int(1));
        assert_eq!(h.run("PEXPIRE b -9223372036854775808"), int(1));
        assert_eq!(h.run("EXISTS a b"), int(0));
        assert_eq!(h.stored_keys(0), 0);
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET k v");
        let invalid = "ERR invalid expire time in 'pexpire' command";
        assert_eq!(h.run("PEXPIRE k 9223372036854775807"), err(invalid));
        assert_eq!(h.run("PEXPIRE missing 9223372036854775807"), err(invalid));
        assert_eq!(
            h.run("PEXPIRE k 9223372036854775808"),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(h.run("PEXPIRE k 1.5"), err("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("PEXPIRE k abc FOO"),
            err("ERR Unsupported option FOO"),
            "options are checked first"
        );
        assert_eq!(
            h.run("PEXPIRE k abc NX LT"),
            err("ERR NX and XX, GT or LT options at the same time are not compatible")
        );
        assert_eq!(
            h.run("PEXPIRE k 10 LT GT"),
            err("ERR GT and LT options at the same time are not compatible")
        );
        assert_eq!(h.run("PEXPIRE k"), err("ERR wrong number of arguments for 'pexpire' command"));
        assert_eq!(h.run("TTL k"), int(-1));
        assert_eq!(h.run("GET k"), Reply::bulk("v"));
    }
}

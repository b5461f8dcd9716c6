//! INCR key

use crate::prelude::*;

/// `INCR`: adds 1 to the integer at `key` (0 if absent); the new value.
pub struct Incr;

impl Command for Incr {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "incr",
            arity: 2,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Increment the integer value of a key by one",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let reply = crate::command_logic::strings::incr_by(ctx, key, 1)?;
        ctx.notify(EventClass::String, "incrby", key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Incr, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

    #[test]
    fn counts_from_zero_and_keeps_ttl() {
        let mut h = Harness::new();
        assert_eq!(h.run("INCR c"), int(1));
        assert_eq!(h.run("INCR c"), int(2));
        h.run("SET c -5 EX 100");
        assert_eq!(h.run("INCR c"), int(-4));
        assert_eq!(h.run("TTL c"), int(100));
        assert_eq!(h.run("GET c"), bulk("-4"));
        h.advance_ms(100_000);
        assert_eq!(h.run("INCR c"), int(1), "an expired counter starts again");
    }

    #[test]
    fn refuses_what_is_not_a_64_bit_integer() {
        let mut h = Harness::new();
        for bad in ["abc", "1.5", " 1", "1 ", "+1", "01", "-0", "", "9223372036854775808", "1e3"] {
            h.run_args(&["SET", "k", bad]);
            assert_eq!(h.run("INCR k"), err(NOT_INTEGER), "{bad:?}");
        }
        h.run_args(&[&b"SET"[..], b"k", b"1\x00"]);
        assert_eq!(h.run("INCR k"), err(NOT_INTEGER));
    }

    #[test]
    fn overflow_and_wrong_type() {
        let mut h = Harness::new();
        h.run("SET k 9223372036854775806");
        assert_eq!(h.run("INCR k"), int(i64::MAX));
        assert_eq!(h.run("INCR k"), err("ERR increment or decrement would overflow"));
        assert_eq!(h.run("GET k"), bulk("9223372036854775807"));
        h.run("HSET h f v");
        assert_eq!(h.run("INCR h"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
        assert_eq!(h.run("INCR"), err("ERR wrong number of arguments for 'incr' command"));
    }
}

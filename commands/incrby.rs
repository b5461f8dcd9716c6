//! INCRBY key increment

use crate::prelude::*;

/// `INCRBY`: adds a 64-bit integer to the integer at `key`; the new value.
pub struct Incrby;

impl Command for Incrby {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "incrby",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Increment the integer value of a key by the given amount",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let increment = args.next_i64()?;
        let reply = crate::command_logic::strings::incr_by(ctx, key, increment)?;
        ctx.notify(EventClass::String, "incrby", key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Incrby, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    const OVERFLOW: &str = "ERR increment or decrement would overflow";
    const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

    #[test]
    fn adds_any_amount() {
        let mut h = Harness::new();
        assert_eq!(h.run("INCRBY k 10"), int(10));
        assert_eq!(h.run("INCRBY k -25"), int(-15));
        assert_eq!(h.run("INCRBY k 0"), int(-15));
        assert_eq!(h.run("INCRBY n -9223372036854775808"), int(i64::MIN));
        assert_eq!(h.run("GET n"), bulk("-9223372036854775808"));
    }

    #[test]
    fn overflow_both_ways() {
        let mut h = Harness::new();
        h.run("SET k 9223372036854775800");
        assert_eq!(h.run("INCRBY k 7"), int(i64::MAX));
        assert_eq!(h.run("INCRBY k 1"), err(OVERFLOW));
        h.run("SET k -9223372036854775800");
        assert_eq!(h.run("INCRBY k -8"), int(i64::MIN));
        assert_eq!(h.run("INCRBY k -1"), err(OVERFLOW));
        assert_eq!(h.run("INCRBY k 9223372036854775807"), int(-1));
    }

    #[test]
    fn argument_is_checked_before_the_key() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(h.run("INCRBY h abc"), err(NOT_INTEGER));
        assert_eq!(
            h.run("INCRBY h 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("INCRBY k 9223372036854775808"), err(NOT_INTEGER));
        assert_eq!(h.run("INCRBY k 1.5"), err(NOT_INTEGER));
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(h.run("INCRBY k"), err("ERR wrong number of arguments for 'incrby' command"));
    }
}

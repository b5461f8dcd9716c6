//! DECRBY key decrement

use crate::prelude::*;

/// `DECRBY`: subtracts a 64-bit integer from the integer at `key`; the new value.
pub struct Decrby;

impl Command for Decrby {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "decrby",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Decrement the integer value of a key by the given number",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let decrement = args.next_i64()?;
        // Negating i64::MIN overflows: Redis has its own message for it.
        let delta = decrement.checked_neg().ok_or(ReplyError::from_static("ERR decrement would overflow"))?;
        let reply = crate::command_logic::strings::incr_by(ctx, key, delta)?;
        // Redis names every INCR/DECR variant `incrby`.
        ctx.notify(EventClass::String, "incrby", key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Decrby, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn subtracts() {
        let mut h = Harness::new();
        assert_eq!(h.run("DECRBY k 3"), int(-3));
        assert_eq!(h.run("DECRBY k -10"), int(7));
        h.run("SET k -9223372036854775807");
        assert_eq!(h.run("DECRBY k 1"), int(i64::MIN));
    }

    #[test]
    fn overflow_messages() {
        let mut h = Harness::new();
        assert_eq!(h.run("DECRBY k -9223372036854775808"), err("ERR decrement would overflow"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("DECRBY h -9223372036854775808"),
            err("ERR decrement would overflow"),
            "before the type"
        );
        h.run("SET k 9223372036854775807");
        assert_eq!(h.run("DECRBY k -1"), err("ERR increment or decrement would overflow"));
        h.run("SET k -2");
        assert_eq!(h.run("DECRBY k 9223372036854775807"), err("ERR increment or decrement would overflow"));
    }

    #[test]
    fn bad_arguments() {
        let mut h = Harness::new();
        assert_eq!(h.run("DECRBY k x"), err("ERR value is not an integer or out of range"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("DECRBY h 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("DECRBY k 1 2"), err("ERR wrong number of arguments for 'decrby' command"));
    }
}

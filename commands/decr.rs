//! DECR key

use crate::prelude::*;

/// `DECR`: subtracts 1 from the integer at `key` (0 if absent); the new value.
pub struct Decr;

impl Command for Decr {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "decr",
            arity: 2,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Decrement the integer value of a key by one",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let reply = crate::command_logic::strings::incr_by(ctx, key, -1)?;
        // Redis names every INCR/DECR variant `incrby`.
        ctx.notify(EventClass::String, "incrby", key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Decr, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_down_from_zero() {
        let mut h = Harness::new();
        assert_eq!(h.run("DECR c"), int(-1));
        h.run("SET c 10");
        assert_eq!(h.run("DECR c"), int(9));
        assert_eq!(h.run("GET c"), bulk("9"));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET k -9223372036854775808");
        assert_eq!(h.run("DECR k"), err("ERR increment or decrement would overflow"));
        h.run("SET k 1.0");
        assert_eq!(h.run("DECR k"), err("ERR value is not an integer or out of range"));
        h.run("HSET h f v");
        assert_eq!(h.run("DECR h"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
        assert_eq!(h.run("DECR a b"), err("ERR wrong number of arguments for 'decr' command"));
    }
}

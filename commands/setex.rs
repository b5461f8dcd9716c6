//! SETEX key seconds value

use crate::prelude::*;

/// `SETEX`: sets a string with a time to live in seconds.
pub struct Setex;

impl Command for Setex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "setex",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "string",
            summary: "Set the value and expiration of a key",
            since: "2.0.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        set_expiring_reported(ctx, args, ExpireUnit::Seconds, "setex")
    }
}

/// `SETEX`/`PSETEX`, with their effects: logged as `SET key value PXAT
/// <deadline>`, so a replay at any time gives the same deadline.
pub(crate) fn set_expiring_reported(
    ctx: &mut Context<'_>,
    args: &mut Args<'_>,
    unit: ExpireUnit,
    name: &str,
) -> CommandResult {
    let argv = args.argv();
    let reply = crate::command_logic::strings::set_expiring(ctx, args, unit, name)?;
    let (key, value) = (argv.get(1), argv.get(3));
    if let Some(at) = ctx.db().deadline(key) {
        ctx.propagate_set_pxat(&[b"SET", key, value], at);
    }
    ctx.notify(EventClass::String, "set", key);
    ctx.notify(EventClass::Generic, "expire", key);
    Ok(reply)
}

inventory::submit! { Registration::new(&Setex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_value_and_ttl_overwriting_any_type() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETEX k 10 v"), Reply::OK);
        assert_eq!(h.run("GET k"), bulk("v"));
        assert_eq!(h.run("PTTL k"), int(10_000));
        h.advance_ms(9_999);
        assert_eq!(h.run("GET k"), bulk("v"));
        h.advance_ms(1);
        assert_eq!(h.run("GET k"), Reply::Null);
        h.run("HSET h f v");
        assert_eq!(h.run("SETEX h 5 s"), Reply::OK);
        assert_eq!(h.run("GET h"), bulk("s"));
        assert_eq!(h.run("TTL h"), int(5));
    }

    #[test]
    fn invalid_times() {
        let mut h = Harness::new();
        let invalid = "ERR invalid expire time in 'setex' command";
        assert_eq!(h.run("SETEX k 0 v"), err(invalid));
        assert_eq!(h.run("SETEX k -1 v"), err(invalid));
        assert_eq!(h.run("SETEX k 9223372036854775807 v"), err(invalid));
        assert_eq!(h.run("SETEX k 9223372036854775 v"), err(invalid), "overflows once added to now");
        assert_eq!(h.run("SETEX k abc v"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("SETEX k 1.5 v"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(h.run("SETEX k 10"), err("ERR wrong number of arguments for 'setex' command"));
    }

    #[test]
    fn logged_as_set_with_an_absolute_deadline() {
        let mut h = Harness::new();
        h.run("SETEX k 10 v");
        assert_eq!(h.propagated(), logged(&["SET k v PXAT 1700000010000"]));
        assert_eq!(h.events(), ["0:set:k", "0:expire:k"]);
    }
}

//! PSETEX key milliseconds value

use crate::prelude::*;

/// `PSETEX`: sets a string with a time to live in milliseconds.
pub struct Psetex;

impl Command for Psetex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "psetex",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "string",
            summary: "Set the value and expiration in milliseconds of a key",
            since: "2.6.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::commands::setex::set_expiring_reported(ctx, args, ExpireUnit::Millis, "psetex")
    }
}

inventory::submit! { Registration::new(&Psetex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_value_and_ttl_in_ms() {
        let mut h = Harness::new();
        h.run("SET k old EX 100");
        assert_eq!(h.run("PSETEX k 1500 v"), Reply::OK);
        assert_eq!(h.run("PTTL k"), int(1500));
        h.advance_ms(1_499);
        assert_eq!(h.run("GET k"), bulk("v"));
        h.advance_ms(1);
        assert_eq!(h.run("EXISTS k"), int(0));
    }

    #[test]
    fn invalid_times() {
        let mut h = Harness::new();
        let invalid = "ERR invalid expire time in 'psetex' command";
        assert_eq!(h.run("PSETEX k 0 v"), err(invalid));
        assert_eq!(h.run("PSETEX k -5 v"), err(invalid));
        assert_eq!(h.run("PSETEX k 9223372036854775807 v"), err(invalid));
        assert_eq!(h.run("PSETEX k x v"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("PSETEX k 1 v x"), err("ERR wrong number of arguments for 'psetex' command"));
    }

    #[test]
    fn logged_as_set_with_an_absolute_deadline() {
        let mut h = Harness::new();
        h.run("PSETEX k 10 v");
        assert_eq!(h.propagated(), logged(&["SET k v PXAT 1700000000010"]));
    }
}

//! PTTL key

use crate::prelude::*;

/// `PTTL key`: milliseconds left, -1 without a deadline, -2 if missing.
pub struct Pttl;

impl Command for Pttl {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pttl",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary: "Returns the expiration time in milliseconds of a key.",
            since: "2.6.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::keys::ttl_reply(ctx, args, ExpireUnit::Millis)
    }
}

inventory::submit! { Registration::new(&Pttl, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn pttl_leaves_the_access_time() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.advance_ms(10_000);
        assert_eq!(h.run("PTTL k"), int(-1));
        assert_eq!(h.run("OBJECT IDLETIME k"), int(10), "OBJECT IDLETIME keeps counting");
    }

    #[test]
    fn milliseconds_left() {
        let mut h = Harness::new();
        assert_eq!(h.run("PTTL k"), int(-2));
        h.run("SET k v");
        assert_eq!(h.run("PTTL k"), int(-1));
        h.run("EXPIRE k 2");
        h.advance_ms(750);
        assert_eq!(h.run("PTTL k"), int(1250));
    }
}

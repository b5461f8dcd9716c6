//! TTL key

use crate::prelude::*;

/// `TTL key`: seconds left (rounded), -1 without a deadline, -2 if missing.
pub struct Ttl;

impl Command for Ttl {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "ttl",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary: "Returns the expiration time in seconds of a key.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::keys::ttl_reply(ctx, args, ExpireUnit::Seconds)
    }
}

inventory::submit! { Registration::new(&Ttl, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ttl_leaves_the_access_time() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.advance_ms(10_000);
        assert_eq!(h.run("TTL k"), int(-1));
        assert_eq!(h.run("OBJECT IDLETIME k"), int(10), "OBJECT IDLETIME keeps counting");
    }

    #[test]
    fn missing_persistent_and_rounded() {
        let mut h = Harness::new();
        assert_eq!(h.run("TTL k"), int(-2));
        h.run("SET k v");
        assert_eq!(h.run("TTL k"), int(-1));
        h.run("SET k v PX 10499");
        assert_eq!(h.run("TTL k"), int(10));
        h.advance_ms(9_999);
        assert_eq!(h.run("TTL k"), int(1));
        h.advance_ms(500);
        assert_eq!(h.run("TTL k"), int(-2));
    }
}

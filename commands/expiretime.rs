//! EXPIRETIME key

use crate::prelude::*;

/// `EXPIRETIME key`: the deadline as a Unix time in seconds (rounded to the
/// nearest second, as Redis does), -1 without one, -2 if the key is missing.
pub struct Expiretime;

impl Command for Expiretime {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "expiretime",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary: "Get the expiration Unix timestamp for a key",
            since: "7.0.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::keys::ttl_reply(ctx, args, ExpireUnit::UnixSeconds)
    }
}

inventory::submit! { Registration::new(&Expiretime, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    const NOW_S: u64 = START_MS / 1000;

    #[test]
    fn missing_persistent_and_volatile() {
        let mut h = Harness::new();
        assert_eq!(h.wire("EXPIRETIME k"), ":-2\r\n");
        h.run("HSET k f v");
        assert_eq!(h.run("EXPIRETIME k"), int(-1));
        h.run(&format!("EXPIREAT k {}", NOW_S + 100));
        assert_eq!(h.run("EXPIRETIME k"), int((NOW_S + 100) as i64));
        h.advance_ms(100_000);
        assert_eq!(h.run("EXPIRETIME k"), int(-2));
    }

    #[test]
    fn rounds_to_the_nearest_second() {
        let mut h = Harness::new();
        h.run("SET k v");
        let base = (NOW_S + 1000) * 1000;
        h.run(&format!("PEXPIREAT k {}", base + 499));
        assert_eq!(h.run("EXPIRETIME k"), int((NOW_S + 1000) as i64));
        h.run(&format!("PEXPIREAT k {}", base + 500));
        assert_eq!(h.run("EXPIRETIME k"), int((NOW_S + 1001) as i64));
        h.run("PEXPIREAT k 9223372036854775807");
        assert_eq!(h.run("EXPIRETIME k"), int(9_223_372_036_854_776));
    }

    #[test]
    fn counts_hits_and_misses_and_arity() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.run("EXPIRETIME k");
        h.run("EXPIRETIME nope");
        let stats = h.shared.store.stats();
        assert_eq!((stats.hits, stats.misses), (1, 1));
        assert_eq!(h.run("EXPIRETIME"), err("ERR wrong number of arguments for 'expiretime' command"));
        assert_eq!(h.run("EXPIRETIME a b"), err("ERR wrong number of arguments for 'expiretime' command"));
    }
}

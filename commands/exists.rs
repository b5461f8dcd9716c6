//! EXISTS key [key ...]

use crate::prelude::*;

/// `EXISTS key [key ...]`: how many of the keys exist (repeats count again).
pub struct Exists;

impl Command for Exists {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "exists",
            arity: -2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary: "Determines whether one or more keys exist.",
            complexity: "O(N) where N is the number of keys to check.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let db = ctx.db();
        // Counts a hit or miss per key, as Redis 7.0 does, without touching.
        let found =
            args.rest().filter(|key| crate::command_logic::keys::lookup_no_touch(db, key).is_some()).count();
        Ok(Reply::Integer(found as i64))
    }
}

inventory::submit! { Registration::new(&Exists, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn exists_leaves_the_access_time() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.advance_ms(10_000);
        assert_eq!(h.run("EXISTS k"), int(1));
        assert_eq!(h.run("OBJECT IDLETIME k"), int(10), "OBJECT IDLETIME keeps counting");
    }

    #[test]
    fn counts_keyspace_hits_and_misses() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.run("EXISTS k nokey k");
        let stats = h.info("stats");
        assert!(stats.contains("keyspace_hits:2\r\n") && stats.contains("keyspace_misses:1\r\n"), "{stats}");
    }

    #[test]
    fn counts_repeats_and_ignores_expired() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("SET b 1 PX 5");
        assert_eq!(h.run("EXISTS a a b c"), int(3));
        h.advance_ms(5);
        assert_eq!(h.run("EXISTS a b"), int(1));
        assert_eq!(h.run("EXISTS"), err("ERR wrong number of arguments for 'exists' command"));
    }
}

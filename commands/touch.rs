//! TOUCH key [key ...]

use crate::prelude::*;

/// `TOUCH key [key ...]`: updates the access time of the keys that exist;
/// how many existed (a key named twice counts twice).
pub struct Touch;

impl Command for Touch {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "touch",
            arity: -2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary:
                "Alters the last access time of a key(s). Returns the number of existing keys specified.",
            since: "3.2.1",
            complexity: "O(N) where N is the number of keys that will be touched.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let db = ctx.db();
        let mut touched = 0;
        // A read lookup in Redis: it counts a keyspace hit or miss.
        for key in args.rest() {
            if db.touch(key) {
                touched += 1;
            }
        }
        Ok(Reply::Integer(touched))
    }
}

inventory::submit! { Registration::new(&Touch, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_existing_keys_and_resets_idle_time() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("HSET h f v");
        h.advance_ms(5_000);
        assert_eq!(h.run("OBJECT IDLETIME a"), int(5));
        assert_eq!(h.wire("TOUCH a h missing a"), ":3\r\n");
        assert_eq!(h.run("OBJECT IDLETIME a"), int(0));
        assert_eq!(h.run("OBJECT IDLETIME h"), int(0));
        assert_eq!(h.run("EXISTS missing"), int(0), "TOUCH creates nothing");
    }

    #[test]
    fn counts_hits_and_misses() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("TOUCH a b");
        let stats = h.shared.store.stats();
        assert_eq!((stats.hits, stats.misses), (1, 1));
    }

    #[test]
    fn expired_keys_and_binary_names() {
        let mut h = Harness::new();
        h.run("SET a 1 PX 10");
        h.run_args(&[&b"SET"[..], b"\x00\xff", b"v"]);
        h.advance_ms(10);
        assert_eq!(h.run("TOUCH a"), int(0));
        assert_eq!(h.run_args(&[&b"TOUCH"[..], b"\x00\xff"]), int(1));
        assert_eq!(h.run("TOUCH"), err("ERR wrong number of arguments for 'touch' command"));
    }
}

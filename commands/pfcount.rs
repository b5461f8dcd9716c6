//! PFCOUNT key [key ...]

use crate::prelude::*;
use crate::registry::KeySpec;
use crate::store::hyperloglog::{self, as_hll, REGISTERS};

/// `PFCOUNT`: the approximate number of distinct elements added to the
/// HyperLogLog at `key`, or to the union of several (without changing them).
pub struct Pfcount;

impl Command for Pfcount {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pfcount",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "hyperloglog",
            summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
            since: "2.8.9",
            complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
            keys: Keys::ALL,
            key_specs: &[KeySpec {
                keys: Keys::ALL,
                flags: &["RW", "access"],
                notes: "RW because it may change the internal representation of the key, and propagate to replicas",
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let db = ctx.db();
        if args.remaining() > 1 {
            let mut union = [0u8; REGISTERS];
            for key in args.rest() {
                if let Some(hll) = as_hll(db.get_string(key)?)? {
                    hyperloglog::merge_into(&mut union, hll)?;
                }
            }
            return Ok(Reply::Integer(hyperloglog::count_raw(&union) as i64));
        }
        let key = args.next()?;
        let Some(hll) = as_hll(db.get_string(key)?)? else {
            return Ok(Reply::Integer(0));
        };
        if let Some(cached) = hyperloglog::cached_count(hll) {
            return Ok(Reply::Integer(cached as i64));
        }
        let count = hyperloglog::count(hll)?;
        // The count is cached in the value, as Redis does: a change to the
        // key, logged so that a replay leaves the same bytes.
        if let Some(Value::String(text)) = db.get_mut(key) {
            hyperloglog::set_cached_count(text.make_mut(), count);
        }
        ctx.propagate_as(&[b"PFCOUNT", key]);
        Ok(Reply::Integer(count as i64))
    }
}

inventory::submit! { Registration::new(&Pfcount, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn counts_and_caches() {
        let mut h = Harness::new();
        assert_eq!(h.run("PFCOUNT missing"), int(0));
        h.run("PFADD a 1 2 3 4 5");
        let Reply::Bulk(before) = h.run("GET a") else { panic!("a string") };
        assert_eq!(before[15] & 0x80, 0x80, "stale cache after PFADD");
        assert_eq!(h.run("PFCOUNT a"), int(5));
        assert_eq!(h.modified(), ["0:a"]);
        assert_eq!(h.propagated(), logged(&["PFCOUNT a"]));
        let Reply::Bulk(after) = h.run("GET a") else { panic!("a string") };
        assert_eq!(&after[8..16], &[5, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(h.run("PFCOUNT a"), int(5));
        assert!(h.modified().is_empty(), "a valid cache is only read");
    }

    #[test]
    fn counts_unions_without_changing_keys() {
        let mut h = Harness::new();
        h.run("PFADD a 1 2 3 4 5");
        h.run("PFADD b 4 5 6 7");
        assert_eq!(h.run("PFCOUNT a b missing"), int(7));
        assert!(h.modified().is_empty());
        assert_eq!(h.run("PFCOUNT a a"), int(5));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("PFADD a x");
        h.run("SET s abc");
        h.run("HSET h f v");
        assert_eq!(h.run("PFCOUNT s"), err("WRONGTYPE Key is not a valid HyperLogLog string value."));
        assert_eq!(h.run("PFCOUNT a s"), err("WRONGTYPE Key is not a valid HyperLogLog string value."));
        assert_eq!(
            h.run("PFCOUNT h"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        h.run("SET bad \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x00\\x00\\x00\\x80\\x00\"");
        assert_eq!(h.run("PFCOUNT bad"), err("INVALIDOBJ Corrupted HLL object detected"));
        assert_eq!(h.run("PFCOUNT a bad"), err("INVALIDOBJ Corrupted HLL object detected"));
        assert_eq!(h.run("PFCOUNT"), err("ERR wrong number of arguments for 'pfcount' command"));
    }
}

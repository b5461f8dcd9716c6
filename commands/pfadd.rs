//! PFADD key [element [element ...]]

use crate::prelude::*;
use crate::registry::KeySpec;
use crate::store::hyperloglog::{self, as_hll};

/// `PFADD`: adds elements to the HyperLogLog at `key` (creating it); 1 when
/// a register changed (or the key was created), else 0.
pub struct Pfadd;

impl Command for Pfadd {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pfadd",
            arity: -2,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "hyperloglog",
            summary: "Adds the specified elements to the specified HyperLogLog.",
            since: "2.8.9",
            complexity: "O(1) to add every element.",
            keys: Keys::ONE,
            key_specs: &[KeySpec { flags: &["RW", "insert"], ..KeySpec::DEFAULT }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        // Each element's register and the value it offers, hashed once.
        let updates: Vec<(usize, u8)> = args.rest().map(hyperloglog::register_and_rank).collect();
        let max_bytes = ctx.server.config.read().hll_sparse_max_bytes;
        let db = ctx.db();
        let created = match as_hll(db.get_string(key)?)? {
            None => {
                db.set(key, Value::string(hyperloglog::new_sparse()));
                true
            }
            // Elements that change no register leave the key untouched.
            Some(hll) if !would_change(hll, &updates) => return Ok(Reply::Integer(0)),
            Some(_) => false,
        };
        let Some(Value::String(text)) = db.get_mut(key) else {
            unreachable!("checked or stored a string above");
        };
        let hll = text.make_mut();
        let mut updated = created;
        for (index, rank) in updates {
            updated |= hyperloglog::set_register(hll, index, rank, max_bytes)?;
        }
        if updated {
            hyperloglog::invalidate_cache(hll);
            ctx.notify(EventClass::String, "pfadd", key);
        }
        Ok(Reply::Integer(i64::from(updated)))
    }
}

/// Whether the `updates` would raise a register (true when unsure: a
/// corrupt HLL then fails on the real add, as in Redis).
fn would_change(hll: &[u8], updates: &[(usize, u8)]) -> bool {
    updates.iter().any(|&(index, rank)| hyperloglog::register(hll, index).map_or(true, |value| rank > value))
}

inventory::submit! { Registration::new(&Pfadd, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn adds_and_counts() {
        let mut h = Harness::new();
        assert_eq!(h.run("PFADD hll a b c d e f g"), int(1));
        assert_eq!(h.events(), ["0:pfadd:hll"]);
        assert_eq!(h.run("PFADD hll a b"), int(0));
        assert!(h.modified().is_empty(), "nothing changed");
        assert_eq!(h.run("PFCOUNT hll"), int(7));
        assert_eq!(h.run("PFADD empty"), int(1));
        assert_eq!(h.run("PFADD empty"), int(0));
        assert_eq!(h.run("PFCOUNT empty"), int(0));
        assert_eq!(
            h.run("GET empty"),
            Reply::bulk(b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff")
        );
    }

    #[test]
    fn matches_redis_bytes() {
        // Bytes redis-server 7.0 stores after `PFADD k a b c`.
        let mut h = Harness::new();
        h.run("PFADD k a b c");
        assert_eq!(h.run("PFDEBUG DECODE k"), bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
        assert_eq!(h.run("PFCOUNT k"), int(3));
    }

    #[test]
    fn promotes_past_hll_sparse_max_bytes() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("CONFIG GET hll-sparse-max-bytes"),
            Reply::Map(vec![(bulk("hll-sparse-max-bytes"), bulk("3000"))])
        );
        assert_eq!(h.run("CONFIG SET hll-sparse-max-bytes 40"), Reply::OK);
        h.run("PFADD k a b c d e f");
        assert_eq!(h.run("PFDEBUG ENCODING k"), Reply::simple("sparse"));
        assert_eq!(h.run("PFADD k g h i j k l m n o p q r s t u v w x y z"), int(1));
        assert_eq!(h.run("PFDEBUG ENCODING k"), Reply::simple("dense"));
        assert_eq!(h.run("STRLEN k"), int(12304));
        assert_eq!(h.run("PFCOUNT k"), int(25), "as redis-server counts these 26 letters");
        assert_eq!(
            h.run("CONFIG SET hll-sparse-max-bytes x"),
            err("ERR CONFIG SET failed (possibly related to argument 'hll-sparse-max-bytes') - argument must be a memory value")
        );
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET s abc");
        assert_eq!(h.run("PFADD s a"), err("WRONGTYPE Key is not a valid HyperLogLog string value."));
        h.run("HSET h f v");
        assert_eq!(
            h.run("PFADD h a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("PFADD"), err("ERR wrong number of arguments for 'pfadd' command"));
        // A sparse HLL whose opcodes cover too few registers.
        h.run("SET bad \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"");
        assert_eq!(h.run("PFADD bad x y z"), err("INVALIDOBJ Corrupted HLL object detected"));
    }
}

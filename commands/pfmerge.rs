//! PFMERGE destkey [sourcekey [sourcekey ...]]

use crate::prelude::*;
use crate::registry::KeySpec;
use crate::store::hyperloglog::{self, as_hll, REGISTERS};

/// `PFMERGE`: stores the union of the source HyperLogLogs (and the
/// destination's own) at `destkey`. The result is dense when any input is.
pub struct Pfmerge;

impl Command for Pfmerge {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pfmerge",
            arity: -2,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "hyperloglog",
            summary: "Merge N different HyperLogLogs into a single one.",
            since: "2.8.9",
            complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
            keys: Keys::ALL,
            key_specs: &[
                KeySpec { flags: &["RW", "access", "insert"], ..KeySpec::DEFAULT },
                KeySpec {
                    keys: Keys { first: 2, last: -1, step: 1 },
                    flags: &["RO", "access"],
                    ..KeySpec::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let dest = args.argv().get(1);
        let max_bytes = ctx.server.config.read().hll_sparse_max_bytes;
        let db = ctx.db();
        let mut union = [0u8; REGISTERS];
        let mut dense = false;
        for key in args.rest() {
            if let Some(hll) = as_hll(db.get_string(key)?)? {
                dense |= !hyperloglog::is_sparse(hll);
                hyperloglog::merge_into(&mut union, hll)?;
            }
        }
        if !db.contains(dest) {
            db.set(dest, Value::string(hyperloglog::new_sparse()));
        }
        let Some(Value::String(text)) = db.get_mut(dest) else {
            unreachable!("checked or stored a string above");
        };
        let hll = text.make_mut();
        if dense {
            hyperloglog::to_dense(hll)?;
        }
        for (index, &value) in union.iter().enumerate() {
            if value != 0 {
                // As Redis, a register the destination cannot take is skipped.
                let _ = hyperloglog::set_register(hll, index, value, max_bytes);
            }
        }
        hyperloglog::invalidate_cache(hll);
        ctx.notify(EventClass::String, "pfadd", dest);
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Pfmerge, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn merges() {
        let mut h = Harness::new();
        h.run("PFADD a 1 2 3");
        h.run("PFADD b 3 4 5");
        assert_eq!(h.run("PFMERGE d a b missing"), Reply::simple("OK"));
        assert_eq!(h.events(), ["0:pfadd:d"]);
        assert_eq!(h.run("PFCOUNT d"), int(5));
        assert_eq!(h.run("PFDEBUG ENCODING d"), Reply::simple("sparse"));
        h.run("PFADD c 6");
        assert_eq!(h.run("PFMERGE c d"), Reply::simple("OK"));
        assert_eq!(h.run("PFCOUNT c"), int(6), "the destination's registers stay");
        assert_eq!(h.run("PFMERGE new"), Reply::simple("OK"));
        assert_eq!(h.run("PFCOUNT new"), int(0));
        assert_eq!(h.run("EXISTS new"), int(1));
    }

    #[test]
    fn dense_inputs_make_a_dense_result() {
        let mut h = Harness::new();
        h.run("PFADD a 1 2 3");
        h.run("PFDEBUG TODENSE a");
        assert_eq!(h.run("PFMERGE d a"), Reply::simple("OK"));
        assert_eq!(h.run("PFDEBUG ENCODING d"), Reply::simple("dense"));
        assert_eq!(h.run("PFCOUNT d"), int(3));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET s abc");
        h.run("HSET h f v");
        h.run("PFADD a x");
        assert_eq!(h.run("PFMERGE s a"), err("WRONGTYPE Key is not a valid HyperLogLog string value."));
        assert_eq!(
            h.run("PFMERGE a h"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        h.run("SET bad \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"");
        assert_eq!(h.run("PFMERGE d bad"), err("INVALIDOBJ Corrupted HLL object detected"));
        assert_eq!(h.run("EXISTS d"), int(0));
        assert_eq!(h.run("PFMERGE"), err("ERR wrong number of arguments for 'pfmerge' command"));
    }
}

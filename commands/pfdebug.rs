//! PFDEBUG GETREG|DECODE|ENCODING|TODENSE key

use crate::prelude::*;
use crate::registry::KeySpec;
use crate::store::hyperloglog::{self, as_hll, HEADER, REGISTERS};

/// `PFDEBUG`: Redis's internal HyperLogLog inspection command.
pub struct Pfdebug;

impl Command for Pfdebug {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pfdebug",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Admin],
            group: "hyperloglog",
            summary: "Internal commands for debugging HyperLogLog values",
            since: "2.8.9",
            complexity: "N/A",
            keys: Keys { first: 2, last: 2, step: 1 },
            key_specs: &[KeySpec {
                keys: Keys { first: 2, last: 2, step: 1 },
                flags: &["RW", "access"],
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let subcommand = args.next()?;
        let key = args.next()?;
        let db = ctx.db();
        // The key is checked before the subcommand, as in Redis.
        let Some(hll) = as_hll(db.get_string(key)?)? else {
            return Err(ReplyError::from_static("ERR The specified key does not exist"));
        };
        let sparse = hyperloglog::is_sparse(hll);
        match subcommand.to_ascii_lowercase().as_slice() {
            b"getreg" => {
                let hll = dense_at(db, key, sparse)?;
                let registers = &hll[HEADER..];
                Ok(Reply::Array(
                    (0..REGISTERS)
                        .map(|i| Reply::Integer(hyperloglog::dense_get(registers, i).into()))
                        .collect(),
                ))
            }
            b"decode" if sparse => Ok(Reply::Bulk(hyperloglog::decode(hll).into_bytes())),
            b"decode" => Err(ReplyError::from_static("ERR HLL encoding is not sparse")),
            b"encoding" => Ok(Reply::simple(if sparse { "sparse" } else { "dense" })),
            b"todense" => {
                dense_at(db, key, sparse)?;
                Ok(Reply::Integer(i64::from(sparse)))
            }
            _ => Err(ReplyError::err(format_args!(
                "Unknown PFDEBUG subcommand '{}'",
                String::from_utf8_lossy(subcommand)
            ))),
        }
    }
}

/// The HLL at `key`, converted to dense first when `sparse`.
fn dense_at<'d>(db: &'d mut Keyspace<'_>, key: &[u8], sparse: bool) -> Result<&'d [u8], ReplyError> {
    if sparse {
        if let Some(Value::String(text)) = db.get_mut(key) {
            hyperloglog::to_dense(text.make_mut())?;
        }
    }
    Ok(db.get_string(key)?.map(|text| text.as_bytes()).unwrap_or_default())
}

inventory::submit! { Registration::new(&Pfdebug, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn inspects_and_converts() {
        let mut h = Harness::new();
        h.run("PFADD k a b c");
        assert_eq!(h.run("PFDEBUG ENCODING k"), Reply::simple("sparse"));
        assert_eq!(h.run("PFDEBUG DECODE k"), bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
        assert_eq!(h.run("PFDEBUG TODENSE k"), int(1));
        assert_eq!(h.run("PFDEBUG todense k"), int(0));
        assert_eq!(h.run("PFDEBUG ENCODING k"), Reply::simple("dense"));
        assert_eq!(h.run("STRLEN k"), int(12304));
        assert_eq!(h.run("PFDEBUG DECODE k"), err("ERR HLL encoding is not sparse"));
        assert_eq!(h.run("PFCOUNT k"), int(3));
        let Reply::Array(registers) = h.run("PFDEBUG GETREG k") else { panic!("an array") };
        assert_eq!(registers.len(), 16384);
        assert_eq!(registers[8436], int(1));
        assert_eq!(registers[12711], int(2));
        let total: i64 = registers.iter().map(|r| if let Reply::Integer(n) = r { *n } else { 0 }).sum();
        assert_eq!(total, 4);
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("PFDEBUG ENCODING missing"), err("ERR The specified key does not exist"));
        assert_eq!(h.run("PFDEBUG FOO missing"), err("ERR The specified key does not exist"));
        h.run("PFADD k a");
        assert_eq!(h.run("PFDEBUG foo k"), err("ERR Unknown PFDEBUG subcommand 'foo'"));
        assert_eq!(h.run("PFDEBUG GETREG k x"), err("ERR wrong number of arguments for 'pfdebug' command"));
        h.run("SET s abc");
        assert_eq!(
            h.run("PFDEBUG ENCODING s"),
            err("WRONGTYPE Key is not a valid HyperLogLog string value.")
        );
    }
}

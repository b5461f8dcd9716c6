//! HEXISTS key field

use crate::prelude::*;

/// `HEXISTS`: 1 when the hash has the field, 0 otherwise (or no key).
pub struct Hexists;

impl Command for Hexists {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hexists",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "hash",
            summary: "Determine if a hash field exists",
            since: "2.0.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, field) = (args.next()?, args.next()?);
        let found = ctx.db().get_hash(key)?.is_some_and(|hash| hash.get(field).is_some());
        Ok(Reply::Integer(i64::from(found)))
    }
}

inventory::submit! { Registration::new(&Hexists, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn present_missing_and_expired() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(h.run("HEXISTS h f"), int(1));
        assert_eq!(h.run("HEXISTS h F"), int(0), "fields are case-sensitive");
        assert_eq!(h.run("HEXISTS missing f"), int(0));
        assert_eq!(h.run_args(&[&b"HEXISTS"[..], b"h", b"f\0"]), int(0), "binary field");
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.run("HEXISTS h f"), int(0));
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("HEXISTS h"), err("ERR wrong number of arguments for 'hexists' command"));
        assert_eq!(h.run("HEXISTS h f g"), err("ERR wrong number of arguments for 'hexists' command"));
        h.run("SET s v");
        assert_eq!(
            h.run("HEXISTS s f"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

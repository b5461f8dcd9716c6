//! HSETNX key field value

use crate::prelude::*;

/// `HSETNX`: sets a field only when it does not exist yet; 1 when it was set.
pub struct Hsetnx;

impl Command for Hsetnx {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hsetnx",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "hash",
            summary: "Set the value of a hash field, only if the field does not exist",
            since: "2.0.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, field, value) = (args.next()?, args.next()?, args.next()?);
        let db = ctx.db();
        if db.get_hash_mut(key)?.is_some_and(|hash| hash.get(field).is_some()) {
            return Ok(Reply::Integer(0));
        }
        db.hash_or_default(key)?.insert(field, value);
        ctx.notify(EventClass::Hash, "hset", key);
        Ok(Reply::Integer(1))
    }
}

inventory::submit! { Registration::new(&Hsetnx, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_only_missing_fields() {
        let mut h = Harness::new();
        assert_eq!(h.run("HSETNX h f v1"), int(1), "creates the hash");
        assert_eq!(h.run("HSETNX h f v2"), int(0));
        assert_eq!(h.run("HGET h f"), bulk("v1"));
        assert_eq!(h.run("HSETNX h g v3"), int(1));
        assert_eq!(h.run("HLEN h"), int(2));
        assert_eq!(h.run("HSETNX h '' ''"), int(1), "empty field and value");
        assert_eq!(h.run("HSTRLEN h ''"), int(0));
        assert_eq!(h.run("HEXISTS h ''"), int(1));
    }

    #[test]
    fn binary_safe() {
        let mut h = Harness::new();
        assert_eq!(h.run_args(&[&b"HSETNX"[..], b"h", b"\0\xff", b"\r\n"]), int(1));
        assert_eq!(h.run_args(&[&b"HSETNX"[..], b"h", b"\0\xff", b"x"]), int(0));
        assert_eq!(h.run_args(&[&b"HGET"[..], b"h", b"\0\xff"]), Reply::bulk(b"\r\n"));
    }

    #[test]
    fn expired_hash_counts_as_missing() {
        let mut h = Harness::new();
        h.run("HSET h f old");
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.run("HSETNX h f new"), int(1));
        assert_eq!(h.run("HGET h f"), bulk("new"));
        assert_eq!(h.run("TTL h"), int(-1), "the new hash has no TTL");
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("HSETNX h f"), err("ERR wrong number of arguments for 'hsetnx' command"));
        assert_eq!(h.run("HSETNX h f v x"), err("ERR wrong number of arguments for 'hsetnx' command"));
        h.run("SET s v");
        assert_eq!(
            h.run("HSETNX s f v"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("GET s"), bulk("v"));
    }
}

//! HMGET key field [field ...]

use crate::prelude::*;

/// `HMGET`: the values of the given fields, nil for each missing one.
pub struct Hmget;

impl Command for Hmget {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hmget",
            arity: -3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "hash",
            summary: "Get the values of all the given hash fields",
            since: "2.0.0",
            complexity: "O(N) where N is the number of fields being requested.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let hash = ctx.db().get_hash(key)?;
        Ok(Reply::Array(
            args.rest().map(|field| Reply::bulk_or_null(hash.and_then(|h| h.get(field)))).collect(),
        ))
    }
}

inventory::submit! { Registration::new(&Hmget, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn values_in_request_order_with_nils() {
        let mut h = Harness::new();
        h.run("HSET h a 1 b 2");
        assert_eq!(h.wire("HMGET h b nope a a"), "*4\r\n$1\r\n2\r\n$-1\r\n$1\r\n1\r\n$1\r\n1\r\n");
        assert_eq!(h.wire("HMGET missing a b"), "*2\r\n$-1\r\n$-1\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("HMGET h a nope"), "*2\r\n$1\r\n1\r\n_\r\n");
    }

    #[test]
    fn binary_fields() {
        let mut h = Harness::new();
        h.run_args(&[&b"HSET"[..], b"h", b"\0", b"\xff"]);
        assert_eq!(h.run_args(&[&b"HMGET"[..], b"h", b"\0"]), Reply::Array(vec![Reply::bulk(b"\xff")]));
    }

    #[test]
    fn expired_hash_is_missing() {
        let mut h = Harness::new();
        h.run("HSET h a 1");
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.run("HMGET h a"), Reply::Array(vec![Reply::Null]));
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("HMGET h"), err("ERR wrong number of arguments for 'hmget' command"));
        h.run("SET s v");
        assert_eq!(
            h.run("HMGET s a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

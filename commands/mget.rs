//! MGET key [key ...]

use crate::prelude::*;

/// `MGET`: the string at each key; nil for missing keys and other types.
pub struct Mget;

impl Command for Mget {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "mget",
            arity: -2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "string",
            summary: "Get the values of all the given keys",
            complexity: "O(N) where N is the number of keys to retrieve.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let db = ctx.db();
        let values = args
            .rest()
            .map(|key| match db.get(key) {
                Some(Value::String(value)) => Reply::bulk(value),
                _ => Reply::Null,
            })
            .collect();
        Ok(Reply::Array(values))
    }
}

inventory::submit! { Registration::new(&Mget, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn values_in_order_with_nils() {
        let mut h = Harness::new();
        h.run("MSET a 1 b 2");
        h.run("HSET h f v");
        h.run("SET gone v PX 1");
        h.advance_ms(1);
        assert_eq!(
            h.run("MGET a missing h b gone a"),
            Reply::Array(vec![bulk("1"), Reply::Null, Reply::Null, bulk("2"), Reply::Null, bulk("1")])
        );
        assert_eq!(h.wire("MGET a nope"), "*2\r\n$1\r\n1\r\n$-1\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("MGET a nope"), "*2\r\n$1\r\n1\r\n_\r\n");
    }

    #[test]
    fn arity() {
        let mut h = Harness::new();
        assert_eq!(h.run("MGET"), err("ERR wrong number of arguments for 'mget' command"));
    }
}

//! SMEMBERS key

use crate::prelude::*;

/// `SMEMBERS`: every member (a set in RESP3); an intset in ascending order.
pub struct Smembers;

impl Command for Smembers {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "smembers",
            arity: 2,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Get all the members in a set",
            since: "1.0.0",
            complexity: "O(N) where N is the set cardinality.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let set = ctx.db().get_typed::<Set>(key)?;
        Ok(Reply::Set(set.map_or_else(Vec::new, |s| s.iter().map(Reply::bulk).collect())))
    }
}

inventory::submit! { Registration::new(&Smembers, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn all_members() {
        let mut h = Harness::new();
        assert_eq!(h.wire("SMEMBERS missing"), "*0\r\n");
        h.run("SADD s 10 -2");
        assert_eq!(h.wire("SMEMBERS s"), "*2\r\n$2\r\n-2\r\n$2\r\n10\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("SMEMBERS s"), "~2\r\n$2\r\n-2\r\n$2\r\n10\r\n");
        assert_eq!(h.wire("SMEMBERS missing"), "~0\r\n");
        h.run("SET str v");
        assert_eq!(
            h.run("SMEMBERS str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

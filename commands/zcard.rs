//! ZCARD key

use crate::prelude::*;

/// `ZCARD`: the number of members.
pub struct Zcard;

impl Command for Zcard {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zcard",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Get the number of members in a sorted set",
            since: "1.2.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        Ok(Reply::Integer(ctx.db().get_typed::<ZSet>(key)?.map_or(0, ZSet::len) as i64))
    }
}

inventory::submit! { Registration::new(&Zcard, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts() {
        let mut h = Harness::new();
        assert_eq!(flat(h.run("ZCARD z")), int(0));
        h.run("ZADD z 1 a 2 b");
        assert_eq!(flat(h.run("ZCARD z")), int(2));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZCARD str")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

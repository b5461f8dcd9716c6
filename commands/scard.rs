//! SCARD key

use crate::prelude::*;

/// `SCARD`: the number of members of a set (0 for none).
pub struct Scard;

impl Command for Scard {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "scard",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "set",
            summary: "Get the number of members in a set",
            since: "1.0.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        Ok(Reply::Integer(ctx.db().get_typed::<Set>(key)?.map_or(0, Set::len) as i64))
    }
}

inventory::submit! { Registration::new(&Scard, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts() {
        let mut h = Harness::new();
        assert_eq!(h.run("SCARD s"), int(0));
        h.run("SADD s a b c");
        assert_eq!(h.run("SCARD s"), int(3));
        h.run("SET str v");
        assert_eq!(
            h.run("SCARD str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SCARD"), err("ERR wrong number of arguments for 'scard' command"));
    }
}

//! LLEN key

use crate::prelude::*;

/// `LLEN`: Get the length of a list
pub struct Llen;

impl Command for Llen {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "llen",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "list",
            summary: "Get the length of a list",
            since: "1.0.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            key_specs: {
                const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RO"])];
                SPECS
            },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        Ok(Reply::Integer(ctx.db().get_list(key)?.map_or(0, |l| l.len()) as i64))
    }
}

inventory::submit! { Registration::new(&Llen, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn length() {
        let mut h = Harness::new();
        assert_eq!(h.run("LLEN l"), int(0));
        h.run("RPUSH l a b c");
        assert_eq!(h.run("LLEN l"), int(3));
        h.run("SET s v");
        assert_eq!(h.run("LLEN s"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
    }
}

//! EXISTS key [key ...]

use crate::prelude::*;

/// `EXISTS key [key ...]`: how many of the keys exist (repeats count again).
pub struct Exists;

impl Command for Exists {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "exists",
            arity: -2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary: "Determines whether one or more keys exist.",
            complexity: "O(N) where N is the number of keys to check.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let db = ctx.db();
        Ok(Reply::Integer(args.rest().filter(|key| db.contains(key)).count() as i64))
    }
}

inventory::submit! { Registration::new(&Exists, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_repeats_and_ignores_expired() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("SET b 1 PX 5");
        assert_eq!(h.run("EXISTS a a b c"), int(3));
        h.advance_ms(5);
        assert_eq!(h.run("EXISTS a b"), int(1));
        assert_eq!(h.run("EXISTS"), err("ERR wrong number of arguments for 'exists' command"));
    }
}

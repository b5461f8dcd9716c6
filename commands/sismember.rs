//! SISMEMBER key member

use crate::prelude::*;

/// `SISMEMBER`: 1 when the member is in the set, else 0.
pub struct Sismember;

impl Command for Sismember {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sismember",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "set",
            summary: "Determine if a given value is a member of a set",
            since: "1.0.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let member = args.next()?;
        Ok(Reply::Integer(ctx.db().get_typed::<Set>(key)?.is_some_and(|s| s.contains(member)) as i64))
    }
}

inventory::submit! { Registration::new(&Sismember, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn membership() {
        let mut h = Harness::new();
        h.run("SADD s a 5");
        assert_eq!(h.run("SISMEMBER s a"), int(1));
        assert_eq!(h.run("SISMEMBER s 5"), int(1));
        assert_eq!(h.run("SISMEMBER s 05"), int(0));
        assert_eq!(h.run("SISMEMBER missing a"), int(0));
        h.run("SET str v");
        assert_eq!(
            h.run("SISMEMBER str a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

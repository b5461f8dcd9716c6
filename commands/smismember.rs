//! SMISMEMBER key member [member ...]

use crate::prelude::*;

/// `SMISMEMBER`: for each member, 1 when it is in the set, else 0.
pub struct Smismember;

impl Command for Smismember {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "smismember",
            arity: -3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "set",
            summary: "Returns the membership associated with the given elements for a set",
            since: "6.2.0",
            complexity: "O(N) where N is the number of elements being checked for membership",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let set = ctx.db().get_typed::<Set>(key)?;
        let found = args.rest().map(|m| Reply::Integer(set.is_some_and(|s| s.contains(m)) as i64));
        Ok(Reply::Array(found.collect()))
    }
}

inventory::submit! { Registration::new(&Smismember, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn membership_of_each() {
        let mut h = Harness::new();
        h.run("SADD s a 1");
        assert_eq!(h.wire("SMISMEMBER s a b 1"), "*3\r\n:1\r\n:0\r\n:1\r\n");
        assert_eq!(h.wire("SMISMEMBER missing a"), "*1\r\n:0\r\n");
        h.run("SET str v");
        assert_eq!(
            h.run("SMISMEMBER str a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SMISMEMBER s"), err("ERR wrong number of arguments for 'smismember' command"));
    }
}

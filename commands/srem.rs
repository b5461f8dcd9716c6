//! SREM key member [member ...]

use crate::prelude::*;

/// `SREM`: removes members; the number removed. An emptied set is deleted.
pub struct Srem;

impl Command for Srem {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "srem",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "set",
            summary: "Remove one or more members from a set",
            since: "1.0.0",
            complexity: "O(N) where N is the number of members to be removed.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let db = ctx.db();
        let Some(set) = db.get_typed_mut::<Set>(key)? else {
            return Ok(Reply::Integer(0));
        };
        let removed = args.rest().filter(|member| set.remove(member)).count();
        db.remove_if_empty(key);
        if removed > 0 {
            ctx.notify(EventClass::Set, "srem", key);
            if !ctx.db().contains(key) {
                ctx.notify(EventClass::Generic, "del", key);
            }
        }
        Ok(Reply::Integer(removed as i64))
    }
}

inventory::submit! { Registration::new(&Srem, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes_members_and_the_emptied_set() {
        let mut h = Harness::new();
        h.run("SADD s a b 1");
        assert_eq!(h.run("SREM s a x a"), int(1));
        assert_eq!(h.run("SREM missing a"), int(0));
        assert_eq!(h.run("SREM s b 1"), int(2));
        assert_eq!(h.run("EXISTS s"), int(0));
        h.run("SADD i 1 2");
        assert_eq!(h.run("SREM i 01 1"), int(1));
        assert_eq!(h.run("SISMEMBER i 2"), int(1));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("SREM s"), err("ERR wrong number of arguments for 'srem' command"));
        h.run("SET str v");
        assert_eq!(
            h.run("SREM str a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

//! LREM key count element

use crate::prelude::*;

/// `LREM`: Remove elements from a list
pub struct Lrem;

impl Command for Lrem {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lrem",
            arity: 4,
            flags: &[Flag::Write],
            group: "list",
            summary: "Remove elements from a list",
            since: "1.0.0",
            complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.",
            keys: Keys::ONE,
            key_specs: {
                const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "delete"])];
                SPECS
            },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let count = args.next_i64()?;
        let item = args.next()?;
        let limits = ctx.db().limits();
        let Some(list) = ctx.db().get_list_mut(key)? else {
            return Ok(Reply::Integer(0));
        };
        let removed = list.remove(count, item, &limits);
        if removed > 0 {
            ctx.notify(EventClass::List, "lrem", key);
            ctx.db().remove_if_empty(key);
            if !ctx.db().contains(key) {
                ctx.notify(EventClass::Generic, "del", key);
            }
        }
        Ok(Reply::Integer(removed as i64))
    }
}

inventory::submit! { Registration::new(&Lrem, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes_from_either_end() {
        let mut h = Harness::new();
        h.run("RPUSH l a b a c a");
        assert_eq!(h.run("LREM l -2 a"), int(2));
        assert_eq!(h.run("LRANGE l 0 -1"), array(&["a", "b", "c"]));
        assert_eq!(h.run("LREM l 0 zz"), int(0));
        assert_eq!(h.run("LREM l 0 a"), int(1));
        assert_eq!(h.run("LREM l -9223372036854775808 b"), int(1));
        assert_eq!(h.run("LREM l 1 c"), int(1));
        assert_eq!(h.run("EXISTS l"), int(0));
    }
}

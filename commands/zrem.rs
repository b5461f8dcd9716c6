//! ZREM key member [member ...]

use crate::prelude::*;

/// `ZREM`: removes members; the number removed. An emptied set is deleted.
pub struct Zrem;

impl Command for Zrem {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrem",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "sortedset",
            summary: "Remove one or more members from a sorted set",
            since: "1.2.0",
            complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let db = ctx.db();
        let Some(zset) = db.get_typed_mut::<ZSet>(key)? else {
            return Ok(Reply::Integer(0));
        };
        let removed = args.rest().filter(|m| zset.remove(m).is_some()).count();
        db.remove_if_empty(key);
        if removed > 0 {
            ctx.notify(EventClass::SortedSet, "zrem", key);
            if !ctx.db().contains(key) {
                ctx.notify(EventClass::Generic, "del", key);
            }
        }
        Ok(Reply::Integer(removed as i64))
    }
}

inventory::submit! { Registration::new(&Zrem, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b");
        assert_eq!(flat(h.run("ZREM z a x a")), int(1));
        assert_eq!(flat(h.run("ZREM z b")), int(1));
        assert_eq!(flat(h.run("EXISTS z")), int(0));
        assert_eq!(flat(h.run("ZREM z b")), int(0));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZREM str a")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

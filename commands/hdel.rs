//! HDEL key field [field ...]

use crate::prelude::*;

/// `HDEL`: removes fields; the number removed. An emptied hash is deleted.
pub struct Hdel;

impl Command for Hdel {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hdel",
            arity: -3,
            flags: &[Flag::Write, Flag::Fast],
            group: "hash",
            summary: "Deletes one or more fields and their values from a hash.",
            since: "2.0.0",
            complexity: "O(N) where N is the number of fields to be removed.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let db = ctx.db();
        let Some(hash) = db.get_hash_mut(key)? else {
            return Ok(Reply::Integer(0));
        };
        let removed = args.rest().filter(|field| hash.remove(field)).count();
        db.remove_if_empty(key);
        if removed > 0 {
            ctx.notify(EventClass::Hash, "hdel", key);
            if !ctx.db().contains(key) {
                ctx.notify(EventClass::Generic, "del", key);
            }
        }
        Ok(Reply::Integer(removed as i64))
    }
}

inventory::submit! { Registration::new(&Hdel, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes_fields_and_empty_hash() {
        let mut h = Harness::new();
        h.run("HSET h a 1 b 2 c 3");
        assert_eq!(h.run("HDEL h a a x"), int(1));
        assert_eq!(h.run("HDEL nokey a"), int(0));
        assert_eq!(h.run("HDEL h b c"), int(2));
        assert_eq!(h.run("EXISTS h"), int(0));
        h.run("SET s v");
        assert_eq!(
            h.run("HDEL s f"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("HDEL h"), err("ERR wrong number of arguments for 'hdel' command"));
    }
}

//! DEL key [key ...]

use crate::prelude::*;

/// `DEL key [key ...]`: deletes keys; the number that existed.
pub struct Del;

impl Command for Del {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "del",
            arity: -2,
            flags: &[Flag::Write],
            group: "generic",
            summary: "Deletes one or more keys.",
            complexity: "O(N) where N is the number of keys that will be removed.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let mut deleted = 0;
        for key in args.rest() {
            if ctx.db().delete(key) {
                ctx.notify(EventClass::Generic, "del", key);
                deleted += 1;
            }
        }
        Ok(Reply::Integer(deleted))
    }
}

inventory::submit! { Registration::new(&Del, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_deleted_keys_of_any_type() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("HSET h f v");
        assert_eq!(h.run("DEL a h missing a"), int(2));
        assert_eq!(h.run("EXISTS a h"), int(0));
        assert_eq!(h.run("DEL"), err("ERR wrong number of arguments for 'del' command"));
    }

    #[test]
    fn expired_keys_do_not_count() {
        let mut h = Harness::new();
        h.run("SET a 1 PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("DEL a"), int(0));
    }
}

//! GETDEL key

use crate::prelude::*;

/// `GETDEL`: returns the string at `key` and deletes the key.
pub struct Getdel;

impl Command for Getdel {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "getdel",
            arity: 2,
            flags: &[Flag::Write, Flag::Fast],
            group: "string",
            summary: "Get the value of a key and delete the key",
            since: "6.2.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let db = ctx.db();
        let value = db.get_string(key)?.cloned();
        if value.is_some() {
            db.remove(key);
            ctx.notify(EventClass::Generic, "del", key);
        }
        Ok(Reply::bulk_or_null(value))
    }
}

inventory::submit! { Registration::new(&Getdel, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn returns_and_deletes() {
        let mut h = Harness::new();
        h.run("SET k v EX 100");
        assert_eq!(h.run("GETDEL k"), bulk("v"));
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(h.run("GETDEL k"), Reply::Null);
        h.run("SET k v PX 5");
        h.advance_ms(5);
        assert_eq!(h.run("GETDEL k"), Reply::Null);
    }

    #[test]
    fn wrong_type_and_arity() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(
            h.run("GETDEL h"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("EXISTS h"), int(1), "a hash is not deleted");
        assert_eq!(h.run("GETDEL a b"), err("ERR wrong number of arguments for 'getdel' command"));
    }
}

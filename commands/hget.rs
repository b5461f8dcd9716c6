//! HGET key field

use crate::prelude::*;

/// `HGET key field`: a field's value, or nil.
pub struct Hget;

impl Command for Hget {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hget",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "hash",
            summary: "Returns the value of a field in a hash.",
            since: "2.0.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, field) = (args.next()?, args.next()?);
        Ok(Reply::bulk_or_null(ctx.db().get_hash(key)?.and_then(|h| h.get(field))))
    }
}

inventory::submit! { Registration::new(&Hget, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn field_missing_and_wrong_type() {
        let mut h = Harness::new();
        h.run("HSET user:1 name Alice");
        assert_eq!(h.run("HGET user:1 name"), bulk("Alice"));
        assert_eq!(h.run("HGET user:1 age"), Reply::Null);
        assert_eq!(h.run("HGET nokey name"), Reply::Null);
        h.run("SET s v");
        assert_eq!(
            h.run("HGET s f"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("HGET k"), err("ERR wrong number of arguments for 'hget' command"));
    }
}

//! DBSIZE

use crate::prelude::*;

/// `DBSIZE`: the number of keys in the selected database.
pub struct Dbsize;

impl Command for Dbsize {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "dbsize",
            arity: 1,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "server",
            summary: "Returns the number of keys in the database.",
            extra_acl_categories: &["@keyspace"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        Ok(Reply::Integer(ctx.db().len() as i64))
    }
}

inventory::submit! { Registration::new(&Dbsize, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_keys_per_database() {
        let mut h = Harness::new();
        assert_eq!(h.run("DBSIZE"), int(0));
        h.run("SET a 1");
        h.run("HSET h f v");
        assert_eq!(h.run("DBSIZE"), int(2));
        h.run("SELECT 1");
        assert_eq!(h.run("DBSIZE"), int(0));
        assert_eq!(h.run("DBSIZE x"), err("ERR wrong number of arguments for 'dbsize' command"));
    }
}

//! FLUSHDB [ASYNC|SYNC]

use crate::prelude::*;

/// `FLUSHDB`: deletes every key of the selected database.
pub struct Flushdb;

impl Command for Flushdb {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "flushdb",
            arity: -1,
            flags: &[Flag::Write],
            group: "server",
            summary: "Remove all keys from the current database.",
            complexity: "O(N) where N is the number of keys in the selected database",
            extra_acl_categories: &["@keyspace", "@dangerous"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::keys::flush_mode(args)?;
        ctx.db().clear();
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Flushdb, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn clears_only_the_selected_database() {
        let mut h = Harness::new();
        h.run("SET a 1 EX 100");
        h.run("SELECT 1");
        h.run("SET b 1");
        assert_eq!(h.run("FLUSHDB"), Reply::OK);
        assert_eq!(h.run("DBSIZE"), int(0));
        h.run("SELECT 0");
        assert_eq!(h.run("DBSIZE"), int(1));
        assert_eq!(h.run("flushdb async"), Reply::OK);
        assert_eq!(h.run("FLUSHDB SYNC"), Reply::OK);
        assert_eq!(h.run("DBSIZE"), int(0));
        assert_eq!(h.run("FLUSHDB x"), err("ERR syntax error"));
        assert_eq!(h.run("FLUSHDB SYNC x"), err("ERR syntax error"));
    }
}

//! FLUSHALL [ASYNC|SYNC]

use crate::prelude::*;

/// `FLUSHALL`: deletes every key of every database.
pub struct Flushall;

impl Command for Flushall {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "flushall",
            arity: -1,
            flags: &[Flag::Write],
            group: "server",
            summary: "Removes all keys from all databases.",
            complexity: "O(N) where N is the total number of keys in all databases",
            extra_acl_categories: &["@keyspace", "@dangerous"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::keys::flush_mode(args)?;
        ctx.keyspace().clear_all();
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Flushall, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn clears_every_database() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("SELECT 5");
        h.run("HSET h f v");
        assert_eq!(h.run("FLUSHALL"), Reply::OK);
        assert_eq!(h.run("DBSIZE"), int(0));
        h.run("SELECT 0");
        assert_eq!(h.run("DBSIZE"), int(0));
        assert_eq!(h.run("FLUSHALL ASYNC"), Reply::OK);
        assert_eq!(h.run("FLUSHALL nope"), err("ERR syntax error"));
    }
}

//! SWAPDB index1 index2

use crate::command_logic::admin::int_arg;
use crate::prelude::*;

/// `SWAPDB index1 index2`: exchanges the contents of two databases;
/// connections stay on their index and see the other data at once.
pub struct Swapdb;

impl Command for Swapdb {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "swapdb",
            arity: 3,
            flags: &[Flag::Write, Flag::Fast],
            group: "server",
            summary: "Swaps two Redis databases",
            since: "4.0.0",
            complexity:
                "O(N) where N is the count of clients watching or blocking on keys from both databases.",
            extra_acl_categories: &["@keyspace", "@dangerous"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let first = int_arg(args.next()?, Some("invalid first DB index"))?;
        let second = int_arg(args.next()?, Some("invalid second DB index"))?;
        let databases = ctx.server.store.databases();
        let index = |i: i32| usize::try_from(i).ok().filter(|&i| i < databases);
        let (Some(first), Some(second)) = (index(first), index(second)) else {
            return Err(ReplyError::DB_INDEX);
        };
        // Swapping whole databases moves their keys, deadlines and expiry cursors.
        ctx.keyspace().swap_dbs(first, second);
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Swapdb, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn swaps_keys_and_deadlines() {
        let mut h = Harness::new();
        h.run("SET a zero EX 100");
        h.run("SELECT 1");
        h.run("HSET h f one");
        assert_eq!(h.wire("SWAPDB 0 1"), "+OK\r\n");
        assert_eq!(h.run("GET a"), bulk("zero"), "this connection stays on db 1 and sees db 0's data");
        assert_eq!(h.run("TTL a"), int(100));
        assert_eq!(h.run("EXISTS h"), int(0));
        h.run("SELECT 0");
        assert_eq!(h.run("HGET h f"), bulk("one"));
        assert_eq!(h.run("DBSIZE"), int(1));
        h.advance_ms(100_000);
        h.expire_cycle();
        assert_eq!(h.stored_keys(1), 0, "the deadline moved with the key");
    }

    #[test]
    fn same_index_and_empty_databases() {
        let mut h = Harness::new();
        h.run("SET a v");
        assert_eq!(h.run("SWAPDB 0 0"), Reply::OK);
        assert_eq!(h.run("GET a"), bulk("v"));
        assert_eq!(h.run("SWAPDB 15 0"), Reply::OK);
        assert_eq!(h.run("GET a"), Reply::Null);
        assert_eq!(h.run("SWAPDB 0 15"), Reply::OK);
        assert_eq!(h.run("GET a"), bulk("v"));
    }

    #[test]
    fn index_errors() {
        let mut h = Harness::new();
        let (first, second) = ("ERR invalid first DB index", "ERR invalid second DB index");
        assert_eq!(h.run("SWAPDB x 0"), err(first));
        assert_eq!(h.run("SWAPDB 0 x"), err(second));
        assert_eq!(h.run("SWAPDB 16 x"), err(second), "both are parsed before the range check");
        assert_eq!(h.run("SWAPDB 4294967296 0"), err(first));
        assert_eq!(h.run("SWAPDB 0 4294967296"), err(second));
        assert_eq!(h.run("SWAPDB 9999999999999999999 0"), err(first));
        assert_eq!(h.run("SWAPDB 0 16"), err("ERR DB index is out of range"));
        assert_eq!(h.run("SWAPDB 16 0"), err("ERR DB index is out of range"));
        assert_eq!(h.run("SWAPDB -1 0"), err("ERR DB index is out of range"));
        assert_eq!(h.run("SWAPDB 0 -1"), err("ERR DB index is out of range"));
        assert_eq!(h.run("SWAPDB 0"), err("ERR wrong number of arguments for 'swapdb' command"));
    }
}

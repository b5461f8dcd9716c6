//! WATCH key [key ...]

use crate::prelude::*;

/// `WATCH key...`: the next `EXEC` fails (a null reply) if any of the keys
/// changes before it, by any client, this one included; or expires.
pub struct Watch;

impl Command for Watch {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "watch",
            arity: -2,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy],
            group: "transactions",
            summary: "Watch the given keys to determine execution of the MULTI/EXEC block",
            since: "2.2.0",
            complexity: "O(1) for every key.",
            keys: Keys::ALL,
            key_specs: &[KeySpec { keys: Keys::ALL, flags: &["RO"], ..KeySpec::DEFAULT }],
            extra_acl_categories: &["@transaction"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        if ctx.client.multi.is_some() {
            return Err(ReplyError::from_static("ERR WATCH inside MULTI is not allowed"));
        }
        let (id, db) = (ctx.client.id(), ctx.client.db);
        // The keys' shards are held: a write to them comes wholly before
        // or after the watch. A key already expired counts as absent.
        for key in args.rest() {
            let keyspace = ctx.db();
            let existed = keyspace.contains(key);
            let deadline = if existed { keyspace.deadline(key) } else { None };
            ctx.server.watches.watch(id, db, key, existed, deadline);
        }
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Watch, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const FAILED: Reply = Reply::NullArray;

    /// MULTI, PING, EXEC: PONG, or the null reply of a watch that fired.
    fn exec_ping(h: &mut Harness) -> Reply {
        h.run("MULTI");
        h.run("PING");
        h.run("EXEC")
    }

    fn pong() -> Reply {
        Reply::Array(vec![Reply::simple("PONG")])
    }

    #[test]
    fn a_write_by_another_client_or_this_one_fails_exec() {
        let mut h = Harness::new();
        let mut other = h.other_client();
        h.run("SET k v");
        h.run("WATCH a b k z");
        h.run_as(&mut other, "SET k changed");
        assert_eq!(exec_ping(&mut h), FAILED);
        h.run("WATCH k");
        h.run("APPEND k !");
        assert_eq!(exec_ping(&mut h), FAILED);
        assert_eq!(exec_ping(&mut h), pong(), "EXEC forgot the watches");
    }

    #[test]
    fn reads_and_writes_that_change_nothing_leave_it() {
        let mut h = Harness::new();
        let mut other = h.other_client();
        h.run("SET k v");
        h.run("WATCH k missing");
        h.run_as(&mut other, "GET k");
        h.run_as(&mut other, "DEL missing");
        h.run_as(&mut other, "SET k2 v");
        h.run_as(&mut other, "SELECT 1");
        h.run_as(&mut other, "SET k elsewhere");
        assert_eq!(exec_ping(&mut h), pong());
    }

    #[test]
    fn expiry_of_a_watched_key_fails_exec() {
        let mut h = Harness::new();
        h.run("SET k v PX 100");
        h.run("WATCH k");
        h.advance_ms(100);
        assert_eq!(exec_ping(&mut h), FAILED, "expired, not yet deleted");
        h.run("SET k v PX 100");
        h.run("WATCH k");
        h.advance_ms(100);
        assert_eq!(h.expire_cycle(), 1);
        assert_eq!(exec_ping(&mut h), FAILED, "deleted by the active cycle");
    }

    #[test]
    fn a_key_already_expired_when_watched_is_ignored() {
        let mut h = Harness::new();
        let mut other = h.other_client();
        h.run("SET k v PX 10");
        h.advance_ms(10);
        h.run("WATCH k");
        h.run_as(&mut other, "GET k");
        assert_eq!(exec_ping(&mut h), pong(), "its lazy deletion changes nothing");
        h.run("SET k v PX 10");
        h.advance_ms(10);
        h.run("WATCH k");
        h.run_as(&mut other, "SET k new");
        assert_eq!(exec_ping(&mut h), FAILED, "writing it does");
    }

    #[test]
    fn flushes_and_swaps_fail_exec_when_a_watched_key_exists() {
        let mut h = Harness::new();
        let mut other = h.other_client();
        h.run("SET k v");
        h.run("WATCH k");
        h.run_as(&mut other, "FLUSHDB");
        assert_eq!(exec_ping(&mut h), FAILED);
        h.run("WATCH absent");
        h.run_as(&mut other, "FLUSHALL");
        assert_eq!(exec_ping(&mut h), pong(), "a flush leaves a missing key missing");
        h.run("SET k v");
        h.run("WATCH k");
        h.run_as(&mut other, "SELECT 1");
        h.run_as(&mut other, "FLUSHDB");
        assert_eq!(exec_ping(&mut h), pong(), "another database");
        h.run_as(&mut other, "SET z v");
        h.run("WATCH z");
        h.run_as(&mut other, "SWAPDB 0 1");
        assert_eq!(exec_ping(&mut h), FAILED, "the swap brought the key in");
        h.run("WATCH z");
        h.run_as(&mut other, "FLUSHALL");
        assert_eq!(exec_ping(&mut h), FAILED);
    }

    #[test]
    fn eviction_of_a_watched_key_fails_exec() {
        let mut h = Harness::new();
        let mut other = h.other_client();
        h.run("SET k v");
        h.run("WATCH k");
        h.run("CONFIG SET maxmemory-policy allkeys-random");
        h.shared.config.write().maxmemory = 1;
        h.run_as(&mut other, "GET nothing");
        h.shared.config.write().maxmemory = 0;
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(exec_ping(&mut h), FAILED);
    }

    #[test]
    fn watch_is_refused_inside_multi_and_needs_a_key() {
        let mut h = Harness::new();
        assert_eq!(h.run("WATCH"), err("ERR wrong number of arguments for 'watch' command"));
        h.run("MULTI");
        assert_eq!(h.run("WATCH k"), err("ERR WATCH inside MULTI is not allowed"));
        h.run("SET k v");
        assert_eq!(h.run("EXEC"), Reply::Array(vec![Reply::OK]), "the transaction goes on");
        assert_eq!(h.run("WATCH k k k"), Reply::OK);
        assert_eq!(h.shared.watches.watched_by(h.client.id()), 1);
    }

    #[test]
    fn reset_and_disconnect_forget_the_watches() {
        let mut h = Harness::new();
        h.run("WATCH a b");
        assert_eq!(h.shared.watches.watched_by(h.client.id()), 2);
        h.run("RESET");
        assert_eq!(h.shared.watches.watched_by(h.client.id()), 0);
        assert!(!h.shared.watches.any());
    }
}

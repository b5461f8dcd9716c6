//! The command plug-in interface: the [`Command`] trait with its metadata,
//! the table built once from every `inventory::submit!`ed [`Registration`],
//! the argument cursor [`Args`], the per-command [`Context`], and
//! [`dispatch`] with the permission check it runs.

mod args;
mod batch;
mod context;
mod dispatch;
mod key_events;
mod meta;
pub mod permissions;
mod table;
mod transaction;

use crate::protocol::{Reply, ReplyError};

pub use args::{Args, ExpireUnit};
pub use batch::Batch;
pub use context::Context;
pub use dispatch::dispatch;
pub use meta::{CommandMeta, Flag, KeyFlagsFn, KeySpec, Keynum, Keys, Keyword, Subcommand};
pub use permissions::{denial, Denial};
pub use table::{
    acl_id_count, catalog, commands, find_subcommand, init, lookup, stat_names, stat_slots, Entry,
    Registration,
};
pub use transaction::end_transaction;

/// What a command handler returns; an `Err` becomes an error reply.
pub type CommandResult = Result<Reply, ReplyError>;

/// A command. Each file in `commands/` implements this for one type and
/// registers it with `inventory::submit!`.
pub trait Command: Send + Sync + 'static {
    /// Name, arity, flags and documentation, read once when the table is built.
    fn meta(&self) -> CommandMeta;

    /// Runs the command. `args` is positioned after the command name, and
    /// arity (and the subcommand's, if any) has already been checked.
    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::effects::Deletion;
    use crate::testing::Harness;

    #[test]
    fn every_command_file_registers_a_command() {
        let registered: Vec<&str> =
            commands().iter().map(|e| e.module.rsplit("::").next().unwrap_or("")).collect();
        for module in crate::commands::MODULES {
            assert!(
                registered.contains(module),
                "commands/{}.rs registers no command: add inventory::submit! {{ Registration::new(...) }}",
                module.trim_end_matches('_')
            );
        }
    }

    #[test]
    fn table_is_sane() {
        assert!(init() >= 20);
        for entry in commands() {
            let meta = &entry.meta;
            assert_ne!(meta.arity, 0, "{}", meta.name);
            assert!(!meta.summary.is_empty(), "{} has no summary", meta.name);
            assert!(
                !(meta.has(Flag::Write) && meta.has(Flag::Readonly)),
                "{} is both write and readonly",
                meta.name
            );
            for sub in meta.subcommands {
                assert!(sub.arity.unsigned_abs() >= 2, "{}|{}", meta.name, sub.name);
            }
        }
        assert!(lookup(b"GeT").is_some());
        assert!(lookup(&[b'a'; 100]).is_none());
    }

    #[test]
    fn lookup_finds_every_name_in_any_case_and_nothing_else() {
        for entry in commands() {
            let name = entry.meta.name;
            for spelled in [name.to_string(), name.to_ascii_uppercase(), {
                let mut mixed = name.to_string();
                mixed[..1].make_ascii_uppercase();
                mixed
            }] {
                let found = lookup(spelled.as_bytes()).map(|e| e.meta.name);
                assert_eq!(found, Some(name), "{spelled}");
            }
            // Same length and first letter, another name.
            let mut other = name.as_bytes().to_vec();
            *other.last_mut().unwrap() ^= 0x80;
            assert!(lookup(&other).is_none(), "{name}");
        }
        // The first byte's low bits alone do not match: `G` (0x47) and `'` (0x27) share them.
        assert!(lookup(b"'et").is_none());
        assert!(lookup(b"").is_none());
        assert!(lookup(&[b'g'; 33]).is_none());
    }

    #[test]
    fn unknown_command_and_arity_errors_are_redis_texts() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("FOO a b"),
            Reply::error("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ")
        );
        assert_eq!(h.run("GET"), Reply::error("ERR wrong number of arguments for 'get' command"));
        assert_eq!(h.run("CLIENT FOO"), Reply::error("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
        assert_eq!(
            h.run("CLIENT SETNAME"),
            Reply::error("ERR wrong number of arguments for 'client|setname' command")
        );
    }

    #[test]
    fn denyoom_commands_get_oom_over_the_limit_under_noeviction() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.run("CONFIG SET maxmemory 1");
        let oom = Reply::error("OOM command not allowed when used memory > 'maxmemory'.");
        assert_eq!(h.run("SET k2 v"), oom);
        assert_eq!(h.run("APPEND k x"), oom);
        assert_eq!(h.run("GET k"), Reply::bulk("v"), "reads work");
        assert_eq!(h.run("PERSIST k"), Reply::Integer(0), "writes that are not denyoom work");
        assert_eq!(h.run("DEL k"), Reply::Integer(1));
        h.run("CONFIG SET maxmemory 0");
        assert_eq!(h.run("SET k2 v"), Reply::OK);
    }

    #[test]
    fn over_the_limit_keys_are_evicted_by_policy() {
        let mut h = Harness::new();
        for i in 0..50 {
            h.run(&format!("SET k{i} v"));
        }
        h.run("SET volatile v EX 100");
        // A limit the process is always above: every write evicts what it can.
        h.run("CONFIG SET maxmemory-policy volatile-ttl maxmemory 1");
        assert_eq!(
            h.run("SET k50 v"),
            Reply::error("OOM command not allowed when used memory > 'maxmemory'.")
        );
        assert_eq!(h.run("EXISTS volatile"), Reply::Integer(0), "the only volatile key went");
        assert_eq!(h.run("DBSIZE"), Reply::Integer(50), "non-volatile keys stay");
        h.run("CONFIG SET maxmemory-policy allkeys-random");
        h.run("SET k50 v");
        assert_eq!(h.run("DBSIZE"), Reply::Integer(0), "everything goes, and the write is refused");
        let info = match h.run("INFO stats") {
            Reply::Verbatim(text) => String::from_utf8(text).unwrap(),
            other => panic!("{other:?}"),
        };
        assert!(info.contains("evicted_keys:51\r\n"), "{info}");
    }

    #[test]
    fn the_effects_of_a_command_that_evicts_name_the_evicted_keys() {
        let mut h = Harness::new();
        for i in 0..5 {
            h.run(&format!("SET k{i} v"));
        }
        h.run("CONFIG SET maxmemory-policy allkeys-random");
        // The limit set behind CONFIG's back, so the next command is the one that evicts.
        h.shared.config.write().maxmemory = 1;
        assert_eq!(
            h.run("SET k5 v"),
            Reply::error("OOM command not allowed when used memory > 'maxmemory'.")
        );
        let evicted = h.effects().deleted_keys().filter(|&(db, why, _)| db == 0 && why == Deletion::Evicted);
        assert_eq!(evicted.count(), 5);
        assert_eq!(h.events().iter().filter(|e| e.starts_with("0:evicted:k")).count(), 5);
    }

    #[test]
    fn lru_evicts_the_idle_keys_first() {
        let mut h = Harness::new();
        for i in 0..200 {
            h.run(&format!("SET old{i} v"));
        }
        h.advance_ms(100_000);
        for i in 0..200 {
            h.run(&format!("SET new{i} v"));
        }
        h.run("CONFIG SET maxmemory-policy allkeys-lru maxmemory-samples 10");
        let now = h.shared.clock.now_ms();
        let mut left = 100;
        assert!(h.shared.store.perform_evictions(
            now,
            || {
                left -= 1;
                left >= 0
            },
            |_, _| {}
        ));
        let mut db = h.keyspace();
        let old_left = (0..200).filter(|i| db.contains(format!("old{i}").as_bytes())).count();
        let new_left = (0..200).filter(|i| db.contains(format!("new{i}").as_bytes())).count();
        assert_eq!(old_left + new_left, 300);
        assert_eq!(new_left, 200, "only idle keys were evicted ({old_left} old left)");
    }

    #[test]
    fn key_positions() {
        assert_eq!(Keys::ONE.positions(3).collect::<Vec<_>>(), vec![1]);
        assert_eq!(Keys::ALL.positions(4).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(Keys::PAIRS.positions(5).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(Keys::NONE.positions(5).collect::<Vec<_>>(), Vec::<usize>::new());
    }
}

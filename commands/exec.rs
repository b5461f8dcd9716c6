//! EXEC

use crate::prelude::*;
use crate::protocol::parse::Argv;
use crate::registry::{denial, end_transaction, lookup, Batch, Denial};

/// `EXEC`: runs the queued transaction atomically; a reply per command
/// (errors in their slots), a null reply when a watched key changed, or
/// `EXECABORT` when queueing refused a request.
pub struct Exec;

impl Command for Exec {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "exec",
            arity: 1,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::SkipSlowlog],
            group: "transactions",
            summary: "Execute all commands issued after MULTI",
            since: "1.2.0",
            complexity: "Depends on commands in the transaction",
            extra_acl_categories: &["@transaction"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        let Some(transaction) = ctx.client.multi.take() else {
            return Err(ReplyError::from_static("ERR EXEC without MULTI"));
        };
        if transaction.aborted {
            end_transaction(ctx.server, ctx.client);
            return Err(ReplyError::from_static(
                "EXECABORT Transaction discarded because of previous errors.",
            ));
        }
        // Every shard is held from here: no write slips in between the
        // watch check and the last queued command.
        let mut batch = Batch::begin(ctx);
        let ctx = batch.context();
        let changed = ctx.server.watches.changed(ctx.client.id(), ctx.now_ms());
        ctx.server.watches.unwatch_all(ctx.client.id());
        let reply = if changed {
            Reply::NullArray
        } else {
            let replies = transaction.queued.iter().map(|argv| run_queued(&mut batch, argv)).collect();
            Reply::Array(replies)
        };
        let ctx = batch.context();
        ctx.client.publish_multi();
        batch.finish();
        Ok(reply)
    }
}

/// Runs one queued request, unless the ACL rules changed since it was
/// queued and now refuse it (Redis's text for that case).
fn run_queued(batch: &mut Batch<'_, '_>, argv: &[Vec<u8>]) -> Reply {
    let ctx = batch.context();
    if !ctx.client.user.unrestricted() {
        if let Some(reason) = refused_by_acl(ctx, Argv::Owned(argv)) {
            return Reply::Error(ReplyError(
                format!(
                    "NOPERM ACLs rules changed between the moment the transaction was accumulated and the \
                     EXEC call. This command is no longer allowed for the following reason: {reason}"
                )
                .into(),
            ));
        }
    }
    batch.run(Argv::Owned(argv))
}

/// Why the ACL rules now refuse `argv`, logged as Redis does; `None` when allowed.
fn refused_by_acl(ctx: &mut Context<'_>, argv: Argv<'_>) -> Option<&'static str> {
    let entry = lookup(argv.get(0))?;
    let sub = (!entry.meta.subcommands.is_empty() && argv.len() >= 2)
        .then(|| entry.subcommand_index(argv.get(1)))
        .flatten();
    let user = ctx.client.user.clone();
    let refused = denial(&user.rules.read(), entry, sub, argv)?;
    let (reason, object, text) = match refused {
        Denial::Command => {
            let name = sub.map_or(entry.meta.name, |i| entry.sub_names[i].as_str());
            ("command", name.as_bytes().to_vec(), "no permission to execute the command or subcommand")
        }
        Denial::Key(key) => ("key", key, "no permission to touch the specified keys"),
        Denial::Channel(channel) => {
            ("channel", channel, "no permission to access one of the channels used as arguments")
        }
    };
    let now = ctx.now_ms();
    let info = ctx.client.handle.info_line(now);
    ctx.server.users.log((reason, "multi"), &object, user.name.as_bytes(), now, info);
    Some(text)
}

inventory::submit! { Registration::new(&Exec, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn queued() -> Reply {
        Reply::simple("QUEUED")
    }

    const ABORTED: &str = "EXECABORT Transaction discarded because of previous errors.";

    #[test]
    fn runs_the_queue_with_runtime_errors_in_their_slots() {
        let mut h = Harness::new();
        h.run("MULTI");
        for line in ["SET a 1", "INCR a", "LPUSH a x", "GET a"] {
            assert_eq!(h.run(line), queued());
        }
        assert_eq!(
            h.run("EXEC"),
            Reply::Array(vec![
                Reply::OK,
                int(2),
                err("WRONGTYPE Operation against a key holding the wrong kind of value"),
                bulk("2"),
            ])
        );
        h.run("MULTI");
        assert_eq!(h.run("EXEC"), Reply::Array(vec![]));
    }

    #[test]
    fn queueing_errors_abort_the_transaction() {
        for bad in ["FOO a", "GET", "CLIENT FOO", "SAVE", "WATCH", "SHUTDOWN"] {
            let mut h = Harness::new();
            h.run("MULTI");
            h.run("SET a 1");
            assert!(h.run(bad).is_error(), "{bad}");
            h.run("SET b 1");
            assert_eq!(h.run("EXEC"), Reply::error(ABORTED), "{bad}");
            assert_eq!(h.run("DBSIZE"), int(0), "{bad}: nothing ran");
            assert_eq!(h.run("EXEC"), err("ERR EXEC without MULTI"), "{bad}");
        }
        let mut h = Harness::new();
        h.run("MULTI");
        assert_eq!(h.run("SAVE"), err("ERR Command not allowed inside a transaction"));
    }

    #[test]
    fn a_refused_exec_names_its_reason() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("EXEC x"),
            err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
        );
        h.run("MULTI");
        h.run("SET k v");
        assert_eq!(
            h.run("EXEC x"),
            err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
        );
        assert_eq!(h.run("EXEC"), err("ERR EXEC without MULTI"), "the transaction ended");
    }

    #[test]
    fn over_maxmemory_a_write_transaction_is_refused_and_a_read_one_runs() {
        let mut h = Harness::new();
        let mut admin = h.other_client();
        h.run("SET x 1");
        h.run("MULTI");
        h.run("SET a 1");
        h.run("GET x");
        h.run_as(&mut admin, "CONFIG SET maxmemory 1");
        assert_eq!(
            h.run("EXEC"),
            err("EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.")
        );
        h.run("MULTI");
        let oom = err("OOM command not allowed when used memory > 'maxmemory'.");
        assert_eq!(h.run("GET x"), oom, "nothing is queued over the limit");
        assert_eq!(h.run("EXEC"), Reply::error(ABORTED));
        h.run("CONFIG SET maxmemory 0");
        h.run("MULTI");
        h.run("GET x");
        h.run_as(&mut admin, "CONFIG SET maxmemory 1");
        assert_eq!(h.run("EXEC"), Reply::Array(vec![bulk("1")]));
    }

    #[test]
    fn config_set_is_refused_in_its_slot() {
        let mut h = Harness::new();
        h.run("MULTI");
        h.run("CONFIG SET maxmemory 1");
        h.run("GET k");
        assert_eq!(
            h.run("EXEC"),
            Reply::Array(vec![
                err("ERR CONFIG SET is not supported inside MULTI/EXEC or scripts"),
                Reply::Null
            ])
        );
    }

    #[test]
    fn blocking_commands_do_not_block() {
        let mut h = Harness::new();
        h.run("MULTI");
        h.run("BLPOP empty 0");
        h.run("BRPOPLPUSH empty other 0");
        h.run("RPUSH list a");
        h.run("BLPOP list 0");
        assert_eq!(
            h.run("EXEC"),
            Reply::Array(vec![Reply::NullArray, Reply::Null, int(1), array(&["list", "a"])])
        );
        assert!(h.client.blocked.is_none());
    }

    #[test]
    fn the_writes_are_propagated_between_multi_and_exec() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        h.run("MULTI");
        h.run("SET a 1");
        h.run("GET a");
        h.run("SELECT 2");
        h.run("INCR n");
        h.run("SET k v EX 100");
        h.run("SELECT 0");
        h.run("EXEC");
        let at = START_MS + 100_000;
        assert_eq!(
            h.propagated(),
            Some(vec![
                "MULTI".into(),
                "SET a 1".into(),
                "INCR n".into(),
                format!("SET k v PXAT {at}"),
                "EXEC".into()
            ])
        );
        let databases: Vec<Option<u32>> = h.effects().records().map(|(db, _)| db).collect();
        assert_eq!(databases, [Some(0), Some(0), Some(2), Some(2), Some(2)]);
        assert_eq!(h.modified(), ["0:a", "2:n", "2:k"]);
        h.run("MULTI");
        h.run("SET one 1");
        h.run("EXEC");
        assert_eq!(h.propagated(), logged(&["SET one 1"]), "one record needs no wrapping");
        h.run("MULTI");
        h.run("GET one");
        h.run("EXISTS missing");
        h.run("EXEC");
        assert_eq!(h.propagated(), logged(&[]), "nothing changed");
    }

    #[test]
    fn the_transaction_sees_one_clock_and_is_counted_per_command() {
        let mut h = Harness::new();
        h.run("CONFIG RESETSTAT");
        h.run("MULTI");
        h.run("SET a 1");
        h.run("GET");
        h.run("EXEC");
        h.run("MULTI");
        h.run("SET a 1");
        h.run("EXEC");
        let stats = h.info("commandstats");
        assert!(stats.contains("cmdstat_set:calls=1,"), "{stats}");
        assert!(stats.contains("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,"), "{stats}");
        assert!(stats.contains("cmdstat_exec:calls=2,"), "{stats}");
        assert!(stats.contains("rejected_calls=0,failed_calls=1"), "{stats}");
        assert!(stats.contains("cmdstat_multi:calls=2,"), "{stats}");
    }

    #[test]
    fn acl_rules_changed_since_queueing_refuse_in_the_slot() {
        let mut h = Harness::new();
        h.run("ACL SETUSER u on nopass ~* +@all");
        h.run("AUTH u x");
        h.run("MULTI");
        h.run("SET k v");
        h.run("GET k");
        let mut admin = h.other_client();
        h.run_as(&mut admin, "ACL SETUSER u -set");
        assert_eq!(
            h.run("EXEC"),
            Reply::Array(vec![
                err("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC \
                     call. This command is no longer allowed for the following reason: no permission to execute \
                     the command or subcommand"),
                Reply::Null,
            ])
        );
    }
}

//! MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key [key ...]]

use crate::prelude::*;
use crate::session::{Migration, MigrationOutcome};
use crate::store::rdb;

/// `MIGRATE`: moves keys to another server (MiniRedis or redis-server)
/// with `DUMP`/`RESTORE`. The command prepares the payloads and leaves the
/// network to the connection (`Session::migration`), which then runs it
/// again with the target's answers to delete what moved and reply.
pub struct MigrateCommand;

impl Command for MigrateCommand {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "migrate",
            arity: -6,
            // Not in MULTI or scripts (Redis allows both): the transfer needs
            // the connection, which a transaction or a script does not wait on.
            flags: &[Flag::Write, Flag::NoMulti, Flag::NoScript],
            group: "generic",
            summary: "Atomically transfer a key from a Redis instance to another one.",
            since: "2.6.0",
            complexity: "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.",
            // The keys are the fourth argument or follow KEYS: every shard is locked.
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (host, port, key, db_arg, timeout_arg) =
            (args.next()?, args.next()?, args.next()?, args.next()?, args.next()?);
        let (mut copy, mut replace, mut auth, mut keys) = (false, false, Vec::new(), vec![key]);
        while let Some(option) = args.peek() {
            args.next()?;
            if option.eq_ignore_ascii_case(b"COPY") {
                copy = true;
            } else if option.eq_ignore_ascii_case(b"REPLACE") {
                replace = true;
            } else if option.eq_ignore_ascii_case(b"AUTH") {
                auth = vec![args.next()?.to_vec()];
            } else if option.eq_ignore_ascii_case(b"AUTH2") {
                if args.remaining() < 2 {
                    return Err(ReplyError::SYNTAX);
                }
                auth = vec![args.next()?.to_vec(), args.next()?.to_vec()];
            } else if option.eq_ignore_ascii_case(b"KEYS") {
                if !key.is_empty() {
                    return Err(ReplyError::err(
                        "When using MIGRATE KEYS option, the key argument must be set to the empty string",
                    ));
                }
                keys = args.rest().collect();
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        let timeout = parse_long(timeout_arg)?;
        let db_index = parse_long(db_arg)?;
        if let Some(migration) = ctx.client.migration.take() {
            return finish(ctx, migration, copy);
        }
        let now = ctx.now_ms();
        let db = ctx.db();
        let limits = db.limits();
        let mut entries = Vec::new();
        for key in keys {
            let Some(value) = db.get(key) else { continue };
            let payload = rdb::dump_payload(value, &limits);
            let ttl = db.deadline(key).map_or(0, |at| at.saturating_sub(now).max(1));
            entries.push((key.to_vec(), ttl, payload));
        }
        ctx.propagate_none();
        if entries.is_empty() {
            return Ok(Reply::simple("NOKEY"));
        }
        ctx.client.migration = Some(Migration {
            host: String::from_utf8_lossy(host).into_owned(),
            port: String::from_utf8_lossy(port).into_owned(),
            db: db_index,
            timeout_ms: if timeout <= 0 { 1000 } else { timeout as u64 },
            auth,
            replace,
            entries,
            outcome: None,
        });
        Ok(Reply::None)
    }
}

/// Redis's `getLongFromObjectOrReply`.
fn parse_long(arg: &[u8]) -> Result<i64, ReplyError> {
    crate::protocol::parse::parse_i64(arg).ok_or(ReplyError::NOT_INTEGER)
}

/// The second run: deletes (without `COPY`) each key the target restored,
/// unless it changed meanwhile, and replies as Redis does.
fn finish(ctx: &mut Context<'_>, migration: Migration, copy: bool) -> CommandResult {
    let outcome = migration.outcome.unwrap_or_default();
    let io_error = |stage: &str| {
        let text = match stage {
            "connecting" => "IOERR error or timeout connecting to the client".to_string(),
            other => format!("IOERR error or timeout {other} to target instance"),
        };
        ReplyError(text.into())
    };
    if let Some(stage @ ("connecting" | "writing")) = outcome.io_error {
        ctx.propagate_none();
        return Err(io_error(stage));
    }
    let MigrationOutcome { preamble_error, replies, io_error: read_error } = outcome;
    let mut first_error = None;
    let mut deleted: Vec<Vec<u8>> = Vec::new();
    let limits = ctx.db().limits();
    for ((key, _, payload), reply) in migration.entries.iter().zip(&replies) {
        match (&preamble_error, reply) {
            (Some(error), _) | (None, Err(error)) => {
                first_error.get_or_insert_with(|| error.clone());
            }
            (None, Ok(())) if !copy => {
                let db = ctx.db();
                let unchanged = db.peek(key).is_some_and(|v| rdb::dump_payload(v, &limits) == *payload);
                if unchanged {
                    db.remove(key);
                    deleted.push(key.clone());
                }
            }
            _ => {}
        }
    }
    if deleted.is_empty() {
        ctx.propagate_none();
    } else {
        let mut parts: Vec<&[u8]> = vec![b"DEL"];
        parts.extend(deleted.iter().map(|k| &k[..]));
        ctx.propagate_as(&parts);
    }
    match (first_error, read_error) {
        (Some(error), _) => Err(ReplyError::err(format_args!("Target instance replied with error: {error}"))),
        (None, Some(stage)) => Err(io_error(stage)),
        (None, None) => Ok(Reply::OK),
    }
}

inventory::submit! { Registration::new(&MigrateCommand, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::session::MigrationOutcome;
    use crate::testing::*;

    /// Runs MIGRATE as the connection does: the first run, then `answer`
    /// as the target's outcome and the second run.
    fn migrate(h: &mut Harness, line: &str, answer: impl FnOnce(usize) -> MigrationOutcome) -> Reply {
        let first = h.run(line);
        let Some(mut migration) = h.client.migration.take() else { return first };
        assert_eq!(first, Reply::None);
        migration.outcome = Some(answer(migration.entries.len()));
        h.client.migration = Some(migration);
        let reply = h.run(line);
        h.client.migration = None;
        reply
    }

    fn all_ok(n: usize) -> MigrationOutcome {
        MigrationOutcome { replies: vec![Ok(()); n], ..MigrationOutcome::default() }
    }

    #[test]
    fn moves_keys_with_their_ttls() {
        let mut h = Harness::new();
        h.run("SET a 1 PX 5000");
        h.run("SET b 2");
        h.run("MIGRATE 127.0.0.1 7000 \"\" 3 100 REPLACE AUTH2 u p KEYS a b missing");
        let migration = h.client.migration.take().unwrap();
        assert_eq!((migration.db, migration.timeout_ms, migration.replace), (3, 100, true));
        assert_eq!(migration.auth, [b"u".to_vec(), b"p".to_vec()]);
        let keys: Vec<(&[u8], u64)> = migration.entries.iter().map(|(k, t, _)| (&k[..], *t)).collect();
        assert_eq!(keys, [(&b"a"[..], 5000), (b"b", 0)]);
        assert_eq!(migrate(&mut h, "MIGRATE 127.0.0.1 7000 \"\" 3 100 KEYS a b", all_ok), Reply::OK);
        assert_eq!(h.propagated(), Some(vec!["DEL a b".to_string()]));
        assert_eq!(h.run("EXISTS a b"), int(0));
    }

    #[test]
    fn counts_once_in_commandstats() {
        let mut h = Harness::new();
        h.run("SET a 1");
        assert_eq!(migrate(&mut h, "MIGRATE host 1 a 0 100 COPY", all_ok), Reply::OK);
        let refused = |_| MigrationOutcome { io_error: Some("connecting"), ..MigrationOutcome::default() };
        assert!(matches!(migrate(&mut h, "MIGRATE host 1 a 0 100 COPY", refused), Reply::Error(_)));
        let stats = h.info("commandstats");
        let line = stats.lines().find(|l| l.starts_with("cmdstat_migrate:")).expect("counted");
        assert!(line.contains(":calls=2,"), "{line}");
        assert!(line.ends_with(",rejected_calls=0,failed_calls=1"), "{line}");
    }

    #[test]
    fn copy_keeps_and_errors_keep_the_keys() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("SET b 2");
        assert_eq!(migrate(&mut h, "MIGRATE host 1 a 0 100 COPY", all_ok), Reply::OK);
        assert_eq!(h.run("EXISTS a"), int(1));
        let busy = |_| MigrationOutcome {
            replies: vec![Err("BUSYKEY Target key name already exists.".into()), Ok(())],
            ..MigrationOutcome::default()
        };
        assert_eq!(
            migrate(&mut h, "MIGRATE host 1 \"\" 0 100 KEYS a b", busy),
            err("ERR Target instance replied with error: BUSYKEY Target key name already exists.")
        );
        assert_eq!(h.run("EXISTS a"), int(1), "refused: kept");
        assert_eq!(h.run("EXISTS b"), int(0), "restored: moved");
        let auth = |n| MigrationOutcome {
            preamble_error: Some("WRONGPASS invalid username-password pair or user is disabled.".into()),
            replies: vec![Ok(()); n],
            ..MigrationOutcome::default()
        };
        assert_eq!(
            migrate(&mut h, "MIGRATE host 1 a 0 100 AUTH x", auth),
            err("ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(h.run("EXISTS a"), int(1));
    }

    #[test]
    fn network_failures_are_ioerr() {
        let mut h = Harness::new();
        h.run("SET a 1");
        for (stage, text) in [
            ("connecting", "IOERR error or timeout connecting to the client"),
            ("writing", "IOERR error or timeout writing to target instance"),
            ("reading", "IOERR error or timeout reading to target instance"),
        ] {
            let failed = |_| MigrationOutcome { io_error: Some(stage), ..MigrationOutcome::default() };
            assert_eq!(migrate(&mut h, "MIGRATE host 1 a 0 100", failed), err(text));
            assert_eq!(h.run("EXISTS a"), int(1));
        }
    }

    #[test]
    fn argument_errors_and_nokey() {
        let mut h = Harness::new();
        assert_eq!(h.run("MIGRATE host 1 missing 0 100"), Reply::simple("NOKEY"));
        assert_eq!(h.run("MIGRATE host 1 \"\" 0 100 KEYS x y"), Reply::simple("NOKEY"));
        assert_eq!(
            h.run("MIGRATE host 1 k 0 100 KEYS a"),
            err("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
        );
        assert_eq!(h.run("MIGRATE host 1 k 0 100 BOGUS"), err("ERR syntax error"));
        assert_eq!(h.run("MIGRATE host 1 k 0 100 AUTH"), err("ERR syntax error"));
        assert_eq!(h.run("MIGRATE host 1 k 0 100 AUTH2 u"), err("ERR syntax error"));
        assert_eq!(h.run("MIGRATE host 1 k x 100"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("MIGRATE host 1 k 0 x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("MIGRATE host 1 k 0"), err("ERR wrong number of arguments for 'migrate' command"));
    }
}

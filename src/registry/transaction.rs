//! TRANSACTIONS: the dispatcher's side of `MULTI`: requests queued instead
//! of run, and refusals that abort the transaction (Redis's
//! `flagTransaction`). `EXEC` runs the queue through a [`super::Batch`].

use super::{Context, Entry, Flag};
use crate::protocol::parse::Argv;
use crate::protocol::{Reply, ReplyError};
use crate::session::Session;
use crate::state::ServerState;

/// A `no_multi` command (`SAVE`, `SHUTDOWN`) sent after `MULTI`.
pub(super) const NOT_IN_MULTI: ReplyError =
    ReplyError::from_static("ERR Command not allowed inside a transaction");

/// Whether `entry` is queued after `MULTI` (all but the commands that
/// steer the transaction or the connection).
pub(super) fn queues(entry: &Entry) -> bool {
    !matches!(entry.meta.name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

/// Whether `maxmemory` refuses `entry` for the transaction's sake: over the
/// limit, nothing more is queued, and `EXEC` of a `denyoom` command is
/// refused (a read-only `EXEC` runs), as in Redis.
pub(super) fn denied_over_memory(ctx: &Context<'_>, entry: &Entry) -> bool {
    let Some(transaction) = &ctx.client.multi else { return false };
    match entry.meta.name {
        "exec" => transaction.flags & Flag::DenyOom.bit() != 0,
        "discard" | "quit" | "reset" => false,
        _ => true,
    }
}

/// Queues the request; `flags`: its command's and subcommand's.
pub(super) fn queue(ctx: &mut Context<'_>, argv: Argv<'_>, flags: u32) -> Reply {
    if let Some(transaction) = ctx.client.multi.as_mut() {
        transaction.queue(argv.iter(), flags);
    }
    ctx.client.publish_multi();
    Reply::simple("QUEUED")
}

/// A request refused before it ran: inside `MULTI`, the transaction is
/// aborted (`EXEC` will answer `EXECABORT`); a refused `EXEC` itself ends
/// the transaction, saying why.
pub(super) fn refuse(
    ctx: &mut Context<'_>,
    argv: Argv<'_>,
    entry: Option<&Entry>,
    error: ReplyError,
) -> Reply {
    if entry.is_some_and(|e| e.meta.name == "exec") {
        end_transaction(ctx.server, ctx.client);
        // MONITOR saw MULTI: it sees the transaction end too, as in Redis.
        let metrics = &ctx.server.metrics;
        if metrics.monitor_count.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            let now_us = ctx.server.clock.now_us();
            metrics.feed_monitors(now_us, ctx.client.db, &ctx.client.handle.addr, argv.iter());
        }
        let reason = error.text().strip_prefix("ERR ").unwrap_or(error.text());
        return Reply::Error(ReplyError(
            format!("EXECABORT Transaction discarded because of: {reason}").into(),
        ));
    }
    if let Some(transaction) = ctx.client.multi.as_mut() {
        transaction.aborted = true;
    }
    Reply::Error(error)
}

/// Whether `MONITOR` shows `entry` after it ran rather than before: `EXEC`
/// follows the commands it ran.
pub(super) fn monitored_after(entry: &Entry) -> bool {
    entry.meta.name == "exec"
}

/// Ends the client's transaction, if any, and forgets its watches
/// (`EXEC`, `DISCARD`, a refused `EXEC`).
pub fn end_transaction(server: &ServerState, client: &mut Session) {
    if client.multi.take().is_some() {
        client.publish_multi();
    }
    server.watches.unwatch_all(client.id());
}

//! [`dispatch`]: one request from lookup to reply, with the checks Redis
//! makes before a command runs and the bookkeeping after it.

use std::cell::Cell;
use std::sync::atomic::Ordering;

use super::transaction::{self, refuse};
use super::{lookup, permissions, Args, Context, Entry, Flag};
use crate::protocol::parse::Argv;
use crate::protocol::{Reply, ReplyError};
use crate::store::effects::Deletion;

/// Runs one request and returns its reply: lookup, the generic arity checks,
/// then the handler. Never panics on client input. Every error reply is
/// counted for `INFO errorstats`.
pub fn dispatch(ctx: &mut Context<'_>, argv: Argv<'_>) -> Reply {
    let reply = dispatch_counted(ctx, argv);
    if let Reply::Error(e) = &reply {
        ctx.server.metrics.count_error(e.text());
    }
    reply
}

/// The table entry `name` finds, through a one-entry memo per thread of
/// the last short name looked up: a pipeline mostly repeats one command.
fn lookup_remembered(name: &[u8]) -> Option<&'static Entry> {
    thread_local! {
        static LAST: Cell<(u64, Option<&'static Entry>)> = const { Cell::new((0, None)) };
    }
    let Some(word) = short_name(name) else { return lookup(name) };
    if let (last_word, Some(entry)) = LAST.get() {
        if last_word == word {
            return Some(entry);
        }
    }
    let entry = lookup(name);
    LAST.set((word, entry));
    entry
}

/// A name of 1 to 7 bytes as one word (its bytes, its length in the top
/// byte); `None` for other lengths.
fn short_name(name: &[u8]) -> Option<u64> {
    if name.is_empty() || name.len() > 7 {
        return None;
    }
    let mut word = (name.len() as u64) << 56;
    for (i, &byte) in name.iter().enumerate() {
        word |= u64::from(byte) << (8 * i);
    }
    Some(word)
}

fn dispatch_counted(ctx: &mut Context<'_>, argv: Argv<'_>) -> Reply {
    let Some(entry) = lookup_remembered(argv.get(0)) else {
        return refuse(ctx, argv, None, unknown_command(argv));
    };
    let meta = &entry.meta;
    let mut slot = entry.stat_slot;
    if !Entry::arity_ok(meta.arity, argv.len()) {
        ctx.client.tally.reject(slot);
        return refuse(ctx, argv, Some(entry), ReplyError::wrong_arity(meta.name));
    }
    let mut name = meta.name;
    let mut sub = None;
    // The subcommand's flag bits (none without a subcommand).
    let mut sub_flags = 0;
    if !meta.subcommands.is_empty() && argv.len() >= 2 {
        let given = argv.get(1);
        let Some(index) = entry.subcommand_index(given) else {
            let error = ReplyError::err(format_args!(
                "unknown subcommand '{}'. Try {} HELP.",
                truncate(given, 128),
                meta.name.to_ascii_uppercase()
            ));
            return refuse(ctx, argv, Some(entry), error);
        };
        let full_name = &entry.sub_names[index];
        slot += 1 + index as u32;
        if !Entry::arity_ok(meta.subcommands[index].arity, argv.len()) {
            ctx.client.tally.reject(slot);
            return refuse(ctx, argv, Some(entry), ReplyError::wrong_arity(full_name));
        }
        name = full_name;
        sub = Some(index);
        sub_flags = entry.sub_flag_bits[index];
    }
    // Redis's order: authentication, then permissions, then memory. A
    // rejection counts in the command's `rejected_calls`.
    let flags = entry.flag_bits;
    if !ctx.client.authenticated && flags & Flag::NoAuth.bit() == 0 && ctx.server.auth_required() {
        ctx.client.tally.reject(slot);
        return refuse(ctx, argv, Some(entry), ReplyError::NOAUTH);
    }
    if ctx.client.multi.is_some() && (flags | sub_flags) & Flag::NoMulti.bit() != 0 {
        ctx.client.tally.reject(slot);
        return refuse(ctx, argv, Some(entry), transaction::NOT_IN_MULTI);
    }
    if !ctx.client.user.unrestricted() {
        if let Err(denied) = permissions::check(ctx, entry, sub, argv) {
            ctx.client.tally.reject(slot);
            return refuse(ctx, argv, Some(entry), denied);
        }
    }
    // A script of another connection runs: wait for it, or past
    // `busy-reply-threshold` answer BUSY (before any shard lock is taken).
    // Scripts themselves wait for the engine (`scripting::Engine::lock_or_busy`).
    if (flags | sub_flags) & Flag::AllowBusy.bit() == 0
        && !crate::state::scripts::waits_for_the_engine(meta.name)
        && ctx.server.scripts.run.wait_or_busy(ctx.client.handle.id)
    {
        return Reply::Error(ReplyError::from(crate::state::scripts::BUSY));
    }
    ctx.command = name;
    // The shards of the command's (or subcommand's) keys, key counts
    // included, are locked together, on first use; keyless commands (and a
    // malformed key count) lock every shard.
    let keys = if sub.is_none() && meta.keyword_keys.is_empty() {
        meta.keys
    } else {
        entry.keys(sub, (argv.len() > 1).then(|| argv.get(1)))
    };
    if sub.is_none() && entry.meta.key_specs.iter().any(|spec| spec.is_searched()) {
        let positions = entry.key_positions(sub, argv);
        if !positions.is_empty() {
            ctx.keyspace.want_keys(positions.into_iter().map(|i| argv.get(i)));
        }
    } else if keys.step > 0 {
        ctx.keyspace.want_keys(keys.positions(argv.len()).map(|i| argv.get(i)));
    }
    // One comparison when there is no limit. A batch's commands were
    // checked as one, before it took every shard.
    let maxmemory = ctx.server.config.maxmemory();
    if maxmemory != 0
        && !ctx.nested
        && !within_memory_limit(ctx, maxmemory)
        && ((flags | sub_flags) & Flag::DenyOom.bit() != 0 || transaction::denied_over_memory(ctx, entry))
    {
        ctx.client.tally.reject(slot);
        return refuse(ctx, argv, Some(entry), ReplyError::OOM);
    }
    // PUBSUB: a RESP2 client in subscribed mode runs only these.
    if ctx.client.subscriptions.any() && ctx.client.protocol == 2 && !SUBSCRIBED_MODE.contains(&meta.name) {
        let error = ReplyError::err(format_args!(
            "Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        ));
        return refuse(ctx, argv, Some(entry), error);
    }
    // TRANSACTIONS: after MULTI, requests are queued (one check outside one).
    if ctx.client.multi.is_some() && transaction::queues(entry) {
        return transaction::queue(ctx, argv, flags | sub_flags);
    }
    let metrics = &ctx.server.metrics;
    let monitored =
        metrics.monitor_count.load(Ordering::Relaxed) != 0 && (flags | sub_flags) & Flag::Admin.bit() == 0;
    // EXEC is shown after the commands it ran, as Redis does.
    let monitored_after = monitored && transaction::monitored_after(entry);
    if monitored && !monitored_after {
        let now_us = ctx.server.clock.now_us();
        metrics.feed_monitors(now_us, ctx.client.db, monitor_source(ctx), argv.iter());
    }
    let started = crate::stopwatch::now();
    let mut args = Args::new(argv);
    // A container's write subcommand (`XGROUP CREATE`) counts as a write.
    let write = (flags | sub_flags) & Flag::Write.bit() != 0;
    let keys_before = super::key_events::before(ctx, entry, sub, argv, flags | sub_flags);
    // MIGRATE's second run, after the transfer, is the same call.
    let finishes_migration = ctx.client.migration.as_ref().is_some_and(|m| m.outcome.is_some());
    let result = entry.command.execute(ctx, &mut args);
    ctx.keyspace.forget_route();
    if let Some(keys) = keys_before {
        super::key_events::after(ctx, argv, keys);
    }
    let usec = started.elapsed_us();
    if ctx.client.rerun {
        ctx.client.tally.rerun(slot, usec);
    } else if finishes_migration {
        ctx.client.tally.rerun(slot, usec);
        if result.is_err() {
            ctx.client.tally.fail_last();
        }
    } else {
        ctx.client.tally.call(slot, usec, result.is_err());
    }
    if monitored_after {
        let (metrics, now_us) = (&ctx.server.metrics, ctx.server.clock.now_us());
        metrics.feed_monitors(now_us, ctx.client.db, monitor_source(ctx), argv.iter());
    }
    after_call(ctx, argv, usec, flags | sub_flags);
    let reply = match result {
        Ok(reply) => {
            if write {
                ctx.server.note_write();
            }
            reply
        }
        Err(err) => Reply::Error(err),
    };
    ctx.hand_on_effects(write, argv, &reply);
    reply
}

/// The commands a RESP2 client in subscribed mode may run.
const SUBSCRIBED_MODE: &[&str] = &[
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
    "ping",
    "quit",
    "reset",
];

/// The slow log and the latency monitor: one load each while they are off.
/// `flags`: the command's and the subcommand's [`Flag::bit`]s.
fn after_call(ctx: &mut Context<'_>, argv: Argv<'_>, usec: u64, flags: u32) {
    let metrics = &ctx.server.metrics;
    let slower_than = metrics.slowlog_threshold.load(Ordering::Relaxed);
    if slower_than >= 0 && usec >= slower_than as u64 && flags & Flag::SkipSlowlog.bit() == 0 {
        metrics.log_slow(crate::metrics::SlowEntry {
            id: 0,
            time_secs: ctx.now_ms() / 1000,
            usec,
            argv: crate::metrics::slowlog_argv((0..argv.len()).map(|i| argv.get(i))),
            addr: ctx.client.handle.addr.clone(),
            name: ctx.client.handle.name(),
        });
    }
    let threshold_ms = metrics.latency_threshold.load(Ordering::Relaxed);
    if threshold_ms != 0 && usec / 1000 >= threshold_ms {
        let event = if flags & Flag::Fast.bit() != 0 { "fast-command" } else { "command" };
        metrics.latency_sample(event, ctx.server.clock.now_ms() / 1000, usec / 1000);
    }
}

/// Redis's `performEvictions` before a command: evicts by the policy while
/// the memory in use is above `maxmemory`; false when it stays above.
fn within_memory_limit(ctx: &mut Context<'_>, maxmemory: u64) -> bool {
    let server = ctx.server;
    let over = || server.used_memory() as u64 > maxmemory;
    if !over() {
        return true;
    }
    let (now, aof) = (ctx.now_ms(), ctx.aof.then_some(&ctx.server.persist.aof));
    let effects = ctx.keyspace.effects_mut();
    ctx.server.store.perform_evictions(now, over, |db, key| {
        effects.deleted(db, key, Deletion::Evicted);
        if let Some(aof) = aof {
            crate::persist::log_eviction(aof, db, key);
        }
    })
}

/// At most `max` bytes of `bytes`, ending at a NUL as C's `%.*s` does.
fn truncate(bytes: &[u8], max: usize) -> String {
    let bytes = bytes.split(|&b| b == 0).next().unwrap_or_default();
    String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned()
}

/// Redis's text: `ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
fn unknown_command(argv: Argv<'_>) -> ReplyError {
    let mut args = String::new();
    for arg in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push_str(&format!("'{}' ", truncate(arg, room)));
    }
    ReplyError::err(format_args!(
        "unknown command '{}', with args beginning with: {args}",
        truncate(argv.get(0), 128)
    ))
}

/// Who MONITOR says sent a command: the client's address, or `lua` for a script's call.
fn monitor_source<'c>(ctx: &'c Context<'_>) -> &'c str {
    if ctx.client.in_script {
        "lua"
    } else {
        &ctx.client.handle.addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remembered_lookup_finds_what_the_table_finds() {
        let names: [&[u8]; 9] =
            [b"get", b"GET", b"get", b"ge", b"gett", b"hincrbyfloat", b"set", b"", b"get\0"];
        for name in names.iter().chain(names.iter().rev()) {
            let remembered = lookup_remembered(name).map(|e| e.meta.name);
            assert_eq!(remembered, lookup(name).map(|e| e.meta.name), "{name:?}");
        }
        assert_ne!(short_name(b"ab"), short_name(b"ab\0"));
        assert_eq!(short_name(b"eightchr"), None);
    }
}

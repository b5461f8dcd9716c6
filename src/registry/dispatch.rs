//! [`dispatch`]: one request from lookup to reply, with the checks Redis
//! makes before a command runs and the bookkeeping after it.

use std::sync::atomic::Ordering;

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

fn dispatch_counted(ctx: &mut Context<'_>, argv: Argv<'_>) -> Reply {
    let Some(entry) = lookup(argv.get(0)) else {
        return Reply::Error(unknown_command(argv));
    };
    let meta = &entry.meta;
    let mut slot = entry.stat_slot;
    if !Entry::arity_ok(meta.arity, argv.len()) {
        ctx.client.tally.reject(slot);
        return Reply::Error(ReplyError::wrong_arity(meta.name));
    }
    let mut name = meta.name;
    let mut sub = None;
    // The subcommand's flag bits (none without a subcommand).
    let mut sub_flags = 0;
    if !meta.subcommands.is_empty() && argv.len() >= 2 {
        let given = argv.get(1);
        let Some(index) = entry.subcommand_index(given) else {
            return Reply::Error(ReplyError::err(format_args!(
                "unknown subcommand '{}'. Try {} HELP.",
                truncate(given, 128),
                meta.name.to_ascii_uppercase()
            )));
        };
        let full_name = &entry.sub_names[index];
        slot += 1 + index as u32;
        if !Entry::arity_ok(meta.subcommands[index].arity, argv.len()) {
            ctx.client.tally.reject(slot);
            return Reply::Error(ReplyError::wrong_arity(full_name));
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
        return Reply::Error(ReplyError::NOAUTH);
    }
    if !ctx.client.user.unrestricted() {
        if let Err(denied) = permissions::check(ctx, entry, sub, argv) {
            ctx.client.tally.reject(slot);
            return Reply::Error(denied);
        }
    }
    ctx.command = name;
    // The shards of the command's (or subcommand's) keys, key counts
    // included, are locked together, on first use; keyless commands (and a
    // malformed key count) lock every shard.
    let keys = entry.keys(sub, (argv.len() > 1).then(|| argv.get(1)));
    if sub.is_none() && entry.meta.key_specs.iter().any(|spec| spec.searches()) {
        let positions = entry.key_positions(sub, argv);
        if !positions.is_empty() {
            ctx.keyspace.want_keys(positions.into_iter().map(|i| argv.get(i)));
        }
    } else if keys.step > 0 {
        ctx.keyspace.want_keys(keys.positions(argv.len()).map(|i| argv.get(i)));
    }
    // One comparison when there is no limit.
    let maxmemory = ctx.server.config.maxmemory();
    if maxmemory != 0
        && !within_memory_limit(ctx, maxmemory)
        && (flags | sub_flags) & Flag::DenyOom.bit() != 0
    {
        ctx.client.tally.reject(slot);
        return Reply::Error(ReplyError::OOM);
    }
    let metrics = &ctx.server.metrics;
    if metrics.monitor_count.load(Ordering::Relaxed) != 0 && (flags | sub_flags) & Flag::Admin.bit() == 0 {
        let now_us = ctx.server.clock.now_us();
        metrics.feed_monitors(now_us, ctx.client.db, &ctx.client.handle.addr, argv.iter());
    }
    let started = crate::metrics::monotonic_ns();
    let mut args = Args::new(argv);
    // A container's write subcommand (`XGROUP CREATE`) counts as a write.
    let write = (flags | sub_flags) & Flag::Write.bit() != 0;
    let result = entry.command.execute(ctx, &mut args);
    let usec = crate::metrics::monotonic_ns().wrapping_sub(started) / 1000;
    ctx.client.tally.call(slot, usec, result.is_err());
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

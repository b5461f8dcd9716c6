//! `XREAD` and `XREADGROUP`: options, serving, blocking, and the logged
//! form of a group read (an `XCLAIM` per delivered entry, then the
//! group's `XGROUP SETID`, as Redis propagates them).

use crate::command_logic::lists::block;
use crate::command_logic::streams::{entry_reply, id_reply, parse_strict_id};
use crate::prelude::*;
use crate::session::Wake;
use crate::store::stream::{Group, Stream, StreamId};

/// A read's options, as Redis parses them.
struct ReadArgs<'a> {
    count: usize,
    /// Deadline (`None`: forever), when `BLOCK` was given.
    block: Option<Option<u64>>,
    group: Option<(&'a [u8], &'a [u8])>,
    noack: bool,
    keys: Vec<&'a [u8]>,
    ids: Vec<&'a [u8]>,
    /// Argument index of the first ID.
    ids_at: usize,
}

fn parse<'a>(ctx: &Context<'_>, args: &mut Args<'a>, group_read: bool) -> Result<ReadArgs<'a>, ReplyError> {
    let argv = args.argv();
    let mut read =
        ReadArgs { count: 0, block: None, group: None, noack: false, keys: vec![], ids: vec![], ids_at: 0 };
    let mut streams_at = None;
    let mut i = 1;
    while i < argv.len() {
        let option = argv.get(i);
        let more = argv.len() - i - 1;
        let is = |name: &str| option.eq_ignore_ascii_case(name.as_bytes());
        if is("BLOCK") && more > 0 {
            i += 1;
            let ms = crate::protocol::parse::parse_i64(argv.get(i))
                .ok_or(ReplyError::from_static("ERR timeout is not an integer or out of range"))?;
            if ms < 0 {
                return Err(ReplyError::from_static("ERR timeout is negative"));
            }
            read.block = Some((ms > 0).then(|| ctx.now_ms().saturating_add(ms as u64)));
        } else if is("COUNT") && more > 0 {
            i += 1;
            let count = crate::protocol::parse::parse_i64(argv.get(i)).ok_or(ReplyError::NOT_INTEGER)?;
            read.count = count.max(0) as usize;
        } else if is("STREAMS") && more > 0 {
            let given = argv.len() - i - 1;
            if !given.is_multiple_of(2) {
                // Redis 7.0 says XREAD and '$' for XREADGROUP too.
                return Err(ReplyError::from_static(
                    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            streams_at = Some(i + 1);
            break;
        } else if is("GROUP") && more >= 2 {
            if !group_read {
                return Err(ReplyError::from_static(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            read.group = Some((argv.get(i + 1), argv.get(i + 2)));
            i += 2;
        } else if is("NOACK") {
            if !group_read {
                return Err(ReplyError::from_static(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            read.noack = true;
        } else {
            return Err(ReplyError::SYNTAX);
        }
        i += 1;
    }
    let streams_at = streams_at.ok_or(ReplyError::SYNTAX)?;
    if group_read && read.group.is_none() {
        return Err(ReplyError::from_static("ERR Missing GROUP option for XREADGROUP"));
    }
    let half = (argv.len() - streams_at) / 2;
    read.keys = (streams_at..streams_at + half).map(|i| argv.get(i)).collect();
    read.ids_at = streams_at + half;
    read.ids = (read.ids_at..argv.len()).map(|i| argv.get(i)).collect();
    Ok(read)
}

/// What a key's ID asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    /// Entries above this ID.
    Id(StreamId),
    /// `>`: entries the group has not delivered.
    New,
}

/// One stream's part of the reply: `[key, entries]`.
fn stream_part(key: &[u8], entries: Vec<Reply>) -> (Reply, Reply) {
    (Reply::Bulk(key.to_vec()), Reply::Array(entries))
}

/// The whole reply: an array of `[key, entries]` (a map in RESP3).
fn reply_of(ctx: &Context<'_>, parts: Vec<(Reply, Reply)>) -> Reply {
    if ctx.resp3() {
        Reply::Map(parts)
    } else {
        Reply::Array(parts.into_iter().map(|(k, v)| Reply::Array(vec![k, v])).collect())
    }
}

/// `XREAD [COUNT n] [BLOCK ms] STREAMS key... id...`.
pub fn xread(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let read = parse(ctx, args, false)?;
    // A re-run of a blocked read: a key that is not a stream (now) is not ready.
    let rerun = read.block.is_some() && ctx.client.handle.is_blocked();
    let mut afters = Vec::with_capacity(read.keys.len());
    for (&key, &id) in read.keys.iter().zip(&read.ids) {
        let stream = match ctx.db().get_typed::<Stream>(key) {
            Err(_) if rerun => None,
            other => other?,
        };
        afters.push(match id {
            b"$" => stream.map_or(StreamId::MIN, |s| s.last_id),
            b">" => {
                return Err(ReplyError::from_static(
                    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                ))
            }
            id => parse_strict_id(id)?,
        });
    }
    // Woken by a write, Redis serves the reader from that stream alone.
    let woken_by = ctx.client.woken_by.clone().filter(|_| rerun);
    let mut parts = Vec::new();
    for (&key, &after) in read.keys.iter().zip(&afters) {
        if woken_by.as_ref().is_some_and(|k| k.as_slice() != key) {
            continue;
        }
        let Ok(Some(stream)) = ctx.db().get_typed::<Stream>(key) else { continue };
        let Some(last) = stream.last_live_id() else { continue };
        if last <= after {
            continue;
        }
        let Some(start) = after.next() else { continue };
        let limit = if read.count == 0 { usize::MAX } else { read.count };
        let entries =
            stream.range(start, StreamId::MAX, false).take(limit).map(|e| entry_reply(&e)).collect();
        parts.push(stream_part(key, entries));
    }
    if !parts.is_empty() {
        return Ok(reply_of(ctx, parts));
    }
    let Some(deadline) = read.block else { return Ok(Reply::NullArray) };
    // Re-run with the IDs resolved (`$` meant the last ID at this moment).
    let argv = args.argv();
    let mut again: Vec<Vec<u8>> = argv.iter().map(<[u8]>::to_vec).collect();
    for (i, after) in afters.iter().enumerate() {
        again[read.ids_at + i] = after.to_bytes();
    }
    // `block` may answer at once (where a client cannot block).
    let reply = block(ctx, &read.keys, deadline, Reply::NullArray)?;
    if let Some(request) = ctx.client.blocked.as_mut() {
        request.wake = Wake::Every;
        request.rerun = Some(again);
    }
    Ok(reply)
}

fn no_group(key: &[u8], group: &[u8]) -> ReplyError {
    ReplyError(
        format!(
            "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(group)
        )
        .into(),
    )
}

/// `XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...`.
pub fn xreadgroup(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let read = parse(ctx, args, true)?;
    let (group_name, consumer) = read.group.expect("checked by parse");
    let rerun = read.block.is_some() && ctx.client.handle.is_blocked();
    let mut afters = Vec::with_capacity(read.keys.len());
    for (&key, &id) in read.keys.iter().zip(&read.ids) {
        let found = match ctx.db().get_typed::<Stream>(key) {
            Err(_) | Ok(None) if rerun => {
                return Err(ReplyError::from_static("UNBLOCKED the stream key no longer exists"))
            }
            other => other?,
        };
        if !found.is_some_and(|s| s.groups.contains_key(group_name)) {
            if rerun {
                return Err(ReplyError::from_static(
                    "NOGROUP the consumer group this client was blocked on no longer exists",
                ));
            }
            return Err(no_group(key, group_name));
        }
        afters.push(match id {
            b"$" => {
                return Err(ReplyError::from_static(
                    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
                ))
            }
            b">" => After::New,
            id => After::Id(parse_strict_id(id)?),
        });
    }
    let now = ctx.now_ms();
    let mut parts = Vec::new();
    let mut logged: Vec<Vec<Vec<u8>>> = Vec::new();
    for (&key, &after) in read.keys.iter().zip(&afters) {
        let stream = ctx.db().get_typed::<Stream>(key)?.expect("checked above");
        let group = &stream.groups[group_name];
        let ready = match after {
            After::Id(_) => true,
            After::New => stream.last_live_id().is_some_and(|id| id > group.last_id),
        };
        if !ready {
            continue;
        }
        let new_consumer = !group.consumers.contains_key(consumer);
        let stream = ctx.db().get_typed_mut::<Stream>(key)?.expect("checked above");
        let entries = match after {
            After::Id(id) => history(stream, group_name, consumer, id, read.count, now),
            After::New => {
                deliver(stream, (key, group_name, consumer), read.count, read.noack, now, &mut logged)
            }
        };
        if new_consumer {
            ctx.notify(EventClass::Stream, "xgroup-createconsumer", key);
        }
        parts.push(stream_part(key, entries));
    }
    if logged.is_empty() {
        ctx.propagate_none();
    }
    for record in &logged {
        ctx.propagate_as(&record.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }
    if !parts.is_empty() {
        return Ok(reply_of(ctx, parts));
    }
    let Some(deadline) = read.block else { return Ok(Reply::NullArray) };
    let reply = block(ctx, &read.keys, deadline, Reply::NullArray)?;
    if let Some(request) = ctx.client.blocked.as_mut() {
        request.wake = Wake::FirstThenNext;
    }
    Ok(reply)
}

/// The consumer's pending entries above `after` (a deleted one as `[id, nil]`),
/// each counted as delivered again.
fn history(
    stream: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    after: StreamId,
    count: usize,
    now: u64,
) -> Vec<Reply> {
    let (name, mut taken) = stream.groups.remove_entry(group).expect("checked by the caller");
    let target = taken.consumer(consumer, now).0;
    target.seen_time = now;
    let limit = if count == 0 { usize::MAX } else { count };
    let ids: Vec<StreamId> = match after.next() {
        Some(start) => target.pending.range(start..).take(limit).copied().collect(),
        None => vec![],
    };
    let mut entries = Vec::with_capacity(ids.len());
    for id in ids {
        match stream.get(id) {
            Some(entry) => {
                entries.push(entry_reply(&entry));
                if let Some(pending) = taken.pel.get_mut(&id) {
                    pending.delivery_time = now;
                    pending.delivery_count += 1;
                }
            }
            None => entries.push(Reply::Array(vec![id_reply(id), Reply::NullArray])),
        }
    }
    stream.groups.insert(name, taken);
    entries
}

/// New entries for the group: delivered to `consumer` (pending unless
/// `noack`), the group moved past them, and the records that log it.
fn deliver(
    stream: &mut Stream,
    (key, group, consumer): (&[u8], &[u8], &[u8]),
    count: usize,
    noack: bool,
    now: u64,
    logged: &mut Vec<Vec<Vec<u8>>>,
) -> Vec<Reply> {
    let (name, mut taken): (Vec<u8>, Group) =
        stream.groups.remove_entry(group).expect("checked by the caller");
    taken.consumer(consumer, now).0.seen_time = now;
    let limit = if count == 0 { usize::MAX } else { count };
    let mut entries = Vec::new();
    let start = taken.last_id.next();
    let found: Vec<(StreamId, Reply)> = match start {
        Some(start) => {
            stream.range(start, StreamId::MAX, false).take(limit).map(|e| (e.id, entry_reply(&e))).collect()
        }
        None => vec![],
    };
    let moved = !found.is_empty();
    for (id, reply) in found {
        stream.advance_group(&mut taken, id);
        if !noack {
            taken.deliver(id, consumer, now);
            logged.push(claim_record(key, group, consumer, id, now, 1, taken.last_id));
        }
        entries.push(reply);
    }
    if moved {
        logged.push(setid_record(key, group, &taken));
    }
    stream.groups.insert(name, taken);
    entries
}

/// `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last`.
pub fn claim_record(
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    id: StreamId,
    time: u64,
    count: u64,
    last: StreamId,
) -> Vec<Vec<u8>> {
    [
        &b"XCLAIM"[..],
        key,
        group,
        consumer,
        b"0",
        &id.to_bytes(),
        b"TIME",
        time.to_string().as_bytes(),
        b"RETRYCOUNT",
        count.to_string().as_bytes(),
        b"FORCE",
        b"JUSTID",
        b"LASTID",
        &last.to_bytes(),
    ]
    .iter()
    .map(|a| a.to_vec())
    .collect()
}

/// `XGROUP SETID key group last ENTRIESREAD n`.
pub fn setid_record(key: &[u8], group_name: &[u8], group: &Group) -> Vec<Vec<u8>> {
    let read = group.entries_read.map_or("-1".to_string(), |n| n.to_string());
    [&b"XGROUP"[..], b"SETID", key, group_name, &group.last_id.to_bytes(), b"ENTRIESREAD", read.as_bytes()]
        .iter()
        .map(|a| a.to_vec())
        .collect()
}

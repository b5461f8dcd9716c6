//! Consumer-group logic the group commands share: finding the group with
//! Redis's errors, claiming pending entries (`XCLAIM`, `XAUTOCLAIM`) and
//! their logged form.

use crate::command_logic::streams::{entry_reply, id_reply};
use crate::command_logic::streams_read::claim_record;
use crate::prelude::*;
use crate::store::stream::{Group, Stream, StreamId};

/// `NOGROUP No such key 'k' or consumer group 'g'` (`XPENDING`, `XCLAIM`, `XAUTOCLAIM`).
pub fn no_key_or_group(key: &[u8], group: &[u8]) -> ReplyError {
    ReplyError(
        format!(
            "NOGROUP No such key '{}' or consumer group '{}'",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(group)
        )
        .into(),
    )
}

/// `NOGROUP No such consumer group 'g' for key name 'k'` (`XGROUP`, `XINFO`).
pub fn no_group_for_key(key: &[u8], group: &[u8]) -> ReplyError {
    ReplyError(
        format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(group),
            String::from_utf8_lossy(key)
        )
        .into(),
    )
}

/// The stream at `key` holding `group`, for changing; `NOGROUP No such key … or consumer group …` otherwise.
pub fn stream_with_group<'c>(
    ctx: &'c mut Context<'_>,
    key: &[u8],
    group: &[u8],
) -> Result<&'c mut Stream, ReplyError> {
    let found = ctx.db().get_typed::<Stream>(key)?.is_some_and(|s| s.groups.contains_key(group));
    if !found {
        return Err(no_key_or_group(key, group));
    }
    Ok(ctx.db().get_typed_mut::<Stream>(key)?.expect("checked above"))
}

/// Runs `f` with group `name` taken out of `stream` (so both can change), then puts it back.
pub fn with_group<R>(stream: &mut Stream, name: &[u8], f: impl FnOnce(&mut Stream, &mut Group) -> R) -> R {
    let (name, mut group) = stream.groups.remove_entry(name).expect("the caller checked the group");
    let result = f(stream, &mut group);
    stream.groups.insert(name, group);
    result
}

/// How a claim sets the entry's counters.
pub struct ClaimSettings<'a> {
    pub key: &'a [u8],
    pub group: &'a [u8],
    pub consumer: &'a [u8],
    pub delivery_time: u64,
    /// `RETRYCOUNT`: the count to set; else incremented unless `justid`.
    pub retry_count: Option<u64>,
    pub justid: bool,
    pub now: u64,
}

/// What claiming one ID did.
pub enum Claimed {
    /// Not pending (and not forced), or not idle enough.
    Skipped,
    /// The entry is gone: its pending record was dropped.
    Deleted,
    /// The reply for it (the entry, or its ID with `JUSTID`).
    Reply(Reply),
}

/// Claims `id` for the consumer: Redis's `XCLAIM`/`XAUTOCLAIM` step. The
/// logged `XCLAIM` goes to `logged`.
pub fn claim_one(
    stream: &Stream,
    group: &mut Group,
    id: StreamId,
    (min_idle, force): (u64, bool),
    settings: &ClaimSettings<'_>,
    logged: &mut Vec<Vec<Vec<u8>>>,
) -> Claimed {
    let entry = stream.get(id);
    let Some(entry) = entry else {
        if let Some(pending) = group.pel.get(&id) {
            let owner = pending.consumer.clone();
            let record = claim_record(
                settings.key,
                settings.group,
                &owner,
                id,
                pending.delivery_time,
                pending.delivery_count,
                group.last_id,
            );
            logged.push(record);
            group.ack(id);
            return Claimed::Deleted;
        }
        return Claimed::Skipped;
    };
    let forced = force && !group.pel.contains_key(&id);
    if forced {
        group.pel.insert(
            id,
            crate::store::stream::Pending {
                consumer: Vec::new(),
                delivery_time: settings.now,
                delivery_count: 1,
            },
        );
    }
    let Some(pending) = group.pel.get(&id) else { return Claimed::Skipped };
    if !forced && min_idle > 0 && settings.now.saturating_sub(pending.delivery_time) < min_idle {
        return Claimed::Skipped;
    }
    let target = group.consumer(settings.consumer, settings.now).0;
    target.seen_time = settings.now;
    group.transfer(id, settings.consumer);
    let pending = group.pel.get_mut(&id).expect("present");
    pending.delivery_time = settings.delivery_time;
    match settings.retry_count {
        Some(count) => pending.delivery_count = count,
        None if !settings.justid => pending.delivery_count += 1,
        None => {}
    }
    let (time, count) = (pending.delivery_time, pending.delivery_count);
    logged.push(claim_record(
        settings.key,
        settings.group,
        settings.consumer,
        id,
        time,
        count,
        group.last_id,
    ));
    Claimed::Reply(if settings.justid { id_reply(id) } else { entry_reply(&entry) })
}

/// Logs `records`, or nothing when there are none.
pub fn propagate_records(ctx: &mut Context<'_>, records: &[Vec<Vec<u8>>]) {
    if records.is_empty() {
        ctx.propagate_none();
    }
    for record in records {
        ctx.propagate_as(&record.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }
}

/// A map reply (a flat array in RESP2) from `(name, value)` pairs.
pub fn info_map(pairs: Vec<(&'static str, Reply)>) -> Reply {
    Reply::Map(pairs.into_iter().map(|(name, value)| (Reply::bulk(name), value)).collect())
}

/// A count, or the lag/entries-read `None` as a null.
pub fn int_or_null(value: Option<i64>) -> Reply {
    value.map_or(Reply::Null, Reply::Integer)
}

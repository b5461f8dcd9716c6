//! XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]

use crate::command_logic::streams::{id_reply, parse_bound};
use crate::command_logic::streams_groups::{
    claim_one, propagate_records, stream_with_group, with_group, ClaimSettings, Claimed,
};
use crate::prelude::*;
use crate::store::StreamId;

/// `XAUTOCLAIM`: Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.
pub struct Xautoclaim;

/// Entries examined per entry asked for (Redis's `attempts_factor`).
const ATTEMPTS_FACTOR: u64 = 10;

impl Command for Xautoclaim {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xautoclaim",
            arity: -6,
            flags: &[Flag::Write, Flag::Fast],
            group: "stream",
            summary: "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
            since: "6.2.0",
            complexity: "O(1) if COUNT is small.",
            keys: Keys::ONE,
            key_specs: &[KeySpec {
                keys: Keys::ONE,
                flags: &["RW", "delete"],
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, group, consumer) = (args.next()?, args.next()?, args.next()?);
        let (min_idle_arg, start_arg) = (args.next()?, args.next()?);
        stream_with_group(ctx, key, group)?;
        let min_idle = crate::protocol::parse::parse_i64(min_idle_arg)
            .ok_or(ReplyError::from_static("ERR Invalid min-idle-time argument for XAUTOCLAIM"))?
            .max(0) as u64;
        let start = parse_bound(start_arg, true)?;
        let (mut count, mut justid) = (100u64, false);
        while let Some(option) = args.peek() {
            if option.eq_ignore_ascii_case(b"COUNT") && args.remaining() > 1 {
                args.next()?;
                let max = i64::MAX / 16;
                count = crate::protocol::parse::parse_i64(args.next()?)
                    .filter(|n| (1..=max).contains(n))
                    .ok_or(ReplyError::from_static("ERR COUNT must be > 0"))? as u64;
            } else if option.eq_ignore_ascii_case(b"JUSTID") {
                args.next()?;
                justid = true;
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        let now = ctx.now_ms();
        let settings =
            ClaimSettings { key, group, consumer, delivery_time: now, retry_count: None, justid, now };
        let stream = stream_with_group(ctx, key, group)?;
        let mut logged = Vec::new();
        let ((replies, deleted, cursor), new_consumer) = with_group(stream, group, |stream, target| {
            let known = target.consumers.contains_key(consumer);
            let mut attempts = count.saturating_mul(ATTEMPTS_FACTOR);
            let candidates: Vec<StreamId> = target
                .pel
                .range(start..)
                .map(|(id, _)| *id)
                .take(attempts.saturating_add(1) as usize)
                .collect();
            let (mut replies, mut deleted, mut at) = (Vec::new(), Vec::new(), 0);
            while attempts > 0 && count > 0 && at < candidates.len() {
                attempts -= 1;
                let id = candidates[at];
                at += 1;
                match claim_one(stream, target, id, (min_idle, false), &settings, &mut logged) {
                    Claimed::Reply(reply) => {
                        replies.push(reply);
                        count -= 1;
                    }
                    Claimed::Deleted => {
                        deleted.push(id_reply(id));
                        count -= 1;
                    }
                    Claimed::Skipped => {}
                }
            }
            let new_consumer = !known && target.consumers.contains_key(consumer);
            ((replies, deleted, candidates.get(at).copied().unwrap_or(StreamId::MIN)), new_consumer)
        });
        if new_consumer {
            ctx.notify(EventClass::Stream, "xgroup-createconsumer", key);
        }
        propagate_records(ctx, &logged);
        Ok(Reply::Array(vec![id_reply(cursor), Reply::Array(replies), Reply::Array(deleted)]))
    }
}

inventory::submit! { Registration::new(&Xautoclaim, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::*;
    use crate::testing::*;

    #[test]
    fn claims_in_pages_and_reports_deleted_entries() {
        let mut h = Harness::new();
        for i in 1..=4 {
            h.run(&format!("XADD s {i} f {i}"));
        }
        h.run("XGROUP CREATE s g 0");
        h.run("XREADGROUP GROUP g alice STREAMS s >");
        h.advance_ms(10);
        h.run("XDEL s 2");
        assert_eq!(
            h.run("XAUTOCLAIM s g bob 5 - COUNT 2"),
            nested(vec![bulk("3-0"), nested(vec![entry("1-0", &["f", "1"])]), array(&["2-0"])])
        );
        assert_eq!(
            h.run("XAUTOCLAIM s g bob 5 3 JUSTID"),
            nested(vec![bulk("0-0"), array(&["3-0", "4-0"]), array(&[])])
        );
        assert_eq!(
            h.run("XAUTOCLAIM s g carol 5 0"),
            nested(vec![bulk("0-0"), array(&[]), array(&[])]),
            "just claimed: not idle"
        );
        assert_eq!(
            h.run("XPENDING s g"),
            nested(vec![int(3), bulk("1-0"), bulk("4-0"), nested(vec![array(&["bob", "3"])])])
        );
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XGROUP CREATE s g $ MKSTREAM");
        assert_eq!(h.run("XAUTOCLAIM s g c 0 0 COUNT 0"), err("ERR COUNT must be > 0"));
        assert_eq!(h.run("XAUTOCLAIM s g c x 0"), err("ERR Invalid min-idle-time argument for XAUTOCLAIM"));
        assert_eq!(h.run("XAUTOCLAIM s g c 0 0 foo"), err("ERR syntax error"));
        assert_eq!(h.run("XAUTOCLAIM s nog c 0 0"), err("NOGROUP No such key 's' or consumer group 'nog'"));
        assert_eq!(
            h.run("XAUTOCLAIM s g c 0 x"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
    }
}

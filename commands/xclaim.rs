//! XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]

use crate::command_logic::streams::parse_strict_id;
use crate::command_logic::streams_groups::{
    claim_one, propagate_records, stream_with_group, with_group, ClaimSettings, Claimed,
};
use crate::command_logic::streams_read::setid_record;
use crate::prelude::*;
use crate::store::StreamId;

/// `XCLAIM`: Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.
pub struct Xclaim;

fn option_int(arg: &[u8], option: &'static str) -> Result<i64, ReplyError> {
    crate::protocol::parse::parse_i64(arg)
        .ok_or_else(|| ReplyError::err(format!("Invalid {option} option argument for XCLAIM")))
}

impl Command for Xclaim {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xclaim",
            arity: -6,
            flags: &[Flag::Write, Flag::Fast],
            group: "stream",
            summary: "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
            since: "5.0.0",
            complexity: "O(log N) with N being the number of messages in the PEL of the consumer group.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, group, consumer) = (args.next()?, args.next()?, args.next()?);
        let min_idle_arg = args.next()?;
        let rest: Vec<&[u8]> = args.rest().collect();
        stream_with_group(ctx, key, group)?;
        let min_idle = crate::protocol::parse::parse_i64(min_idle_arg)
            .ok_or(ReplyError::from_static("ERR Invalid min-idle-time argument for XCLAIM"))?
            .max(0) as u64;
        let ids: Vec<StreamId> = rest.iter().map_while(|arg| parse_strict_id(arg).ok()).collect();
        let now = ctx.now_ms();
        let (mut force, mut justid, mut delivery, mut retry, mut last_id) =
            (false, false, None, None, StreamId::MIN);
        let mut i = ids.len();
        while i < rest.len() {
            let more = i + 1 < rest.len();
            let option = rest[i];
            let is = |name: &str| option.eq_ignore_ascii_case(name.as_bytes());
            if is("FORCE") {
                force = true;
            } else if is("JUSTID") {
                justid = true;
            } else if is("IDLE") && more {
                i += 1;
                delivery = Some(now as i64 - option_int(rest[i], "IDLE")?);
            } else if is("TIME") && more {
                i += 1;
                delivery = Some(option_int(rest[i], "TIME")?);
            } else if is("RETRYCOUNT") && more {
                i += 1;
                retry = Some(option_int(rest[i], "RETRYCOUNT")?);
            } else if is("LASTID") && more {
                i += 1;
                last_id = parse_strict_id(rest[i])?;
            } else {
                return Err(ReplyError::err(format!(
                    "Unrecognized XCLAIM option '{}'",
                    String::from_utf8_lossy(option)
                )));
            }
            i += 1;
        }
        // A bogus time is taken as now, as Redis does; a replay of the log
        // runs with the clock frozen at 0 and keeps the logged time.
        let delivery_time = match delivery {
            Some(t) if t >= 0 && (t <= now as i64 || now == 0) => t as u64,
            _ => now,
        };
        let settings = ClaimSettings {
            key,
            group,
            consumer,
            delivery_time,
            retry_count: retry.filter(|&r| r >= 0).map(|r| r as u64),
            justid,
            now,
        };
        let stream = stream_with_group(ctx, key, group)?;
        let mut logged = Vec::new();
        let (replies, new_consumer) = with_group(stream, group, |stream, target| {
            let known = target.consumers.contains_key(consumer);
            let mut moved_last = false;
            if last_id > target.last_id {
                target.last_id = last_id;
                moved_last = true;
            }
            let mut replies = Vec::new();
            for &id in &ids {
                match claim_one(stream, target, id, (min_idle, force), &settings, &mut logged) {
                    Claimed::Reply(reply) => replies.push(reply),
                    Claimed::Deleted | Claimed::Skipped => {}
                }
            }
            // The claims carry the last ID; with none, the group's move is logged alone.
            if moved_last && logged.is_empty() {
                logged.push(setid_record(key, group, target));
            }
            (replies, !known && target.consumers.contains_key(consumer))
        });
        if new_consumer {
            ctx.notify(EventClass::Stream, "xgroup-createconsumer", key);
        }
        propagate_records(ctx, &logged);
        Ok(Reply::Array(replies))
    }
}

inventory::submit! { Registration::new(&Xclaim, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::*;
    use crate::testing::*;

    fn setup() -> Harness {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        h.run("XADD s 2 b 2");
        h.run("XGROUP CREATE s g 0");
        h.run("XREADGROUP GROUP g alice STREAMS s >");
        h
    }

    #[test]
    fn claims_idle_entries_and_logs_them() {
        let mut h = setup();
        h.advance_ms(100);
        assert_eq!(h.run("XCLAIM s g bob 200 1"), nested(vec![]));
        assert_eq!(h.propagated(), Some(vec![]));
        assert_eq!(
            h.run("XCLAIM s g bob 50 1 2 9"),
            nested(vec![entry("1-0", &["a", "1"]), entry("2-0", &["b", "2"])])
        );
        let now = START_MS + 100;
        assert_eq!(
            h.propagated(),
            logged(&[
                &format!("XCLAIM s g bob 0 1-0 TIME {now} RETRYCOUNT 2 FORCE JUSTID LASTID 2-0"),
                &format!("XCLAIM s g bob 0 2-0 TIME {now} RETRYCOUNT 2 FORCE JUSTID LASTID 2-0"),
            ])
        );
        assert_eq!(h.run("XCLAIM s g carol 0 1 JUSTID IDLE 40 RETRYCOUNT 7"), array(&["1-0"]));
        assert_eq!(
            h.run("XPENDING s g - + 10"),
            nested(vec![
                nested(vec![bulk("1-0"), bulk("carol"), int(40), int(7)]),
                nested(vec![bulk("2-0"), bulk("bob"), int(0), int(2)]),
            ])
        );
        h.run("XDEL s 2");
        assert_eq!(h.run("XCLAIM s g carol 0 2"), nested(vec![]), "a deleted entry leaves the PEL");
        assert_eq!(h.run("XPENDING s g - + 10 bob"), nested(vec![]));
    }

    #[test]
    fn force_creates_and_lastid_moves_the_group() {
        let mut h = setup();
        h.run("XADD s 3 c 3");
        assert_eq!(h.run("XCLAIM s g dan 0 3 FORCE JUSTID LASTID 3"), array(&["3-0"]));
        assert_eq!(
            h.run("XPENDING s g - + 10 dan"),
            nested(vec![nested(vec![bulk("3-0"), bulk("dan"), int(0), int(1)])])
        );
        assert_eq!(h.run("XREADGROUP GROUP g dan STREAMS s >"), crate::protocol::Reply::NullArray);
        assert_eq!(h.run("XCLAIM s g dan 0 9 LASTID 10"), nested(vec![]));
        assert_eq!(h.propagated(), logged(&["XGROUP SETID s g 10-0 ENTRIESREAD 2"]));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = setup();
        assert_eq!(h.run("XCLAIM s g c abc 1"), err("ERR Invalid min-idle-time argument for XCLAIM"));
        assert_eq!(h.run("XCLAIM s g c 0 1 IDLE x"), err("ERR Invalid IDLE option argument for XCLAIM"));
        assert_eq!(h.run("XCLAIM s g c 0 1 TIME x"), err("ERR Invalid TIME option argument for XCLAIM"));
        assert_eq!(
            h.run("XCLAIM s g c 0 1 RETRYCOUNT x"),
            err("ERR Invalid RETRYCOUNT option argument for XCLAIM")
        );
        assert_eq!(
            h.run("XCLAIM s g c 0 1 LASTID x"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
        assert_eq!(h.run("XCLAIM s g c 0 1 foo"), err("ERR Unrecognized XCLAIM option 'foo'"));
        assert_eq!(h.run("XCLAIM s nog c 0 1"), err("NOGROUP No such key 's' or consumer group 'nog'"));
        assert_eq!(h.run("XCLAIM nokey g c 0 1"), err("NOGROUP No such key 'nokey' or consumer group 'g'"));
    }
}

//! XPENDING key group [[IDLE min-idle-time] start end count [consumer]]

use crate::command_logic::streams::{id_reply, parse_bound};
use crate::command_logic::streams_groups::no_key_or_group;
use crate::prelude::*;
use crate::store::Stream;

/// `XPENDING`: Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.
pub struct Xpending;

impl Command for Xpending {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xpending",
            arity: -3,
            flags: &[Flag::Readonly],
            group: "stream",
            summary: "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
            since: "5.0.0",
            complexity: "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, group_name) = (args.next()?, args.next()?);
        let rest: Vec<&[u8]> = args.rest().collect();
        if !rest.is_empty() && !(3..=6).contains(&rest.len()) {
            return Err(ReplyError::SYNTAX);
        }
        let mut range = None;
        if !rest.is_empty() {
            let mut at = 0;
            let mut min_idle = 0;
            if rest[0].eq_ignore_ascii_case(b"IDLE") {
                min_idle = crate::protocol::parse::parse_i64(rest[1]).ok_or(ReplyError::NOT_INTEGER)?;
                if rest.len() < 5 {
                    return Err(ReplyError::SYNTAX);
                }
                at = 2;
            }
            let count = crate::protocol::parse::parse_i64(rest[at + 2]).ok_or(ReplyError::NOT_INTEGER)?;
            let start = parse_bound(rest[at], true)?;
            let end = parse_bound(rest[at + 1], false)?;
            range = Some((min_idle, start, end, count.max(0) as usize, rest.get(at + 3).copied()));
        }
        let now = ctx.now_ms();
        let stream = ctx.db().get_typed::<Stream>(key)?;
        let Some(group) = stream.and_then(|s| s.groups.get(group_name)) else {
            return Err(no_key_or_group(key, group_name));
        };
        let Some((min_idle, start, end, count, consumer)) = range else {
            let (Some(first), Some(last)) = (group.pel.keys().next(), group.pel.keys().next_back()) else {
                return Ok(Reply::Array(vec![Reply::Integer(0), Reply::Null, Reply::Null, Reply::NullArray]));
            };
            let owners = group
                .consumers
                .iter()
                .filter(|(_, c)| !c.pending.is_empty())
                .map(|(name, c)| {
                    Reply::Array(vec![Reply::bulk(name), Reply::bulk(c.pending.len().to_string())])
                })
                .collect();
            return Ok(Reply::Array(vec![
                Reply::Integer(group.pel.len() as i64),
                id_reply(*first),
                id_reply(*last),
                Reply::Array(owners),
            ]));
        };
        let ids: Box<dyn Iterator<Item = _>> = match consumer {
            Some(name) => match group.consumers.get(name) {
                Some(owner) if start <= end => Box::new(owner.pending.range(start..=end).copied()),
                Some(_) => Box::new(std::iter::empty()),
                None => return Ok(Reply::Array(vec![])),
            },
            None if start <= end => Box::new(group.pel.range(start..=end).map(|(id, _)| *id)),
            None => Box::new(std::iter::empty()),
        };
        let mut out = Vec::new();
        for id in ids {
            if out.len() >= count {
                break;
            }
            let pending = &group.pel[&id];
            let idle = now as i64 - pending.delivery_time as i64;
            if min_idle > 0 && idle < min_idle {
                continue;
            }
            out.push(Reply::Array(vec![
                id_reply(id),
                Reply::bulk(&pending.consumer),
                Reply::Integer(idle.max(0)),
                Reply::Integer(pending.delivery_count as i64),
            ]));
        }
        Ok(Reply::Array(out))
    }
}

inventory::submit! { Registration::new(&Xpending, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::nested;
    use crate::protocol::Reply;
    use crate::testing::*;

    fn row(id: &str, consumer: &str, idle: i64, count: i64) -> Reply {
        nested(vec![bulk(id), bulk(consumer), int(idle), int(count)])
    }

    #[test]
    fn summary_and_extended_forms() {
        let mut h = Harness::new();
        for i in 1..=3 {
            h.run(&format!("XADD s {i} a 1"));
        }
        h.run("XGROUP CREATE s g 0");
        h.run("XREADGROUP GROUP g alice COUNT 2 STREAMS s >");
        h.advance_ms(100);
        h.run("XREADGROUP GROUP g bob STREAMS s >");
        h.advance_ms(5);
        assert_eq!(
            h.run("XPENDING s g"),
            nested(vec![
                int(3),
                bulk("1-0"),
                bulk("3-0"),
                nested(vec![array(&["alice", "2"]), array(&["bob", "1"])])
            ])
        );
        assert_eq!(
            h.run("XPENDING s g - + 10"),
            nested(vec![row("1-0", "alice", 105, 1), row("2-0", "alice", 105, 1), row("3-0", "bob", 5, 1)])
        );
        assert_eq!(
            h.run("XPENDING s g IDLE 50 - + 10"),
            nested(vec![row("1-0", "alice", 105, 1), row("2-0", "alice", 105, 1)])
        );
        assert_eq!(h.run("XPENDING s g (1 + 1"), nested(vec![row("2-0", "alice", 105, 1)]));
        assert_eq!(h.run("XPENDING s g - + 10 bob"), nested(vec![row("3-0", "bob", 5, 1)]));
        assert_eq!(h.run("XPENDING s g - + 10 nobody"), nested(vec![]));
        assert_eq!(h.run("XPENDING s g - + -1"), nested(vec![]));
        assert_eq!(h.run("XPENDING s g - + 10 bob extra x"), nested(vec![row("3-0", "bob", 5, 1)]));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XGROUP CREATE s g $ MKSTREAM");
        assert_eq!(h.run("XPENDING s g foo"), err("ERR syntax error"));
        assert_eq!(h.run("XPENDING s g IDLE x - + 10"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("XPENDING s g IDLE 5 - +"), err("ERR syntax error"));
        assert_eq!(h.run("XPENDING s g - + x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("XPENDING s nog"), err("NOGROUP No such key 's' or consumer group 'nog'"));
        assert_eq!(h.run("XPENDING nokey g"), err("NOGROUP No such key 'nokey' or consumer group 'g'"));
        assert_eq!(
            h.run("XPENDING s g (+ + 1"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
    }
}

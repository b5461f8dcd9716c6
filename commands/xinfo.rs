//! XINFO STREAM key [FULL [COUNT count]] | GROUPS key | CONSUMERS key group | HELP

use crate::command_logic::streams::{entry_reply, id_reply};
use crate::command_logic::streams_groups::{info_map, int_or_null, no_group_for_key};
use crate::prelude::*;
use crate::store::stream::{Group, Stream, StreamId};

/// `XINFO`: A container for stream introspection commands
pub struct Xinfo;

const HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

fn syntax(sub: &[u8]) -> ReplyError {
    ReplyError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try XINFO HELP.",
        String::from_utf8_lossy(sub)
    ))
}

/// What `XINFO STREAM` starts with, in both forms.
fn stream_head(stream: &Stream) -> Vec<(&'static str, Reply)> {
    let keys = stream.node_count() as i64;
    vec![
        ("length", Reply::Integer(stream.len() as i64)),
        ("radix-tree-keys", Reply::Integer(keys)),
        // Redis's radix tree has inner nodes too; one per key and the head is close.
        ("radix-tree-nodes", Reply::Integer(keys + 1)),
        ("last-generated-id", id_reply(stream.last_id)),
        ("max-deleted-entry-id", id_reply(stream.max_deleted_id)),
        ("entries-added", Reply::Integer(stream.entries_added as i64)),
        ("recorded-first-entry-id", id_reply(stream.first_id())),
    ]
}

fn group_summary(stream: &Stream, name: &[u8], group: &Group) -> Reply {
    info_map(vec![
        ("name", Reply::bulk(name)),
        ("consumers", Reply::Integer(group.consumers.len() as i64)),
        ("pending", Reply::Integer(group.pel.len() as i64)),
        ("last-delivered-id", id_reply(group.last_id)),
        ("entries-read", int_or_null(group.entries_read.map(|n| n as i64))),
        ("lag", int_or_null(stream.lag(group))),
    ])
}

fn full(stream: &Stream, count: usize) -> Reply {
    let limit = if count == 0 { usize::MAX } else { count };
    let mut fields = stream_head(stream);
    let entries =
        stream.range(StreamId::MIN, StreamId::MAX, false).take(limit).map(|e| entry_reply(&e)).collect();
    fields.push(("entries", Reply::Array(entries)));
    let groups = stream
        .groups
        .iter()
        .map(|(name, group)| {
            let pending = group
                .pel
                .iter()
                .take(limit)
                .map(|(id, p)| {
                    Reply::Array(vec![
                        id_reply(*id),
                        Reply::bulk(&p.consumer),
                        Reply::Integer(p.delivery_time as i64),
                        Reply::Integer(p.delivery_count as i64),
                    ])
                })
                .collect();
            let consumers = group
                .consumers
                .iter()
                .map(|(consumer, c)| {
                    let own = c
                        .pending
                        .iter()
                        .take(limit)
                        .map(|id| {
                            let p = &group.pel[id];
                            Reply::Array(vec![
                                id_reply(*id),
                                Reply::Integer(p.delivery_time as i64),
                                Reply::Integer(p.delivery_count as i64),
                            ])
                        })
                        .collect();
                    info_map(vec![
                        ("name", Reply::bulk(consumer)),
                        ("seen-time", Reply::Integer(c.seen_time as i64)),
                        ("pel-count", Reply::Integer(c.pending.len() as i64)),
                        ("pending", Reply::Array(own)),
                    ])
                })
                .collect();
            info_map(vec![
                ("name", Reply::bulk(name)),
                ("last-delivered-id", id_reply(group.last_id)),
                ("entries-read", int_or_null(group.entries_read.map(|n| n as i64))),
                ("lag", int_or_null(stream.lag(group))),
                ("pel-count", Reply::Integer(group.pel.len() as i64)),
                ("pending", Reply::Array(pending)),
                ("consumers", Reply::Array(consumers)),
            ])
        })
        .collect();
    fields.push(("groups", Reply::Array(groups)));
    info_map(fields)
}

impl Command for Xinfo {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xinfo",
            arity: -2,
            group: "stream",
            summary: "A container for stream introspection commands",
            since: "5.0.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "consumers",
                    arity: 4,
                    flags: &[Flag::Readonly],
                    summary: "List the consumers in a consumer group",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand {
                    name: "groups",
                    arity: 3,
                    flags: &[Flag::Readonly],
                    summary: "List the consumer groups of a stream",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand::HELP,
                Subcommand {
                    name: "stream",
                    arity: -3,
                    flags: &[Flag::Readonly],
                    summary: "Get information about a stream",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let given = args.next()?;
        let sub = given.to_ascii_lowercase();
        if sub == b"help" {
            return Ok(crate::command_logic::admin::help_reply(HELP));
        }
        let key = args.next()?;
        let rest: Vec<&[u8]> = args.rest().collect();
        let now = ctx.now_ms();
        let Some(stream) = ctx.db().get_typed::<Stream>(key)? else { return Err(ReplyError::NO_SUCH_KEY) };
        match (&sub[..], rest.len()) {
            (b"consumers", 1) => {
                let Some(group) = stream.groups.get(rest[0]) else {
                    return Err(no_group_for_key(key, rest[0]));
                };
                let consumers = group
                    .consumers
                    .iter()
                    .map(|(name, c)| {
                        info_map(vec![
                            ("name", Reply::bulk(name)),
                            ("pending", Reply::Integer(c.pending.len() as i64)),
                            ("idle", Reply::Integer(now as i64 - c.seen_time as i64)),
                        ])
                    })
                    .collect();
                Ok(Reply::Array(consumers))
            }
            (b"groups", 0) => Ok(Reply::Array(
                stream.groups.iter().map(|(name, g)| group_summary(stream, name, g)).collect(),
            )),
            (b"stream", 0) => {
                let mut fields = stream_head(stream);
                fields.push(("groups", Reply::Integer(stream.groups.len() as i64)));
                let edge = |e: Option<crate::store::stream::EntryView<'_>>| {
                    e.map_or(Reply::Null, |e| entry_reply(&e))
                };
                fields.push(("first-entry", edge(stream.first_entry())));
                fields.push(("last-entry", edge(stream.last_entry())));
                Ok(info_map(fields))
            }
            (b"stream", 1 | 3) => {
                if !rest[0].eq_ignore_ascii_case(b"FULL")
                    || (rest.len() == 3 && !rest[1].eq_ignore_ascii_case(b"COUNT"))
                {
                    return Err(syntax(given));
                }
                let count = match rest.get(2) {
                    Some(arg) => {
                        match crate::protocol::parse::parse_i64(arg).ok_or(ReplyError::NOT_INTEGER)? {
                            n if n < 0 => 10,
                            n => n as usize,
                        }
                    }
                    None => 10,
                };
                Ok(full(stream, count))
            }
            _ => Err(syntax(given)),
        }
    }
}

inventory::submit! { Registration::new(&Xinfo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::*;
    use crate::protocol::Reply;
    use crate::testing::*;

    fn map(pairs: Vec<(&str, Reply)>) -> Reply {
        Reply::Map(pairs.into_iter().map(|(k, v)| (bulk(k), v)).collect())
    }

    #[test]
    fn stream_groups_and_consumers() {
        let mut h = Harness::new();
        h.run("XADD s 1-1 a 1 b 2");
        h.run("XADD s 2-0 a 3 c 4");
        h.run("XGROUP CREATE s g 0");
        h.run("XREADGROUP GROUP g alice COUNT 1 STREAMS s >");
        h.advance_ms(19);
        let head = |first: &str| {
            vec![
                ("length", int(2)),
                ("radix-tree-keys", int(1)),
                ("radix-tree-nodes", int(2)),
                ("last-generated-id", bulk("2-0")),
                ("max-deleted-entry-id", bulk("0-0")),
                ("entries-added", int(2)),
                ("recorded-first-entry-id", bulk(first)),
            ]
        };
        let mut expected = head("1-1");
        expected.extend([
            ("groups", int(1)),
            ("first-entry", entry("1-1", &["a", "1", "b", "2"])),
            ("last-entry", entry("2-0", &["a", "3", "c", "4"])),
        ]);
        assert_eq!(h.run("XINFO STREAM s"), map(expected));
        assert_eq!(
            h.run("XINFO GROUPS s"),
            nested(vec![map(vec![
                ("name", bulk("g")),
                ("consumers", int(1)),
                ("pending", int(1)),
                ("last-delivered-id", bulk("1-1")),
                ("entries-read", int(1)),
                ("lag", int(1)),
            ])])
        );
        assert_eq!(
            h.run("XINFO CONSUMERS s g"),
            nested(vec![map(vec![("name", bulk("alice")), ("pending", int(1)), ("idle", int(19))])])
        );
        let mut expected = head("1-1");
        expected.extend([
            ("entries", nested(vec![entry("1-1", &["a", "1", "b", "2"])])),
            (
                "groups",
                nested(vec![map(vec![
                    ("name", bulk("g")),
                    ("last-delivered-id", bulk("1-1")),
                    ("entries-read", int(1)),
                    ("lag", int(1)),
                    ("pel-count", int(1)),
                    (
                        "pending",
                        nested(vec![nested(vec![bulk("1-1"), bulk("alice"), int(START_MS as i64), int(1)])]),
                    ),
                    (
                        "consumers",
                        nested(vec![map(vec![
                            ("name", bulk("alice")),
                            ("seen-time", int(START_MS as i64)),
                            ("pel-count", int(1)),
                            (
                                "pending",
                                nested(vec![nested(vec![bulk("1-1"), int(START_MS as i64), int(1)])]),
                            ),
                        ])]),
                    ),
                ])]),
            ),
        ]);
        assert_eq!(h.run("XINFO STREAM s FULL COUNT 1"), map(expected));
        h.run("XDEL s 1-1");
        h.run("XDEL s 2-0");
        match h.run("XINFO STREAM s") {
            Reply::Map(fields) => {
                assert_eq!(fields[4], (bulk("max-deleted-entry-id"), bulk("2-0")));
                assert_eq!(fields[6], (bulk("recorded-first-entry-id"), bulk("0-0")));
                assert_eq!(fields[8], (bulk("first-entry"), Reply::Null));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XGROUP CREATE e g $ MKSTREAM");
        assert_eq!(h.run("XINFO STREAM nokey"), err("ERR no such key"));
        assert_eq!(h.run("XINFO GROUPS nokey"), err("ERR no such key"));
        assert_eq!(
            h.run("XINFO CONSUMERS e nog"),
            err("NOGROUP No such consumer group 'nog' for key name 'e'")
        );
        assert_eq!(h.run("XINFO STREAM e FULL COUNT x"), err("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("XINFO STREAM e foo"),
            err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.")
        );
        assert_eq!(h.run("XINFO FOO"), err("ERR unknown subcommand 'FOO'. Try XINFO HELP."));
        match h.run("XINFO HELP") {
            Reply::Array(lines) => assert_eq!(lines.len(), 9),
            other => panic!("{other:?}"),
        }
    }
}

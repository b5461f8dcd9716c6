//! XGROUP CREATE|CREATECONSUMER|DELCONSUMER|DESTROY|SETID|HELP

use crate::command_logic::streams::{parse_id, parse_strict_id};
use crate::command_logic::streams_groups::no_group_for_key;
use crate::prelude::*;
use crate::store::stream::{Group, Stream, StreamId};

/// `XGROUP`: A container for consumer groups commands
pub struct Xgroup;

const HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

const NEEDS_KEY: ReplyError = ReplyError::from_static("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");

/// `ENTRIESREAD n`: -1 (unknown) or more.
fn entries_read(arg: &[u8]) -> Result<Option<u64>, ReplyError> {
    let n = crate::protocol::parse::parse_i64(arg).ok_or(ReplyError::NOT_INTEGER)?;
    match n {
        -1 => Ok(None),
        n if n < 0 => Err(ReplyError::from_static("ERR value for ENTRIESREAD must be positive or -1")),
        n => Ok(Some(n as u64)),
    }
}

fn syntax(sub: &[u8]) -> ReplyError {
    ReplyError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try XGROUP HELP.",
        String::from_utf8_lossy(sub)
    ))
}

impl Command for Xgroup {
    fn meta(&self) -> CommandMeta {
        const WRITE: &[Flag] = &[Flag::Write, Flag::DenyOom];
        CommandMeta {
            name: "xgroup",
            arity: -2,
            group: "stream",
            summary: "A container for consumer groups commands",
            since: "5.0.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "create",
                    arity: -5,
                    flags: WRITE,
                    summary: "Create a consumer group.",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand {
                    name: "createconsumer",
                    arity: 5,
                    flags: WRITE,
                    summary: "Create a consumer in a consumer group.",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand {
                    name: "delconsumer",
                    arity: 5,
                    flags: &[Flag::Write],
                    summary: "Delete a consumer from a consumer group.",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand {
                    name: "destroy",
                    arity: 4,
                    flags: &[Flag::Write],
                    summary: "Destroy a consumer group.",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand::HELP,
                Subcommand {
                    name: "setid",
                    arity: -5,
                    flags: &[Flag::Write],
                    summary: "Set a consumer group to an arbitrary last delivered ID value.",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let given = args.next()?;
        let name = given.to_ascii_lowercase();
        if name == b"help" {
            return Ok(crate::command_logic::admin::help_reply(HELP));
        }
        let (key, group) = (args.next()?, args.next()?);
        let rest: Vec<&[u8]> = args.rest().collect();
        let mut mkstream = false;
        let mut read = None;
        if name == b"create" {
            let mut i = 1;
            while i < rest.len() {
                if rest[i].eq_ignore_ascii_case(b"MKSTREAM") {
                    mkstream = true;
                    i += 1;
                } else if rest[i].eq_ignore_ascii_case(b"ENTRIESREAD") && i + 1 < rest.len() {
                    read = entries_read(rest[i + 1])?;
                    i += 2;
                } else {
                    return Err(syntax(given));
                }
            }
        }
        let stream = ctx.db().get_typed::<Stream>(key)?;
        let exists = stream.is_some();
        let has_group = stream.is_some_and(|s| s.groups.contains_key(group));
        let last = stream.map_or(StreamId::MIN, |s| s.last_id);
        if !exists && !mkstream {
            return Err(NEEDS_KEY);
        }
        if !has_group && !mkstream && matches!(&name[..], b"setid" | b"createconsumer" | b"delconsumer") {
            return Err(no_group_for_key(key, group));
        }
        let now = ctx.now_ms();
        match (&name[..], rest.len()) {
            (b"create", 1..=4) => {
                let id = if rest[0] == b"$" { last } else { parse_strict_id(rest[0])? };
                let stream = ctx.db().typed_or_default::<Stream>(key)?;
                if stream.groups.contains_key(group) {
                    ctx.propagate_none();
                    return Err(ReplyError::from_static("BUSYGROUP Consumer Group name already exists"));
                }
                stream.groups.insert(group.to_vec(), Group::new(id, read));
                ctx.notify(EventClass::Stream, "xgroup-create", key);
                Ok(Reply::OK)
            }
            (b"setid", 1 | 3) => {
                let id = if rest[0] == b"$" { last } else { parse_id(rest[0], 0)? };
                if rest.len() == 3 {
                    if !rest[1].eq_ignore_ascii_case(b"ENTRIESREAD") {
                        return Err(syntax(given));
                    }
                    read = entries_read(rest[2])?;
                }
                let stream = ctx.db().get_typed_mut::<Stream>(key)?.expect("checked above");
                let target = stream.groups.get_mut(group).expect("checked above");
                (target.last_id, target.entries_read) = (id, read);
                ctx.notify(EventClass::Stream, "xgroup-setid", key);
                Ok(Reply::OK)
            }
            (b"destroy", 0) => {
                if !has_group {
                    ctx.propagate_none();
                    return Ok(Reply::Integer(0));
                }
                let stream = ctx.db().get_typed_mut::<Stream>(key)?.expect("checked above");
                stream.groups.remove(group);
                ctx.notify(EventClass::Stream, "xgroup-destroy", key);
                Ok(Reply::Integer(1))
            }
            (b"createconsumer", 1) => {
                let stream = ctx.db().get_typed_mut::<Stream>(key)?.expect("checked above");
                let created = stream.groups.get_mut(group).expect("checked above").consumer(rest[0], now).1;
                if created {
                    ctx.notify(EventClass::Stream, "xgroup-createconsumer", key);
                } else {
                    ctx.propagate_none();
                }
                Ok(Reply::Integer(i64::from(created)))
            }
            (b"delconsumer", 1) => {
                let stream = ctx.db().get_typed_mut::<Stream>(key)?.expect("checked above");
                let pending = stream.groups.get_mut(group).expect("checked above").remove_consumer(rest[0]);
                ctx.notify(EventClass::Stream, "xgroup-delconsumer", key);
                Ok(Reply::Integer(pending.unwrap_or(0) as i64))
            }
            _ => Err(syntax(given)),
        }
    }
}

inventory::submit! { Registration::new(&Xgroup, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::nested;
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn create_setid_consumers_and_destroy() {
        let mut h = Harness::new();
        assert_eq!(h.run("XGROUP CREATE s g $ MKSTREAM"), Reply::OK);
        assert_eq!(h.run("XGROUP CREATE s g 0"), err("BUSYGROUP Consumer Group name already exists"));
        h.run("XADD s 1 a 1");
        assert_eq!(h.run("XGROUP CREATE s g2 $ ENTRIESREAD 1"), Reply::OK);
        assert_eq!(h.run("XGROUP CREATECONSUMER s g alice"), int(1));
        assert_eq!(h.run("XGROUP CREATECONSUMER s g alice"), int(0));
        assert_eq!(h.propagated(), Some(vec![]));
        h.run("XREADGROUP GROUP g bob STREAMS s >");
        assert_eq!(h.run("XGROUP DELCONSUMER s g bob"), int(1));
        assert_eq!(h.run("XGROUP DELCONSUMER s g nobody"), int(0));
        assert_eq!(h.run("XPENDING s g"), nested(vec![int(0), Reply::Null, Reply::Null, Reply::NullArray]));
        assert_eq!(h.run("XGROUP SETID s g 0 ENTRIESREAD 0"), Reply::OK);
        assert_eq!(
            h.run("XINFO GROUPS s"),
            nested(vec![
                Reply::Map(vec![
                    (bulk("name"), bulk("g")),
                    (bulk("consumers"), int(1)),
                    (bulk("pending"), int(0)),
                    (bulk("last-delivered-id"), bulk("0-0")),
                    (bulk("entries-read"), int(0)),
                    (bulk("lag"), int(1)),
                ]),
                Reply::Map(vec![
                    (bulk("name"), bulk("g2")),
                    (bulk("consumers"), int(0)),
                    (bulk("pending"), int(0)),
                    (bulk("last-delivered-id"), bulk("1-0")),
                    (bulk("entries-read"), int(1)),
                    (bulk("lag"), int(0)),
                ]),
            ])
        );
        assert_eq!(h.run("XGROUP SETID s g $"), Reply::OK);
        assert_eq!(h.run("XGROUP DESTROY s g"), int(1));
        assert_eq!(h.run("XGROUP DESTROY s g"), int(0));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        assert_eq!(
            h.run("XGROUP CREATE s g abc"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
        assert_eq!(h.run("XGROUP CREATE nokey g 0"), err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
        assert_eq!(
            h.run("XGROUP CREATE s g 0 ENTRIESREAD -3"),
            err("ERR value for ENTRIESREAD must be positive or -1")
        );
        assert_eq!(
            h.run("XGROUP CREATE s g 0 foo"),
            err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")
        );
        assert_eq!(
            h.run("XGROUP CREATECONSUMER s nog c"),
            err("NOGROUP No such consumer group 'nog' for key name 's'")
        );
        assert_eq!(
            h.run("XGROUP SETID s nog 0"),
            err("NOGROUP No such consumer group 'nog' for key name 's'")
        );
        assert_eq!(h.run("XGROUP DESTROY s nog"), int(0));
        assert_eq!(h.run("XGROUP FOO s"), err("ERR unknown subcommand 'FOO'. Try XGROUP HELP."));
        assert_eq!(
            h.run("XGROUP CREATE s"),
            err("ERR wrong number of arguments for 'xgroup|create' command")
        );
        h.run("SET str v");
        assert_eq!(
            h.run("XGROUP CREATE str g 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        match h.run("XGROUP HELP") {
            Reply::Array(lines) => assert_eq!(lines.len(), 17),
            other => panic!("{other:?}"),
        }
    }
}

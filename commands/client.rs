//! CLIENT SETNAME|GETNAME|ID|SETINFO|INFO|LIST|KILL|PAUSE|UNPAUSE|NO-EVICT|NO-TOUCH|REPLY|UNBLOCK|HELP

use crate::prelude::*;

/// `CLIENT`: inspects and manages connections.
pub struct Client;

const HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>,",
    "    USER <username>, SKIPME (YES|NO).",
    "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> [<client-id> ...]]",
    "    Return information about client connections.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETINFO <LIB-NAME|LIB-VER> <value>",
    "    Set client library name or version.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
    "HELP",
    "    Print this help.",
];

impl Command for Client {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "client",
            arity: -2,
            group: "connection",
            summary: "A container for client connection commands.",
            since: "2.4.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "getname",
                    arity: 2,
                    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Returns the name of the connection.",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP,
                Subcommand {
                    name: "id",
                    arity: 2,
                    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Returns the unique client ID of the connection.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "info",
                    arity: 2,
                    flags: &[],
                    summary: "Returns information about the connection.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "kill",
                    arity: -3,
                    flags: &[Flag::Admin],
                    summary: "Terminates open connections.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "list",
                    arity: -2,
                    flags: &[Flag::Admin],
                    summary: "Lists open connections.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "no-evict",
                    arity: 3,
                    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Sets the client eviction mode of the connection.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "no-touch",
                    arity: 3,
                    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary:
                        "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "pause",
                    arity: -3,
                    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Stop processing commands from clients for some time",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "unpause",
                    arity: 2,
                    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Resume processing of clients that were paused",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "reply",
                    arity: 3,
                    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Instructs the server whether to reply to commands.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "setinfo",
                    arity: 4,
                    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Sets information specific to the client or connection.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "setname",
                    arity: 3,
                    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Sets the connection name.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "unblock",
                    arity: -3,
                    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Unblocks a client blocked by a blocking command from a different connection.",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let sub = args.next()?.to_ascii_lowercase();
        let now = ctx.now_ms();
        match sub.as_slice() {
            b"id" => Ok(Reply::Integer(ctx.client.id() as i64)),
            b"getname" => {
                let name = ctx.client.handle.name();
                Ok(if name.is_empty() { Reply::Null } else { Reply::Bulk(name) })
            }
            b"setname" => {
                let name = args.next()?;
                if !crate::command_logic::admin::valid_client_attr(name) {
                    return Err(ReplyError::err(
                        "Client names cannot contain spaces, newlines or special characters.",
                    ));
                }
                ctx.client.set_name(name);
                Ok(Reply::OK)
            }
            b"setinfo" => {
                let (attr, value) = (args.next()?, args.next()?);
                let attr_name = String::from_utf8_lossy(attr).to_ascii_lowercase();
                if attr_name != "lib-name" && attr_name != "lib-ver" {
                    return Err(ReplyError::err(format_args!(
                        "Unrecognized option '{}'",
                        String::from_utf8_lossy(attr)
                    )));
                }
                if !crate::command_logic::admin::valid_client_attr(value) {
                    return Err(ReplyError::err(format_args!(
                        "{attr_name} cannot contain spaces, newlines or special characters."
                    )));
                }
                match attr_name.as_str() {
                    "lib-name" => ctx.client.set_library(Some(value), None),
                    _ => ctx.client.set_library(None, Some(value)),
                }
                Ok(Reply::OK)
            }
            b"info" => {
                ctx.client.buffers.argv_mem = argv_mem(args);
                ctx.client.update_visible(ctx.command, now);
                Ok(Reply::Verbatim(format!("{}\n", info_line(ctx, &ctx.client.handle, now)).into_bytes()))
            }
            b"list" => {
                ctx.client.buffers.argv_mem = argv_mem(args);
                list(ctx, args, now)
            }
            b"kill" => kill(ctx, args),
            b"no-evict" => {
                ctx.client.no_evict = on_off(args)?;
                Ok(Reply::OK)
            }
            b"no-touch" => {
                ctx.client.no_touch = on_off(args)?;
                Ok(Reply::OK)
            }
            b"reply" => reply(ctx, args),
            b"unblock" => unblock(ctx, args),
            b"pause" => pause(ctx, args),
            b"unpause" => {
                ctx.server.pause.unpause();
                Ok(Reply::OK)
            }
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: 1 when the client was blocked.
fn unblock(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    use crate::state::blocking::Unblock;
    let id = args.next_i64()?;
    let how = match args.next() {
        Err(_) => Unblock::Timeout,
        Ok(w) if w.eq_ignore_ascii_case(b"timeout") => Unblock::Timeout,
        Ok(w) if w.eq_ignore_ascii_case(b"error") => Unblock::Error,
        Ok(_) => return Err(ReplyError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
    };
    args.finish()?;
    let unblocked = u64::try_from(id).is_ok_and(|id| ctx.server.blocking.unblock(id, how));
    Ok(Reply::Integer(i64::from(unblocked)))
}

/// The `ON|OFF` argument of `NO-EVICT` / `NO-TOUCH`.
fn on_off(args: &mut Args<'_>) -> Result<bool, ReplyError> {
    match args.next()?.to_ascii_lowercase().as_slice() {
        b"on" => Ok(true),
        b"off" => Ok(false),
        _ => Err(ReplyError::SYNTAX),
    }
}

/// `CLIENT REPLY ON|OFF|SKIP`. OFF and SKIP reply nothing themselves; the
/// connection honours the flags (see `Session::reply_allowed`).
fn reply(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let client = &mut *ctx.client;
    match args.next()?.to_ascii_lowercase().as_slice() {
        b"on" => {
            client.reply_off = false;
            client.reply_skip = false;
            client.reply_skip_next = false;
            Ok(Reply::OK)
        }
        b"off" => {
            client.reply_off = true;
            Ok(Reply::None)
        }
        b"skip" => {
            if !client.reply_off {
                client.reply_skip_next = true;
            }
            Ok(Reply::None)
        }
        _ => Err(ReplyError::SYNTAX),
    }
}

/// `CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...]`.
fn list(ctx: &mut Context<'_>, args: &mut Args<'_>, now: u64) -> CommandResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut normal_only = true;
    while let Some(option) = args.peek() {
        args.next()?;
        if option.eq_ignore_ascii_case(b"TYPE") {
            normal_only = is_normal_type(args.next()?)?;
        } else if option.eq_ignore_ascii_case(b"ID") && !args.is_empty() {
            let mut wanted = Vec::new();
            for id in args.rest() {
                // Any integer is accepted; ids below 1 simply match no client.
                match crate::protocol::parse::parse_i64(id) {
                    Some(id) => wanted.push(id.max(0) as u64),
                    None => return Err(ReplyError::err("Invalid client ID")),
                }
            }
            ids = Some(wanted);
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    ctx.client.update_visible(ctx.command, now);
    let clients = ctx.server.clients.handles();
    let mut text = String::new();
    // Every connection is a normal one: no replicas or pub/sub clients exist.
    for handle in clients.iter().filter(|_| normal_only) {
        if ids.as_ref().is_none_or(|ids| ids.contains(&handle.id)) {
            text.push_str(&info_line(ctx, handle, now));
            text.push('\n');
        }
    }
    Ok(Reply::Verbatim(text.into_bytes()))
}

/// `CLIENT PAUSE timeout [WRITE|ALL]`: from the next request on, every
/// client's commands (`ALL`, the default) or only those that may write
/// wait until the timeout (server clock) or `CLIENT UNPAUSE`.
fn pause(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    if args.remaining() > 2 {
        return Err(ReplyError::err(format_args!(
            "unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(args.argv().get(1))
        )));
    }
    let timeout = args.next()?;
    // Redis checks the mode before the timeout.
    let all = match args.peek() {
        None => true,
        Some(mode) if mode.eq_ignore_ascii_case(b"ALL") => true,
        Some(mode) if mode.eq_ignore_ascii_case(b"WRITE") => false,
        Some(_) => return Err(ReplyError::err("CLIENT PAUSE mode must be WRITE or ALL")),
    };
    let timeout = crate::protocol::parse::parse_i64(timeout)
        .ok_or_else(|| ReplyError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(ReplyError::err("timeout is negative"));
    }
    let now = ctx.server.clock.now_ms();
    ctx.server.pause.pause(now.saturating_add(timeout as u64), all, now);
    Ok(Reply::OK)
}

/// The running request's argument bytes (`argv-mem`): only a client that
/// is running a command holds its arguments, as in Redis.
fn argv_mem(args: &Args<'_>) -> usize {
    args.argv().iter().map(<[u8]>::len).sum()
}

/// Whether a `TYPE` filter's value selects normal clients (the only kind
/// MiniRedis has); Redis's error for a type it does not know.
fn is_normal_type(kind: &[u8]) -> Result<bool, ReplyError> {
    match kind.to_ascii_lowercase().as_slice() {
        b"normal" => Ok(true),
        b"master" | b"replica" | b"slave" | b"pubsub" => Ok(false),
        _ => Err(ReplyError::err(format_args!("Unknown client type '{}'", String::from_utf8_lossy(kind)))),
    }
}

/// `CLIENT KILL ip:port` (old form, replies OK) or with filters (replies a count).
fn kill(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    if args.remaining() == 1 {
        let addr = args.next()?;
        let clients = ctx.server.clients.handles();
        let target = clients.iter().find(|c| c.addr.as_bytes() == addr);
        return match target {
            Some(handle) => {
                handle.kill();
                Ok(Reply::OK)
            }
            None => Err(ReplyError::err("No such client")),
        };
    }
    let (mut id, mut addr, mut laddr, mut user, mut skip_me) = (None, None, None, None, true);
    let mut normal_only = true;
    while !args.is_empty() {
        let option = args.next()?.to_ascii_lowercase();
        let value = args.next()?;
        match option.as_slice() {
            b"id" => match crate::protocol::parse::parse_i64(value) {
                Some(n) if n > 0 => id = Some(n as u64),
                _ => return Err(ReplyError::err("client-id should be greater than 0")),
            },
            b"addr" => addr = Some(value),
            b"laddr" => laddr = Some(value),
            b"user" => {
                if ctx.server.users.get(value).is_none() {
                    return Err(ReplyError::err(format_args!(
                        "No such user '{}'",
                        String::from_utf8_lossy(value)
                    )));
                }
                user = Some(value)
            }
            b"type" => normal_only = is_normal_type(value)?,
            b"skipme" if value.eq_ignore_ascii_case(b"yes") => skip_me = true,
            b"skipme" if value.eq_ignore_ascii_case(b"no") => skip_me = false,
            _ => return Err(ReplyError::SYNTAX),
        }
    }
    let me = ctx.client.id();
    let clients = ctx.server.clients.handles();
    let mut killed = 0;
    // Every connection is a normal one: no replicas or pub/sub clients exist.
    for handle in clients.iter().filter(|_| normal_only) {
        let matches = id.is_none_or(|id| handle.id == id)
            && addr.is_none_or(|a| handle.addr.as_bytes() == a)
            && laddr.is_none_or(|a| handle.laddr.as_bytes() == a)
            && user.is_none_or(|u| handle.user_name().as_deref().unwrap_or("default").as_bytes() == u)
            && !(skip_me && handle.id == me);
        if matches {
            if handle.id == me {
                ctx.client.close = true;
            } else {
                handle.kill();
            }
            killed += 1;
        }
    }
    Ok(Reply::Integer(killed))
}

/// A client's `CLIENT LIST` line, flagged `d` when a key it watches changed.
fn info_line(ctx: &Context<'_>, handle: &crate::session::SessionHandle, now: u64) -> String {
    handle.info_line_watching(now, ctx.server.watches.is_dirty(handle.id))
}

inventory::submit! { Registration::new(&Client, module_path!()) }

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::protocol::Reply;
    use crate::session::SessionHandle;
    use crate::testing::*;

    fn text(reply: Reply) -> String {
        match reply {
            Reply::Verbatim(bytes) | Reply::Bulk(bytes) => String::from_utf8(bytes).unwrap(),
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn names_and_ids() {
        let mut h = Harness::new();
        assert_eq!(h.run("CLIENT GETNAME"), Reply::Null);
        assert_eq!(h.run("CLIENT SETNAME worker-1"), Reply::OK);
        assert_eq!(h.run("client getname"), bulk("worker-1"));
        assert_eq!(
            h.run("CLIENT SETNAME \"a b\""),
            err("ERR Client names cannot contain spaces, newlines or special characters.")
        );
        assert_eq!(h.run("CLIENT ID"), int(h.client.id() as i64));
    }

    #[test]
    fn flag_d_once_a_watched_key_changed() {
        let mut h = Harness::new();
        h.run("WATCH k");
        assert!(text(h.run("CLIENT INFO")).contains(" flags=N "));
        h.run("SET k 1");
        assert!(text(h.run("CLIENT INFO")).contains(" flags=d "));
        assert!(text(h.run("CLIENT LIST")).contains(" flags=d "));
        h.run("UNWATCH");
        assert!(text(h.run("CLIENT INFO")).contains(" flags=N "));
    }

    #[test]
    fn setinfo_and_info_line() {
        let mut h = Harness::new();
        assert_eq!(h.run("CLIENT SETINFO LIB-NAME redis-py"), Reply::OK);
        assert_eq!(h.run("CLIENT SETINFO lib-ver 8.1.0"), Reply::OK);
        assert_eq!(h.run("CLIENT SETINFO color red"), err("ERR Unrecognized option 'color'"));
        assert_eq!(
            h.run("CLIENT SETINFO LIB-NAME \"a b\""),
            err("ERR lib-name cannot contain spaces, newlines or special characters.")
        );
        h.run("SELECT 3");
        let line = text(h.run("CLIENT INFO"));
        assert!(line.starts_with(&format!("id={} addr=127.0.0.1:50000 ", h.client.id())), "{line}");
        assert!(line.contains(" db=3 ") && line.contains(" cmd=client|info "), "{line}");
        assert!(line.ends_with("lib-name=redis-py lib-ver=8.1.0\n"), "{line}");
    }

    #[test]
    fn list_and_kill() {
        let mut h = Harness::new();
        let other =
            Arc::new(SessionHandle::new(99, "10.0.0.9:1234".into(), "127.0.0.1:6379".into(), 9, START_MS));
        h.shared.clients.register(other.clone());
        let list = text(h.run("CLIENT LIST"));
        assert_eq!(list.lines().count(), 2, "{list}");
        assert_eq!(text(h.run("CLIENT LIST ID 99")).lines().count(), 1);
        assert_eq!(text(h.run("CLIENT LIST TYPE pubsub")), "");
        assert_eq!(h.run("CLIENT LIST ID x"), err("ERR Invalid client ID"));
        assert_eq!(text(h.run("CLIENT LIST ID 0 -5")), "");
        assert_eq!(h.run("CLIENT KILL 1.2.3.4:5"), err("ERR No such client"));
        assert_eq!(h.run("CLIENT KILL ID abc"), err("ERR client-id should be greater than 0"));
        assert_eq!(h.run("CLIENT KILL ID 12345"), int(0));
        assert_eq!(h.run("CLIENT KILL ADDR 10.0.0.9:1234"), int(1));
        assert_eq!(h.run("CLIENT KILL 10.0.0.9:1234"), Reply::OK);
        assert_eq!(h.run(&format!("CLIENT KILL ID {}", h.client.id())), int(0), "SKIPME yes by default");
        assert!(!h.client.close);
    }

    #[test]
    fn kill_user_matches_each_clients_logged_in_user() {
        let mut h = Harness::new();
        h.run("ACL SETUSER bob on nopass +@all ~*");
        let bob = Arc::new(SessionHandle::new(98, "10.0.0.8:1".into(), "127.0.0.1:6379".into(), 9, START_MS));
        bob.info.lock().user = Some("bob".into());
        let anonymous =
            Arc::new(SessionHandle::new(99, "10.0.0.9:1".into(), "127.0.0.1:6379".into(), 9, START_MS));
        h.shared.clients.register(bob.clone());
        h.shared.clients.register(anonymous.clone());
        assert_eq!(h.run("CLIENT KILL USER nosuch"), err("ERR No such user 'nosuch'"));
        assert_eq!(h.run("CLIENT KILL USER bob"), int(1), "bob's connection");
        assert_eq!(h.run("CLIENT KILL USER default"), int(1), "the other one; SKIPME yes spares this one");
        h.shared.clients.remove(99);
        assert_eq!(h.run("CLIENT KILL USER default SKIPME no"), int(1), "this connection");
        assert!(h.client.close);
    }

    #[test]
    fn kill_and_list_by_type() {
        let mut h = Harness::new();
        let other =
            Arc::new(SessionHandle::new(99, "10.0.0.9:1".into(), "127.0.0.1:6379".into(), 9, START_MS));
        h.shared.clients.register(other);
        assert_eq!(h.run("CLIENT KILL TYPE NonSense"), err("ERR Unknown client type 'NonSense'"));
        assert_eq!(h.run("CLIENT LIST TYPE NonSense"), err("ERR Unknown client type 'NonSense'"));
        assert_eq!(h.run("CLIENT KILL TYPE pubsub"), int(0));
        assert_eq!(h.run("CLIENT KILL TYPE master SKIPME no"), int(0));
        assert_eq!(h.run("CLIENT KILL TYPE NORMAL"), int(1));
        assert_eq!(h.run("CLIENT KILL MAXAGE 100"), err("ERR syntax error"), "Redis 7.0 has no MAXAGE");
    }

    #[test]
    fn pause_arguments_and_the_gate() {
        let mut h = Harness::new();
        assert_eq!(h.run("CLIENT PAUSE abc"), err("ERR timeout is not an integer or out of range"));
        assert_eq!(h.run("CLIENT PAUSE abc foo"), err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
        assert_eq!(h.run("CLIENT PAUSE -1"), err("ERR timeout is negative"));
        assert_eq!(
            h.run("CLIENT PAUSE 10 write x"),
            err("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.")
        );
        assert_eq!(h.run("CLIENT PAUSE"), err("ERR wrong number of arguments for 'client|pause' command"));
        assert_eq!(
            h.run("CLIENT UNPAUSE x"),
            err("ERR wrong number of arguments for 'client|unpause' command")
        );
        assert!(!h.shared.pause.active(), "nothing paused by errors");
        assert_eq!(h.run("CLIENT PAUSE 1000 write"), Reply::OK);
        assert_eq!(h.shared.pause.holds(true, START_MS), Some(START_MS + 1000));
        assert_eq!(h.shared.pause.holds(false, START_MS), None, "reads go on");
        assert_eq!(h.run("CLIENT PAUSE 500"), Reply::OK);
        assert_eq!(h.shared.pause.holds(false, START_MS), Some(START_MS + 1000), "ALL, not shortened");
        h.advance_ms(1000);
        assert_eq!(h.shared.pause.holds(true, START_MS + 1000), None, "over by the server clock");
        assert_eq!(h.run("CLIENT PAUSE 1000 ALL"), Reply::OK);
        assert_eq!(h.run("CLIENT UNPAUSE"), Reply::OK);
        assert!(h.shared.pause.holds(true, START_MS + 1000).is_none());
    }

    #[test]
    fn no_evict_and_no_touch_flags() {
        let mut h = Harness::new();
        assert_eq!(h.run("CLIENT NO-EVICT on"), Reply::OK);
        assert!(h.client.no_evict);
        assert!(text(h.run("CLIENT INFO")).contains(" flags=e "));
        assert_eq!(h.run("CLIENT NO-TOUCH ON"), Reply::OK);
        assert!(h.client.no_touch);
        assert!(text(h.run("CLIENT INFO")).contains(" flags=eT "));
        assert_eq!(h.run("CLIENT NO-EVICT off"), Reply::OK);
        assert_eq!(h.run("CLIENT NO-TOUCH Off"), Reply::OK);
        assert!(!h.client.no_evict && !h.client.no_touch);
        assert!(text(h.run("CLIENT INFO")).contains(" flags=N "));
        assert_eq!(h.run("CLIENT NO-EVICT maybe"), err("ERR syntax error"));
        assert_eq!(h.run("CLIENT NO-TOUCH 1"), err("ERR syntax error"));
        assert_eq!(
            h.run("CLIENT NO-TOUCH"),
            err("ERR wrong number of arguments for 'client|no-touch' command")
        );
        assert_eq!(
            h.run("CLIENT NO-EVICT on off"),
            err("ERR wrong number of arguments for 'client|no-evict' command")
        );
    }

    #[test]
    fn no_touch_keeps_access_times() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.advance_ms(10_000);
        h.run("CLIENT NO-TOUCH ON");
        h.run("GET k");
        let idle = |h: &Harness| h.keyspace().idle_ms(b"k");
        assert_eq!(idle(&h), Some(10_000));
        h.run("CLIENT NO-TOUCH OFF");
        h.run("GET k");
        assert_eq!(idle(&h), Some(0));
    }

    /// Replays Redis's per-command flag handling for a sequence of commands:
    /// which replies a client would receive.
    fn sent(h: &mut Harness, lines: &[&str]) -> Vec<Reply> {
        let mut out = Vec::new();
        for line in lines {
            let reply = h.run(line);
            if h.client.reply_allowed() && reply != Reply::None {
                out.push(reply);
            }
        }
        out
    }

    #[test]
    fn reply_on_off_skip() {
        let mut h = Harness::new();
        let pong = Reply::simple("PONG");
        assert_eq!(
            sent(&mut h, &["CLIENT REPLY OFF", "PING", "CLIENT REPLY ON", "PING"]),
            vec![Reply::OK, pong.clone()]
        );
        assert_eq!(sent(&mut h, &["CLIENT REPLY SKIP", "PING", "PING"]), vec![pong.clone()]);
        assert_eq!(
            sent(&mut h, &["CLIENT REPLY SKIP", "CLIENT REPLY SKIP", "ECHO a", "ECHO b"]),
            vec![bulk("b")]
        );
        assert_eq!(
            sent(&mut h, &["CLIENT REPLY OFF", "CLIENT REPLY SKIP", "ECHO a", "CLIENT REPLY ON", "ECHO b"]),
            vec![Reply::OK, bulk("b")]
        );
        assert_eq!(
            sent(&mut h, &["CLIENT REPLY SKIP", "CLIENT REPLY ON", "ECHO c"]),
            vec![Reply::OK, bulk("c")]
        );
        assert_eq!(sent(&mut h, &["CLIENT REPLY OFF", "GET", "NOSUCH"]), vec![], "errors are suppressed too");
        assert_eq!(sent(&mut h, &["CLIENT REPLY ON"]), vec![Reply::OK]);
        assert_eq!(
            sent(&mut h, &["CLIENT REPLY FOO", "CLIENT REPLY"]),
            vec![err("ERR syntax error"), err("ERR wrong number of arguments for 'client|reply' command")]
        );
    }

    #[test]
    fn unknown_subcommand_and_help() {
        let mut h = Harness::new();
        assert_eq!(h.run("CLIENT NOPE"), err("ERR unknown subcommand 'NOPE'. Try CLIENT HELP."));
        assert!(matches!(h.run("CLIENT HELP"), Reply::Array(lines) if lines.len() > 5));
        assert_eq!(h.run("CLIENT"), err("ERR wrong number of arguments for 'client' command"));
    }
}

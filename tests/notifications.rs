//! Keyspace notifications against redis-server: every command of
//! `tests/notifications/commands.txt` runs on a RESP3 connection that
//! listens to every keyspace and keyevent channel; the push frames it gets
//! before each reply, and the reply, must be redis-server's. Also the
//! `expired` events of lazy and active expiry, and `evicted`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{show_cut, Conn, Server};

/// What one command brings: its reply first, then its push frames in
/// order. Redis sends a client its own events before or after the reply,
/// as each command's code happens to order them (MiniRedis: always
/// before), so only the events and their order are compared, read up to
/// the reply of an `ECHO` sent behind the command.
fn frames(conn: &mut Conn, args: &[Vec<u8>], queued: bool) -> Vec<Vec<u8>> {
    conn.send_cmd(args);
    // After MULTI the marker would be queued too: one reply (`OK`, `QUEUED`).
    if queued {
        return vec![conn.read_reply()];
    }
    conn.send_cmd(&["ECHO", MARKER]);
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    // A subscription's confirmations are push frames themselves.
    let mut replies = if name.ends_with("subscribe") { args.len() - 1 } else { 1 };
    let (mut reply, mut pushes) = (Vec::new(), Vec::new());
    loop {
        let frame = conn.read_reply();
        if frame == common::bulk(MARKER) {
            reply.extend(pushes);
            return reply;
        }
        if frame.first() == Some(&b'>') && !frame.starts_with(b">3\r\n") || replies == 0 {
            pushes.push(frame);
        } else {
            replies -= 1;
            reply.push(frame);
        }
    }
}

/// The keyspace and keyevent channels and messages in `bytes`, in order.
fn events(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.split("pmessage\r\n").skip(1).map(|m| m.split("\r\n").skip(3).step_by(2).take(2).collect()).collect()
}

const MARKER: &str = "end-of-command";

fn start_pair(extra: &[&str]) -> Option<(Server, Server)> {
    let binary = common::redis_binary("redis-server", "notifications test")?;
    Some((Server::start_redis(&binary, extra), Server::start_miniredis(extra)))
}

#[test]
fn every_command_fires_redis_events() {
    let Some((redis, mini)) = start_pair(&[]) else { return };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notifications/commands.txt");
    let script = std::fs::read_to_string(&path).expect("read the script");
    let (mut rc, mut mc) = (redis.connect(), mini.connect());
    let mut mismatches = Vec::new();
    let mut compared = 0;
    let mut in_multi = false;
    for (index, raw) in script.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("===") {
            (rc, mc) = (redis.connect(), mini.connect());
            for conn in [&mut rc, &mut mc] {
                assert_eq!(conn.call(&["FLUSHALL"]).expect("FLUSHALL"), b"+OK\r\n");
            }
            continue;
        }
        let (type_only, text) = match line.strip_prefix("@type ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        // Redis 7.0 writes a ZPOP's events inside its reply: only the events are compared.
        let (events_only, text) = match text.strip_prefix("@events ") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let args = miniredis::protocol::parse::split_inline(text.as_bytes()).expect("a command line");
        let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
        let queued = name == "multi" || in_multi && name != "exec" && name != "discard";
        let (r, m) = (frames(&mut rc, &args, queued), frames(&mut mc, &args, queued));
        in_multi = (in_multi || name == "multi") && name != "exec" && name != "discard";
        let shown =
            |frames: &[Vec<u8>]| frames.iter().map(|f| show_cut(f, 200)).collect::<Vec<_>>().join(" | ");
        let same = if type_only {
            r.len() == m.len() && r[0][0] == m[0][0]
        } else if events_only {
            events(&r.concat()) == events(&m.concat())
        } else {
            r == m
        };
        compared += 1;
        if !same {
            mismatches.push(format!(
                "line {}: {text}\n  redis:     {}\n  miniredis: {}",
                index + 1,
                shown(&r),
                shown(&m)
            ));
        }
    }
    for conn in [&mut rc, &mut mc] {
        let _ = conn.call(&["RESET"]);
        let _ = conn.call(&["CONFIG", "SET", "notify-keyspace-events", ""]);
    }
    assert!(compared > 100, "the script ran {compared} commands");
    assert!(
        mismatches.is_empty(),
        "{} of {compared} commands differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Every command that may write is in the script, so a command added later
/// fails here until its events are compared with redis-server's.
#[test]
fn the_script_covers_every_write_command() {
    let mini = Server::start_miniredis(&[]);
    let list =
        mini.connect().call(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "write"]).expect("COMMAND LIST");
    let text = String::from_utf8_lossy(&list).into_owned();
    let script = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notifications/commands.txt"),
    )
    .expect("read the script")
    .to_ascii_lowercase();
    // A line covers its command, and `name|sub` for a container's subcommand.
    let used: Vec<String> = script
        .lines()
        .map(|line| line.trim_start_matches("@type ").trim_start_matches("@events "))
        .flat_map(|line| {
            let mut words = line.split_whitespace();
            let (name, sub) = (words.next(), words.next());
            name.map(str::to_owned).into_iter().chain(name.zip(sub).map(|(n, s)| format!("{n}|{s}")))
        })
        .collect();
    let names: Vec<&str> =
        text.lines().filter(|line| !line.starts_with(['*', '$']) && !line.is_empty()).collect();
    assert!(names.len() > 50 && names.contains(&"set"), "{names:?}");
    // PFDEBUG is a debugging aid with no events in Redis either.
    let missing: Vec<&str> =
        names.into_iter().filter(|name| *name != "pfdebug" && !used.iter().any(|u| u == name)).collect();
    assert!(
        missing.is_empty(),
        "write commands without a line in tests/notifications/commands.txt: {missing:?}"
    );
}

/// Reads push frames until one is `wanted` (or the reply timeout passes);
/// the frames read, `wanted` last.
fn wait_for(conn: &mut Conn, wanted: &str) -> Vec<String> {
    let mut got = Vec::new();
    while let Ok(frame) = conn.try_read_reply() {
        got.push(show_cut(&frame, 200));
        if got.last().is_some_and(|f| f == wanted) {
            break;
        }
    }
    got
}

fn event(channel: &str, message: &str) -> String {
    show_cut(
        format!(
            ">4\r\n$8\r\npmessage\r\n$12\r\n__key*@*__:*\r\n${}\r\n{channel}\r\n${}\r\n{message}\r\n",
            channel.len(),
            message.len()
        )
        .as_bytes(),
        200,
    )
}

fn listener(server: &Server, classes: &str) -> (Conn, Conn) {
    let mut admin = server.connect();
    admin.cmd(&["CONFIG", "SET", "notify-keyspace-events", classes], "+OK\r\n");
    let mut listen = server.connect();
    listen.call(&["HELLO", "3"]).expect("HELLO 3");
    listen.cmd(&["PSUBSCRIBE", "__key*@*__:*"], ">3\r\n$10\r\npsubscribe\r\n$12\r\n__key*@*__:*\r\n:1\r\n");
    (admin, listen)
}

#[test]
fn expiry_lazy_and_active_sends_expired() {
    let mini = Server::start_miniredis(&["--enable-debug-command", "yes"]);
    let (mut admin, mut listen) = listener(&mini, "Ex");
    // Lazy: the read finds the key past its deadline.
    admin.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n");
    admin.cmd(&["SET", "lazy", "v", "PX", "1"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(10));
    admin.cmd(&["GET", "lazy"], "$-1\r\n");
    let lazy = event("__keyevent@0__:expired", "lazy");
    assert_eq!(wait_for(&mut listen, &lazy), [lazy]);
    // Active: nobody reads the key; the background cycle removes it.
    admin.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"], "+OK\r\n");
    admin.cmd(&["SET", "active", "v", "PX", "1"], "+OK\r\n");
    let active = event("__keyevent@0__:expired", "active");
    assert_eq!(wait_for(&mut listen, &active), [active]);
}

#[test]
fn eviction_sends_evicted() {
    let mini = Server::start_miniredis(&["--maxmemory-policy", "allkeys-random"]);
    let (mut admin, mut listen) = listener(&mini, "Ee");
    let used = || {
        let info = String::from_utf8_lossy(&mini.connect().call(&["INFO", "memory"]).unwrap()).into_owned();
        info.lines().find_map(|l| l.strip_prefix("used_memory:")).unwrap().trim().parse::<u64>().unwrap()
    };
    // A command's eviction: twenty values of 200 kB do not fit under 2 MB more.
    let limit = (used() + (2 << 20)).to_string();
    admin.cmd(&["CONFIG", "SET", "maxmemory", &limit], "+OK\r\n");
    for i in 0..20 {
        admin.cmd(&["SET", &format!("k{i}"), "x".repeat(200 << 10).as_str()], "+OK\r\n");
    }
    let first = listen.read_reply();
    assert!(show_cut(&first, 200).contains("__keyevent@0__:evicted"), "{}", show_cut(&first, 200));
    admin.cmd(&["FLUSHALL"], "+OK\r\n");
    // `CONFIG SET maxmemory` below the memory in use evicts at once.
    admin.cmd(&["CONFIG", "SET", "maxmemory", "0"], "+OK\r\n");
    admin.cmd(&["SET", "second", "x".repeat(4 << 20).as_str()], "+OK\r\n");
    let limit = (used() - (2 << 20)).to_string();
    admin.cmd(&["CONFIG", "SET", "maxmemory", &limit], "+OK\r\n");
    let second = event("__keyevent@0__:evicted", "second");
    assert_eq!(wait_for(&mut listen, &second).last(), Some(&second));
}

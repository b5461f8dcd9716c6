//! Streams over real connections: blocking XREAD/XREADGROUP (every reader
//! served, group readers first come first served, timeouts, a deleted
//! stream or destroyed group ending the wait), and consumer-group state
//! after a restart from dump.json, an AOF replay and an AOF rewrite.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{bulk, Conn, Server, TempDir};

/// `[[key, [[id, [field, value]]]]]`, as a served read replies in RESP2.
fn served(key: &str, id: &str, field: &str, value: &str) -> Vec<u8> {
    [
        b"*1\r\n*2\r\n".to_vec(),
        bulk(key),
        b"*1\r\n*2\r\n".to_vec(),
        bulk(id),
        b"*2\r\n".to_vec(),
        bulk(field),
        bulk(value),
    ]
    .concat()
}

#[test]
fn every_reader_is_served_and_group_readers_in_turn() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    admin.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], "+OK\r\n");
    let mut readers: Vec<Conn> = (0..2).map(|_| server.connect()).collect();
    let mut consumers: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
    for (i, r) in readers.iter_mut().enumerate() {
        r.send_cmd(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
        admin.await_blocked(i + 1);
    }
    for (i, c) in consumers.iter_mut().enumerate() {
        c.send_cmd(&["XREADGROUP", "GROUP", "g", &format!("c{i}"), "BLOCK", "0", "STREAMS", "s", ">"]);
        admin.await_blocked(i + 3);
    }
    admin.cmd(&["XADD", "s", "1-0", "f", "one"], bulk("1-0"));
    for r in &mut readers {
        r.expect(served("s", "1-0", "f", "one"));
    }
    consumers[0].expect(served("s", "1-0", "f", "one"));
    admin.await_blocked(2);
    consumers[1].expect_silence(Duration::from_millis(30));
    admin.cmd(&["XADD", "s", "2-0", "f", "two"], bulk("2-0"));
    consumers[1].expect(served("s", "2-0", "f", "two"));
    admin.cmd(&["XADD", "s", "3-0", "f", "three"], bulk("3-0"));
    consumers[2].expect(served("s", "3-0", "f", "three"));
    admin.await_blocked(0);
    let owners = [b"*4\r\n:3\r\n".to_vec(), bulk("1-0"), bulk("3-0"), b"*3\r\n".to_vec()]
        .into_iter()
        .chain((0..3).map(|i| [b"*2\r\n".to_vec(), bulk(format!("c{i}")), bulk("1")].concat()))
        .collect::<Vec<_>>()
        .concat();
    admin.cmd(&["XPENDING", "s", "g"], owners);
}

#[test]
fn a_reader_of_a_served_group_passes_the_turn_to_the_next_group() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    admin.cmd(&["XGROUP", "CREATE", "s", "g1", "$", "MKSTREAM"], "+OK\r\n");
    admin.cmd(&["XGROUP", "CREATE", "s", "g2", "$"], "+OK\r\n");
    let mut consumers: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
    for (i, (c, group)) in consumers.iter_mut().zip(["g1", "g1", "g2"]).enumerate() {
        c.send_cmd(&["XREADGROUP", "GROUP", group, &format!("c{i}"), "BLOCK", "0", "STREAMS", "s", ">"]);
        admin.await_blocked(i + 1);
    }
    admin.cmd(&["XADD", "s", "1-0", "f", "one"], bulk("1-0"));
    consumers[0].expect(served("s", "1-0", "f", "one"));
    // The second (g1 has nothing left) keeps waiting, and g2's reader still gets the entry.
    consumers[2].expect(served("s", "1-0", "f", "one"));
    admin.await_blocked(1);
    consumers[1].expect_silence(Duration::from_millis(30));
}

#[test]
fn timeouts_and_a_vanished_stream_or_group_end_the_wait() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    let mut waiter = server.connect();
    waiter.cmd(&["XREAD", "BLOCK", "30", "STREAMS", "nothing", "0"], "*-1\r\n");
    admin.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], "+OK\r\n");
    waiter.send_cmd(&["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]);
    admin.await_blocked(1);
    admin.cmd(&["XGROUP", "DESTROY", "s", "g"], ":1\r\n");
    waiter.expect("-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
    admin.cmd(&["XGROUP", "CREATE", "s", "g", "$"], "+OK\r\n");
    let mut other = server.connect();
    let mut reader = server.connect();
    waiter.send_cmd(&["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]);
    other.send_cmd(&["XREADGROUP", "GROUP", "g", "d", "BLOCK", "0", "STREAMS", "s", ">"]);
    reader.send_cmd(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
    admin.await_blocked(3);
    admin.cmd(&["DEL", "s"], ":1\r\n");
    waiter.expect("-UNBLOCKED the stream key no longer exists\r\n");
    other.expect("-UNBLOCKED the stream key no longer exists\r\n");
    // A plain reader waits on: the next stream at the key serves it.
    admin.await_blocked(1);
    admin.cmd(&["XADD", "s", "5-0", "f", "v"], bulk("5-0"));
    reader.expect(served("s", "5-0", "f", "v"));
    waiter.cmd(&["PING"], "+PONG\r\n");
}

/// `XINFO STREAM key FULL` with the consumers' seen times masked (a replay
/// sees its consumers at replay time, as Redis's does) and the node counts.
fn group_state(c: &mut Conn) -> String {
    c.send_cmd(&["XINFO", "STREAM", "s", "FULL", "COUNT", "0"]);
    let text = String::from_utf8_lossy(&c.read_reply()).into_owned();
    let mut mask = false;
    text.split("\r\n")
        .map(|line| {
            let out = if mask { ":_".to_string() } else { line.to_string() };
            mask = line == "seen-time" || line.starts_with("radix-tree-");
            out
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn build_groups(c: &mut Conn) {
    for (id, v) in [("1-0", "a"), ("2-0", "b"), ("3-0", "c"), ("4-0", "d"), ("5-0", "e")] {
        c.cmd(&["XADD", "s", id, "f", v], bulk(id));
    }
    c.cmd(&["XDEL", "s", "4-0"], ":1\r\n");
    c.cmd(&["XGROUP", "CREATE", "s", "g", "0"], "+OK\r\n");
    c.cmd(&["XGROUP", "CREATE", "s", "late", "$"], "+OK\r\n");
    c.send_cmd(&["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"]);
    c.read_reply();
    c.send_cmd(&["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"]);
    c.read_reply();
    c.cmd(&["XACK", "s", "g", "2-0"], ":1\r\n");
    c.send_cmd(&["XCLAIM", "s", "g", "bob", "0", "1-0", "RETRYCOUNT", "4", "JUSTID"]);
    c.read_reply();
    c.cmd(&["XGROUP", "CREATECONSUMER", "s", "g", "carol"], ":1\r\n");
}

#[test]
fn group_state_survives_a_restart_from_the_dump() {
    let dir = Arc::new(TempDir::new("streams-dump"));
    let mut first = Server::start_in(dir.clone(), &[]);
    let mut c = first.connect();
    build_groups(&mut c);
    let before = group_state(&mut c);
    assert!(before.contains("alice") && before.contains("carol"), "{before}");
    c.cmd(&["SAVE"], "+OK\r\n");
    first.kill();
    let second = Server::start_in(dir, &[]);
    let mut c = second.connect();
    assert_eq!(group_state(&mut c), before);
    c.cmd(
        &["XADD", "s", "5-0", "f", "x"],
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n",
    );
}

#[test]
fn group_state_survives_aof_replay_and_rewrite() {
    let dir = Arc::new(TempDir::new("streams-aof"));
    let mut server = Server::start_in(dir.clone(), &["--appendonly", "yes", "--appendfsync", "always"]);
    let mut c = server.connect();
    build_groups(&mut c);
    let before = group_state(&mut c);
    server.kill();
    let mut server = Server::start_in(dir.clone(), &["--appendonly", "yes", "--appendfsync", "always"]);
    let mut c = server.connect();
    assert_eq!(group_state(&mut c), before, "after replaying the log");
    c.cmd(&["BGREWRITEAOF"], "+Background append only file rewriting started\r\n");
    let start = Instant::now();
    loop {
        c.send_cmd(&["INFO", "persistence"]);
        let info = String::from_utf8_lossy(&c.read_reply()).into_owned();
        if info.contains("aof_rewrite_in_progress:0") && info.contains("aof_last_bgrewrite_status:ok") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{info}");
        std::thread::yield_now();
    }
    server.kill();
    let server = Server::start_in(dir, &["--appendonly", "yes"]);
    let mut c = server.connect();
    assert_eq!(group_state(&mut c), before, "after the rewrite");
}

//! Blocking list pops over real connections: FIFO order, serving after the
//! whole command, several keys, CLIENT UNBLOCK, kill and disconnect while
//! blocked, timeouts, pipelined commands waiting, the logged form, and the
//! `redis` crate.

mod common;

use std::time::Duration;

use common::{bulk, Conn, Server};

fn pair(key: &str, value: &str) -> Vec<u8> {
    [b"*2\r\n".to_vec(), bulk(key), bulk(value)].concat()
}

#[test]
fn fifo_order_and_served_after_the_whole_push() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    let mut waiters: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.send_cmd(&["BLPOP", "q", "0"]);
        admin.await_blocked(i + 1);
    }
    admin.send_cmd(&["CLIENT", "LIST"]);
    assert!(String::from_utf8_lossy(&admin.read_reply()).contains(" flags=b "));
    // One push of three: each waiter gets one, first blocked first served,
    // and the first sees the list as the whole LPUSH left it.
    admin.cmd(&["LPUSH", "q", "a", "b", "c"], ":3\r\n");
    waiters[0].expect(pair("q", "c"));
    waiters[1].expect(pair("q", "b"));
    waiters[2].expect(pair("q", "a"));
    admin.await_blocked(0);
    admin.cmd(&["EXISTS", "q"], ":0\r\n");
}

#[test]
fn several_keys_pipelined_commands_wait_and_the_log_holds_plain_pops() {
    let server = Server::start(&["--appendonly", "yes"]);
    let mut admin = server.connect();
    let mut waiter = server.connect();
    // The GET behind the BLPOP waits until the BLPOP is served.
    waiter.send([common::resp(&["BRPOP", "k1", "k2", "0"]), common::resp(&["GET", "s"])].concat());
    admin.await_blocked(1);
    admin.cmd(&["SET", "s", "v"], "+OK\r\n");
    waiter.expect_silence(Duration::from_millis(50));
    admin.cmd(&["RPUSH", "k2", "x", "y"], ":2\r\n");
    waiter.expect([pair("k2", "y"), b"$1\r\nv\r\n".to_vec()].concat());
    admin.cmd(&["LRANGE", "k2", "0", "-1"], "*1\r\n$1\r\nx\r\n");
    // BLMOVE logs LMOVE.
    waiter.send_cmd(&["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["RPUSH", "src", "m"], ":1\r\n");
    waiter.expect("$1\r\nm\r\n");
    admin.cmd(&["LRANGE", "dst", "0", "-1"], "*1\r\n$1\r\nm\r\n");
    drop(admin);
    let log = std::fs::read_dir(server.dir_path())
        .unwrap()
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                std::fs::read_dir(path).unwrap().flatten().map(|e| e.path()).collect()
            } else {
                vec![path]
            }
        })
        .filter(|p| p.to_string_lossy().contains("aof"))
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned())
        .collect::<String>();
    assert!(!log.contains("BRPOP") && !log.contains("BLMOVE"), "{log}");
    assert!(log.contains("$4\r\nRPOP\r\n$2\r\nk2\r\n") && log.contains("$5\r\nLMOVE\r\n"), "{log}");
}

#[test]
fn timeout_unblock_and_kill() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    let mut waiter = server.connect();
    waiter.cmd(&["BLPOP", "none", "0.05"], "*-1\r\n");
    waiter.cmd(&["BLMOVE", "none", "d", "LEFT", "LEFT", "0.01"], "*-1\r\n");

    waiter.send_cmd(&["CLIENT", "ID"]);
    let id_line = waiter.read_reply();
    let id = String::from_utf8_lossy(&id_line).trim().trim_start_matches(':').to_string();
    waiter.send_cmd(&["BLPOP", "none", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["CLIENT", "UNBLOCK", &id], ":1\r\n");
    waiter.expect("*-1\r\n");
    admin.cmd(&["CLIENT", "UNBLOCK", &id], ":0\r\n");
    waiter.send_cmd(&["BLPOP", "none", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"], ":1\r\n");
    waiter.expect("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    admin.cmd(
        &["CLIENT", "UNBLOCK", &id, "NOPE"],
        "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
    );

    waiter.send_cmd(&["BLPOP", "none", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["CLIENT", "KILL", "ID", &id], ":1\r\n");
    waiter.expect_closed();
    admin.await_blocked(0);
    // The killed waiter left no queue entry: the next one is served.
    let mut next = server.connect();
    next.send_cmd(&["BLPOP", "none", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["RPUSH", "none", "v"], ":1\r\n");
    next.expect(pair("none", "v"));
}

#[test]
fn many_blocked_connections_dropping_at_once() {
    let server = Server::start(&[]);
    // Each connection speaks at once: one silent for 250 ms while the
    // others connect would be greeted as a person typing.
    let mut admin = server.connect();
    admin.cmd(&["PING"], "+PONG\r\n");
    let waiters: Vec<Conn> = (0..300)
        .map(|_| {
            let mut waiter = server.connect();
            waiter.send_cmd(&["BLPOP", "q", "0"]);
            waiter
        })
        .collect();
    admin.await_blocked(300);
    drop(waiters);
    admin.await_blocked(0);
    let mut last = server.connect();
    last.send_cmd(&["BLPOP", "q", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["LPUSH", "q", "x"], ":1\r\n");
    last.expect(pair("q", "x"));
}

#[test]
fn the_redis_crate_blocks_and_is_served() {
    let server = Server::start(&[]);
    let url = format!("redis://127.0.0.1:{}/", server.port);
    let client = redis::Client::open(url).unwrap();
    let mut consumer = client.get_connection().unwrap();
    let mut admin = server.connect();
    let handle = std::thread::spawn(move || {
        let got: Option<(String, String)> =
            redis::cmd("BRPOP").arg("jobs").arg(0).query(&mut consumer).unwrap();
        got
    });
    admin.await_blocked(1);
    let mut producer = client.get_connection().unwrap();
    let len: i64 = redis::cmd("LPUSH").arg("jobs").arg("job-1").query(&mut producer).unwrap();
    assert_eq!(len, 1);
    assert_eq!(handle.join().unwrap(), Some(("jobs".to_string(), "job-1".to_string())));
    let none: Option<(String, String)> =
        redis::cmd("BLPOP").arg("jobs").arg(0.01).query(&mut producer).unwrap();
    assert_eq!(none, None);
}

#[test]
fn a_hundred_thousand_keys_and_several_threads() {
    let server = Server::start(&["--threads", "4"]);
    let mut admin = server.connect();
    let mut waiter = server.connect();
    let mut args: Vec<String> = vec!["BLPOP".into()];
    args.extend((0..100_000).map(|i| format!("key:{i}")));
    args.push("0".into());
    waiter.send_cmd(&args);
    admin.await_blocked(1);
    admin.cmd(&["RPUSH", "key:99999", "last"], ":1\r\n");
    waiter.expect(pair("key:99999", "last"));
    // Served: it left all 100,000 queues, so a push to another key wakes no one.
    admin.await_blocked(0);
    admin.cmd(&["RPUSH", "key:5", "x"], ":1\r\n");
    admin.cmd(&["LLEN", "key:5"], ":1\r\n");
    // Bad arguments get Redis's errors and the connection stays usable.
    waiter.cmd(&["BLPOP", "k", "-1"], "-ERR timeout is negative\r\n");
    waiter.cmd(&["BLMPOP", "0", "3", "k", "LEFT"], "-ERR syntax error\r\n");
    waiter.cmd(&["LMPOP", "0", "k", "LEFT"], "-ERR numkeys should be greater than 0\r\n");
    waiter.cmd(&["LPOP", "key:5", "9223372036854775807"], "*1\r\n$1\r\nx\r\n");
    waiter.cmd(&["PING"], "+PONG\r\n");
}

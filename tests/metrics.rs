//! Metrics against the real binary: MONITOR streams, CLIENT LIST shows real
//! buffer sizes, INFO commandstats counts what connections ran.

mod common;

use std::time::Duration;

use common::{bulk, Server};

fn bulk_text(raw: Vec<u8>) -> String {
    let text = String::from_utf8_lossy(&raw).into_owned();
    text.split_once("\r\n").map(|(_, body)| body.to_string()).unwrap_or(text)
}

#[test]
fn monitor_streams_other_clients_commands() {
    let server = Server::start(&[]);
    let mut monitor = server.connect();
    monitor.cmd(&["MONITOR"], "+OK\r\n");
    let mut other = server.connect();
    other.cmd(&["SET", "foo", "bar baz"], "+OK\r\n");
    other.cmd(&["SELECT", "2"], "+OK\r\n");
    other.cmd(&["GET", "foo"], "$-1\r\n");
    other.send_cmd(&["CONFIG", "GET", "port"]);
    other.read_reply();
    // Three lines are due; wait a little longer to catch a fourth (CONFIG) that must not come.
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while got.iter().filter(|&&b| b == b'\n').count() < 3 && std::time::Instant::now() < deadline {
        got.extend(monitor.read_up_to(1, Duration::from_millis(100)));
    }
    got.extend(monitor.read_up_to(4096, Duration::from_millis(300)));
    let lines = String::from_utf8(got).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 3, "admin commands are not shown: {lines:?}");
    assert!(lines[0].starts_with('+') && lines[0].ends_with("] \"SET\" \"foo\" \"bar baz\""), "{lines:?}");
    assert!(lines[0].contains(" [0 127.0.0.1:"), "{lines:?}");
    assert!(lines[2].contains(" [2 127.0.0.1:") && lines[2].ends_with("\"GET\" \"foo\""), "{lines:?}");
    // A monitor that goes away stops being fed; others are unaffected.
    drop(monitor);
    other.cmd(&["PING"], "+PONG\r\n");
    other.cmd(&["PING"], "+PONG\r\n");
}

#[test]
fn client_list_and_commandstats_are_real() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    conn.cmd(&["SET", "k", "v"], "+OK\r\n");
    conn.cmd(&["GET", "k"], bulk("v"));
    conn.send_cmd(&["CLIENT", "LIST"]);
    let list = bulk_text(conn.read_reply());
    assert!(list.contains(" cmd=client|list "), "{list}");
    assert!(!list.contains(" qbuf-free=0 ") && !list.contains(" tot-mem=0 "), "{list}");
    conn.send_cmd(&["INFO", "commandstats"]);
    let info = bulk_text(conn.read_reply());
    assert!(info.contains("cmdstat_set:calls=1,"), "{info}");
    assert!(info.contains("cmdstat_get:calls=1,"), "{info}");
    assert!(info.contains("cmdstat_client|list:calls=1,"), "{info}");
}

/// `qbuf` is the query buffer as read, including the request now running
/// (and any pipelined with it), and `argv-mem` the running request's
/// argument bytes, as Redis 7.0 reports them (checked against redis-server).
#[test]
fn client_list_qbuf_and_argv_mem_are_the_current_request() {
    let server = Server::start_miniredis(&[]);
    let mut conn = server.connect();
    conn.send_cmd(&["CLIENT", "LIST"]);
    let list = bulk_text(conn.read_reply());
    assert!(list.contains(" qbuf=26 ") && list.contains(" argv-mem=10 "), "{list}");
    conn.send(b"*1\r\n$4\r\nPING\r\n*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n");
    conn.expect("+PONG\r\n");
    let info = bulk_text(conn.read_reply());
    assert!(info.contains(" qbuf=40 ") && info.contains(" argv-mem=10 "), "{info}");
    // Another, idle connection: nothing buffered, no arguments held.
    let mut other = server.connect();
    other.cmd(&["PING"], "+PONG\r\n");
    conn.send_cmd(&["CLIENT", "LIST"]);
    let list = bulk_text(conn.read_reply());
    let idle = list.lines().find(|l| !l.contains("cmd=client|list")).expect("the other client");
    assert!(idle.contains(" qbuf=0 ") && idle.contains(" argv-mem=0 "), "{idle}");
}

/// `events` is measured: `w` while the connection waits for its client to
/// take a reply, `r` while it waits for requests.
#[test]
fn client_list_events_show_a_connection_blocked_on_writing() {
    let server = Server::start_miniredis(&[]);
    let mut conn = server.connect();
    let big = "x".repeat(8 << 20);
    conn.cmd(&["SET", "big", big.as_str()], "+OK\r\n");
    let mut slow = server.connect();
    let slow_id = String::from_utf8(slow.call(&["CLIENT", "ID"]).unwrap()).unwrap();
    let slow_id = format!("id={} ", slow_id.trim().trim_start_matches(':'));
    // 32 MB of replies that the test never reads: far more than the sockets hold.
    for _ in 0..4 {
        slow.send_cmd(&["GET", "big"]);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let slow_line = loop {
        conn.send_cmd(&["CLIENT", "LIST"]);
        let list = bulk_text(conn.read_reply());
        let line = list.lines().find(|l| l.starts_with(&slow_id)).map(str::to_string);
        if let Some(line) = line.filter(|l| l.contains(" events=w ")) {
            break line;
        }
        assert!(std::time::Instant::now() < deadline, "never seen writing:\n{list}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!slow_line.contains(" obl=0 "), "the unsent replies show: {slow_line}");
    conn.send_cmd(&["CLIENT", "INFO"]);
    assert!(bulk_text(conn.read_reply()).contains(" events=r "));
}

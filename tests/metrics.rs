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

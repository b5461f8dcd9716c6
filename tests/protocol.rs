//! The wire protocol, byte for byte: RESP and inline requests, pipelining,
//! malformed input, and limits.

mod common;

use std::io::Write;
use std::thread;
use std::time::Duration;

use common::{bulk, resp, show, Conn, Server, REPLY_TIMEOUT};

/// A server that never greets, so every test speaks RESP from the start.
fn server() -> Server {
    Server::start(&["--human-session-delay", "0"])
}

#[test]
fn resp_requests_and_replies() {
    let server = server();
    let mut c = server.connect();
    c.roundtrip("*1\r\n$4\r\nPING\r\n", "+PONG\r\n");
    c.roundtrip("*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n", "$5\r\nhello\r\n");
    c.roundtrip("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "+OK\r\n");
    c.roundtrip("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", "$5\r\nvalue\r\n");
    c.roundtrip("*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n", "$-1\r\n");
    // Command names are case-insensitive.
    c.roundtrip("*2\r\n$3\r\ngEt\r\n$3\r\nkey\r\n", "$5\r\nvalue\r\n");
    // Empty arrays and null arrays are ignored, as Redis does.
    c.roundtrip("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", "+PONG\r\n");
    // Empty strings are valid keys and values.
    c.cmd(&["SET", "", ""], "+OK\r\n");
    c.cmd(&["GET", ""], "$0\r\n\r\n");
}

#[test]
fn binary_safe_keys_and_values() {
    let server = server();
    let mut c = server.connect();
    let key: &[u8] = b"k\x00\xff\r\n";
    let value: &[u8] = b"\x00\x01\x80\xfe\xff\r\n$3\r\n*1\r\n";
    c.cmd(&[&b"SET"[..], key, value], "+OK\r\n");
    c.cmd(&[&b"GET"[..], key], bulk(value));
    let big = vec![b'x'; 1_000_000];
    c.cmd(&[&b"SET"[..], b"big", &big], "+OK\r\n");
    c.cmd(&[&b"GET"[..], b"big"], bulk(&big));
}

#[test]
fn inline_requests_with_quotes_and_escapes() {
    let server = server();
    let mut c = server.connect();
    c.roundtrip("PING\r\n", "+PONG\r\n");
    c.roundtrip("ping\n", "+PONG\r\n");
    c.roundtrip("SET k \"hello world\"\r\n", "+OK\r\n");
    c.roundtrip("GET k\r\n", "$11\r\nhello world\r\n");
    c.roundtrip("SET k 'it\\'s'\r\n", "+OK\r\n");
    c.roundtrip("GET k\r\n", "$4\r\nit's\r\n");
    c.roundtrip("SET k \"a\\x00\\xffb\\n\"\r\n", "+OK\r\n");
    c.roundtrip("GET k\r\n", bulk(b"a\x00\xffb\n"));
    c.roundtrip("  SET   k    v  \r\n", "+OK\r\n");
    c.roundtrip("GET k\r\n", "$1\r\nv\r\n");
    // An empty line gets no reply at all (redis-cli --pipe relies on it).
    c.roundtrip("\r\n\nPING\r\n", "+PONG\r\n");
}

#[test]
fn inline_and_resp_mixed_in_one_write() {
    let server = server();
    let mut c = server.connect();
    let mut request = b"SET a 1\r\n".to_vec();
    request.extend(resp(&["GET", "a"]));
    request.extend(b"GET a\n");
    request.extend(resp(&["PING"]));
    c.roundtrip(request, "+OK\r\n$1\r\n1\r\n$1\r\n1\r\n+PONG\r\n");
}

#[test]
fn a_request_split_across_many_writes() {
    let server = server();
    let mut c = server.connect();
    let request = resp(&["SET", "split", "across packets"]);
    for byte in &request {
        c.send([*byte]);
        thread::sleep(Duration::from_millis(1));
    }
    c.expect("+OK\r\n");
    c.cmd(&["GET", "split"], bulk("across packets"));
}

/// Values of varying length, so replies straddle read boundaries.
fn pipelined_value(i: usize) -> String {
    format!("value-{i}-{}", "v".repeat(i % 17))
}

#[test]
fn ten_thousand_pipelined_commands_in_one_write() {
    let server = server();
    let mut c = server.connect();
    let mut request = Vec::new();
    let mut expected = Vec::new();
    for i in 0..5_000 {
        let key = format!("key:{i}");
        let value = pipelined_value(i);
        request.extend(resp(&["SET", &key, &value]));
        request.extend(resp(&["GET", &key]));
        expected.extend_from_slice(b"+OK\r\n");
        expected.extend(bulk(&value));
    }
    // Write from another thread so neither side can block the other while
    // the replies flow back.
    let mut writer = c.stream.try_clone().unwrap();
    let sender = thread::spawn(move || writer.write_all(&request));
    let got = c.read_up_to(expected.len(), REPLY_TIMEOUT);
    sender.join().unwrap().expect("write the pipeline");
    assert_eq!(got.len(), expected.len(), "replies cut short");
    if got != expected {
        let at = got.iter().zip(&expected).position(|(a, b)| a != b).unwrap();
        let from = at.saturating_sub(40);
        panic!(
            "replies differ at byte {at}\n  expected: {}\n       got: {}",
            show(&expected[from..(at + 40).min(expected.len())]),
            show(&got[from..(at + 40).min(got.len())])
        );
    }
    c.expect_silence(Duration::from_millis(200));
    c.cmd(&["GET", "key:4999"], bulk(pipelined_value(4999)));
}

#[test]
fn errors_that_keep_the_connection_open() {
    let server = server();
    let mut c = server.connect();
    c.roundtrip("*1\r\n$3\r\nGET\r\n", "-ERR wrong number of arguments for 'get' command\r\n");
    c.roundtrip(
        "*3\r\n$3\r\nGET\r\n$1\r\na\r\n$1\r\nb\r\n",
        "-ERR wrong number of arguments for 'get' command\r\n",
    );
    c.roundtrip("SET\r\n", "-ERR wrong number of arguments for 'set' command\r\n");
    c.roundtrip("FOO a b\r\n", "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
    c.roundtrip("SET k v BOGUS\r\n", "-ERR syntax error\r\n");
    c.roundtrip("SET k v EX abc\r\n", "-ERR value is not an integer or out of range\r\n");
    c.roundtrip("SET k v EX 0\r\n", "-ERR invalid expire time in 'set' command\r\n");
    // Still the same, healthy connection.
    c.roundtrip("PING\r\n", "+PONG\r\n");
}

/// Sends `input` on a fresh connection, expects exactly `error`, and expects
/// that connection (only) to be closed.
#[track_caller]
fn rejected(server: &Server, input: &[u8], error: &str) {
    let mut bad = server.connect();
    bad.send(input);
    bad.expect(error);
    bad.expect_closed();
}

#[test]
fn malformed_input_closes_only_that_connection() {
    let server = server();
    let mut healthy = server.connect();
    healthy.cmd(&["SET", "survivor", "yes"], "+OK\r\n");

    let cases: &[(&[u8], &str)] = &[
        (b"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1048577\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"),
        (b"SET k \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
        (b"SET k 'unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
        (b"SET k \"a\"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
    ];
    for (input, error) in cases {
        rejected(&server, input, error);
        healthy.cmd(&["GET", "survivor"], "$3\r\nyes\r\n");
    }

    // Replies to the requests before the bad one still arrive, in order.
    let mut c = server.connect();
    c.send("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n");
    c.expect("+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n");
    c.expect_closed();

    healthy.cmd(&["PING"], "+PONG\r\n");
}

#[test]
fn oversized_inline_and_header_lines_are_refused() {
    let server = server();
    let mut healthy = server.connect();
    // One byte over each limit, so the server has read everything we sent
    // when it closes (unread data would turn the close into a reset).
    rejected(&server, &vec![b'a'; 64 * 1024 + 1], "-ERR Protocol error: too big inline request\r\n");
    let mut star = b"*".to_vec();
    star.extend(vec![b'1'; 64 * 1024]);
    rejected(&server, &star, "-ERR Protocol error: too big mbulk count string\r\n");
    healthy.roundtrip("PING\r\n", "+PONG\r\n");
}

/// `used_memory` from `INFO memory`: the bytes the server's allocator handed
/// out, which counts reservations even if their pages were never touched.
fn used_memory(c: &mut Conn) -> u64 {
    c.send_cmd(&["INFO", "memory"]);
    let info = String::from_utf8_lossy(&c.read_reply()).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no used_memory in INFO memory: {info:?}"))
}

#[test]
fn a_huge_declared_bulk_length_allocates_nothing() {
    const MB: u64 = 1024 * 1024;
    let server = server();
    let mut healthy = server.connect();
    healthy.roundtrip("PING\r\n", "+PONG\r\n");
    thread::sleep(Duration::from_millis(200));
    let rss_before = server.rss_kb();
    let used_before = used_memory(&mut healthy);

    // 512 MB declared (the largest allowed), a few bytes sent, on several
    // connections at once; one of them then sends 1 MB of real data.
    let mut liars: Vec<Conn> = (0..4).map(|_| server.connect()).collect();
    for liar in &mut liars {
        liar.send("*1\r\n$536870912\r\nabc");
    }
    liars[0].send(vec![b'x'; MB as usize]);
    thread::sleep(Duration::from_millis(500));
    let rss_after = server.rss_kb();
    let used_after = used_memory(&mut healthy);
    assert!(
        rss_after < rss_before + 50 * 1024,
        "RSS grew from {rss_before} kB to {rss_after} kB after declaring 4 x 512 MB"
    );
    assert!(
        used_after < used_before + 50 * MB,
        "used_memory grew from {used_before} to {used_after} after declaring 4 x 512 MB"
    );
    // The liars get no reply (they are waiting for their data), and nobody
    // else is disturbed.
    for liar in &mut liars {
        liar.expect_silence(Duration::from_millis(50));
    }
    healthy.roundtrip("PING\r\n", "+PONG\r\n");
    healthy.cmd(&["SET", "k", "v"], "+OK\r\n");
}

#[test]
fn hello_3_switches_to_resp3_replies() {
    let server = server();
    let mut c = server.connect();
    c.send(resp(&["HELLO", "3"]));
    let hello = c.read_reply();
    assert!(hello.starts_with(b"%"), "HELLO 3 must reply with a map: {}", show(&hello));
    let text = String::from_utf8_lossy(&hello);
    assert!(text.contains("$5\r\nproto\r\n:3\r\n"), "HELLO 3 must report proto 3: {}", show(&hello));
    // RESP3 null for a missing key, map for HGETALL.
    c.cmd(&["GET", "missing"], "_\r\n");
    c.cmd(&["HSET", "h", "f", "v"], ":1\r\n");
    c.cmd(&["HGETALL", "h"], "%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
    // And back to RESP2.
    c.send(resp(&["HELLO", "2"]));
    let hello = c.read_reply();
    assert!(hello.starts_with(b"*"), "HELLO 2 replies with an array: {}", show(&hello));
    c.cmd(&["GET", "missing"], "$-1\r\n");
    c.cmd(&["HGETALL", "h"], "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
}

#[test]
fn quit_replies_ok_and_closes() {
    let server = server();
    let mut c = server.connect();
    c.roundtrip("QUIT\r\n", "+OK\r\n");
    c.expect_closed();
}

#[test]
fn many_concurrent_clients() {
    let server = server();
    let port = server.port;
    let workers: Vec<_> = (0..16)
        .map(|n| {
            thread::spawn(move || {
                let mut c = Conn::connect(port);
                for i in 0..200 {
                    let key = format!("client{n}:key{i}");
                    let value = format!("{n}-{i}");
                    c.cmd(&["SET", &key, &value], "+OK\r\n");
                    c.cmd(&["GET", &key], bulk(&value));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a client thread failed");
    }
}

#[test]
fn client_kill_closes_an_idle_connection_and_others_keep_working() {
    let server = Server::start(&[]);
    let mut victim = server.connect();
    victim.send_cmd(&["CLIENT", "ID"]);
    let reply = String::from_utf8(victim.read_reply()).unwrap();
    let id = reply.trim().trim_start_matches(':').to_string();
    let mut admin = server.connect();
    admin.cmd(&["CLIENT", "KILL", "ID", &id], ":1\r\n");
    victim.expect_closed();
    admin.cmd(&["PING"], "+PONG\r\n");
}

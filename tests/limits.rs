//! Network exposure and per-client limits with the real binary:
//! protected mode, maxclients, idle timeout.

mod common;

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::*;

/// This machine's own non-loopback address, only when named explicitly in
/// `MINIREDIS_TEST_OUTSIDE_IP`: tests send traffic to loopback only unless
/// told otherwise. The decision itself is unit-tested in src/server/mod.rs.
fn outside_address() -> Option<IpAddr> {
    std::env::var("MINIREDIS_TEST_OUTSIDE_IP").ok()?.parse().ok()
}

fn connect_to(ip: IpAddr, port: u16) -> Conn {
    let stream = TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_secs(5)).unwrap();
    Conn::from_stream(stream).unwrap()
}

#[test]
fn protected_mode_refuses_outside_clients_without_a_password() {
    let Some(ip) = outside_address() else {
        eprintln!("MINIREDIS_TEST_OUTSIDE_IP not set: protected mode tested by unit test only");
        return;
    };
    let ip_text = ip.to_string();
    let server = Server::start(&["--bind", "127.0.0.1", &ip_text, "--human-session-delay", "0"]);
    let mut outside = connect_to(ip, server.port);
    let reply = outside.read_up_to(4096, Duration::from_secs(5));
    assert!(
        reply.starts_with(b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."),
        "{}",
        show(&reply)
    );
    assert!(reply.ends_with(b"accepting connections from the outside.\r\n"));
    outside.expect_closed();
    // Loopback clients are always let in; with a password, everyone is (and must AUTH).
    let mut local = server.connect();
    local.cmd(&["CONFIG", "SET", "requirepass", "pw"], "+OK\r\n");
    let mut outside = connect_to(ip, server.port);
    outside.cmd(&["PING"], "-NOAUTH Authentication required.\r\n");
    outside.cmd(&["AUTH", "pw"], "+OK\r\n");
    outside.cmd(&["PING"], "+PONG\r\n");
    // protected-mode no lets outside clients in without a password.
    outside.cmd(&["CONFIG", "SET", "requirepass", "", "protected-mode", "no"], "+OK\r\n");
    let mut again = connect_to(ip, server.port);
    again.cmd(&["PING"], "+PONG\r\n");
}

#[test]
fn maxclients_refuses_the_extra_connection() {
    let server = Server::start(&["--maxclients", "3", "--human-session-delay", "0"]);
    let mut clients: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
    for c in &mut clients {
        c.cmd(&["PING"], "+PONG\r\n");
    }
    let mut extra = server.connect();
    extra.expect("-ERR max number of clients reached\r\n");
    extra.expect_closed();
    clients.pop();
    // The slot is free once the server saw the close.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut next = server.connect();
        next.send_cmd(&["PING"]);
        let reply = next.read_up_to(7, Duration::from_secs(2));
        if reply == b"+PONG\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "slot never freed: {}", show(&reply));
        std::thread::sleep(Duration::from_millis(50));
    }
    clients[0].cmd(&["CONFIG", "GET", "maxclients"], "*2\r\n$10\r\nmaxclients\r\n$1\r\n3\r\n");
    clients[0].send_cmd(&["INFO", "stats"]);
    let info = String::from_utf8_lossy(&clients[0].read_reply()).into_owned();
    assert!(info.contains("rejected_connections:") && !info.contains("rejected_connections:0\r\n"), "{info}");
}

#[test]
fn idle_clients_are_disconnected_after_timeout() {
    let server = Server::start(&["--timeout", "1", "--human-session-delay", "0"]);
    let mut idle = server.connect();
    let mut busy = server.connect();
    idle.cmd(&["PING"], "+PONG\r\n");
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1600) {
        busy.cmd(&["PING"], "+PONG\r\n");
        std::thread::sleep(Duration::from_millis(200));
    }
    idle.expect_closed();
    assert!(start.elapsed() < Duration::from_secs(4));
    busy.cmd(&["CONFIG", "SET", "timeout", "0"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(1500));
    busy.cmd(&["PING"], "+PONG\r\n");
}

/// Sends `requests` copies of `request` from a background thread that never
/// reads; returns the connection (for its address) and the thread.
fn flood_without_reading(
    port: u16,
    request: Vec<u8>,
    requests: usize,
) -> (TcpStream, std::thread::JoinHandle<()>) {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let thread = std::thread::spawn(move || {
        use std::io::Write;
        let batch = request.repeat(requests);
        let _ = writer.write_all(&batch);
    });
    (stream, thread)
}

fn connected_clients(conn: &mut Conn) -> usize {
    conn.send_cmd(&["CLIENT", "LIST"]);
    let reply = conn.read_reply();
    String::from_utf8_lossy(&reply).matches("id=").count()
}

#[test]
fn a_client_that_never_reads_is_disconnected_past_the_output_limit() {
    let server = Server::start(&["--client-output-buffer-limit", "normal", "256kb", "128kb", "2"]);
    let mut healthy = server.connect();
    let value = vec![b'v'; 1024 * 1024];
    healthy.cmd(&[&b"SET"[..], b"big", &value], "+OK\r\n");
    let rss_before = server.rss_kb();
    let (bad, writer) = flood_without_reading(server.port, resp(&["GET", "big"]), 300);
    let start = Instant::now();
    let mut peak = rss_before;
    loop {
        peak = peak.max(server.rss_kb());
        healthy.cmd(&["PING"], "+PONG\r\n");
        if connected_clients(&mut healthy) == 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the non-reading client is still connected");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(bad);
    let _ = writer.join();
    let growth = peak.saturating_sub(rss_before);
    eprintln!(
        "non-reading client (300 x GET of 1 MB, limit normal 256kb 128kb 2) disconnected after {:?}; RSS {} kB \
         before, peak {} kB (+{} kB)",
        start.elapsed(),
        rss_before,
        peak,
        growth
    );
    assert!(growth < 64 * 1024, "RSS grew by {growth} kB");
    healthy.cmd(&["GET", "nope"], "$-1\r\n");
}

#[test]
fn without_an_output_limit_a_non_reading_client_is_held_back_and_memory_stays_bounded() {
    let server = Server::start(&[]);
    let mut healthy = server.connect();
    let value = vec![b'v'; 1024 * 1024];
    healthy.cmd(&[&b"SET"[..], b"big", &value], "+OK\r\n");
    let rss_before = server.rss_kb();
    let (bad, writer) = flood_without_reading(server.port, resp(&["GET", "big"]), 300);
    let mut peak = rss_before;
    for _ in 0..30 {
        peak = peak.max(server.rss_kb());
        healthy.cmd(&["PING"], "+PONG\r\n");
        std::thread::sleep(Duration::from_millis(50));
    }
    let growth = peak.saturating_sub(rss_before);
    eprintln!("non-reading client without a limit (300 x GET of 1 MB requested): RSS +{growth} kB");
    assert!(growth < 64 * 1024, "RSS grew by {growth} kB for 300 MB of unread replies");
    assert_eq!(connected_clients(&mut healthy), 2, "it stays connected, as in Redis (normal 0 0 0)");
    // CLIENT KILL reaches a connection blocked on its write.
    let addr = bad.local_addr().unwrap().to_string();
    healthy.cmd(&["CLIENT", "KILL", &addr], "+OK\r\n");
    let start = Instant::now();
    while connected_clients(&mut healthy) != 1 {
        assert!(start.elapsed() < Duration::from_secs(5), "the blocked client survived CLIENT KILL");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(bad);
    let _ = writer.join();
}

#[test]
fn query_buffer_and_bulk_length_limits() {
    let server = Server::start(&[
        "--client-query-buffer-limit",
        "2mb",
        "--proto-max-bulk-len",
        "1mb",
        "--human-session-delay",
        "0",
    ]);
    let mut healthy = server.connect();
    // A bulk over proto-max-bulk-len is refused with Redis's error.
    let mut c = server.connect();
    c.roundtrip("*2\r\n$3\r\nGET\r\n$1048577\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    c.expect_closed();
    // Past client-query-buffer-limit unprocessed, the client is dropped.
    // (two 1 MB values, all but the final CRLF: 2 MB and a bit, unfinished)
    let value = vec![b'x'; 1024 * 1024];
    let mut request = resp(&[&b"MSET"[..], b"a", &value, b"b", &value]);
    request.truncate(request.len() - 2);
    let (mut stream, writer) = flood_without_reading(server.port, request, 1);
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    use std::io::Read;
    let _ = stream.read_to_end(&mut got);
    assert!(got.is_empty(), "closed without a reply, got {}", show(&got));
    let _ = writer.join();
    // At the limit the bulk is fine.
    let key = vec![b'k'; 1024 * 1024];
    healthy.cmd(&[&b"GET"[..], &key], "$-1\r\n");
    healthy.cmd(
        &["CONFIG", "GET", "proto-max-bulk-len"],
        "*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n",
    );
}

/// Raises this process's soft open-files limit to `wanted` (at most the
/// hard limit), as the server does for its own.
fn raise_open_files_limit(wanted: libc::rlim_t) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0, "getrlimit");
        if limit.rlim_cur < wanted {
            let raised = libc::rlimit { rlim_cur: wanted.min(limit.rlim_max), rlim_max: limit.rlim_max };
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &raised), 0, "setrlimit");
        }
    }
}

#[test]
fn idle_and_half_sent_connections_leave_a_healthy_client_served() {
    // 2,201 sockets here (and as many in the server, which raises its own
    // limit): more than the common soft limit of 1,024 open files.
    raise_open_files_limit(4_096);
    let server = Server::start(&["--human-session-delay", "0"]);
    let rss_before = server.rss_kb();
    let mut idle: Vec<TcpStream> = Vec::new();
    for _ in 0..2000 {
        idle.push(TcpStream::connect(("127.0.0.1", server.port)).unwrap());
    }
    let mut half: Vec<TcpStream> = Vec::new();
    for i in 0..200 {
        use std::io::Write;
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        // Different ways of stopping mid-request.
        let partial: &[u8] = match i % 4 {
            0 => b"*3\r\n$3\r\nSET\r\n$1\r\nk",
            1 => b"*2\r\n$3\r\nGET\r\n$1000000\r\nabc",
            2 => b"SET k partial-inline-without-newline",
            _ => b"*1048576\r\n",
        };
        s.write_all(partial).unwrap();
        half.push(s);
    }
    let mut healthy = server.connect();
    healthy.cmd(&["PING"], "+PONG\r\n");
    assert_eq!(connected_clients(&mut healthy), 2201);
    let mut samples = Vec::new();
    for i in 0..2000 {
        let key = format!("key:{}", i % 100);
        let start = Instant::now();
        if i % 2 == 0 {
            healthy.cmd(&["SET", &key, "value"], "+OK\r\n");
        } else {
            let key = format!("key:{}", (i - 1) % 100);
            healthy.cmd(&["GET", &key], "$5\r\nvalue\r\n");
        }
        samples.push(start.elapsed());
    }
    samples.sort();
    let p50 = samples[samples.len() / 2];
    let p99 = samples[samples.len() * 99 / 100];
    let rss = server.rss_kb();
    eprintln!(
        "2,000 idle + 200 half-sent connections: healthy client p50 {p50:?}, p99 {p99:?}, max {:?}; server RSS \
         {rss} kB ({} kB before the connections)",
        samples[samples.len() - 1],
        rss_before
    );
    // Printed, not asserted: speed claims belong in the benchmark.
    drop(idle);
    drop(half);
}

#[test]
fn the_soft_output_limit_allows_a_burst_for_its_seconds() {
    let server = Server::start(&["--client-output-buffer-limit", "normal", "0", "128kb", "1"]);
    let mut healthy = server.connect();
    let value = vec![b'v'; 1024 * 1024];
    healthy.cmd(&[&b"SET"[..], b"big", &value], "+OK\r\n");
    let (bad, writer) = flood_without_reading(server.port, resp(&["GET", "big"]), 50);
    // Time from when the non-reading client is connected, not from before
    // the server has even accepted it.
    let accepted = Instant::now();
    while connected_clients(&mut healthy) != 2 {
        assert!(accepted.elapsed() < Duration::from_secs(5), "the non-reading client never connected");
        std::thread::sleep(Duration::from_millis(2));
    }
    let start = Instant::now();
    while connected_clients(&mut healthy) != 1 {
        assert!(start.elapsed() < Duration::from_secs(10), "the non-reading client is still connected");
        std::thread::sleep(Duration::from_millis(50));
    }
    let waited = start.elapsed();
    eprintln!("over the soft limit (128kb for 1 s): disconnected after {waited:?}");
    assert!(waited >= Duration::from_millis(900), "disconnected before the soft limit's second: {waited:?}");
    drop(bad);
    let _ = writer.join();
}

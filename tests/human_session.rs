//! The `nc localhost 6379` session from the README, typed like a person:
//! a client that stays silent gets a banner and a prompt, and plain replies.
//! A client that speaks first gets exact RESP and never a banner.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{Conn, Server};

const GREETING: &[u8] = b"MiniRedis TCP - Type Commands\r\n> ";

/// Connects, sends nothing, and waits for the banner and the first prompt.
fn greeted(server: &Server) -> Conn {
    let mut conn = server.connect();
    conn.expect(GREETING);
    conn
}

#[test]
fn the_nc_session_from_the_issue() {
    let server = Server::start(&["--human-session-delay", "250"]);
    let mut nc = greeted(&server);

    // A short TTL: this is the one test that waits in real time.
    nc.roundtrip("SET name Alice EX 1\n", "OK\r\n> ");
    // The server set the deadline before it replied, so it has passed 1.1 s
    // after the reply arrived.
    let expired_at = Instant::now() + Duration::from_millis(1_100);
    nc.roundtrip("GET name\n", "Alice\r\n> ");
    thread::sleep(expired_at.saturating_duration_since(Instant::now()));
    nc.roundtrip("GET name\n", "(nil)\r\n> ");

    nc.roundtrip("HSET user:1 name Alice age 23\n", "(integer) 2\r\n> ");
    nc.roundtrip("HGET user:1 name\n", "Alice\r\n> ");
    nc.roundtrip("SAVE\n", "OK\r\n> ");
    assert!(server.dir_path().join("dump.json").is_file(), "SAVE wrote no dump.json in --dir");
}

#[test]
fn human_replies_for_errors_empty_lines_and_crlf() {
    let server = Server::start(&["--human-session-delay", "250"]);
    let mut nc = greeted(&server);
    // An empty line just gets a new prompt.
    nc.roundtrip("\n", "> ");
    // telnet-style CRLF line endings work too.
    nc.roundtrip("PING\r\n", "PONG\r\n> ");
    nc.roundtrip("FOO bar\n", "(error) ERR unknown command 'FOO', with args beginning with: 'bar' \r\n> ");
    nc.roundtrip("GET\n", "(error) ERR wrong number of arguments for 'get' command\r\n> ");
    nc.roundtrip("SET greeting \"hello world\"\n", "OK\r\n> ");
    nc.roundtrip("GET greeting\n", "hello world\r\n> ");
    nc.roundtrip("GET missing\n", "(nil)\r\n> ");
    // Two lines in one packet: two replies, each with its prompt.
    nc.roundtrip("SET a 1\nGET a\n", "OK\r\n> 1\r\n> ");
}

#[test]
fn a_client_that_speaks_first_gets_resp_and_no_banner() {
    // A delay far longer than it takes to send the first bytes, so the test
    // does not depend on how fast the machine is; the silences below still
    // outlast it.
    let server = Server::start(&["--human-session-delay", "1000"]);

    // A RESP client library.
    let mut client = server.connect();
    client.roundtrip("*1\r\n$4\r\nPING\r\n", "+PONG\r\n");
    client.expect_silence(Duration::from_millis(1_200));
    client.roundtrip("*2\r\n$3\r\nGET\r\n$4\r\nname\r\n", "$-1\r\n");

    // `echo PING | nc localhost 6379`: inline, but still first.
    let mut echo = server.connect();
    echo.roundtrip("PING\r\n", "+PONG\r\n");
    echo.expect_silence(Duration::from_millis(1_200));

    let mut piped = server.connect();
    piped.roundtrip("PING\n", "+PONG\r\n");
    piped.shutdown_write();
    piped.expect_closed();
}

#[test]
fn human_session_delay_zero_turns_the_banner_off() {
    let server = Server::start(&["--human-session-delay", "0"]);
    let mut silent = server.connect();
    silent.expect_silence(Duration::from_millis(600));
    silent.roundtrip("PING\n", "+PONG\r\n");
    silent.roundtrip("SET k v\n", "+OK\r\n");
    silent.roundtrip("GET k\n", "$1\r\nv\r\n");
}

#[test]
fn a_longer_human_session_delay_waits_longer() {
    let server = Server::start(&["--human-session-delay", "1000"]);
    let mut conn = server.connect();
    let start = Instant::now();
    conn.expect_silence(Duration::from_millis(500));
    conn.expect(GREETING);
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "banner after {:?}, expected about 1 s",
        start.elapsed()
    );
}

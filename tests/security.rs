//! Security with the real binary: AUTH and requirepass, the limits on
//! unauthenticated clients, brute force.

mod common;

use std::time::{Duration, Instant};

use common::*;

const NOAUTH: &[u8] = b"-NOAUTH Authentication required.\r\n";
const WRONGPASS: &[u8] = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n";

#[test]
fn requirepass_flag_auth_and_hello() {
    let server = Server::start(&["--requirepass", "s3cret", "--human-session-delay", "0"]);
    let mut c = server.connect();
    c.cmd(&["PING"], NOAUTH);
    c.cmd(&["SET", "k", "v"], NOAUTH);
    c.cmd(&["AUTH", "nope"], WRONGPASS);
    c.cmd(&["AUTH", "default", "nope"], WRONGPASS);
    c.cmd(&["AUTH", "s3cret"], "+OK\r\n");
    c.cmd(&["SET", "k", "v"], "+OK\r\n");
    let mut h = server.connect();
    h.send_cmd(&["HELLO", "3", "AUTH", "default", "s3cret"]);
    let reply = h.read_reply();
    assert!(reply.starts_with(b"%7\r\n"), "{}", show(&reply));
    h.cmd(&["GET", "k"], "$1\r\nv\r\n");
    // Inline commands are checked the same way.
    let mut i = server.connect();
    i.roundtrip("GET k\r\n", NOAUTH);
    i.roundtrip("QUIT\r\n", "+OK\r\n");
    i.expect_closed();
}

#[test]
fn unauthenticated_clients_may_not_send_big_requests() {
    let server = Server::start(&["--requirepass", "pw", "--human-session-delay", "0"]);
    let mut c = server.connect();
    c.roundtrip("*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n");
    c.expect_closed();
    let mut c = server.connect();
    c.roundtrip("*2\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n");
    c.expect_closed();
    // At the limits, the request is read and refused normally.
    let mut c = server.connect();
    let mut ten: Vec<&[u8]> = vec![b"PING"; 1];
    ten.extend([&b"x"[..]; 9]);
    c.cmd(&ten, NOAUTH);
    let big = vec![b'a'; 16384];
    c.cmd(&[&b"AUTH"[..], &big], WRONGPASS);
    // Once authenticated, the usual limits apply.
    c.cmd(&["AUTH", "pw"], "+OK\r\n");
    let eleven: Vec<&str> = std::iter::once("DEL").chain(["k"; 10]).collect();
    c.cmd(&eleven, ":0\r\n");
    let value = vec![b'v'; 100_000];
    c.cmd(&[&b"SET"[..], b"k", &value], "+OK\r\n");
}

#[test]
fn twenty_thousand_wrong_passwords_leave_the_server_healthy() {
    let server = Server::start(&["--requirepass", "right-password", "--human-session-delay", "0"]);
    let start = Instant::now();
    let mut attackers: Vec<Conn> = (0..4).map(|_| server.connect()).collect();
    let per = 5_000;
    for (n, c) in attackers.iter_mut().enumerate() {
        let mut batch = Vec::new();
        for i in 0..per {
            batch.extend(resp(&["AUTH", &format!("guess-{n}-{i}")]));
        }
        c.send(&batch);
    }
    let expected = WRONGPASS.repeat(per);
    for c in &mut attackers {
        let got = c.read_up_to(expected.len(), Duration::from_secs(60));
        assert!(got == expected, "every guess is refused ({} bytes of {})", got.len(), expected.len());
    }
    let elapsed = start.elapsed();
    let mut ok = server.connect();
    ok.cmd(&["AUTH", "right-password"], "+OK\r\n");
    ok.cmd(&["PING"], "+PONG\r\n");
    eprintln!("20,000 wrong passwords refused in {elapsed:?}");
}

#[test]
fn acl_users_from_the_acl_file_and_acl_save() {
    let dir = std::sync::Arc::new(TempDir::new("acl"));
    let file = dir.path().join("users.acl");
    std::fs::write(&file, "user default on nopass ~* &* +@all\nuser reader on >r ~pub:* -@all +get +ping\n")
        .unwrap();
    let file_arg = file.display().to_string();
    let server = Server::start_in(dir.clone(), &["--aclfile", &file_arg, "--human-session-delay", "0"]);
    let mut admin = server.connect();
    admin.cmd(&["SET", "pub:1", "hello"], "+OK\r\n");
    let mut reader = server.connect();
    reader.cmd(&["AUTH", "reader", "r"], "+OK\r\n");
    reader.cmd(&["GET", "pub:1"], "$5\r\nhello\r\n");
    reader.cmd(
        &["GET", "secret"],
        "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n",
    );
    reader.cmd(&["SET", "pub:1", "x"], "-NOPERM this user has no permissions to run the 'set' command\r\n");
    reader
        .cmd(&["ACL", "WHOAMI"], "-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n");
    admin.cmd(&["ACL", "SETUSER", "writer", "on", ">w", "~*", "+@write"], "+OK\r\n");
    admin.cmd(&["ACL", "SAVE"], "+OK\r\n");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("user reader on #"), "{saved}");
    assert!(saved.contains("user writer on #"), "{saved}");
    // Deleting a user closes its connections.
    admin.cmd(&["ACL", "DELUSER", "reader"], ":1\r\n");
    reader.expect_closed();
    // A bad ACL file stops start-up with a message.
    std::fs::write(&file, "user bob on nosuchrule\n").unwrap();
    let (status, _out, err) = run_to_exit(
        &["--port", "0", "--aclfile", &file_arg, "--dir", &dir.path().display().to_string()],
        Duration::from_secs(10),
    );
    assert!(!status.success());
    assert!(err.contains("Syntax error"), "{err}");
}

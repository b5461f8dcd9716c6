//! `dump.json`: SAVE, restart, LOAD, and what happens with a corrupt file.

mod common;

use std::ffi::OsStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{bulk, run_to_exit, Conn, Server, TempDir};

const BIN_KEY: &[u8] = b"bin\x00\xff\xfe key";
const BIN_VALUE: &[u8] = b"\x80\x81\x00\r\n\xff value";
const BIN_FIELD: &[u8] = b"\xc3\x28field";

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// Reads an integer reply (`:N\r\n`).
fn integer(c: &mut Conn, args: &[&[u8]]) -> i64 {
    c.send_cmd(args);
    let reply = c.read_reply();
    let text = String::from_utf8_lossy(&reply);
    text.strip_prefix(':')
        .and_then(|t| t.strip_suffix("\r\n"))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("expected an integer reply, got {text:?}"))
}

/// Reads an error reply and returns its text without `-` and CRLF.
fn error(c: &mut Conn, args: &[&[u8]]) -> String {
    c.send_cmd(args);
    let reply = c.read_reply();
    let text = String::from_utf8_lossy(&reply).into_owned();
    assert!(text.starts_with('-'), "expected an error reply, got {text:?}");
    text[1..].trim_end().to_string()
}

fn fill(c: &mut Conn) {
    c.cmd(&[&b"SET"[..], b"name", b"Alice"], "+OK\r\n");
    c.cmd(&[&b"SET"[..], BIN_KEY, BIN_VALUE], "+OK\r\n");
    c.cmd(&[&b"HSET"[..], b"user:1", b"name", b"Alice", b"age", b"23"], ":2\r\n");
    c.cmd(&[&b"HSET"[..], b"bin-hash", BIN_FIELD, BIN_VALUE], ":1\r\n");
    c.cmd(&[&b"SET"[..], b"session", b"token", b"EX", b"1000"], "+OK\r\n");
    c.cmd(&[&b"SET"[..], b"precise", b"x", b"PX", b"3600000"], "+OK\r\n");
    c.cmd(&[&b"SELECT"[..], b"3"], "+OK\r\n");
    c.cmd(&[&b"SET"[..], b"in-db-3", b"three"], "+OK\r\n");
    c.cmd(&[&b"SELECT"[..], b"0"], "+OK\r\n");
}

fn check(c: &mut Conn) {
    c.cmd(&[&b"GET"[..], b"name"], bulk("Alice"));
    c.cmd(&[&b"GET"[..], BIN_KEY], bulk(BIN_VALUE));
    c.cmd(&[&b"HGET"[..], b"user:1", b"name"], bulk("Alice"));
    c.cmd(&[&b"HGET"[..], b"user:1", b"age"], bulk("23"));
    c.cmd(&[&b"HGET"[..], b"bin-hash", BIN_FIELD], bulk(BIN_VALUE));
    c.cmd(&[&b"GET"[..], b"session"], bulk("token"));
    let ttl = integer(c, &[b"TTL", b"session"]);
    assert!((990..=1000).contains(&ttl), "TTL of session after restart: {ttl}");
    let pttl = integer(c, &[b"PTTL", b"precise"]);
    assert!((3_590_000..=3_600_000).contains(&pttl), "PTTL of precise after restart: {pttl}");
    assert_eq!(integer(c, &[b"TTL", b"name"]), -1);
    c.cmd(&[&b"GET"[..], b"in-db-3"], "$-1\r\n");
    c.cmd(&[&b"SELECT"[..], b"3"], "+OK\r\n");
    c.cmd(&[&b"GET"[..], b"in-db-3"], bulk("three"));
    c.cmd(&[&b"SELECT"[..], b"0"], "+OK\r\n");
}

#[test]
fn save_then_kill_then_restart_brings_everything_back() {
    let mut first = Server::start(&["--human-session-delay", "0"]);
    let mut c = first.connect();
    fill(&mut c);
    c.cmd(&["SAVE"], "+OK\r\n");
    // Written after the SAVE: must not survive a crash.
    c.cmd(&["SET", "unsaved", "x"], "+OK\r\n");

    // Only dump.json is left behind: no temp file from the atomic write.
    let names: Vec<String> = std::fs::read_dir(first.dir_path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["dump.json".to_string()]);

    let dir = first.dir.clone();
    first.kill();
    drop(c);

    let second = Server::start_in(dir, &["--human-session-delay", "0"]);
    let mut c = second.connect();
    check(&mut c);
    c.cmd(&["GET", "unsaved"], "$-1\r\n");
}

#[test]
fn the_dump_is_versioned_json_with_base64_for_binary_and_absolute_deadlines() {
    let server = Server::start(&["--human-session-delay", "0"]);
    let mut c = server.connect();
    let before = now_ms();
    fill(&mut c);
    c.cmd(&["SAVE"], "+OK\r\n");
    let after = now_ms();

    let text = std::fs::read_to_string(server.dir_path().join("dump.json")).unwrap();
    let dump: serde_json::Value = serde_json::from_str(&text).expect("dump.json is JSON");
    assert_eq!(dump["format"], "miniredis-dump");
    assert_eq!(dump["version"], 4);
    let databases = dump["databases"].as_array().expect("databases array");
    let db0 = databases.iter().find(|db| db["index"] == 0).expect("database 0");
    let keys = db0["keys"].as_array().expect("keys array");
    let find = |key: &serde_json::Value| {
        keys.iter().find(|k| &k["key"] == key).unwrap_or_else(|| panic!("no entry for {key} in {text}"))
    };
    let name = find(&"name".into());
    assert_eq!(name["type"], "string");
    assert_eq!(name["value"], "Alice");
    assert!(name.get("expires_at_ms").is_none());

    // Keys and values that are not UTF-8 are tagged base64.
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let bin = find(&serde_json::json!({ "base64": b64(BIN_KEY) }));
    assert_eq!(bin["value"], serde_json::json!({ "base64": b64(BIN_VALUE) }));

    let hash = find(&"user:1".into());
    assert_eq!(hash["type"], "hash");
    assert_eq!(hash["value"], serde_json::json!([["name", "Alice"], ["age", "23"]]));

    // Deadlines are absolute Unix milliseconds.
    let session = find(&"session".into());
    let at = session["expires_at_ms"].as_u64().expect("expires_at_ms");
    assert!(
        (before + 1_000_000..=after + 1_000_000).contains(&at),
        "expires_at_ms {at} not within [{}, {}]",
        before + 1_000_000,
        after + 1_000_000
    );
    assert!(databases.iter().any(|db| db["index"] == 3));
}

#[test]
fn a_hand_written_dump_is_loaded_at_start_up_and_expired_keys_are_dropped() {
    let dir = Arc::new(TempDir::new("handwritten"));
    let future = now_ms() + 500_000;
    let dump = serde_json::json!({
        "format": "miniredis-dump",
        "version": 1,
        "saved_at_ms": 1_700_000_000_000u64,
        "databases": [
            {"index": 0, "keys": [
                {"type": "string", "key": "plain", "value": "text"},
                {"type": "string", "key": {"base64": "AP8="}, "value": {"base64": "gA=="}},
                {"type": "string", "key": "expired", "value": "x", "expires_at_ms": 1_000},
                {"type": "string", "key": "later", "value": "y", "expires_at_ms": future},
                {"type": "hash", "key": "h", "value": [["f1", "v1"], [{"base64": "/w=="}, "v2"]]}
            ]},
            {"index": 5, "keys": [{"type": "string", "key": "five", "value": "5"}]}
        ]
    });
    std::fs::write(dir.path().join("dump.json"), dump.to_string()).unwrap();

    let server = Server::start_in(dir, &["--human-session-delay", "0"]);
    let mut c = server.connect();
    c.cmd(&["GET", "plain"], bulk("text"));
    c.cmd(&[&b"GET"[..], b"\x00\xff"], bulk(b"\x80"));
    c.cmd(&["GET", "expired"], "$-1\r\n");
    c.cmd(&["EXISTS", "expired"], ":0\r\n");
    c.cmd(&["DBSIZE"], ":4\r\n");
    let ttl = integer(&mut c, &[b"TTL", b"later"]);
    assert!((490..=500).contains(&ttl), "TTL {ttl}");
    c.cmd(&["HGET", "h", "f1"], bulk("v1"));
    c.cmd(&[&b"HGET"[..], b"h", b"\xff"], bulk("v2"));
    c.cmd(&["SELECT", "5"], "+OK\r\n");
    c.cmd(&["GET", "five"], bulk("5"));
}

#[test]
fn load_replaces_the_dataset_from_the_dump() {
    let server = Server::start(&["--human-session-delay", "0"]);
    let mut c = server.connect();
    c.cmd(&["SET", "a", "saved"], "+OK\r\n");
    c.cmd(&["SAVE"], "+OK\r\n");
    c.cmd(&["SET", "a", "changed"], "+OK\r\n");
    c.cmd(&["SET", "b", "new"], "+OK\r\n");
    c.cmd(&["LOAD"], "+OK\r\n");
    c.cmd(&["GET", "a"], bulk("saved"));
    c.cmd(&["GET", "b"], "$-1\r\n");
    c.cmd(&["LOAD", "extra"], "-ERR wrong number of arguments for 'load' command\r\n");
}

#[test]
fn load_of_a_corrupt_or_missing_dump_is_an_error_and_keeps_the_data() {
    let server = Server::start(&["--human-session-delay", "0"]);
    let mut c = server.connect();
    c.cmd(&["SET", "a", "1"], "+OK\r\n");
    c.cmd(&["SAVE"], "+OK\r\n");
    // Not saved: LOAD failing must not roll this back either.
    c.cmd(&["SET", "b", "2"], "+OK\r\n");
    c.cmd(&["HSET", "h", "f", "v"], ":1\r\n");

    let path = server.dir_path().join("dump.json");
    let corrupt: &[&[u8]] = &[
        b"{ this is not json",
        b"",
        br#"{"format":"something-else","version":1,"saved_at_ms":0,"databases":[]}"#,
        br#"{"format":"miniredis-dump","version":999,"saved_at_ms":0,"databases":[]}"#,
        br#"{"format":"miniredis-dump","version":1,"saved_at_ms":0,"databases":[{"index":0,"keys":[{"type":"string","key":{"base64":"%%%"},"value":"x"}]}]}"#,
        br#"{"format":"miniredis-dump","version":1,"saved_at_ms":0,"databases":[{"index":99,"keys":[]}]}"#,
    ];
    for bytes in corrupt {
        std::fs::write(&path, bytes).unwrap();
        let text = error(&mut c, &[b"LOAD"]);
        assert!(text.starts_with("ERR"), "LOAD error {text:?}");
        c.cmd(&["GET", "a"], bulk("1"));
        c.cmd(&["GET", "b"], bulk("2"));
        c.cmd(&["HGET", "h", "f"], bulk("v"));
        c.cmd(&["DBSIZE"], ":3\r\n");
    }

    std::fs::remove_file(&path).unwrap();
    let text = error(&mut c, &[b"LOAD"]);
    assert!(text.starts_with("ERR"), "LOAD error {text:?}");
    c.cmd(&["DBSIZE"], ":3\r\n");
}

#[test]
fn a_corrupt_dump_at_start_up_stops_the_server_with_a_clear_message() {
    for bytes in [
        &b"{\"format\": \"miniredis-dump\", \"version\": 1, \"databa"[..],
        br#"{"format":"miniredis-dump","version":5,"saved_at_ms":0,"databases":[]}"#,
    ] {
        let dir = TempDir::new("corrupt");
        let path = dir.path().join("dump.json");
        std::fs::write(&path, bytes).unwrap();
        let args: Vec<&OsStr> =
            vec!["--port".as_ref(), "0".as_ref(), "--dir".as_ref(), dir.path().as_os_str()];
        let (status, stdout, stderr) = run_to_exit(&args, Duration::from_secs(10));
        assert!(!status.success(), "started despite a corrupt dump\n{stdout}{stderr}");
        assert!(stderr.contains("dump.json"), "stderr does not name the file:\n{stderr}");
        let canonical = path.canonicalize().unwrap();
        assert!(
            stderr.contains(&*path.to_string_lossy()) || stderr.contains(&*canonical.to_string_lossy()),
            "stderr does not give the file's path:\n{stderr}"
        );
        assert!(!stdout.contains("ready"), "the server reported ready:\n{stdout}");
        // The user's file is untouched.
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}

#[test]
fn a_custom_dbfilename_is_used_for_save_and_start_up() {
    let first = Server::start(&["--human-session-delay", "0", "--dbfilename", "other.json"]);
    let mut c = first.connect();
    c.cmd(&["SET", "k", "v"], "+OK\r\n");
    c.cmd(&["SAVE"], "+OK\r\n");
    assert!(first.dir_path().join("other.json").is_file());
    assert!(!first.dir_path().join("dump.json").exists());
    let dir = first.dir.clone();
    drop(c);
    drop(first);

    let second = Server::start_in(dir, &["--human-session-delay", "0", "--dbfilename", "other.json"]);
    second.connect().cmd(&["GET", "k"], bulk("v"));
}

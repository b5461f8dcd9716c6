//! Durability of the real binary: `kill -9` at random points with
//! `appendfsync always` loses no acknowledged write; torn and corrupt logs;
//! crashes during BGSAVE and BGREWRITEAOF; save rules; expiry across replay.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{bulk, resp, run_to_exit, Conn, Server, TempDir};

const AOF_ALWAYS: &[&str] = &["--appendonly", "yes", "--appendfsync", "always"];

/// A small deterministic generator (fixed seed: the same kill points each run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// One simple reply (`+OK`, `:N`, `$N…`), or `None` once the server is gone.
fn read_simple(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => return None,
        Ok(_) => {}
    }
    if !line.ends_with("\r\n") {
        return None;
    }
    let line = line.trim_end().to_string();
    if let Some(len) = line.strip_prefix('$') {
        let len: i64 = len.parse().ok()?;
        if len < 0 {
            return Some("(nil)".into());
        }
        let mut body = vec![0; len as usize + 2];
        std::io::Read::read_exact(reader, &mut body).ok()?;
        body.truncate(len as usize);
        return Some(String::from_utf8_lossy(&body).into_owned());
    }
    Some(line)
}

/// What one writer saw acknowledged.
#[derive(Default)]
struct Acked {
    /// The last INCR reply of its counter.
    counter: i64,
    /// Keys whose SET was acknowledged, with their values.
    sets: Vec<(String, String)>,
}

/// Pipelines INCRs and SETs (8 in flight) until the connection dies or
/// `stop` is set, recording every reply that arrived.
fn writer(port: u16, id: usize, round: usize, stop: Arc<AtomicBool>) -> Acked {
    let mut acked = Acked::default();
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else { return acked };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut out = stream.try_clone().expect("clone the socket");
    let mut reader = BufReader::new(stream);
    let mut seq = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let mut batch = Vec::new();
        let mut expected = Vec::new();
        for _ in 0..4 {
            batch.extend(resp(&["INCR", &format!("counter:{id}")]));
            let key = format!("set:{round}:{id}:{seq}");
            let value = format!("v{seq}");
            batch.extend(resp(&["SET", &key, &value]));
            expected.push((key, value));
            seq += 1;
        }
        if out.write_all(&batch).is_err() {
            return acked;
        }
        for (key, value) in expected {
            match read_simple(&mut reader) {
                Some(n) => {
                    acked.counter =
                        n.trim_start_matches(':').parse().unwrap_or_else(|_| panic!("INCR replied {n}"))
                }
                None => return acked,
            }
            match read_simple(&mut reader) {
                Some(reply) if reply == "+OK" => acked.sets.push((key, value)),
                Some(reply) => panic!("SET replied {reply}"),
                None => return acked,
            }
        }
    }
    acked
}

fn get(c: &mut Conn, key: &str) -> String {
    c.send_cmd(&["GET", key]);
    let raw = c.read_reply();
    let text = String::from_utf8_lossy(&raw).into_owned();
    match text.split_once("\r\n") {
        Some((header, rest)) if header.starts_with('$') && header != "$-1" => {
            rest.trim_end_matches("\r\n").to_string()
        }
        _ => "(nil)".into(),
    }
}

fn info_field(c: &mut Conn, field: &str) -> String {
    c.send_cmd(&["INFO", "persistence"]);
    let raw = String::from_utf8_lossy(&c.read_reply()).into_owned();
    raw.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {raw}"))
        .trim()
        .to_string()
}

fn wait_for(c: &mut Conn, field: &str, value: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while info_field(c, field) != value {
        assert!(Instant::now() < deadline, "{field} never became {value}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_at_random_points_loses_no_acknowledged_write() {
    const WRITERS: usize = 4;
    let dir = Arc::new(TempDir::new("crash"));
    let mut rng = Lcg(0x5eed);
    let mut counters = [0i64; WRITERS];
    let mut total_acked = 0;
    for round in 0..5 {
        let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
        // Everything acknowledged in earlier rounds survived the restart.
        let mut c = server.connect();
        for (id, counter) in counters.iter_mut().enumerate() {
            let now: i64 = get(&mut c, &format!("counter:{id}")).parse().unwrap_or(0);
            assert!(now >= *counter, "round {round}: counter:{id} is {now}, {counter} was acknowledged");
            *counter = now;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let port = server.port;
        let handles: Vec<_> = (0..WRITERS)
            .map(|id| {
                let stop = stop.clone();
                thread::spawn(move || writer(port, id, round, stop))
            })
            .collect();
        thread::sleep(Duration::from_millis(50 + rng.next(250)));
        server.kill();
        let results: Vec<Acked> = handles.into_iter().map(|h| h.join().expect("writer")).collect();

        let server = Server::start_in(dir.clone(), AOF_ALWAYS);
        let mut c = server.connect();
        for (id, acked) in results.iter().enumerate() {
            let now: i64 = get(&mut c, &format!("counter:{id}")).parse().unwrap_or(0);
            assert!(
                now >= acked.counter && now >= counters[id],
                "round {round}: counter:{id} is {now} after the crash, {} was acknowledged",
                acked.counter
            );
            counters[id] = now;
            for (key, value) in &acked.sets {
                assert_eq!(&get(&mut c, key), value, "round {round}: acknowledged SET {key} lost");
            }
            total_acked += acked.sets.len();
        }
        drop(server);
    }
    assert!(total_acked > 100, "the writers got too few acknowledgements ({total_acked}) to prove anything");
}

fn aof_path(dir: &TempDir) -> std::path::PathBuf {
    dir.path().join("appendonly.aof")
}

fn write_some(server: &Server) {
    let mut c = server.connect();
    c.cmd(&["SET", "a", "1"], "+OK\r\n");
    c.cmd(&["HSET", "h", "f", "v"], ":1\r\n");
    c.cmd(&["INCR", "n"], ":1\r\n");
}

#[test]
fn a_torn_last_record_is_dropped_with_a_warning() {
    let dir = Arc::new(TempDir::new("torn"));
    let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
    write_some(&server);
    server.kill();
    let path = aof_path(&dir);
    let good = std::fs::read(&path).unwrap();
    let mut torn = good.clone();
    torn.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$5\r\nval");
    std::fs::write(&path, &torn).unwrap();

    // --aof-load-truncated no: start-up stops and says why.
    let args = ["--port", "0", "--dir", dir.path().to_str().unwrap(), "--appendonly", "yes"];
    let (status, _, stderr) =
        run_to_exit(&[&args[..], &["--aof-load-truncated", "no"]].concat(), Duration::from_secs(10));
    assert!(!status.success());
    assert!(
        stderr.contains(&format!("truncated: its last record (at byte offset {})", good.len())),
        "{stderr}"
    );

    // The default drops the tail, warns, and cuts the file back.
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    assert!(server.output().contains("incomplete record"), "{}", server.output());
    let mut c = server.connect();
    c.cmd(&["GET", "a"], bulk("1"));
    c.cmd(&["GET", "z"], "$-1\r\n");
    c.cmd(&["INCR", "n"], ":2\r\n");
    drop(c);
    drop(server);
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    server.connect().cmd(&["GET", "n"], bulk("2"));
}

#[test]
fn corruption_in_the_middle_stops_start_up_naming_the_offset() {
    let dir = Arc::new(TempDir::new("corrupt"));
    let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
    write_some(&server);
    server.kill();
    let path = aof_path(&dir);
    let mut log = std::fs::read(&path).unwrap();
    // The second record's header.
    let second = log.windows(4).position(|w| w == b"*3\r\n").unwrap();
    log[second] = b'!';
    std::fs::write(&path, &log).unwrap();
    let args = ["--port", "0", "--dir", dir.path().to_str().unwrap(), "--appendonly", "yes"];
    let (status, _, stderr) = run_to_exit(&args, Duration::from_secs(10));
    assert!(!status.success());
    assert!(stderr.contains(&format!("corrupt at byte offset {second}")), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), log, "a corrupt log is never modified");

    // Well-formed records that cannot be what the server wrote also stop it.
    let mut log = resp(&["SET", "a", "1"]);
    let at = log.len();
    log.extend(resp(&["SELECT", "99"]));
    std::fs::write(&path, &log).unwrap();
    let (status, _, stderr) = run_to_exit(&args, Duration::from_secs(10));
    assert!(!status.success());
    assert!(
        stderr.contains(&format!("corrupt at byte offset {at}: record failed: ERR DB index")),
        "{stderr}"
    );
    std::fs::write(&path, resp(&["NOSUCHCOMMAND", "x"])).unwrap();
    let (status, _, stderr) = run_to_exit(&args, Duration::from_secs(10));
    assert!(!status.success());
    assert!(stderr.contains("corrupt at byte offset 0: unknown command 'NOSUCHCOMMAND'"), "{stderr}");
}

#[test]
fn the_log_wins_over_the_dump_and_expiry_replays_correctly() {
    let dir = Arc::new(TempDir::new("replay"));
    let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
    let mut c = server.connect();
    c.cmd(&["SET", "in-dump", "old"], "+OK\r\n");
    c.cmd(&["SAVE"], "+OK\r\n");
    c.cmd(&["SET", "in-dump", "new"], "+OK\r\n");
    c.cmd(&["SET", "short", "x", "PX", "150"], "+OK\r\n");
    c.cmd(&["SET", "long", "x", "EX", "1000"], "+OK\r\n");
    c.cmd(&["SET", "becomes", "old", "PX", "100"], "+OK\r\n");
    c.cmd(&["SETEX", "setex", "1000", "v"], "+OK\r\n");
    thread::sleep(Duration::from_millis(200));
    // The old key expired: APPEND makes a new key without a TTL.
    c.cmd(&["APPEND", "becomes", "new"], ":3\r\n");
    c.cmd(&["EXPIRE", "gone", "10"], ":0\r\n");
    c.cmd(&["SET", "gone", "x"], "+OK\r\n");
    c.cmd(&["EXPIRE", "gone", "-1"], ":1\r\n");
    c.cmd(&["INCR", "gone"], ":1\r\n");
    server.kill();
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    let mut c = server.connect();
    c.cmd(&["GET", "in-dump"], bulk("new"));
    c.cmd(&["GET", "short"], "$-1\r\n");
    c.cmd(&["GET", "becomes"], bulk("new"));
    c.cmd(&["TTL", "becomes"], ":-1\r\n");
    c.cmd(&["GET", "gone"], bulk("1"));
    c.send_cmd(&["TTL", "long"]);
    let ttl = String::from_utf8_lossy(&c.read_reply()).into_owned();
    assert!(ttl.starts_with(":99") || ttl == ":1000\r\n", "TTL kept as an absolute deadline: {ttl}");
    c.send_cmd(&["TTL", "setex"]);
    let ttl = String::from_utf8_lossy(&c.read_reply()).into_owned();
    assert!(ttl.starts_with(":99") || ttl == ":1000\r\n", "{ttl}");
}

/// Fills `n` keys quickly with pipelined MSETs.
fn fill(c: &mut Conn, prefix: &str, n: usize) {
    for start in (0..n).step_by(1000) {
        let mut args = vec!["MSET".to_string()];
        for i in start..(start + 1000).min(n) {
            args.push(format!("{prefix}{i}"));
            args.push(format!("value-{i}-{}", "x".repeat(40)));
        }
        c.cmd(&args, "+OK\r\n");
    }
}

#[test]
fn kill_9_during_bgsave_leaves_a_loadable_dump() {
    let dir = Arc::new(TempDir::new("bgsave-crash"));
    let mut server = Server::start_in(dir.clone(), &[]);
    let mut c = server.connect();
    c.cmd(&["SET", "marker", "first"], "+OK\r\n");
    c.cmd(&["SAVE"], "+OK\r\n");
    fill(&mut c, "k", 50_000);
    c.cmd(&["SET", "marker", "second"], "+OK\r\n");
    c.cmd(&["BGSAVE"], "+Background saving started\r\n");
    thread::sleep(Duration::from_millis(5));
    server.kill();
    let server = Server::start_in(dir.clone(), &[]);
    let mut c = server.connect();
    match get(&mut c, "marker").as_str() {
        "first" => c.cmd(&["DBSIZE"], ":1\r\n"),
        "second" => c.cmd(&["DBSIZE"], ":50001\r\n"),
        other => panic!("marker is {other}"),
    }
    // And a background save that completes is there after a crash.
    c.cmd(&["SET", "marker", "third"], "+OK\r\n");
    c.cmd(&["BGSAVE"], "+Background saving started\r\n");
    wait_for(&mut c, "rdb_bgsave_in_progress", "0");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    let mut server = server;
    server.kill();
    let server = Server::start_in(dir.clone(), &[]);
    server.connect().cmd(&["GET", "marker"], bulk("third"));
}

#[test]
fn writes_during_bgrewriteaof_are_neither_lost_nor_duplicated() {
    let dir = Arc::new(TempDir::new("rewrite"));
    let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
    let mut c = server.connect();
    // Every key written three times: the rewrite keeps one SET each.
    for _ in 0..3 {
        fill(&mut c, "k", 30_000);
    }
    let size_before = std::fs::metadata(aof_path(&dir)).unwrap().len();
    c.cmd(&["BGREWRITEAOF"], "+Background append only file rewriting started\r\n");
    let mut incrs = 0;
    while info_field(&mut c, "aof_rewrite_in_progress") == "1" || incrs < 50 {
        incrs += 1;
        c.cmd(&["INCR", "during"], format!(":{incrs}\r\n"));
        c.cmd(&["HSET", "hash", &format!("f{incrs}"), "v"], ":1\r\n");
    }
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    c.cmd(&["INCR", "during"], format!(":{}\r\n", incrs + 1));
    server.kill();
    let size_after = std::fs::metadata(aof_path(&dir)).unwrap().len();
    assert!(size_after < size_before / 2, "compacted: {size_before} -> {size_after}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    let mut c = server.connect();
    c.cmd(&["GET", "during"], bulk((incrs + 1).to_string()));
    c.cmd(&["HLEN", "hash"], format!(":{incrs}\r\n"));
    c.cmd(&["DBSIZE"], ":30002\r\n");
}

#[test]
fn kill_9_during_bgrewriteaof_leaves_a_loadable_log() {
    let dir = Arc::new(TempDir::new("rewrite-crash"));
    let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
    let mut c = server.connect();
    fill(&mut c, "k", 50_000);
    c.cmd(&["BGREWRITEAOF"], "+Background append only file rewriting started\r\n");
    for i in 1..=20 {
        c.cmd(&["INCR", "during"], format!(":{i}\r\n"));
    }
    server.kill();
    // The child dies with the server (SIGKILL on parent death); let it go.
    thread::sleep(Duration::from_millis(200));
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    let mut c = server.connect();
    c.cmd(&["GET", "during"], bulk("20"));
    c.cmd(&["DBSIZE"], ":50001\r\n");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("temp-")), "temp files are cleaned at start-up: {names:?}");
}

#[test]
fn config_set_appendonly_yes_starts_a_log_from_the_current_data() {
    let dir = Arc::new(TempDir::new("enable"));
    let mut server = Server::start_in(dir.clone(), &["--appendfsync", "always"]);
    let mut c = server.connect();
    fill(&mut c, "k", 5_000);
    c.cmd(&["CONFIG", "SET", "appendonly", "yes"], "+OK\r\n");
    for i in 1..=30 {
        c.cmd(&["INCR", "n"], format!(":{i}\r\n"));
    }
    wait_for(&mut c, "aof_rewrite_in_progress", "0");
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    c.cmd(&["INCR", "n"], ":31\r\n");
    c.cmd(&["CONFIG", "GET", "appendonly"], "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n");
    server.kill();
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    let mut c = server.connect();
    c.cmd(&["GET", "n"], bulk("31"));
    c.cmd(&["DBSIZE"], ":5001\r\n");
}

#[test]
fn save_rules_trigger_a_background_save() {
    let dir = Arc::new(TempDir::new("rules"));
    let mut server = Server::start_in(dir.clone(), &["--save", "1 2"]);
    let mut c = server.connect();
    c.cmd(&["CONFIG", "GET", "save"], "*2\r\n$4\r\nsave\r\n$3\r\n1 2\r\n");
    c.cmd(&["SET", "a", "1"], "+OK\r\n");
    thread::sleep(Duration::from_millis(1300));
    assert!(!dir.path().join("dump.json").exists(), "one change is below the rule");
    c.cmd(&["SET", "b", "2"], "+OK\r\n");
    wait_for(&mut c, "rdb_changes_since_last_save", "0");
    assert!(dir.path().join("dump.json").exists());
    // SIGKILL after the automatic save: the data is back.
    server.kill();
    let server = Server::start_in(dir.clone(), &[]);
    server.connect().cmd(&["GET", "b"], bulk("2"));
}

#[test]
fn the_log_is_rewritten_automatically_once_it_has_grown() {
    let dir = Arc::new(TempDir::new("auto-rewrite"));
    let args = [
        "--appendonly",
        "yes",
        "--auto-aof-rewrite-min-size",
        "20kb",
        "--auto-aof-rewrite-percentage",
        "100",
    ];
    let mut server = Server::start_in(dir.clone(), &args);
    let mut c = server.connect();
    let value = "x".repeat(100);
    for i in 0..400 {
        c.cmd(&["SET", &format!("k{}", i % 10), &value], "+OK\r\n");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(aof_path(&dir)).unwrap().len() > 20 * 1024 {
        assert!(Instant::now() < deadline, "no automatic rewrite");
        thread::sleep(Duration::from_millis(50));
    }
    wait_for(&mut c, "aof_rewrite_in_progress", "0");
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    c.cmd(&["SET", "after", "1"], "+OK\r\n");
    server.kill();
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    let mut c = server.connect();
    c.cmd(&["DBSIZE"], ":11\r\n");
    c.cmd(&["GET", "k3"], bulk(&value));
}

#[test]
fn replay_is_not_blocked_by_acl_rules() {
    let dir = Arc::new(TempDir::new("replay-acl"));
    let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
    write_some(&server);
    server.kill();
    // The default user may now only read; the log still replays whole.
    let acl = dir.path().join("users.acl");
    std::fs::write(&acl, "user default on nopass ~* &* -@all +get +ping\n").unwrap();
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes", "--aclfile", acl.to_str().unwrap()]);
    let mut c = server.connect();
    c.cmd(&["GET", "a"], bulk("1"));
    c.cmd(&["GET", "n"], bulk("1"));
    c.cmd(&["SET", "a", "2"], "-NOPERM this user has no permissions to run the 'set' command\r\n");
}

#[test]
fn reads_log_only_the_keys_their_lazy_expiry_deleted() {
    let dir = Arc::new(TempDir::new("lazy-expiry-log"));
    let args = [AOF_ALWAYS, &["--enable-debug-command", "yes"]].concat();
    let server = Server::start_in(dir.clone(), &args);
    let mut c = server.connect();
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n");
    c.cmd(&["SET", "live", "v"], "+OK\r\n");
    c.cmd(&["SET", "dying", "v", "PX", "20"], "+OK\r\n");
    let before = std::fs::read(aof_path(&dir)).unwrap();
    // Reads of live or missing keys leave the log alone.
    c.cmd(&["GET", "live"], bulk("v"));
    c.cmd(&["GET", "missing"], "$-1\r\n");
    c.cmd(&["PING"], "+PONG\r\n");
    assert_eq!(std::fs::read(aof_path(&dir)).unwrap(), before);
    thread::sleep(Duration::from_millis(40));
    // The read that finds the key due deletes it, and the log says so.
    c.cmd(&["GET", "dying"], "$-1\r\n");
    c.cmd(&["SET", "after", "v"], "+OK\r\n");
    let log = std::fs::read(aof_path(&dir)).unwrap();
    let added = String::from_utf8_lossy(&log[before.len()..]).into_owned();
    assert!(added.starts_with("*2\r\n$3\r\nDEL\r\n$5\r\ndying\r\n"), "{added:?}");
    assert!(added.contains("after"), "{added:?}");
}

#[test]
fn the_log_holds_what_commands_did_in_absolute_time() {
    let dir = Arc::new(TempDir::new("logged-forms"));
    let server = Server::start_in(dir.clone(), AOF_ALWAYS);
    let mut c = server.connect();
    let before = std::fs::read(aof_path(&dir)).unwrap().len();
    let started =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    c.cmd(&["SET", "a", "1", "EX", "100", "NX"], "+OK\r\n");
    c.cmd(&["SET", "plain", "v"], "+OK\r\n");
    c.cmd(&["SETEX", "s", "10", "v"], "+OK\r\n");
    c.cmd(&["EXPIRE", "plain", "50"], ":1\r\n");
    c.cmd(&["EXPIRE", "missing", "50"], ":0\r\n");
    c.cmd(&["INCRBYFLOAT", "n", "1.5"], bulk("1.5"));
    c.cmd(&["HINCRBYFLOAT", "h", "f", "2.0"], bulk("2"));
    c.cmd(&["GETEX", "a", "PERSIST"], bulk("1"));
    c.cmd(&["GETEX", "a"], bulk("1"));
    c.cmd(&["SELECT", "2"], "+OK\r\n");
    c.cmd(&["EXPIRE", "nothing", "-1"], ":0\r\n");
    c.cmd(&["SET", "b", "1"], "+OK\r\n");
    c.cmd(&["EXPIRE", "b", "-1"], ":1\r\n");
    let finished =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let log = std::fs::read(aof_path(&dir)).unwrap();
    let (records, problem) = miniredis::persist::aof::parse(&log[before..]);
    assert!(problem.is_none(), "{problem:?}");
    let text: Vec<String> = records
        .iter()
        .map(|(_, args)| {
            args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" ")
        })
        .collect();
    // Deadlines are the time of the write plus the relative time.
    let deadline = |line: &str, ttl_ms: u64| {
        let at: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!((started + ttl_ms..=finished + ttl_ms).contains(&at), "{line}");
        line.rsplit_once(' ').unwrap().0.to_string()
    };
    let shape: Vec<String> = text
        .iter()
        .map(|line| match line.split(' ').next().unwrap() {
            "SET" if line.contains("PXAT") => {
                deadline(line, if line.starts_with("SET a") { 100_000 } else { 10_000 })
            }
            "PEXPIREAT" => deadline(line, 50_000),
            _ => line.clone(),
        })
        .collect();
    assert_eq!(
        shape,
        [
            "SELECT 0",
            "SET a 1 NX PXAT",
            "SET plain v",
            "SET s v PXAT",
            "PEXPIREAT plain",
            "SET n 1.5 KEEPTTL",
            "HSET h f 2",
            "PERSIST a",
            "SELECT 2",
            "SET b 1",
            "DEL b"
        ]
    );
}

/// Writes with `fill` under `appendfsync always`, then checks with `check`
/// after a replay of the log, after its rewrite, and from `dump.json` alone.
fn survives_the_log_its_rewrite_and_the_dump(name: &str, fill: fn(&mut Conn), check: fn(&mut Conn)) {
    let dir = Arc::new(TempDir::new(name));
    let mut server = Server::start_in(dir.clone(), AOF_ALWAYS);
    let mut c = server.connect();
    fill(&mut c);
    server.kill();
    let mut server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    let mut c = server.connect();
    check(&mut c);
    c.cmd(&["BGREWRITEAOF"], "+Background append only file rewriting started\r\n");
    wait_for(&mut c, "aof_rewrite_in_progress", "0");
    c.cmd(&["SAVE"], "+OK\r\n");
    server.kill();
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    check(&mut server.connect());
    drop(server);
    let server = Server::start_in(dir.clone(), &[]);
    check(&mut server.connect());
}

/// Hashes in both encodings, with binary fields and integer values.
fn fill_hashes(c: &mut Conn) {
    c.cmd(
        &[
            &b"HSET"[..],
            b"small",
            b"name",
            b"Alice",
            b"age",
            b"23",
            b"\x00\xff",
            b"",
            b"min",
            b"-9223372036854775808",
        ],
        ":4\r\n",
    );
    for i in 0..600 {
        c.cmd(&["HSET", "big", &format!("f{i}"), &i.to_string()], ":1\r\n");
    }
    c.cmd(&["HSET", "long", "f", &"x".repeat(65)], ":1\r\n");
    c.cmd(&["HDEL", "big", "f7"], ":1\r\n");
}

fn check_hashes(c: &mut Conn) {
    for (key, encoding) in [("small", "listpack"), ("big", "hashtable"), ("long", "hashtable")] {
        c.cmd(&["OBJECT", "ENCODING", key], bulk(encoding));
    }
    c.cmd(&["HGET", "small", "min"], bulk("-9223372036854775808"));
    c.cmd(&[&b"HGET"[..], b"small", b"\x00\xff"], bulk(""));
    c.cmd(&["HKEYS", "small"], &b"*4\r\n$4\r\nname\r\n$3\r\nage\r\n$2\r\n\x00\xff\r\n$3\r\nmin\r\n"[..]);
    c.cmd(&["HLEN", "big"], ":599\r\n");
    c.cmd(&["HGET", "big", "f599"], bulk("599"));
    c.cmd(&["HGET", "big", "f7"], "$-1\r\n");
    c.cmd(&["HSTRLEN", "long", "f"], ":65\r\n");
}

#[test]
fn both_hash_encodings_survive_the_log_its_rewrite_and_the_dump() {
    survives_the_log_its_rewrite_and_the_dump("hash-encodings", fill_hashes, check_hashes);
}

/// Lists of one node and of many (with binary and integer elements), moved
/// and trimmed, and a blocking pop served: all survive the log, its
/// rewrite and the dump.
fn fill_lists(c: &mut Conn) {
    c.cmd(&[&b"RPUSH"[..], b"small", b"a", b"\x00\xff", b"", b"-9223372036854775808", b"12"], ":5\r\n");
    for chunk in 0..40 {
        let items: Vec<String> = (0..100).map(|i| format!("item:{}", chunk * 100 + i)).collect();
        let mut args = vec!["RPUSH", "big"];
        args.extend(items.iter().map(String::as_str));
        c.cmd(&args, format!(":{}\r\n", (chunk + 1) * 100));
    }
    c.cmd(&["LTRIM", "big", "1", "-2"], "+OK\r\n");
    c.cmd(&["LSET", "big", "100", "changed"], "+OK\r\n");
    c.cmd(&["LMOVE", "small", "moved", "LEFT", "RIGHT"], bulk("a"));
    c.cmd(&["BRPOP", "big", "0"], "*2\r\n$3\r\nbig\r\n$9\r\nitem:3998\r\n");
}

fn check_lists(c: &mut Conn) {
    c.cmd(
        &["LRANGE", "small", "0", "-1"],
        &b"*4\r\n$2\r\n\x00\xff\r\n$0\r\n\r\n$20\r\n-9223372036854775808\r\n$2\r\n12\r\n"[..],
    );
    c.cmd(&["LLEN", "big"], ":3997\r\n");
    c.cmd(&["LINDEX", "big", "0"], bulk("item:1"));
    c.cmd(&["LINDEX", "big", "100"], bulk("changed"));
    c.cmd(&["LINDEX", "big", "-1"], bulk("item:3997"));
    c.cmd(&["LRANGE", "moved", "0", "-1"], "*1\r\n$1\r\na\r\n");
    c.cmd(&["OBJECT", "ENCODING", "big"], bulk("quicklist"));
}

#[test]
fn lists_survive_the_log_its_rewrite_and_the_dump() {
    survives_the_log_its_rewrite_and_the_dump("lists", fill_lists, check_lists);
}

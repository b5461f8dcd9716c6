//! Scaling out behind twemproxy (Debian's `nutcracker`), as the README's
//! "Scaling out" section describes: three MiniRedis instances, the README's
//! `nutcracker.yml` (`hash: murmur`, `distribution: ketama`), keys written
//! through the proxy land on all three and read back through it, and the
//! proxy splits `MGET`/`MSET`/`DEL`. Without `nutcracker` the test fails,
//! unless `MINIREDIS_SKIP_DIFFERENTIAL=1` is set.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bulk, free_port, tool_missing, Conn, Server, TempDir};

/// The proxy process, killed on drop.
struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nutcracker() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from))
        .map(|dir| dir.join("nutcracker"))
        .find(|candidate| candidate.is_file())
}

/// The README's `nutcracker.yml`, with the test's ports.
fn config(listen: u16, servers: &[&Server]) -> String {
    let mut yml = format!(
        "miniredis:\n  listen: 127.0.0.1:{listen}\n  hash: murmur\n  distribution: ketama\n  redis: true\n  \
         auto_eject_hosts: false\n  servers:\n"
    );
    for (server, name) in servers.iter().zip(["one", "two", "three"]) {
        yml.push_str(&format!("    - 127.0.0.1:{}:1 {name}\n", server.port));
    }
    yml
}

/// A connection through the proxy, once it answers `PING` (10 s at most).
fn connect_when_ready(port: u16, proxy: &mut Proxy, log: &std::path::Path) -> Conn {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = proxy.0.try_wait() {
            panic!("nutcracker exited ({status}):\n{}", std::fs::read_to_string(log).unwrap_or_default());
        }
        if let Ok(mut conn) = Conn::open(port) {
            if conn.call(&["PING"]).is_ok_and(|reply| reply == b"+PONG\r\n") {
                return conn;
            }
        }
        assert!(Instant::now() < deadline, "nutcracker never answered PING");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn dbsize(server: &Server) -> usize {
    let reply = server.connect().call(&["DBSIZE"]).expect("DBSIZE");
    String::from_utf8_lossy(&reply).trim().trim_start_matches(':').parse().expect("an integer")
}

#[test]
fn three_instances_behind_nutcracker() {
    let Some(binary) = nutcracker() else {
        return tool_missing("scaling_out", "`nutcracker` (twemproxy) is not installed");
    };
    let servers = [Server::start_miniredis(&[]), Server::start_miniredis(&[]), Server::start_miniredis(&[])];
    let dir = TempDir::new("nutcracker");
    let (listen, stats) = (free_port(), free_port());
    let conf = dir.path().join("nutcracker.yml");
    std::fs::write(&conf, config(listen, &servers.iter().collect::<Vec<_>>())).unwrap();
    let log = dir.path().join("nutcracker.log");
    let child = Command::new(&binary)
        .arg("-c")
        .arg(&conf)
        .args(["-s", &stats.to_string(), "-a", "127.0.0.1", "-o"])
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nutcracker");
    let mut proxy = Proxy(child);
    let mut conn = connect_when_ready(listen, &mut proxy, &log);

    // Keys with a shared prefix, written one by one and in MSET batches
    // (which the proxy splits by key).
    const KEYS: usize = 3_000;
    for i in 0..KEYS / 2 {
        conn.cmd(&["SET", &format!("user:{i}"), &format!("v{i}")], "+OK\r\n");
    }
    for batch in (KEYS / 2..KEYS).collect::<Vec<_>>().chunks(100) {
        let mut args = vec!["MSET".to_string()];
        for i in batch {
            args.extend([format!("user:{i}"), format!("v{i}")]);
        }
        conn.cmd(&args, "+OK\r\n");
    }
    let sizes: Vec<usize> = servers.iter().map(dbsize).collect();
    assert_eq!(sizes.iter().sum::<usize>(), KEYS, "{sizes:?}");
    for size in &sizes {
        assert!(*size >= KEYS / 6, "keys are spread over all three instances: {sizes:?}");
    }
    common::report(&format!("nutcracker (murmur, ketama) spread {KEYS} keys as {sizes:?}"));

    // Everything reads back through the proxy.
    for i in (0..KEYS).step_by(7) {
        conn.cmd(&["GET", &format!("user:{i}")], bulk(format!("v{i}")));
    }
    let mut mget = vec!["MGET".to_string()];
    mget.extend((0..50).map(|i| format!("user:{i}")));
    mget.push("user:missing".into());
    let mut expected = format!("*{}\r\n", 51).into_bytes();
    for i in 0..50 {
        expected.extend(bulk(format!("v{i}")));
    }
    expected.extend(b"$-1\r\n");
    conn.cmd(&mget, expected);
    // Hashes and expiry, single-key commands, go through unchanged.
    conn.cmd(&["HSET", "session:1", "user", "alice", "ttl", "60"], ":2\r\n");
    conn.cmd(&["HGET", "session:1", "user"], bulk("alice"));
    conn.cmd(&["EXPIRE", "session:1", "100"], ":1\r\n");
    conn.cmd(&["TTL", "session:1"], ":100\r\n");
    // DEL is split too: each instance deletes its own keys.
    let mut del = vec!["DEL".to_string()];
    del.extend((0..30).map(|i| format!("user:{i}")));
    conn.cmd(&del, ":30\r\n");
    assert_eq!(servers.iter().map(dbsize).sum::<usize>(), KEYS - 30 + 1);
}

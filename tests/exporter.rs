//! Operators' tools against MiniRedis: Debian's `prometheus-redis-exporter`
//! scrapes it (redis_up, key counts, commands, memory), and `redis-cli
//! --stat` / `redis-cli --latency` run against it. CI installs the tools
//! (`.ci/run`); without them these tests fail loudly unless
//! `MINIREDIS_SKIP_DIFFERENTIAL=1`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, loud, redis_binary, run_with_timeout, Conn, Server, SKIP_VAR};

/// The exporter's binary, or None when it is missing and skipping is allowed.
fn exporter() -> Option<PathBuf> {
    let path = ["/usr/bin/prometheus-redis-exporter", "/usr/local/bin/prometheus-redis-exporter"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if path.is_some() {
        return path;
    }
    let message =
        "prometheus-redis-exporter is not installed (Debian: apt-get install prometheus-redis-exporter; \
                   .ci/run installs it)";
    if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        loud(&format!("SKIPPED - {message}"));
        None
    } else {
        loud(message);
        panic!("{message}");
    }
}

/// The exporter process, killed when dropped.
struct Exporter(Child);

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET /metrics` over plain HTTP/1.0; None until the exporter listens.
fn scrape(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    body.contains("200 OK").then_some(body)
}

/// The value of a metric line `name{labels} value` (exact name and labels).
fn metric(body: &str, name: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name} in the scrape"))
}

fn call_int(conn: &mut Conn, args: &[&str]) -> i64 {
    let reply = conn.call(args).expect("call");
    String::from_utf8_lossy(&reply[1..reply.len() - 2]).parse().expect("integer reply")
}

#[test]
fn prometheus_redis_exporter_scrapes_miniredis() {
    let Some(binary) = exporter() else { return };
    let server = Server::start_miniredis(&[]);
    let mut conn = server.connect();
    for i in 0..25 {
        conn.call(&["SET", &format!("key:{i}"), "value"]).unwrap();
    }
    conn.call(&["HSET", "hash", "f", "v"]).unwrap();
    conn.call(&["GET", "key:1"]).unwrap();
    let dbsize = call_int(&mut conn, &["DBSIZE"]);

    let port = free_port();
    let child = Command::new(&binary)
        .args(["-redis.addr", &format!("redis://127.0.0.1:{}", server.port)])
        .args(["-web.listen-address", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus-redis-exporter");
    let _exporter = Exporter(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        if let Some(body) = scrape(port) {
            break body;
        }
        assert!(Instant::now() < deadline, "the exporter never answered on {port}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(metric(&body, "redis_up"), 1.0, "redis_up");
    assert_eq!(metric(&body, "redis_db_keys{db=\"db0\"}"), dbsize as f64);
    assert!(metric(&body, "redis_commands_processed_total") >= 28.0);
    assert_eq!(metric(&body, "redis_commands_total{cmd=\"set\"}"), 25.0);
    assert_eq!(metric(&body, "redis_commands_total{cmd=\"hset\"}"), 1.0);
    assert_eq!(metric(&body, "redis_commands_total{cmd=\"get\"}"), 1.0);
    assert_eq!(metric(&body, "redis_keyspace_hits_total"), 1.0);
    let used = metric(&body, "redis_memory_used_bytes");
    assert!(used > 10_000.0, "redis_memory_used_bytes {used}");
    assert!(metric(&body, "redis_memory_used_rss_bytes") > used);
    assert_eq!(metric(&body, "redis_exporter_last_scrape_error{err=\"\"}"), 0.0, "no scrape error");
}

#[test]
fn redis_cli_stat_and_latency_run() {
    let Some(cli) = redis_binary("redis-cli", "redis-cli --stat") else { return };
    let server = Server::start_miniredis(&[]);
    let mut conn = server.connect();
    conn.call(&["SET", "a", "1"]).unwrap();
    // --stat runs until interrupted and writes through stdio: line-buffer it
    // so the rows printed before the time limit are not lost.
    let mut stat = Command::new("stdbuf");
    stat.arg("-oL").arg(&cli).args(["-p", &server.port.to_string(), "--stat", "-i", "0.2"]);
    let (_, stdout, stderr) = run_with_timeout(stat, None, Duration::from_secs(2));
    assert!(stdout.contains("------- data ------") && stdout.contains("keys"), "{stdout}\n{stderr}");
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("1 ")).collect();
    assert!(rows.len() >= 2, "rows with 1 key: {stdout}");
    assert!(!stdout.contains("ERR") && !stderr.contains("ERR"), "{stdout}\n{stderr}");

    // --latency samples until SIGINT, then prints `min max avg count` (--raw).
    let child = Command::new(&cli)
        .args(["-p", &server.port.to_string(), "--latency", "--raw"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start redis-cli --latency");
    std::thread::sleep(Duration::from_millis(1_500));
    // SAFETY: kill(2) only sends SIGINT to the redis-cli this test started.
    let interrupted = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(interrupted, 0, "kill -INT redis-cli");
    let output = child.wait_with_output().expect("redis-cli --latency exits on SIGINT");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<f64> = stdout.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert_eq!(numbers.len(), 4, "min max avg count: {stdout:?} {}", String::from_utf8_lossy(&output.stderr));
    assert!(numbers[3] >= 10.0, "samples taken: {stdout}");
}

//! Side-by-side benchmark of MiniRedis against redis-server. This is a
//! benchmark, not a test: it is `#[ignore]`d so `cargo test` never depends on
//! timings. Run it with
//!
//! ```text
//! cargo test --release --test benchmark -- --ignored --nocapture
//! ```
//!
//! It finds (or, as root, installs) redis-server and redis-benchmark, starts
//! both servers, runs each workload alternating MiniRedis and Redis for
//! several rounds, and prints medians, ratios, latencies, server CPU per
//! request and bytes per key. Every external command runs under a timeout and
//! every server it starts is killed when it ends. Knobs (environment):
//! `BENCH_ROUNDS` (default 3), `BENCH_REQUESTS` (default 200000),
//! `BENCH_KEYS` (default 1000000), `BENCH_BASELINE=path/to/miniredis` (an
//! earlier build, measured in the same rounds and shown before/after),
//! `BENCH_ONLY=core` (only SET/GET at depth 1 and pipeline 16),
//! `BENCH_ONLY=hash` (only the hash
//! workloads, and SET/GET at pipeline 16 to compare with), `BENCH_ONLY=sets`
//! (only the set and sorted-set workloads), `BENCH_SCRIPT_CALLS` (default
//! 500, calls of the 1,000-command script per round). The list
//! workloads are their own benchmark: `--test benchmark lists -- --ignored`.
//!
//! Each data type or feature adds its own workloads as a module beside this
//! file (`tests/benchmark/<area>.rs`, one `mod` line here), using the
//! helpers below through `super::`.

mod transactions;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod leaderboard;
mod pubsub;
mod rdb;
mod scripting;
mod streams;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Finds a program on PATH, installing `package` with apt-get as root if absent.
fn require(program: &str, package: &str) -> PathBuf {
    let find = || {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join(program)).find(|p| p.is_file()))
            .unwrap_or(None)
    };
    if let Some(path) = find() {
        return path;
    }
    eprintln!("{program} not found; trying apt-get install {package}");
    let _ = Command::new("apt-get")
        .args(["install", "-y", "-qq", package])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    find().unwrap_or_else(|| panic!("{program} is required (Debian package {package})"))
}

/// A server process, killed on drop.
struct Server {
    name: &'static str,
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("miniredis-bench-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(2))).ok();
            if s.write_all(b"PING\r\n").is_ok() {
                let mut line = String::new();
                if BufReader::new(&s).read_line(&mut line).is_ok() && line.starts_with("+PONG") {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server on port {port} did not become ready");
}

/// `BENCH_BASELINE`: another MiniRedis binary (an earlier build) to measure
/// in the same rounds, for before/after comparisons.
fn baseline_binary() -> Option<PathBuf> {
    std::env::var_os("BENCH_BASELINE").map(PathBuf::from)
}

/// `cpu`: the core to pin the server to (None: unpinned).
fn start(name: &'static str, threads: Option<usize>, cpu: Option<usize>) -> Server {
    let port = free_port();
    let dir = TempDir::new(&format!("{name}-{port}"));
    let mut cmd = match cpu {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &core.to_string()]);
            c
        }
        None => Command::new("env"),
    };
    if name != "redis" {
        let binary = match name {
            "baseline" => baseline_binary().expect("BENCH_BASELINE"),
            _ => PathBuf::from(env!("CARGO_BIN_EXE_miniredis")),
        };
        cmd.arg(binary)
            .args(["--port", &port.to_string(), "--human-session-delay", "0", "--loglevel", "warning"])
            .arg("--dir")
            .arg(&dir.0);
        if let Some(t) = threads {
            cmd.args(["--threads", &t.to_string()]);
        }
    } else {
        cmd.arg(require("redis-server", "redis-server"))
            .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .arg("--dir")
            .arg(&dir.0);
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start server");
    let server = Server { name, child, port, _dir: dir };
    wait_ready(port);
    server
}

/// Total CPU seconds (user + system, all threads) of a process.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The process actually serving (taskset/env exec into it, so it is the child).
fn server_pid(server: &Server) -> u32 {
    server.child.id()
}

fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[derive(Clone, Copy, Default)]
struct Sample {
    rps: f64,
    p50: f64,
    p99: f64,
    cpu_us: f64,
}

/// Runs redis-benchmark for one test (`["-t", "set"]`, or a command's
/// words) and returns its figures.
fn run_benchmark(
    server: &Server,
    test: &[&str],
    args: &[&str],
    requests: usize,
    client_cpu: Option<usize>,
) -> Sample {
    let pid = server_pid(server);
    let before = cpu_seconds(pid);
    let mut cmd = Command::new("timeout");
    cmd.arg("300");
    if let Some(core) = client_cpu {
        cmd.args(["taskset", "-c", &core.to_string()]);
    }
    let output = cmd
        .arg(require("redis-benchmark", "redis-tools"))
        .args(["-p", &server.port.to_string(), "-n", &requests.to_string(), "--csv"])
        .args(args)
        .args(test)
        .output()
        .expect("run redis-benchmark");
    let used = cpu_seconds(pid) - before;
    let text = String::from_utf8_lossy(&output.stdout);
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    let row = text
        .lines()
        .find(|l| l.starts_with('"') && !l.starts_with("\"test\""))
        .unwrap_or_else(|| panic!("no result from redis-benchmark for {test:?} on {}: {text}", server.name));
    let cols: Vec<f64> = row.split(',').skip(1).map(|c| c.trim_matches('"').parse().unwrap_or(0.0)).collect();
    Sample { rps: cols[0], p50: cols[3], p99: cols[5], cpu_us: used * 1e6 / requests as f64 }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

struct Row {
    workload: String,
    mini: Sample,
    redis: Sample,
    /// The `BENCH_BASELINE` build's figures, when one is given.
    baseline: Option<Sample>,
}

fn medians(samples: &[Sample]) -> Sample {
    Sample {
        rps: median(samples.iter().map(|s| s.rps).collect()),
        p50: median(samples.iter().map(|s| s.p50).collect()),
        p99: median(samples.iter().map(|s| s.p99).collect()),
        cpu_us: median(samples.iter().map(|s| s.cpu_us).collect()),
    }
}

/// Runs one workload for `rounds` rounds, alternating the two servers.
fn workload(
    label: &str,
    test: &str,
    args: &[&str],
    requests: usize,
    rounds: usize,
    mini_threads: Option<usize>,
    pinned: bool,
) -> Row {
    let what = Workload { test: &["-t", test], args, fill: None };
    workload_on(label, &what, requests, rounds, mini_threads, pinned)
}

/// A redis-benchmark run: the test, its options, and a command run first
/// on each fresh server (untimed) to fill it.
struct Workload<'a> {
    test: &'a [&'a str],
    args: &'a [&'a str],
    fill: Option<&'a [&'a str]>,
}

fn workload_on(
    label: &str,
    what: &Workload,
    requests: usize,
    rounds: usize,
    mini_threads: Option<usize>,
    pinned: bool,
) -> Row {
    let (server_cpu, client_cpu) = if pinned { (Some(0), Some(1)) } else { (None, None) };
    let run = |server: &Server| {
        if let Some(fill) = what.fill {
            run_benchmark(server, fill, what.args, requests, client_cpu);
        }
        run_benchmark(server, what.test, what.args, requests, client_cpu)
    };
    let mut mini = Vec::new();
    let mut redis = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..rounds {
        let m = start("miniredis", mini_threads, server_cpu);
        mini.push(run(&m));
        drop(m);
        if baseline_binary().is_some() {
            let b = start("baseline", mini_threads, server_cpu);
            baseline.push(run(&b));
        }
        let r = start("redis", None, server_cpu);
        redis.push(run(&r));
    }
    let baseline = (!baseline.is_empty()).then(|| medians(&baseline));
    Row { workload: label.to_string(), mini: medians(&mini), redis: medians(&redis), baseline }
}

/// A command in RESP.
fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// RSS growth of a fresh server after sending it `commands` commands
/// (`command(i)` in RESP) through one pipelined connection.
fn rss_growth(name: &'static str, commands: usize, command: impl Fn(usize) -> Vec<u8>) -> f64 {
    let server = start(name, None, None);
    let pid = server_pid(&server);
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_bytes(pid);
    pipeline(server.port, commands, command);
    std::thread::sleep(Duration::from_millis(300));
    (rss_bytes(pid) - before) as f64
}

/// Sends `commands` commands (`command(i)` in RESP) through one pipelined
/// connection and reads every reply (none may be an error).
fn pipeline(port: u16, commands: usize, command: impl Fn(usize) -> Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let reader_stream = stream.try_clone().unwrap();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(reader_stream);
        let mut line = String::new();
        for _ in 0..commands {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("connection closed early");
            }
            assert!(!line.starts_with('-'), "error reply while loading: {line}");
        }
    });
    let mut batch = Vec::with_capacity(1 << 20);
    for i in 0..commands {
        batch.extend_from_slice(&command(i));
        if batch.len() > (1 << 20) - 512 {
            stream.write_all(&batch).unwrap();
            batch.clear();
        }
    }
    stream.write_all(&batch).unwrap();
    reader.join().expect("all replies read");
}

/// RSS growth per key after loading `keys` small string keys (optionally
/// each with a TTL).
fn bytes_per_key(name: &'static str, keys: usize, ttl: bool) -> f64 {
    let growth = rss_growth(name, keys, |i| {
        let (key, value) = (format!("key:{i}"), format!("v{i:09}"));
        if ttl {
            resp(&[b"SET", key.as_bytes(), value.as_bytes(), b"EX", b"100000"])
        } else {
            resp(&[b"SET", key.as_bytes(), value.as_bytes()])
        }
    });
    growth / keys as f64
}

/// `HSET user:N` of five short fields, as a user record.
fn user_record(i: usize) -> Vec<u8> {
    let (key, name, age) = (format!("user:{i}"), format!("name-{i}"), (18 + i % 60).to_string());
    let (email, score) = (format!("user{i}@example.com"), (i * 7 % 10_000).to_string());
    let cities = ["Paris", "London", "Berlin", "Madrid", "Rome"];
    resp(&[
        b"HSET",
        key.as_bytes(),
        b"name",
        name.as_bytes(),
        b"age",
        age.as_bytes(),
        b"city",
        cities[i % cities.len()].as_bytes(),
        b"email",
        email.as_bytes(),
        b"score",
        score.as_bytes(),
    ])
}

/// RSS growth per field: `hashes` hashes of `fields` fields each, loaded
/// one `HSET` per record (`fields` 5: [`user_record`]) or per field.
fn bytes_per_field(name: &'static str, hashes: usize, fields: usize) -> f64 {
    let growth = if fields == 5 {
        rss_growth(name, hashes, user_record)
    } else {
        rss_growth(name, hashes * fields, |i| {
            let (key, field, value) =
                (format!("wide:{}", i % hashes), format!("field:{}", i / hashes), format!("v{i:09}"));
            resp(&[b"HSET", key.as_bytes(), field.as_bytes(), value.as_bytes()])
        })
    };
    growth / (hashes * fields) as f64
}

/// Keyspace operations per second (half `SET`, half `GET` of random keys
/// among 100,000) from `threads` threads on a store of `shards` shards, in
/// process, without the network: what the shard locks let threads do at once.
fn store_ops_per_sec(shards: usize, threads: usize, ops_per_thread: usize) -> f64 {
    use miniredis::store::{Dataset, Shape, Store, Value};
    let store = Arc::new(Store::new(Dataset::new(Shape::new(16, shards))));
    let keys: Arc<Vec<Vec<u8>>> = Arc::new((0..100_000).map(|i| format!("key:{i}").into_bytes()).collect());
    // Filled first, so only lookups and overwrites are timed.
    let mut view = store.view();
    keys.iter().for_each(|key| view.set(key, Value::string("value")));
    drop(view);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (store, keys) = (store.clone(), keys.clone());
            std::thread::spawn(move || {
                let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ (t as u64 + 1);
                for i in 0..ops_per_thread {
                    // xorshift: a cheap random key.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let key = &keys[(state % keys.len() as u64) as usize];
                    let mut view = store.view();
                    view.want_keys(std::iter::once(key.as_slice()));
                    view.prepare(0, 0, true, false);
                    if i % 2 == 0 {
                        view.set(key, Value::string("value"));
                    } else {
                        std::hint::black_box(view.get(key).is_some());
                    }
                }
            })
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().expect("worker"));
    (threads * ops_per_thread) as f64 / started.elapsed().as_secs_f64()
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn benchmark() {
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let requests = env_usize("BENCH_REQUESTS", 200_000);
    let keys = env_usize("BENCH_KEYS", 1_000_000);
    require("redis-server", "redis-server");
    require("redis-benchmark", "redis-tools");
    let started = Instant::now();

    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let (only_hash, only_core) = (only == "hash", only == "core");
    if only == "sets" {
        sets_section(rounds, requests);
        return;
    }
    let mut rows = Vec::new();
    let depth_one = if only_core { &["set", "get"][..] } else { &["set", "get", "hset"] };
    for test in depth_one.iter().copied().filter(|_| !only_hash) {
        rows.push(workload(
            &format!("{} 1KiB, 500 conns, P1", test.to_uppercase()),
            test,
            &["-c", "500", "-d", "1024", "-r", "100000"],
            requests,
            rounds,
            None,
            true,
        ));
    }
    // Pinned with the default threads, then unpinned with 1 and 2 server threads.
    let thread_setups = if only_hash || only_core {
        &[(None, true)][..]
    } else {
        &[(None, true), (Some(1), false), (Some(2), false)]
    };
    for &(threads, pinned) in thread_setups {
        for test in ["set", "get"] {
            let label = match threads {
                None => format!("{}, 50 conns, P16", test.to_uppercase()),
                Some(n) => format!("{}, P16, unpinned, miniredis --threads {n}", test.to_uppercase()),
            };
            let args = ["-c", "50", "-P", "16", "-r", "100000"];
            rows.push(workload(&label, test, &args, requests * 5, rounds, threads, pinned));
        }
    }

    // Hashes at pipeline 16: a small one (100 fields, a listpack) and a
    // large one (up to 100,000 fields, a hashtable); HGET after filling.
    let hash_sizes = [("small", "bench:small", "100"), ("large", "bench:large", "100000")];
    for (size, key, range) in hash_sizes.into_iter().filter(|_| !only_core) {
        let field = "f:__rand_int__";
        let hset = ["HSET", key, field, "value"];
        let hget = ["HGET", key, field];
        let args = ["-c", "50", "-P", "16", "-r", range];
        let cases = [
            ("HSET", Workload { test: &hset, args: &args, fill: None }),
            ("HGET", Workload { test: &hget, args: &args, fill: Some(&hset) }),
        ];
        for (command, what) in cases {
            let label = format!("{command} {size} hash (-r {range}), 50 conns, P16");
            rows.push(workload_on(&label, &what, requests * 5, rounds, None, true));
        }
    }

    print_rows("workload", &rows);
    if rows.iter().any(|row| row.baseline.is_some()) {
        print_before_after(&rows);
    }
    if only_core {
        return;
    }

    println!("\n| memory: hashes | MiniRedis B/field | Redis B/field | ratio |");
    println!("|---|---:|---:|---:|");
    for (label, hashes, fields) in [
        ("200,000 hashes × 5 short fields (`HSET user:N name … age … city … email … score …`)", 200_000, 5),
        ("200 hashes × 1,000 fields (`field:N` -> 10-byte value)", 200, 1_000),
    ] {
        let m = median((0..rounds.min(2)).map(|_| bytes_per_field("miniredis", hashes, fields)).collect());
        let r = median((0..rounds.min(2)).map(|_| bytes_per_field("redis", hashes, fields)).collect());
        println!("| {label} | {m:.1} | {r:.1} | {:.2}x |", m / r);
    }

    if !only_hash {
        sets_section(rounds, requests);
        other_sections(rounds, keys);
    }
    println!(
        "\n{} rounds, {requests} requests per depth-1 run, finished in {:.0} s",
        rounds,
        started.elapsed().as_secs_f64()
    );
}

/// Sets and sorted sets: redis-benchmark's SADD, SPOP, ZADD and ZPOPMIN at
/// pipeline 16, and RSS growth per element for small and large ones.
fn sets_section(rounds: usize, requests: usize) {
    let mut rows = Vec::new();
    for test in ["sadd", "zadd"] {
        let label = format!("{}, 50 conns, P16", test.to_uppercase());
        let args = ["-c", "50", "-P", "16", "-r", "100000"];
        rows.push(workload(&label, test, &args, requests * 5, rounds, None, true));
    }
    // redis-benchmark's SPOP and ZPOPMIN pop `myset` and `myzset`: each
    // fresh server first gets about twice as many members as there are
    // pops (two random members of 10^8 per command), so no pop finds the
    // key empty, which would measure nothing.
    let pops: [(&str, &[&str], &str); 2] = [
        ("spop", &["SADD", "myset", "a:__rand_int__", "b:__rand_int__"], "SCARD myset"),
        (
            "zpopmin",
            &["ZADD", "myzset", "__rand_int__", "a:__rand_int__", "__rand_int__", "b:__rand_int__"],
            "ZCARD myzset",
        ),
    ];
    let args = ["-c", "50", "-P", "16", "-r", "100000000"];
    for (test, fill, _) in pops {
        let label = format!("{} of a filled key, 50 conns, P16", test.to_uppercase());
        let what = Workload { test: &["-t", test], args: &args, fill: Some(fill) };
        rows.push(workload_on(&label, &what, requests * 5, rounds, None, true));
    }
    print_rows("sets and sorted sets", &rows);
    // Once per server: after as many pops as a round makes, members remain.
    for (test, fill, count) in pops {
        for name in ["miniredis", "redis"] {
            let server = start(name, None, None);
            run_benchmark(&server, fill, &args, requests * 5, None);
            run_benchmark(&server, &["-t", test], &args, requests * 5, None);
            let words: Vec<&[u8]> = count.split(' ').map(str::as_bytes).collect();
            let left: u64 =
                send_command(server.port, &words).trim().trim_start_matches(':').parse().unwrap_or(0);
            assert!(left > 0, "{name}: {test} emptied its key, so some pops measured nothing");
            println!("{name}: {left} members left after the {test} run");
        }
    }
    type Load = fn(usize) -> Vec<u8>;
    let small_sets: Load = |i| {
        let members: Vec<String> = (i..i + 5).map(|n| n.to_string()).collect();
        let mut args: Vec<&[u8]> = vec![b"SADD"];
        let key = format!("iset:{i}");
        args.push(key.as_bytes());
        args.extend(members.iter().map(|m| m.as_bytes()));
        resp(&args)
    };
    let big_sets: Load =
        |i| resp(&[b"SADD", format!("set:{}", i % 200).as_bytes(), format!("member:{}", i / 200).as_bytes()]);
    let small_zsets: Load = |i| {
        let key = format!("zset:{i}");
        let pairs: Vec<(String, String)> = (0..5).map(|k| ((i + k).to_string(), format!("m{k}"))).collect();
        let mut args: Vec<&[u8]> = vec![b"ZADD", key.as_bytes()];
        pairs.iter().for_each(|(s, m)| args.extend([s.as_bytes(), m.as_bytes()]));
        resp(&args)
    };
    let big_zsets: Load = |i| {
        let (key, score, member) =
            (format!("zbig:{}", i % 200), (i / 200).to_string(), format!("member:{}", i / 200));
        resp(&[b"ZADD", key.as_bytes(), score.as_bytes(), member.as_bytes()])
    };
    println!("\n| memory: sets and sorted sets | MiniRedis B/element | Redis B/element | ratio |");
    println!("|---|---:|---:|---:|");
    for (label, commands, elements, load) in [
        ("200,000 sets × 5 integers (`SADD iset:N N … N+4`)", 200_000, 1_000_000, small_sets),
        ("200 sets × 1,000 strings (`member:K`)", 200_000, 200_000, big_sets),
        ("200,000 sorted sets × 5 members", 200_000, 1_000_000, small_zsets),
        ("200 sorted sets × 1,000 members (`member:K`)", 200_000, 200_000, big_zsets),
    ] {
        let per = |name| rss_growth(name, commands, load) / elements as f64;
        let m = median((0..rounds.min(2)).map(|_| per("miniredis")).collect());
        let r = median((0..rounds.min(2)).map(|_| per("redis")).collect());
        println!("| {label} | {m:.1} | {r:.1} | {:.2}x |", m / r);
    }
}

/// RSS growth per element: `lists` lists of `per_list` elements.
/// 5 per list: `RPUSH list:N alpha beta N delta epsilon`; otherwise one
/// `RPUSH biglist:L item:K` per element, round robin over the lists.
fn bytes_per_element(name: &'static str, lists: usize, per_list: usize) -> f64 {
    let growth = if per_list == 5 {
        rss_growth(name, lists, |i| {
            let (key, n) = (format!("list:{i}"), i.to_string());
            resp(&[b"RPUSH", key.as_bytes(), b"alpha", b"beta", n.as_bytes(), b"delta", b"epsilon"])
        })
    } else {
        rss_growth(name, lists * per_list, |i| {
            let (key, value) = (format!("biglist:{}", i % lists), format!("item:{i}"));
            resp(&[b"RPUSH", key.as_bytes(), value.as_bytes()])
        })
    };
    growth / (lists * per_list) as f64
}

/// The queue workload: `producers` threads `LPUSH` timestamps to one list
/// and `consumers` threads `BRPOP` them, for `seconds`; items per second
/// and the p99 of push-to-pop latency in ms.
fn queue_workload(name: &'static str, producers: usize, consumers: usize, seconds: u64) -> (f64, f64) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let server = start(name, None, None);
    let port = server.port;
    let origin = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let line = |reader: &mut BufReader<TcpStream>| {
        let mut text = String::new();
        reader.read_line(&mut text).expect("reply line");
        text
    };
    let consumer_threads: Vec<_> = (0..consumers)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut latencies = Vec::new();
                loop {
                    writer.write_all(&resp(&[b"BRPOP", b"queue", b"0.2"])).unwrap();
                    let head = line(&mut reader);
                    if head.starts_with("*-1") || head.starts_with('_') {
                        if stop.load(Ordering::Relaxed) {
                            return latencies;
                        }
                        continue;
                    }
                    let (_, _, _) = (line(&mut reader), line(&mut reader), line(&mut reader));
                    let value = line(&mut reader);
                    let sent: u64 = value.trim().parse().expect("a timestamp");
                    latencies.push(origin.elapsed().as_nanos() as u64 - sent);
                }
            })
        })
        .collect();
    let deadline = origin + Duration::from_secs(seconds);
    let producer_threads: Vec<_> = (0..producers)
        .map(|_| {
            std::thread::spawn(move || {
                let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                while Instant::now() < deadline {
                    let now = origin.elapsed().as_nanos().to_string();
                    writer.write_all(&resp(&[b"LPUSH", b"queue", now.as_bytes()])).unwrap();
                    line(&mut reader);
                }
            })
        })
        .collect();
    producer_threads.into_iter().for_each(|p| p.join().expect("producer"));
    stop.store(true, Ordering::Relaxed);
    let latencies: Vec<u64> =
        consumer_threads.into_iter().flat_map(|c| c.join().expect("consumer")).collect();
    // Measured before the server stops.
    let measured = rate_and_p99(latencies, origin);
    drop(server);
    measured
}

/// Deliveries per second since `origin`, and the p99 of `latencies` (ns) in ms.
fn rate_and_p99(mut latencies: Vec<u64>, origin: Instant) -> (f64, f64) {
    let elapsed = origin.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let p99 = latencies.get(latencies.len() * 99 / 100).copied().unwrap_or(0) as f64 / 1e6;
    (latencies.len() as f64 / elapsed, p99)
}

/// Lists: memory per element, LPUSH/LPOP/LRANGE_100 at pipeline 16, and a
/// producer/consumer queue. `cargo test --release --test benchmark lists -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn lists() {
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let requests = env_usize("BENCH_REQUESTS", 200_000);
    require("redis-server", "redis-server");
    require("redis-benchmark", "redis-tools");
    let started = Instant::now();

    let mut rows = Vec::new();
    for test in ["lpush", "lpop", "lrange_100"] {
        let count = if test == "lrange_100" { requests } else { requests * 5 };
        let args = ["-c", "50", "-P", "16"];
        // `-t lpush,lpop` pops what the LPUSH run pushed: each fresh server
        // first gets as many elements as there are pops, so none finds the
        // list empty (which would measure a miss).
        let fill: Option<&[&str]> = (test == "lpop").then_some(&["LPUSH", "mylist", "xxx"]);
        let label = match fill {
            Some(_) => format!("{} of a filled list, 50 conns, P16", test.to_uppercase()),
            None => format!("{}, 50 conns, P16", test.to_uppercase()),
        };
        let what = Workload { test: &["-t", test], args: &args, fill };
        rows.push(workload_on(&label, &what, count, rounds, None, true));
    }
    print_rows("workload", &rows);

    println!("\n| memory: lists | MiniRedis B/element | Redis B/element | ratio |");
    println!("|---|---:|---:|---:|");
    for (label, lists, per_list) in [
        ("200,000 lists × 5 elements (`RPUSH list:N alpha beta N delta epsilon`)", 200_000, 5),
        ("100 lists × 10,000 elements (`item:K`)", 100, 10_000),
    ] {
        let m = median((0..rounds.min(2)).map(|_| bytes_per_element("miniredis", lists, per_list)).collect());
        let r = median((0..rounds.min(2)).map(|_| bytes_per_element("redis", lists, per_list)).collect());
        println!("| {label} | {m:.1} | {r:.1} | {:.2}x |", m / r);
    }

    let seconds = env_usize("BENCH_QUEUE_SECONDS", 10) as u64;
    println!("\n| queue: 8 LPUSH producers, 8 BRPOP consumers, {seconds} s | items/s | p99 push-to-pop ms |");
    println!("|---|---:|---:|");
    for name in ["miniredis", "redis"] {
        let (rate, p99) = queue_workload(name, 8, 8, seconds);
        println!("| {name} | {rate:.0} | {p99:.3} |");
    }
    println!("\n{rounds} rounds, finished in {:.0} s", started.elapsed().as_secs_f64());
}

/// Bytes per string key, and keyspace scaling without the network.
fn other_sections(rounds: usize, keys: usize) {
    println!("\n| memory ({keys} keys `key:N` -> 10-byte value) | MiniRedis B/key | Redis B/key | ratio |");
    println!("|---|---:|---:|---:|");
    for ttl in [false, true] {
        let m = median((0..rounds.min(2)).map(|_| bytes_per_key("miniredis", keys, ttl)).collect());
        let r = median((0..rounds.min(2)).map(|_| bytes_per_key("redis", keys, ttl)).collect());
        println!("| {} | {m:.1} | {r:.1} | {:.2}x |", if ttl { "with TTL" } else { "no TTL" }, m / r);
    }
    let eight = miniredis::store::Shape::for_threads(16, 2).shards();
    println!("\n| in-process keyspace ops/s (SET/GET, 100k keys) | 1 thread | 2 threads | speed-up |");
    println!("|---|---:|---:|---:|");
    for shards in [1, eight] {
        // Short runs, so more of them: the medians of 7 (at least).
        let (ops, runs) = (3_000_000, rounds.max(7));
        let one = median((0..runs).map(|_| store_ops_per_sec(shards, 1, ops)).collect());
        let two = median((0..runs).map(|_| store_ops_per_sec(shards, 2, ops)).collect());
        let label = if shards == 1 { "1 shard (one lock)".to_string() } else { format!("{shards} shards") };
        println!("| {label} | {one:.0} | {two:.0} | {:.2}x |", two / one);
    }
}

/// CPU per request of the `BENCH_BASELINE` build and this one, each as a
/// ratio to Redis's in the same rounds.
fn print_before_after(rows: &[Row]) {
    println!("\n| workload (before/after) | BENCH_BASELINE CPU µs/req | this build CPU µs/req | Redis CPU µs/req | before / Redis | after / Redis |");
    println!("|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let (before, after, redis) =
            (row.baseline.map_or(0.0, |b| b.cpu_us), row.mini.cpu_us, row.redis.cpu_us);
        println!(
            "| {} | {before:.2} | {after:.2} | {redis:.2} | {:.2}x | {:.2}x |",
            row.workload,
            before / redis,
            after / redis
        );
    }
}

/// The throughput table: medians of each workload on both servers.
fn print_rows(title: &str, rows: &[Row]) {
    println!("\n| {title} | MiniRedis req/s | Redis req/s | ratio | p50 ms (M/R) | p99 ms (M/R) | CPU µs/req (M/R) | CPU ratio |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let (m, r) = (row.mini, row.redis);
        println!(
            "| {} | {:.0} | {:.0} | {:.2}x | {:.3} / {:.3} | {:.3} / {:.3} | {:.2} / {:.2} | {:.2}x |",
            row.workload,
            m.rps,
            r.rps,
            m.rps / r.rps,
            m.p50,
            r.p50,
            m.p99,
            r.p99,
            m.cpu_us,
            r.cpu_us,
            m.cpu_us / r.cpu_us
        );
    }
}

/// Sends one command in RESP and reads the first line of its reply (enough
/// for the setup commands below, whose replies are one line).
fn send_command(port: u16, args: &[&[u8]]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut request = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        request.extend_from_slice(arg);
        request.extend_from_slice(b"\r\n");
    }
    stream.write_all(&request).expect("send");
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).expect("reply");
    line
}

/// A 1 MB bitmap at `bitmap`, and two HLLs of 10,000 elements each at
/// `hll1` and `hll2` (dense: past `hll-sparse-max-bytes`).
fn binary_setup(port: u16) {
    let bitmap: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert!(send_command(port, &[b"SET", b"bitmap", &bitmap]).starts_with("+OK"));
    for (key, offset) in [("hll1", 0), ("hll2", 5_000)] {
        let elements: Vec<Vec<u8>> =
            (offset..offset + 10_000).map(|i| format!("element:{i}").into_bytes()).collect();
        let mut args: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
        args.extend(elements.iter().map(|e| e.as_slice()));
        assert!(send_command(port, &args).starts_with(":1"));
    }
}

/// Bitmaps and HyperLogLogs (issue 16): `BITCOUNT` of a 1 MB bitmap,
/// `PFADD` of random elements, `PFCOUNT` of one HLL (cached) and of two
/// (a union, computed each time), on both servers in the same run.
#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn binary_benchmark() {
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let requests = env_usize("BENCH_REQUESTS", 200_000);
    require("redis-server", "redis-server");
    // redis-benchmark runs the command given after its options.
    let workloads: [(&str, &[&str], usize); 4] = [
        ("BITCOUNT, 1 MB bitmap", &["BITCOUNT", "bitmap"], requests / 20),
        ("PFADD, random elements", &["PFADD", "hll1", "element:__rand_int__"], requests),
        ("PFCOUNT, one key (cached)", &["PFCOUNT", "hll1"], requests),
        ("PFCOUNT, two keys (union)", &["PFCOUNT", "hll1", "hll2"], requests / 5),
    ];
    let mut rows = Vec::new();
    for (label, command, n) in workloads {
        let (mut mini, mut redis) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            for (name, samples) in [("miniredis", &mut mini), ("redis", &mut redis)] {
                let server = start(name, None, Some(0));
                binary_setup(server.port);
                let args = ["-c", "50", "-r", "100000000"];
                samples.push(run_benchmark(&server, command, &args, n, Some(1)));
            }
        }
        rows.push(Row {
            workload: label.to_string(),
            mini: medians(&mini),
            redis: medians(&redis),
            baseline: None,
        });
    }
    print_rows("workload (50 conns, P1)", &rows);
}

/// Sends an inline PING on a new connection; whether `+PONG` came back.
fn pings(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
    let mut line = String::new();
    stream.write_all(b"PING\r\n").is_ok()
        && BufReader::new(&stream).read_line(&mut line).is_ok()
        && line.starts_with("+PONG")
}

/// Start-up and shutdown of the embedded server (`miniredis::Server`) against
/// spawning `redis-server` and waiting for its PING: medians of 100 (in
/// milliseconds). `cargo test --release --test benchmark start_stop -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn start_stop() {
    let runs = env_usize("BENCH_STARTS", 100);
    let redis_server = require("redis-server", "redis-server");
    let mut embedded = Vec::new();
    let mut external = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let server = miniredis::Server::start().expect("start");
        assert!(pings(server.addr().port()));
        drop(server);
        embedded.push(started.elapsed().as_secs_f64() * 1000.0);

        let port = free_port();
        let dir = TempDir::new(&format!("start-stop-{port}"));
        let started = Instant::now();
        let mut child = Command::new(&redis_server)
            .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .arg("--dir")
            .arg(&dir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !pings(port) {
            assert!(Instant::now() < deadline, "redis-server never answered PING");
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = child.kill();
        let _ = child.wait();
        external.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (embedded, external) = (median(embedded), median(external));
    println!("start + PING + stop, median of {runs}:");
    println!("  miniredis::Server (in-process)      {embedded:8.3} ms");
    println!("  redis-server (spawn, PING, kill)    {external:8.3} ms   ratio {:.1}x", external / embedded);
}

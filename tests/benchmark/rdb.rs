//! RDB persistence against redis-server: 1,000,000 keys (`BENCH_KEYS`),
//! half short strings and half the 5-field user hashes of the
//! compact-collections workload; the `dump.rdb` size, `SAVE` time and
//! start-up load time, medians of `BENCH_ROUNDS`. Run with
//!
//! ```text
//! cargo test --release --test benchmark rdb -- --ignored --nocapture
//! ```

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{env_usize, free_port, median, pipeline, require, resp, send_command, user_record, TempDir};

/// A server on `dir` writing `dump.rdb`; killed on drop.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(redis: bool, dir: &Path, port: u16) -> Process {
    let mut cmd = if redis {
        let mut c = Command::new(require("redis-server", "redis-server"));
        c.args(["--save", "", "--appendonly", "no"]);
        c
    } else {
        let mut c = Command::new(env!("CARGO_BIN_EXE_miniredis"));
        c.args(["--human-session-delay", "0"]);
        c
    };
    cmd.args(["--port", &port.to_string(), "--dbfilename", "dump.rdb", "--loglevel", "warning"])
        .arg("--dir")
        .arg(dir);
    Process(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start server"))
}

/// Waits until the server answers PING, polling every millisecond.
fn ready(port: u16, deadline: Duration) {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{BufRead, Write};
            s.set_read_timeout(Some(Duration::from_secs(2))).ok();
            if s.write_all(b"PING\r\n").is_ok() {
                let mut line = String::new();
                if std::io::BufReader::new(&s).read_line(&mut line).is_ok() && line.starts_with("+PONG") {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("server on port {port} not ready within {deadline:?}");
}

/// (file bytes, SAVE seconds, start-up seconds) for one server.
fn measure(redis: bool, keys: usize, rounds: usize) -> (u64, f64, f64) {
    let dir = TempDir::new(if redis { "rdb-redis" } else { "rdb-miniredis" });
    let port = free_port();
    let server = spawn(redis, &dir.0, port);
    ready(port, Duration::from_secs(10));
    pipeline(port, keys, |i| {
        if i % 2 == 0 {
            let (key, value) = (format!("key:{i}"), format!("v{i:09}"));
            resp(&[b"SET", key.as_bytes(), value.as_bytes()])
        } else {
            user_record(i)
        }
    });
    let saves: Vec<f64> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            let reply = send_command(port, &[b"SAVE"]);
            assert!(reply.starts_with("+OK"), "SAVE: {reply}");
            started.elapsed().as_secs_f64()
        })
        .collect();
    drop(server);
    let size = std::fs::metadata(dir.0.join("dump.rdb")).expect("dump.rdb").len();
    let loads: Vec<f64> = (0..rounds)
        .map(|_| {
            let port = free_port();
            let started = Instant::now();
            let server = spawn(redis, &dir.0, port);
            ready(port, Duration::from_secs(120));
            let took = started.elapsed().as_secs_f64();
            let count = send_command(port, &[b"DBSIZE"]);
            assert_eq!(count.trim(), format!(":{keys}"), "keys after loading");
            drop(server);
            took
        })
        .collect();
    (size, median(saves), median(loads))
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn rdb() {
    let keys = env_usize("BENCH_KEYS", 1_000_000);
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let (mini_size, mini_save, mini_load) = measure(false, keys, rounds);
    let (redis_size, redis_save, redis_load) = measure(true, keys, rounds);
    println!("\nRDB persistence, {keys} keys (half strings, half 5-field hashes), medians of {rounds}:");
    println!("| | MiniRedis | Redis | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| dump.rdb size | {:.1} MB | {:.1} MB | {:.3}x |",
        mini_size as f64 / 1e6,
        redis_size as f64 / 1e6,
        mini_size as f64 / redis_size as f64
    );
    println!("| SAVE | {:.3} s | {:.3} s | {:.2}x |", mini_save, redis_save, mini_save / redis_save);
    println!("| start-up load | {:.3} s | {:.3} s | {:.2}x |", mini_load, redis_load, mini_load / redis_load);
}

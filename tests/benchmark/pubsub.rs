//! Pub/sub fan-out (issue 15): one publisher and 100 subscribers on one
//! channel, and 100 publishers on 100 channels with 10 pattern subscribers.
//! Delivered messages per second, server CPU per delivered message, and
//! the server's context switches per 1000 delivered messages, for both
//! servers in the same run.
//! `cargo test --release --test benchmark pubsub -- --ignored --nocapture`
//! (`BENCH_PUBSUB_SECONDS`, default 5, per workload and server).
//! Both servers run with `client-output-buffer-limit pubsub 0 0 0`, so a
//! subscriber thread that falls behind on the shared cores is not cut off.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{cpu_seconds, env_usize, require, resp, send_command, server_pid, start};

/// Requests each publisher keeps in flight.
const PIPELINE: usize = 16;

/// Counts the messages arriving on a subscribed connection (frames that
/// start with `message` or `pmessage`).
fn count_messages(mut stream: TcpStream, delivered: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut buf = vec![0u8; 256 * 1024];
    // The tail of the previous read, so a marker cut in two is still found.
    let mut carry: Vec<u8> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let n = match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(_) => continue,
        };
        carry.extend_from_slice(&buf[..n]);
        let found = carry.windows(9).filter(|w| w == b"message\r\n").count() as u64;
        delivered.fetch_add(found, Ordering::Relaxed);
        let keep = carry.len().min(8);
        carry.drain(..carry.len() - keep);
    }
}

/// Opens a subscriber: `SUBSCRIBE`/`PSUBSCRIBE name`, its confirmation read.
fn subscriber(port: u16, command: &[u8], name: &[u8]) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    (&stream).write_all(&resp(&[command, name])).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    for _ in 0..6 {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    stream
}

/// Publishes to `channel` with [`PIPELINE`] requests in flight until
/// `deadline`; the receivers the replies counted.
fn publish_until(port: u16, channel: Vec<u8>, deadline: Instant) -> u64 {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let batch: Vec<u8> = (0..PIPELINE).flat_map(|_| resp(&[b"PUBLISH", &channel, b"hello world"])).collect();
    let (mut receivers, mut line) = (0, String::new());
    while Instant::now() < deadline {
        writer.write_all(&batch).unwrap();
        for _ in 0..PIPELINE {
            line.clear();
            reader.read_line(&mut line).unwrap();
            receivers += line.trim_start_matches(':').trim().parse::<u64>().unwrap_or(0);
        }
    }
    receivers
}

/// A process's context switches so far, voluntary and not, over its threads.
fn context_switches(pid: u32) -> u64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
    tasks
        .map(|task| std::fs::read_to_string(task.path().join("status")).unwrap_or_default())
        .flat_map(|status| {
            status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// What one workload measured on one server.
struct FanOut {
    /// Delivered messages per second.
    rate: f64,
    /// Server CPU µs per delivered message.
    cpu: f64,
    /// Server context switches per 1000 delivered messages.
    switches: f64,
}

/// One workload on one server.
fn fan_out(name: &'static str, publishers: usize, pattern: bool, subscribers: usize, seconds: u64) -> FanOut {
    let server = start(name, None, None);
    let port = server.port;
    assert!(send_command(port, &[b"CONFIG", b"SET", b"client-output-buffer-limit", b"pubsub 0 0 0"])
        .starts_with("+OK"));
    let delivered = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..subscribers)
        .map(|_| {
            let stream = if pattern {
                subscriber(port, b"PSUBSCRIBE", b"ch*")
            } else {
                subscriber(port, b"SUBSCRIBE", b"ch0")
            };
            let (delivered, stop) = (delivered.clone(), stop.clone());
            std::thread::spawn(move || count_messages(stream, delivered, stop))
        })
        .collect();
    let pid = server_pid(&server);
    let cpu_before = cpu_seconds(pid);
    let switches_before = context_switches(pid);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let publishing: Vec<_> = (0..publishers)
        .map(|i| std::thread::spawn(move || publish_until(port, format!("ch{i}").into_bytes(), deadline)))
        .collect();
    let sent: u64 = publishing.into_iter().map(|p| p.join().unwrap()).sum();
    // Until every counted receiver got its message (or 30 s more).
    let drain_deadline = Instant::now() + Duration::from_secs(30);
    while delivered.load(Ordering::Relaxed) < sent && Instant::now() < drain_deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    let switches = context_switches(pid) - switches_before;
    stop.store(true, Ordering::Relaxed);
    readers.into_iter().for_each(|r| r.join().unwrap());
    let got = delivered.load(Ordering::Relaxed);
    assert!(got >= sent, "{name}: {got} of {sent} messages arrived");
    let per_thousand = |n: u64| n as f64 * 1000.0 / got.max(1) as f64;
    FanOut {
        rate: got as f64 / elapsed,
        cpu: cpu * 1e6 / got.max(1) as f64,
        switches: per_thousand(switches),
    }
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn pubsub() {
    require("redis-server", "redis-server");
    let seconds = env_usize("BENCH_PUBSUB_SECONDS", 5) as u64;
    println!(
        "\n| pub/sub fan-out, {seconds} s | MiniRedis msg/s | Redis msg/s | MiniRedis CPU µs/msg | Redis CPU µs/msg | CPU ratio | context switches per 1000 msg (M/R) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, publishers, pattern, subscribers) in [
        ("1 publisher, 100 subscribers on one channel", 1, false, 100),
        ("100 publishers on 100 channels, 10 pattern subscribers", 100, true, 10),
    ] {
        let mini = fan_out("miniredis", publishers, pattern, subscribers, seconds);
        let redis = fan_out("redis", publishers, pattern, subscribers, seconds);
        println!(
            "| {label} | {:.0} | {:.0} | {:.3} | {:.3} | {:.2}x | {:.1} / {:.1} |",
            mini.rate,
            redis.rate,
            mini.cpu,
            redis.cpu,
            mini.cpu / redis.cpu,
            mini.switches,
            redis.switches
        );
    }
}

//! Memory accounting and eviction against the real binary: `used_memory`
//! tracks RSS, and a server with `--maxmemory` stays near its limit.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Server;

/// A pipelining client: sends batches of `SET`s and reads their replies.
struct Pipe {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Pipe {
    fn open(port: u16) -> Pipe {
        let writer = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        writer.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let reader = BufReader::new(writer.try_clone().unwrap());
        Pipe { writer, reader }
    }

    /// Sends `SET key value` for `keys` and checks every reply is `+OK`.
    fn set_many(&mut self, keys: impl Iterator<Item = String>, value: &[u8]) {
        let mut batch = Vec::new();
        let mut pending = 0;
        let mut keys = keys.peekable();
        while keys.peek().is_some() {
            batch.clear();
            pending = 0;
            for key in keys.by_ref().take(2_000) {
                batch.extend_from_slice(
                    format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n", key.len(), value.len()).as_bytes(),
                );
                batch.extend_from_slice(value);
                batch.extend_from_slice(b"\r\n");
                pending += 1;
            }
            self.writer.write_all(&batch).unwrap();
            let mut replies = vec![0u8; 5 * pending];
            self.reader.read_exact(&mut replies).unwrap();
            assert!(
                replies.chunks(5).all(|r| r == b"+OK\r\n"),
                "{}",
                String::from_utf8_lossy(&replies[..80])
            );
        }
        let _ = pending;
    }

    /// One command's reply line(s), for small replies (`INFO` is a bulk string).
    fn call(&mut self, command: &str) -> String {
        let words: Vec<&str> = command.split(' ').collect();
        let mut request = format!("*{}\r\n", words.len());
        for w in &words {
            request.push_str(&format!("${}\r\n{w}\r\n", w.len()));
        }
        self.writer.write_all(request.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        if let Some(len) = line.strip_prefix('$').and_then(|l| l.trim().parse::<usize>().ok()) {
            let mut body = vec![0u8; len + 2];
            self.reader.read_exact(&mut body).unwrap();
            return String::from_utf8_lossy(&body[..len]).into_owned();
        }
        line.trim_end().to_string()
    }

    fn info_field(&mut self, field: &str) -> u64 {
        let info = self.call("INFO memory");
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in {info}"))
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

#[test]
fn used_memory_tracks_rss_growth_over_a_million_keys() {
    let server = Server::start(&[]);
    let mut pipe = Pipe::open(server.port);
    let (used_before, rss_before) = (pipe.info_field("used_memory"), server.rss_kb() * 1024);
    // Short keys (inline), and values long enough to take one allocation each.
    pipe.set_many((0..1_000_000).map(|i| format!("key:{i:07}")), &[b'v'; 32]);
    assert_eq!(pipe.call("DBSIZE"), ":1000000");
    let (used_after, rss_after) = (pipe.info_field("used_memory"), server.rss_kb() * 1024);
    let (used, rss) = (used_after - used_before, rss_after.saturating_sub(rss_before));
    let error = (used as f64 - rss as f64).abs() / rss as f64;
    println!(
        "1,000,000 keys: used_memory grew {:.1} MB, RSS grew {:.1} MB ({:.1}% apart); \
         used_memory {:.1} MB, RSS {:.1} MB",
        mb(used),
        mb(rss),
        error * 100.0,
        mb(used_after),
        mb(rss_after)
    );
    assert!(error <= 0.15, "used_memory grew {used} bytes, RSS {rss} bytes");
}

#[test]
fn writes_past_maxmemory_evict_and_rss_stays_near_the_limit() {
    const LIMIT: u64 = 50 << 20;
    let server = Server::start(&["--maxmemory", "50mb", "--maxmemory-policy", "allkeys-lru"]);
    let mut pipe = Pipe::open(server.port);
    // What the process holds before any data (code, runtime, the Lua engine).
    let rss_at_start = server.rss_kb() * 1024;
    let value = vec![b'x'; 1000];
    // 200 MB of values into a 50 MB limit.
    let start = Instant::now();
    pipe.set_many((0..200_000).map(|i| format!("key:{i}")), &value);
    let elapsed = start.elapsed();
    let rss = server.rss_kb() * 1024;
    let used = pipe.info_field("used_memory");
    // One command for both counts: any command may evict before it runs
    // (as in Redis), so DBSIZE after INFO could see one key fewer.
    let info = pipe.call("INFO stats keyspace");
    let evicted: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("evicted_keys:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("evicted_keys");
    let keys: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("db0:keys="))
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.parse().ok())
        .expect("db0 keys");
    println!(
        "200 MB into 50 MB: {keys} keys kept, {evicted} evicted, used_memory {:.1} MB, RSS {:.1} MB ({:.1} MB at start), {elapsed:?}",
        mb(used),
        mb(rss),
        mb(rss_at_start)
    );
    assert!(evicted > 100_000, "{evicted}");
    assert_eq!(keys + evicted, 200_000);
    assert!(used <= LIMIT + (1 << 20), "used_memory {used}");
    // Growth beyond the limit: buffers and malloc's free lists (the start-up
    // RSS, mostly code, is not data). Measured at 1.0x; the bound leaves room.
    let growth = rss.saturating_sub(rss_at_start);
    assert!(growth as f64 <= LIMIT as f64 * 1.15, "RSS {rss}, {rss_at_start} of it at start");
    // Still responsive: a fresh connection gets an answer at once.
    let mut other = server.connect();
    other.cmd(&["PING"], "+PONG\r\n");
    // The most recent keys are there; the first ones were evicted.
    assert_eq!(pipe.call("EXISTS key:199999"), ":1");
    assert_eq!(pipe.call("EXISTS key:0"), ":0");
}

#[test]
fn noeviction_refuses_writes_but_serves_reads_and_deletes() {
    let server = Server::start(&[]);
    let mut pipe = Pipe::open(server.port);
    assert_eq!(pipe.call("SET k v"), "+OK");
    assert_eq!(pipe.call("CONFIG SET maxmemory 1"), "+OK");
    assert_eq!(pipe.call("SET k2 v"), "-OOM command not allowed when used memory > 'maxmemory'.");
    assert_eq!(pipe.call("HSET h f v"), "-OOM command not allowed when used memory > 'maxmemory'.");
    assert_eq!(pipe.call("GET k"), "v");
    assert_eq!(pipe.call("EXPIRE k 100"), ":1", "not denyoom");
    assert_eq!(pipe.call("DEL k"), ":1");
    assert_eq!(pipe.call("CONFIG SET maxmemory 0"), "+OK");
    assert_eq!(pipe.call("SET k2 v"), "+OK");
}

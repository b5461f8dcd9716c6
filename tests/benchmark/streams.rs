//! Streams against redis-server: RSS per entry of a 1,000,000-entry stream,
//! XADD at pipeline 16 with 50 clients (server CPU per request), and a
//! consumer-group workload (producers XADD, consumers XREADGROUP BLOCK +
//! XACK: entries per second and add-to-delivery p99).
//! `cargo test --release --test benchmark streams -- --ignored --nocapture`
//! (`BENCH_STREAM_ENTRIES`, `BENCH_GROUP_SECONDS`, `BENCH_ROUNDS`, `BENCH_REQUESTS`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{env_usize, median, print_rows, require, resp, rss_growth, start, workload_on, Workload};

/// A RESP reply, as far as the workload needs it.
enum Resp {
    Bulk(Vec<u8>),
    Array(Vec<Resp>),
    Other,
}

fn read_resp(reader: &mut BufReader<TcpStream>) -> Resp {
    let mut line = String::new();
    reader.read_line(&mut line).expect("reply line");
    let (kind, rest) = line.trim_end().split_at(1);
    match kind {
        "$" | "*" if rest.starts_with('-') => Resp::Other,
        "$" => {
            let mut data = vec![0; rest.parse::<usize>().unwrap() + 2];
            reader.read_exact(&mut data).unwrap();
            data.truncate(data.len() - 2);
            Resp::Bulk(data)
        }
        "*" | "%" => {
            let n: usize = rest.parse().unwrap();
            let n = if kind == "%" { n * 2 } else { n };
            Resp::Array((0..n).map(|_| read_resp(reader)).collect())
        }
        "-" => panic!("error reply: {line}"),
        _ => Resp::Other,
    }
}

/// RSS growth per entry of one stream of `entries` `XADD s * user N action login`.
/// (`rss_growth` reads one reply line per command; an `XADD` reply, a bulk
/// string, is two: every other "command" sends nothing.)
fn bytes_per_entry(name: &'static str, entries: usize) -> f64 {
    let growth = rss_growth(name, 2 * entries, |i| {
        if i % 2 == 1 {
            return Vec::new();
        }
        let n = (i / 2).to_string();
        resp(&[b"XADD", b"s", b"*", b"user", n.as_bytes(), b"action", b"login"])
    });
    growth / entries as f64
}

/// `producers` threads XADD `ts <nanos>` to one stream; `consumers` threads
/// read it through one group (`COUNT 10 BLOCK 100`) and XACK what they got.
/// Entries per second delivered, and the p99 of add-to-delivery in ms.
fn group_workload(name: &'static str, producers: usize, consumers: usize, seconds: u64) -> (f64, f64) {
    let server = start(name, None, None);
    let port = server.port;
    let connect = || {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        (stream.try_clone().unwrap(), BufReader::new(stream))
    };
    {
        let (mut w, mut r) = connect();
        w.write_all(&resp(&[b"XGROUP", b"CREATE", b"events", b"g", b"$", b"MKSTREAM"])).unwrap();
        read_resp(&mut r);
    }
    let origin = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..consumers)
        .map(|c| {
            let stop = stop.clone();
            let (mut w, mut r) = connect();
            std::thread::spawn(move || {
                let me = format!("c{c}");
                let mut latencies = Vec::new();
                loop {
                    w.write_all(&resp(&[
                        b"XREADGROUP",
                        b"GROUP",
                        b"g",
                        me.as_bytes(),
                        b"COUNT",
                        b"10",
                        b"BLOCK",
                        b"100",
                        b"STREAMS",
                        b"events",
                        b">",
                    ]))
                    .unwrap();
                    let Resp::Array(streams) = read_resp(&mut r) else {
                        if stop.load(Ordering::Relaxed) {
                            return latencies;
                        }
                        continue;
                    };
                    let now = origin.elapsed().as_nanos() as u64;
                    let mut ids: Vec<Vec<u8>> = Vec::new();
                    for part in streams {
                        let Resp::Array(mut kv) = part else { continue };
                        let Some(Resp::Array(entries)) = kv.pop() else { continue };
                        for entry in entries {
                            let Resp::Array(mut e) = entry else { continue };
                            let (Some(Resp::Array(fields)), Some(Resp::Bulk(id))) = (e.pop(), e.pop()) else {
                                continue;
                            };
                            if let Some(Resp::Bulk(sent)) = fields.get(1) {
                                let sent: u64 = String::from_utf8_lossy(sent).parse().unwrap_or(now);
                                latencies.push(now.saturating_sub(sent));
                            }
                            ids.push(id);
                        }
                    }
                    let mut ack: Vec<&[u8]> = vec![b"XACK", b"events", b"g"];
                    ack.extend(ids.iter().map(Vec::as_slice));
                    w.write_all(&resp(&ack)).unwrap();
                    read_resp(&mut r);
                }
            })
        })
        .collect();
    let deadline = origin + Duration::from_secs(seconds);
    let writers: Vec<_> = (0..producers)
        .map(|_| {
            let (mut w, mut r) = connect();
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    let now = origin.elapsed().as_nanos().to_string();
                    w.write_all(&resp(&[b"XADD", b"events", b"*", b"ts", now.as_bytes()])).unwrap();
                    read_resp(&mut r);
                }
            })
        })
        .collect();
    writers.into_iter().for_each(|w| w.join().expect("producer"));
    stop.store(true, Ordering::Relaxed);
    let latencies: Vec<u64> = readers.into_iter().flat_map(|r| r.join().expect("consumer")).collect();
    // Measured before the server stops.
    let measured = super::rate_and_p99(latencies, origin);
    drop(server);
    measured
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn streams() {
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let requests = env_usize("BENCH_REQUESTS", 200_000);
    require("redis-server", "redis-server");
    require("redis-benchmark", "redis-tools");
    let started = Instant::now();

    let entries = env_usize("BENCH_STREAM_ENTRIES", 1_000_000);
    println!("\n| memory: one stream of {entries} entries (`XADD s * user N action login`) | MiniRedis B/entry | Redis B/entry | ratio |");
    println!("|---|---:|---:|---:|");
    let m = median((0..rounds.min(2)).map(|_| bytes_per_entry("miniredis", entries)).collect());
    let r = median((0..rounds.min(2)).map(|_| bytes_per_entry("redis", entries)).collect());
    println!("| RSS growth per entry | {m:.1} | {r:.1} | {:.2}x |", m / r);

    let xadd = Workload {
        test: &["XADD", "bench", "*", "user", "__rand_int__", "action", "login"],
        args: &["-c", "50", "-P", "16", "-r", "1000000"],
        fill: None,
    };
    let rows = vec![workload_on(
        "XADD bench * user N action login, 50 conns, P16",
        &xadd,
        requests * 5,
        rounds,
        None,
        true,
    )];
    print_rows("workload", &rows);

    let seconds = env_usize("BENCH_GROUP_SECONDS", 10) as u64;
    println!("\n| group: 4 XADD producers, 4 XREADGROUP BLOCK + XACK consumers, {seconds} s | entries/s | p99 add-to-delivery ms |");
    println!("|---|---:|---:|");
    for name in ["miniredis", "redis"] {
        let (rate, p99) = group_workload(name, 4, 4, seconds);
        println!("| {name} | {rate:.0} | {p99:.3} |");
    }
    println!("\n{rounds} rounds, finished in {:.0} s", started.elapsed().as_secs_f64());
}

//! A leaderboard (issue 14): one sorted set of 1,000,000 members, and
//! redis-benchmark's random `ZINCRBY`, `ZREVRANGE 0 9 WITHSCORES` and
//! `ZREVRANK` on it, on both servers in the same run:
//!
//! ```text
//! cargo test --release --test benchmark leaderboard -- --ignored --nocapture
//! ```
//!
//! Knobs: `BENCH_ROUNDS` (3), `BENCH_REQUESTS` (200000, times 5 at
//! pipeline 16), `BENCH_MEMBERS` (1000000).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::{
    env_usize, medians, print_rows, require, resp, rss_bytes, run_benchmark, server_pid, start, Row,
};

const KEY: &str = "leaderboard";

/// Loads `members` members `player:N` (N zero-padded to 12 digits, as
/// redis-benchmark writes `__rand_int__`, so every request names a member)
/// with pseudo-random integer scores,
/// 1,000 per `ZADD`, through one pipelined connection; checks `ZCARD`.
fn fill(port: u16, members: usize) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let batches = members.div_ceil(1000);
    let reader_stream = stream.try_clone().unwrap();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(reader_stream);
        let mut line = String::new();
        for _ in 0..batches {
            line.clear();
            assert!(reader.read_line(&mut line).unwrap_or(0) > 0, "connection closed while loading");
            assert!(line.starts_with(':'), "unexpected reply while loading: {line}");
        }
        reader
    });
    for batch in 0..batches {
        let names: Vec<(String, String)> = (batch * 1000..((batch + 1) * 1000).min(members))
            .map(|i| {
                (((i as u64).wrapping_mul(2_654_435_761) % 1_000_000).to_string(), format!("player:{i:012}"))
            })
            .collect();
        let mut args: Vec<&[u8]> = vec![b"ZADD", KEY.as_bytes()];
        names.iter().for_each(|(score, member)| args.extend([score.as_bytes(), member.as_bytes()]));
        stream.write_all(&resp(&args)).unwrap();
    }
    let mut reader = reader.join().expect("all replies read");
    stream.write_all(&resp(&[b"ZCARD", KEY.as_bytes()])).unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), format!(":{members}"), "the leaderboard holds every member");
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see tests/benchmark/main.rs)"]
fn leaderboard() {
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let requests = env_usize("BENCH_REQUESTS", 200_000);
    let members = env_usize("BENCH_MEMBERS", 1_000_000);
    require("redis-server", "redis-server");
    require("redis-benchmark", "redis-tools");
    let started = Instant::now();
    let range = members.to_string();
    let member = "player:__rand_int__";
    let workloads: [(&str, Vec<&str>); 3] = [
        ("ZINCRBY 1 random member", vec!["ZINCRBY", KEY, "1", member]),
        ("ZREVRANGE 0 9 WITHSCORES", vec!["ZREVRANGE", KEY, "0", "9", "WITHSCORES"]),
        ("ZREVRANK random member", vec!["ZREVRANK", KEY, member]),
    ];
    let setups: [(&str, &[&str], usize); 2] = [
        ("50 conns, P1", &["-c", "50", "-r", &range], requests),
        ("50 conns, P16", &["-c", "50", "-P", "16", "-r", &range], requests * 5),
    ];
    // samples[setup][workload] = (miniredis, redis) per round
    let mut samples = vec![vec![(Vec::new(), Vec::new()); workloads.len()]; setups.len()];
    let mut rss = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for name in ["miniredis", "redis"] {
            // Pinned as the other tables: server on core 0, client on core 1.
            let server = start(name, None, Some(0));
            let before = rss_bytes(server_pid(&server));
            fill(server.port, members);
            std::thread::sleep(Duration::from_millis(300));
            let grown = (rss_bytes(server_pid(&server)) - before) as f64 / members as f64;
            if name == "redis" { &mut rss.1 } else { &mut rss.0 }.push(grown);
            for (s, (_, args, count)) in setups.iter().enumerate() {
                for (w, (_, command)) in workloads.iter().enumerate() {
                    let sample = run_benchmark(&server, command, args, *count, Some(1));
                    let pair = &mut samples[s][w];
                    if name == "redis" { &mut pair.1 } else { &mut pair.0 }.push(sample);
                }
            }
        }
    }
    for (s, (setup, _, _)) in setups.iter().enumerate() {
        let rows: Vec<Row> = workloads
            .iter()
            .enumerate()
            .map(|(w, (label, _))| Row {
                workload: format!("{label}, {setup}"),
                mini: medians(&samples[s][w].0),
                redis: medians(&samples[s][w].1),
                baseline: None,
            })
            .collect();
        print_rows(&format!("leaderboard ({members} members)"), &rows);
    }
    let (m, r) = (super::median(rss.0), super::median(rss.1));
    println!("\n| memory: leaderboard of {members} members | MiniRedis B/member | Redis B/member | ratio |");
    println!("|---|---:|---:|---:|\n| `ZADD {KEY} score player:N` | {m:.1} | {r:.1} | {:.2}x |", m / r);
    println!("\n{rounds} rounds, finished in {:.0} s", started.elapsed().as_secs_f64());
}

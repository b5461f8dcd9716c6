//! Transactions: pipelined `MULTI`/`EXEC` throughput and server CPU per
//! transaction against redis-server, and what `WATCH` costs writes:
//! `SET` at pipeline 16 with nobody watching, and with one idle client
//! watching another key.
//! `cargo test --release --test benchmark transactions -- --ignored --nocapture`

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::{cpu_seconds, env_usize, median, require, resp, run_benchmark, server_pid, start, Server};

/// `clients` connections each send `per_client` transactions
/// (`MULTI`, `INCR counter:N`, `SET s:N v`, `GET s:N`, `EXEC`), 16 in
/// flight at a time; transactions per second and server CPU µs per
/// transaction.
fn exec_workload(server: &Server, clients: usize, per_client: usize) -> (f64, f64) {
    let port = server.port;
    let pid = server_pid(server);
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            std::thread::spawn(move || {
                let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                let mut writer = stream.try_clone().expect("clone");
                let mut reader = BufReader::new(stream);
                let (counter, string) = (format!("counter:{}", c % 16), format!("s:{c}"));
                let mut one = resp(&[b"MULTI"]);
                one.extend(resp(&[b"INCR", counter.as_bytes()]));
                one.extend(resp(&[b"SET", string.as_bytes(), b"value"]));
                one.extend(resp(&[b"GET", string.as_bytes()]));
                one.extend(resp(&[b"EXEC"]));
                let batch = one.repeat(16);
                let mut line = String::new();
                for _ in 0..per_client / 16 {
                    writer.write_all(&batch).expect("send");
                    // Per transaction: +OK, 3 QUEUED, then *3 :n +OK $5 value.
                    for _ in 0..16 * 9 {
                        line.clear();
                        reader.read_line(&mut line).expect("reply");
                        assert!(!line.starts_with('-'), "error reply: {line}");
                    }
                }
            })
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().expect("client"));
    let elapsed = started.elapsed().as_secs_f64();
    let done = (clients * (per_client / 16) * 16) as f64;
    (done / elapsed, (cpu_seconds(pid) - cpu_before) * 1e6 / done)
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see main.rs)"]
fn transactions() {
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let requests = env_usize("BENCH_REQUESTS", 200_000);
    require("redis-server", "redis-server");
    require("redis-benchmark", "redis-tools");

    println!("\n| MULTI/INCR/SET/GET/EXEC, 50 conns, 16 in flight | MiniRedis tx/s | Redis tx/s | ratio | CPU µs/tx (M/R) | CPU ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (mut mini, mut redis) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for (name, samples) in [("miniredis", &mut mini), ("redis", &mut redis)] {
            let server = start(name, None, None);
            samples.push(exec_workload(&server, 50, requests / 50));
        }
    }
    let rate = |s: &Vec<(f64, f64)>| median(s.iter().map(|x| x.0).collect());
    let cpu = |s: &Vec<(f64, f64)>| median(s.iter().map(|x| x.1).collect());
    println!(
        "| transactions | {:.0} | {:.0} | {:.2}x | {:.2} / {:.2} | {:.2}x |",
        rate(&mini),
        rate(&redis),
        rate(&mini) / rate(&redis),
        cpu(&mini),
        cpu(&redis),
        cpu(&mini) / cpu(&redis)
    );

    println!("\n| SET, 50 conns, P16 (MiniRedis) | req/s | CPU µs/req |");
    println!("|---|---:|---:|");
    for watching in [false, true] {
        let mut samples = Vec::new();
        for _ in 0..rounds {
            let server = start("miniredis", None, None);
            // An idle client watching a key the benchmark never writes.
            let _watcher = watching.then(|| {
                let mut conn = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
                conn.write_all(&resp(&[b"WATCH", b"unrelated"])).expect("send");
                let mut line = String::new();
                BufReader::new(conn.try_clone().expect("clone")).read_line(&mut line).expect("reply");
                assert_eq!(line, "+OK\r\n");
                conn
            });
            samples.push(run_benchmark(
                &server,
                &["-t", "set"],
                &["-c", "50", "-P", "16"],
                requests * 5,
                None,
            ));
        }
        let label = if watching { "one client watching another key" } else { "nobody watching" };
        let (rps, cpu) = (
            median(samples.iter().map(|s| s.rps).collect()),
            median(samples.iter().map(|s| s.cpu_us).collect()),
        );
        println!("| {label} | {rps:.0} | {cpu:.2} |");
    }
}

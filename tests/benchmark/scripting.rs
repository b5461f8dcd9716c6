//! Scripting workloads (issue 19): `EVALSHA` of a small script (`INCR` a
//! key, then `PEXPIRE` it) at pipeline 16 with 50 clients, compared by
//! server CPU per call; and a 1,000-command script, by time and server CPU
//! per call.
//!
//! ```text
//! cargo test --release --test benchmark scripting -- --ignored --nocapture
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::{
    cpu_seconds, env_usize, median, print_rows, resp, server_pid, start, workload_on, Server, Workload,
};

/// `INCR` then `PEXPIRE`: the rate-limiter shape.
const SMALL: &str = "redis.call('incr', KEYS[1]) return redis.call('pexpire', KEYS[1], 60000)";
/// 1,000 `SET`s in one call.
const THOUSAND: &str = "for i = 1, 1000 do redis.call('SET', KEYS[1] .. i, i) end return 1";

#[test]
#[ignore = "benchmark: run with --ignored --nocapture (see the file's doc)"]
fn scripting() {
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let requests = env_usize("BENCH_REQUESTS", 200_000);
    let small_sha = miniredis::scripting::sha1_hex(SMALL.as_bytes());
    let evalsha = Workload {
        test: &["EVALSHA", &small_sha, "1", "counter"],
        args: &["-c", "50", "-P", "16"],
        fill: Some(&["SCRIPT", "LOAD", SMALL]),
    };
    // Pinned like every other workload (server on CPU 0, client on CPU 1),
    // then unpinned with the default worker threads.
    let small = workload_on("EVALSHA INCR+PEXPIRE, 50 clients, P16", &evalsha, requests, rounds, None, true);
    let label = "EVALSHA INCR+PEXPIRE, 50 clients, P16, unpinned";
    let unpinned = workload_on(label, &evalsha, requests, rounds, None, false);
    print_rows("scripting", &[small, unpinned]);

    // One client, one call at a time, timed here: redis-benchmark's CSV
    // splits the script at its commas.
    let calls = env_usize("BENCH_SCRIPT_CALLS", 500);
    let mut mini = Vec::new();
    let mut redis = Vec::new();
    for _ in 0..rounds {
        mini.push(thousand_command_calls(&start("miniredis", None, None), calls));
        redis.push(thousand_command_calls(&start("redis", None, None), calls));
    }
    let (mini_wall, mini_cpu) =
        (median(mini.iter().map(|s| s.0).collect()), median(mini.iter().map(|s| s.1).collect()));
    let (redis_wall, redis_cpu) =
        (median(redis.iter().map(|s| s.0).collect()), median(redis.iter().map(|s| s.1).collect()));
    println!("\n| 1,000-command script, 1 client | MiniRedis µs/call | Redis µs/call | ratio |");
    println!("|---|---:|---:|---:|");
    println!("| time per call | {mini_wall:.0} | {redis_wall:.0} | {:.2}x |", mini_wall / redis_wall);
    println!("| server CPU per call | {mini_cpu:.0} | {redis_cpu:.0} | {:.2}x |", mini_cpu / redis_cpu);
}

/// Runs the 1,000-`SET` script `calls` times, one call at a time, and gives
/// the time per call and the server's CPU per call, both in µs.
fn thousand_command_calls(server: &Server, calls: usize) -> (f64, f64) {
    let request = resp(&[b"EVAL", THOUSAND.as_bytes(), b"1", b"k"]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    let mut reply = [0u8; 4];
    let mut call = |stream: &mut TcpStream| {
        stream.write_all(&request).unwrap();
        stream.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b":1\r\n");
    };
    call(&mut stream);
    let pid = server_pid(server);
    let (cpu_before, started) = (cpu_seconds(pid), Instant::now());
    for _ in 0..calls {
        call(&mut stream);
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    (wall * 1e6 / calls as f64, cpu * 1e6 / calls as f64)
}

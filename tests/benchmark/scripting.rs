//! Scripting workloads (issue 19): `EVALSHA` of a small script (`INCR` a
//! key, then `PEXPIRE` it) at pipeline 16 with 50 clients, compared by
//! server CPU per call; and a 1,000-command script, by time per call.
//!
//! ```text
//! cargo test --release --test benchmark scripting -- --ignored --nocapture
//! ```

use super::{env_usize, print_rows, workload_on, Workload};

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
    let big_calls = (requests / 100).max(200);
    let thousand = Workload { test: &["EVAL", THOUSAND, "1", "k"], args: &["-c", "1"], fill: None };
    let big = workload_on("EVAL of 1,000 SETs, 1 client", &thousand, big_calls, rounds, None, false);
    // One client, one call at a time: the server's CPU per call is its time
    // per call (redis-benchmark's CSV cuts the script's commas, so its
    // req/s column is not read here).
    let (mini_us, redis_us) = (big.mini.cpu_us, big.redis.cpu_us);
    print_rows("scripting", &[small, unpinned, big]);
    println!("\n1,000-command script: {mini_us:.0} µs of server CPU per call on MiniRedis, {redis_us:.0} µs on Redis");
}

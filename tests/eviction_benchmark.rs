//! Hit rates of MiniRedis's approximate LRU and LFU against redis-server's,
//! with the same `maxmemory` and policy, on a Zipf-distributed cache
//! workload. This is a benchmark, not a test: it is `#[ignore]`d. Run it with
//!
//! ```text
//! cargo test --release --test eviction_benchmark -- --ignored --nocapture
//! ```
//!
//! The workload is a cache in front of a slow store: 90% of operations are
//! `GET`s, and a miss is followed by a `SET` of the key (cache-aside); 10%
//! are plain `SET`s. Keys are drawn from a Zipf distribution (exponent
//! 0.99, as YCSB's) over `EVICT_KEYS` keys (default 200000) with 64-byte
//! values, `EVICT_OPS` operations (default 600000, the first sixth is a
//! warm-up not counted), and `EVICT_MAXMEMORY` (default 8mb). Both servers
//! replay the very same sequence (a fixed seed), pipelined 500 at a time.

mod common;

use std::io::{self, Write};

use common::{redis_binary, resp as encode, Conn, Server};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// Zipf(s) over ranks 0..n, by inverting the cumulative distribution.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for rank in 1..=n {
            total += 1.0 / (rank as f64).powf(s);
            cdf.push(total);
        }
        cdf.iter_mut().for_each(|c| *c /= total);
        Zipf { cdf }
    }

    fn sample(&self, rng: &mut fastrand::Rng) -> usize {
        let u = rng.f64();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

#[derive(Clone, Copy)]
enum Op {
    Get(u32),
    Set(u32),
}

fn workload(keys: usize, ops: usize) -> Vec<Op> {
    let zipf = Zipf::new(keys, 0.99);
    let mut rng = fastrand::Rng::with_seed(7);
    // Popular keys are scattered over the key names, not key:0, key:1, ...
    let mut names: Vec<u32> = (0..keys as u32).collect();
    rng.shuffle(&mut names);
    (0..ops)
        .map(|_| {
            let key = names[zipf.sample(&mut rng)];
            if rng.u8(..10) == 0 {
                Op::Set(key)
            } else {
                Op::Get(key)
            }
        })
        .collect()
}

struct Outcome {
    hit_rate: f64,
    keys_held: u64,
    evicted: u64,
}

fn info_field(conn: &mut Conn, section: &str, field: &str) -> u64 {
    let raw = conn.call(&["INFO", section]).expect("INFO");
    let text = String::from_utf8_lossy(&raw).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
}

fn replay(server: &Server, ops: &[Op], warmup: usize) -> io::Result<Outcome> {
    let mut conn = server.connect();
    let value = vec![b'v'; 64];
    let (mut gets, mut hits) = (0u64, 0u64);
    for (chunk_index, chunk) in ops.chunks(500).enumerate() {
        let counted = chunk_index * 500 >= warmup;
        let mut batch = Vec::new();
        for op in chunk {
            match *op {
                Op::Get(k) => batch.extend(encode(&[b"GET".as_slice(), format!("key:{k}").as_bytes()])),
                Op::Set(k) => {
                    batch.extend(encode(&[b"SET".as_slice(), format!("key:{k}").as_bytes(), &value]))
                }
            }
        }
        conn.send_raw(&batch)?;
        let mut misses = Vec::new();
        for op in chunk {
            let reply = conn.try_read_reply()?;
            if let Op::Get(k) = *op {
                let hit = !reply.starts_with(b"$-1");
                if counted {
                    gets += 1;
                    hits += u64::from(hit);
                }
                if !hit {
                    misses.push(k);
                }
            } else {
                assert_eq!(reply, b"+OK\r\n", "{}", String::from_utf8_lossy(&reply));
            }
        }
        // Cache-aside: fill the misses.
        let mut fill = Vec::new();
        for k in &misses {
            fill.extend(encode(&[b"SET".as_slice(), format!("key:{k}").as_bytes(), &value]));
        }
        conn.send_raw(&fill)?;
        for _ in &misses {
            let reply = conn.try_read_reply()?;
            assert_eq!(reply, b"+OK\r\n", "{}", String::from_utf8_lossy(&reply));
        }
    }
    let keys_held = {
        let raw = conn.call(&["DBSIZE"])?;
        String::from_utf8_lossy(&raw[1..raw.len() - 2]).parse().unwrap_or(0)
    };
    let evicted = info_field(&mut conn, "stats", "evicted_keys");
    Ok(Outcome { hit_rate: hits as f64 / gets.max(1) as f64, keys_held, evicted })
}

#[test]
#[ignore = "a benchmark: cargo test --release --test eviction_benchmark -- --ignored --nocapture"]
fn zipf_hit_rates_against_redis() {
    let Some(redis) = redis_binary("redis-server", "eviction_benchmark") else { return };
    let keys: usize = env_or("EVICT_KEYS", "200000").parse().expect("EVICT_KEYS");
    let ops: usize = env_or("EVICT_OPS", "600000").parse().expect("EVICT_OPS");
    let maxmemory = env_or("EVICT_MAXMEMORY", "8mb");
    let ops_list = workload(keys, ops);
    let warmup = ops / 6;
    println!(
        "Zipf(0.99) over {keys} keys, 64-byte values, {ops} operations (90% GET + SET on miss, 10% SET), \
         maxmemory {maxmemory}, first {warmup} operations not counted\n"
    );
    println!("| policy | server | hit rate | keys held | evicted |");
    println!("| --- | --- | --- | --- | --- |");
    let mut results = Vec::new();
    for policy in ["allkeys-lru", "allkeys-lfu"] {
        let args = ["--maxmemory", maxmemory.as_str(), "--maxmemory-policy", policy];
        let mut rates = Vec::new();
        for name in ["miniredis", "redis"] {
            let server = if name == "miniredis" {
                Server::start_miniredis(&args)
            } else {
                Server::start_redis(&redis, &args)
            };
            let outcome = replay(&server, &ops_list, warmup).expect("replay");
            println!(
                "| {policy} | {name} | {:.2}% | {} | {} |",
                outcome.hit_rate * 100.0,
                outcome.keys_held,
                outcome.evicted
            );
            let _ = io::stdout().flush();
            rates.push(outcome.hit_rate);
        }
        results.push((policy, rates[0], rates[1]));
    }
    println!();
    for (policy, mini, redis) in results {
        // Both are sampled approximations: allow half a point of noise.
        assert!(
            mini + 0.005 >= redis,
            "{policy}: MiniRedis's hit rate {:.2}% is below Redis's {:.2}%",
            mini * 100.0,
            redis * 100.0
        );
    }
}

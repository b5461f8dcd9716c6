//! MEMORY USAGE key [SAMPLES count] | MEMORY STATS | MEMORY MALLOC-STATS | MEMORY PURGE | MEMORY HELP

use crate::alloc;
use crate::prelude::*;

/// `MEMORY`: how much memory a key, and the server, use.
pub struct Memory;

const HELP: &[&str] = &[
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
];

extern "C" {
    /// glibc: gives free memory at the top of the heap and in free pages back to the OS.
    fn malloc_trim(pad: usize) -> i32;
}

impl Command for Memory {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "memory",
            arity: -2,
            group: "server",
            summary: "A container for memory diagnostics commands",
            since: "4.0.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand::HELP_SHOW,
                Subcommand {
                    name: "malloc-stats",
                    arity: 2,
                    flags: &[],
                    summary: "Show allocator internal stats",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "purge",
                    arity: 2,
                    flags: &[],
                    summary: "Ask the allocator to release memory",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "stats",
                    arity: 2,
                    flags: &[],
                    summary: "Show memory usage details",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "usage",
                    arity: -3,
                    flags: &[Flag::Readonly],
                    summary: "Estimate the memory usage of a key",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        match args.next()?.to_ascii_lowercase().as_slice() {
            b"usage" => usage(ctx, args),
            b"stats" => Ok(stats(ctx)),
            // As Redis built with libc malloc answers.
            b"malloc-stats" => Ok(Reply::bulk("Stats not supported for the current allocator")),
            b"purge" => {
                // SAFETY: malloc_trim only returns free pages to the OS.
                unsafe { malloc_trim(0) };
                Ok(Reply::OK)
            }
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

/// `MEMORY USAGE key [SAMPLES count]`: the key's bytes (every field of a
/// hash is counted, so `SAMPLES` is validated but not needed), nil when absent.
fn usage(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let key = args.next()?;
    while !args.is_empty() {
        if args.eat("SAMPLES") && !args.is_empty() {
            if args.next_i64()? < 0 {
                return Err(ReplyError::SYNTAX);
            }
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    Ok(match ctx.db().memory_usage(key) {
        Some(bytes) => Reply::Integer(bytes as i64),
        None => Reply::Null,
    })
}

/// `MEMORY STATS`: Redis's breakdown, with the fields MiniRedis can fill
/// truthfully (no replication, scripting or cluster: those are 0).
fn stats(ctx: &mut Context<'_>) -> Reply {
    let server = ctx.server;
    let (used, peak, rss) = (server.used_memory(), server.used_memory_peak(), alloc::rss());
    let startup = server.startup_memory().min(used);
    let field = |name: &'static str, value: Reply| (Reply::simple(name), value);
    let int = |n: usize| Reply::Integer(n as i64);
    let mut map = vec![
        field("peak.allocated", int(peak)),
        field("total.allocated", int(used)),
        field("startup.allocated", int(startup)),
        field("replication.backlog", int(0)),
        field("clients.slaves", int(0)),
        field("cluster.links", int(0)),
        field("aof.buffer", int(server.persist.aof.buffered_bytes())),
        field("lua.caches", int(0)),
        field("functions.caches", int(0)),
    ];
    let (mut overhead, mut keys) = (startup, 0);
    let keyspace = ctx.keyspace();
    for i in 0..keyspace.databases() {
        let (db_keys, _, _) = keyspace.db_summary(i);
        if db_keys == 0 {
            continue;
        }
        let (main, expires) = keyspace.overhead(i);
        overhead += main + expires;
        keys += db_keys;
        map.push((
            Reply::Bulk(format!("db.{i}").into_bytes()),
            Reply::Map(vec![
                field("overhead.hashtable.main", int(main)),
                field("overhead.hashtable.expires", int(expires)),
                field("overhead.hashtable.slot-to-keys", int(0)),
            ]),
        ));
    }
    let dataset = used.saturating_sub(overhead);
    let percent = |part: usize, whole: usize| Reply::Double(part as f64 * 100.0 / whole.max(1) as f64);
    map.extend([
        field("overhead.total", int(overhead)),
        field("keys.count", int(keys)),
        field("keys.bytes-per-key", int(used.saturating_sub(startup).checked_div(keys).unwrap_or(0))),
        field("dataset.bytes", int(dataset)),
        field("dataset.percentage", percent(dataset, used.saturating_sub(startup))),
        field("peak.percentage", percent(used, peak)),
        field("fragmentation", Reply::Double(rss as f64 / used.max(1) as f64)),
        field("fragmentation.bytes", Reply::Integer(rss as i64 - used as i64)),
    ]);
    Reply::Map(map)
}

inventory::submit! { Registration::new(&Memory, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn usage(h: &mut Harness, key: &str) -> i64 {
        match h.run(&format!("MEMORY USAGE {key}")) {
            Reply::Integer(n) => n,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn usage_grows_with_the_value() {
        let mut h = Harness::new();
        h.run("SET small v");
        h.run(&format!("SET big {}", "x".repeat(1000)));
        let (small, big) = (usage(&mut h, "small"), usage(&mut h, "big"));
        assert!((56..120).contains(&small), "{small}");
        assert!(big >= small + 1000, "{big}");
        h.run("HSET h a 1 b 2 c 3");
        assert!(usage(&mut h, "h") > small);
        assert_eq!(h.run("MEMORY USAGE missing"), Reply::Null);
        let small = usage(&mut h, "small");
        assert_eq!(h.run("MEMORY USAGE small SAMPLES 0"), int(small));
        assert_eq!(h.run("memory usage small samples 5"), int(small));
    }

    #[test]
    fn usage_errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("MEMORY USAGE k SAMPLES x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("MEMORY USAGE k SAMPLES"), err("ERR syntax error"));
        assert_eq!(h.run("MEMORY USAGE k SAMPLES -1"), err("ERR syntax error"));
        assert_eq!(h.run("MEMORY USAGE k foo 1"), err("ERR syntax error"));
        assert_eq!(h.run("MEMORY USAGE"), err("ERR wrong number of arguments for 'memory|usage' command"));
        assert_eq!(h.run("MEMORY FOO"), err("ERR unknown subcommand 'FOO'. Try MEMORY HELP."));
    }

    #[test]
    fn stats_report_keys_and_totals() {
        let mut h = Harness::new();
        for i in 0..10 {
            h.run(&format!("SET k{i} v"));
        }
        let Reply::Map(stats) = h.run("MEMORY STATS") else { panic!() };
        let get = |name: &str| {
            stats.iter().find(|(k, _)| *k == Reply::Simple(name.to_string().into())).map(|(_, v)| v.clone())
        };
        assert_eq!(get("keys.count"), Some(int(10)));
        assert!(matches!(get("total.allocated"), Some(Reply::Integer(n)) if n > 0));
        assert!(stats.iter().any(|(k, _)| *k == bulk("db.0")));
        assert_eq!(h.run("MEMORY PURGE"), Reply::OK);
        assert_eq!(h.run("MEMORY MALLOC-STATS"), bulk("Stats not supported for the current allocator"));
        let Reply::Array(help) = h.run("MEMORY HELP") else { panic!() };
        assert_eq!(help.len(), HELP_LINES);
    }

    /// `aof.buffer` is the log's in-memory buffer, measured.
    #[test]
    fn stats_aof_buffer_is_the_logs_buffer() {
        let mut h = Harness::new();
        let aof_buffer = |h: &mut Harness| {
            let Reply::Map(stats) = h.run("MEMORY STATS") else { panic!() };
            let key = Reply::Simple("aof.buffer".to_string().into());
            stats.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v)
        };
        assert_eq!(aof_buffer(&mut h), Some(int(0)), "the log is off");
        // Records waiting for the writer (the harness runs none).
        h.shared.persist.aof.state.lock().append(0, &[b"SET", b"k", b"v"]);
        let Some(Reply::Integer(bytes)) = aof_buffer(&mut h) else { panic!() };
        assert!(bytes >= 41, "SELECT and SET are buffered: {bytes}");
    }

    const HELP_LINES: usize = 12;
}

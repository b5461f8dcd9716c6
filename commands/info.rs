//! INFO [section [section ...]]

use std::fmt::Write;
use std::sync::atomic::Ordering;

use crate::alloc;
use crate::prelude::*;
use crate::state::pubsub::Kind;
use crate::state::REDIS_VERSION;

/// `INFO`: server state and statistics in Redis's `field:value` text format.
pub struct Info;

/// `INFO` and `INFO default`, in Redis's order.
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// `INFO all` adds these (and `everything` too: MiniRedis has no modules).
const MORE_SECTIONS: &[&str] = &["commandstats", "latencystats"];

impl Command for Info {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "info",
            arity: -1,
            flags: &[Flag::Loading, Flag::Stale],
            group: "server",
            summary: "Returns information and statistics about the server.",
            complexity: "O(1)",
            extra_acl_categories: &["@dangerous"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        // This connection's commands so far in its batch count too.
        ctx.client.tally.flush(&ctx.server.metrics);
        let mut wanted: Vec<String> =
            args.rest().map(|s| String::from_utf8_lossy(s).to_ascii_lowercase()).collect();
        if wanted.is_empty() {
            wanted.push("default".into());
        }
        let all = wanted.iter().any(|s| s == "all" || s == "everything");
        let default = all || wanted.iter().any(|s| s == "default");
        let order = DEFAULT_SECTIONS.iter().chain(MORE_SECTIONS);
        let mut text = String::new();
        for section in order.filter(|s| {
            wanted.iter().any(|w| w == *s)
                || (default && DEFAULT_SECTIONS.contains(s))
                || (all && MORE_SECTIONS.contains(s))
        }) {
            if !text.is_empty() {
                text.push_str("\r\n");
            }
            let title = match *section {
                "cpu" => "CPU".to_string(),
                other => format!("{}{}", other[..1].to_ascii_uppercase(), &other[1..]),
            };
            let _ = write!(text, "# {title}\r\n");
            for (name, value) in fields(ctx, section) {
                let _ = write!(text, "{name}:{value}\r\n");
            }
            match *section {
                "keyspace" => {
                    let keyspace = ctx.keyspace();
                    for i in 0..keyspace.databases() {
                        let (keys, expires, avg_ttl) = keyspace.db_summary(i);
                        if keys == 0 {
                            continue;
                        }
                        let _ = write!(text, "db{i}:keys={keys},expires={expires},avg_ttl={avg_ttl}\r\n");
                    }
                }
                "commandstats" => command_stats(ctx, &mut text),
                "latencystats" => latency_stats(ctx, &mut text),
                "errorstats" => {
                    for (prefix, count) in ctx.server.metrics.error_counts() {
                        let _ = write!(text, "errorstat_{prefix}:count={count}\r\n");
                    }
                }
                _ => {}
            }
        }
        Ok(Reply::Verbatim(text.into_bytes()))
    }
}

/// `cmdstat_<name>:calls=…,usec=…,usec_per_call=…,rejected_calls=…,failed_calls=…`
/// for every command (or subcommand) called or rejected since the last reset.
fn command_stats(ctx: &mut Context<'_>, text: &mut String) {
    let metrics = &ctx.server.metrics;
    for (slot, name) in crate::registry::stat_names() {
        let stats = &metrics.commands[slot];
        let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        let (calls, usec, rejected, failed) =
            (load(&stats.calls), load(&stats.usec), load(&stats.rejected), load(&stats.failed));
        if calls == 0 && rejected == 0 && failed == 0 {
            continue;
        }
        let per_call = if calls == 0 { 0.0 } else { usec as f64 / calls as f64 };
        let _ = write!(
            text,
            "cmdstat_{name}:calls={calls},usec={usec},usec_per_call={per_call:.2},\
             rejected_calls={rejected},failed_calls={failed}\r\n"
        );
    }
}

/// `latency_percentiles_usec_<name>:p50=…,p99=…,p99.9=…` for every command run.
fn latency_stats(ctx: &mut Context<'_>, text: &mut String) {
    let metrics = &ctx.server.metrics;
    for (slot, name) in crate::registry::stat_names() {
        if let Some(percentiles) = metrics.commands[slot].percentiles() {
            let _ = write!(text, "latency_percentiles_usec_{name}:{percentiles}\r\n");
        }
    }
}

fn human_bytes(n: usize) -> String {
    let units = ["B", "K", "M", "G", "T"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n}B")
    } else {
        format!("{value:.2}{}", units[unit])
    }
}

/// (user, system) CPU seconds of this process, from /proc.
/// (user, system) CPU seconds of the forked save and rewrite children
/// reaped so far (`getrusage(RUSAGE_CHILDREN)`, as Redis reads it).
fn children_cpu_seconds() -> (f64, f64) {
    // SAFETY: getrusage only writes the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    (ticks(11), ticks(12))
}

fn fields(ctx: &mut Context<'_>, section: &str) -> Vec<(&'static str, String)> {
    let server = ctx.server;
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed).to_string();
    match section {
        "server" => {
            let config = server.config.read();
            let uptime = server.identity.uptime().as_secs();
            vec![
                ("redis_version", REDIS_VERSION.into()),
                ("miniredis_version", env!("CARGO_PKG_VERSION").into()),
                ("redis_mode", "standalone".into()),
                ("os", format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)),
                ("arch_bits", (usize::BITS).to_string()),
                ("multiplexing_api", "tokio".into()),
                ("process_id", std::process::id().to_string()),
                ("run_id", server.identity.run_id().to_string()),
                ("tcp_port", server.identity.port().to_string()),
                ("server_time_usec", (server.clock.now_ms() * 1000).to_string()),
                ("uptime_in_seconds", uptime.to_string()),
                ("uptime_in_days", (uptime / 86_400).to_string()),
                ("hz", "10".into()),
                ("executable", std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default()),
                (
                    "config_file",
                    config.config_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                ),
            ]
        }
        "clients" => {
            let (connected, blocked) = {
                let clients = server.clients.handles();
                // Held by `CLIENT PAUSE` or waiting in `BLPOP` and friends.
                (clients.len(), clients.iter().filter(|c| c.is_blocked()).count())
            };
            vec![
                ("connected_clients", connected.to_string()),
                ("maxclients", server.config.read().maxclients.to_string()),
                ("blocked_clients", blocked.to_string()),
            ]
        }
        "memory" => {
            use std::sync::atomic::Ordering::Relaxed;
            let scripts_load = |n: &std::sync::atomic::AtomicUsize| n.load(Relaxed).to_string();
            let (used, peak, rss) = (server.used_memory(), server.used_memory_peak(), alloc::rss());
            let maxmemory = server.maxmemory_bytes() as usize;
            let policy = server.store.policy().name();
            vec![
                ("used_memory", used.to_string()),
                ("used_memory_human", human_bytes(used)),
                ("used_memory_rss", rss.to_string()),
                ("used_memory_rss_human", human_bytes(rss)),
                ("used_memory_peak", peak.to_string()),
                ("used_memory_peak_human", human_bytes(peak)),
                ("used_memory_lua", scripts_load(&server.scripts.lua_memory)),
                ("used_memory_lua_human", human_bytes(server.scripts.lua_memory.load(Relaxed))),
                ("used_memory_scripts_eval", scripts_load(&server.scripts.eval_memory)),
                ("number_of_cached_scripts", scripts_load(&server.scripts.cached_scripts)),
                ("number_of_functions", scripts_load(&server.scripts.functions)),
                ("number_of_libraries", scripts_load(&server.scripts.libraries)),
                ("used_memory_scripts", scripts_load(&server.scripts.scripts_memory)),
                ("used_memory_scripts_human", human_bytes(server.scripts.scripts_memory.load(Relaxed))),
                ("maxmemory", maxmemory.to_string()),
                ("maxmemory_human", human_bytes(maxmemory)),
                ("maxmemory_policy", policy.into()),
                ("mem_fragmentation_ratio", format!("{:.2}", rss as f64 / used.max(1) as f64)),
                ("mem_allocator", "libc".into()),
            ]
        }
        "persistence" => persistence(server),
        "stats" => {
            let db_stats = ctx.keyspace().stats();
            let evicted = server.store.evicted();
            let stats = &server.metrics.stats;
            let (ops, input, output) = stats.instantaneous();
            vec![
                ("total_connections_received", load(&stats.connections_received)),
                ("total_commands_processed", load(&stats.commands_processed)),
                ("instantaneous_ops_per_sec", ops.to_string()),
                ("total_net_input_bytes", load(&stats.net_input_bytes)),
                ("total_net_output_bytes", load(&stats.net_output_bytes)),
                ("instantaneous_input_kbps", format!("{:.2}", input as f64 / 1024.0)),
                ("instantaneous_output_kbps", format!("{:.2}", output as f64 / 1024.0)),
                ("latest_fork_usec", load(&server.persist.latest_fork_usec)),
                ("rejected_connections", load(&stats.rejected_connections)),
                ("expired_keys", db_stats.expired.to_string()),
                ("evicted_keys", evicted.to_string()),
                ("keyspace_hits", db_stats.hits.to_string()),
                ("keyspace_misses", db_stats.misses.to_string()),
                ("pubsub_channels", server.pubsub.listened_count(Kind::Channel).to_string()),
                ("pubsub_patterns", server.pubsub.listened_count(Kind::Pattern).to_string()),
                ("pubsubshard_channels", server.pubsub.listened_count(Kind::Shard).to_string()),
                ("total_error_replies", load(&server.metrics.total_errors)),
            ]
        }
        "replication" => vec![
            ("role", "master".into()),
            ("connected_slaves", "0".into()),
            ("master_replid", server.identity.repl_id()),
            ("master_repl_offset", "0".into()),
        ],
        "cpu" => {
            let (user, sys) = cpu_seconds();
            let (children_user, children_sys) = children_cpu_seconds();
            vec![
                ("used_cpu_sys", format!("{sys:.6}")),
                ("used_cpu_user", format!("{user:.6}")),
                ("used_cpu_sys_children", format!("{children_sys:.6}")),
                ("used_cpu_user_children", format!("{children_user:.6}")),
            ]
        }
        "cluster" => vec![("cluster_enabled", "0".into())],
        _ => Vec::new(),
    }
}

/// `INFO persistence`: the real state of saves and of the append-only file.
fn persistence(server: &crate::state::ServerState) -> Vec<(&'static str, String)> {
    use crate::persist::Job;
    let persist = &server.persist;
    let aof = &persist.aof;
    let child = persist.child();
    let running = |job| child.filter(|(j, _)| *j == job).map(|(_, d)| d.as_secs() as i64);
    let status = |ok: bool| if ok { "ok" } else { "err" }.to_string();
    let secs = |n: &std::sync::atomic::AtomicU64| match n.load(Ordering::Relaxed) {
        u64::MAX => "-1".to_string(),
        n => n.to_string(),
    };
    let flag = |b: bool| if b { "1" } else { "0" }.to_string();
    let rewriting = aof.rewriting.load(Ordering::Relaxed) || running(Job::Rewrite).is_some();
    let mut fields = vec![
        ("loading", "0".into()),
        ("async_loading", "0".into()),
        ("rdb_changes_since_last_save", server.changes_since_save().to_string()),
        ("rdb_bgsave_in_progress", flag(running(Job::Save).is_some())),
        ("rdb_last_save_time", server.last_save_s().to_string()),
        ("rdb_last_bgsave_status", status(persist.last_bgsave_ok.load(Ordering::Relaxed))),
        ("rdb_last_bgsave_time_sec", secs(&persist.last_bgsave_secs)),
        ("rdb_current_bgsave_time_sec", running(Job::Save).unwrap_or(-1).to_string()),
        ("aof_enabled", flag(aof.on())),
        ("aof_rewrite_in_progress", flag(rewriting)),
        ("aof_rewrite_scheduled", flag(persist.rewrite_scheduled.load(Ordering::Relaxed))),
        ("aof_last_rewrite_time_sec", secs(&aof.last_rewrite_secs)),
        ("aof_current_rewrite_time_sec", running(Job::Rewrite).unwrap_or(-1).to_string()),
        ("aof_last_bgrewrite_status", status(aof.last_rewrite_ok.load(Ordering::Relaxed))),
        ("aof_last_write_status", status(aof.last_write_ok.load(Ordering::Relaxed))),
    ];
    if aof.on() {
        let (size, base) = aof.sizes();
        fields.push(("aof_current_size", size.to_string()));
        fields.push(("aof_base_size", base.to_string()));
    }
    fields
}

inventory::submit! { Registration::new(&Info, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn text(reply: Reply) -> String {
        match reply {
            Reply::Verbatim(bytes) => String::from_utf8(bytes).unwrap(),
            other => panic!("not verbatim: {other:?}"),
        }
    }

    /// The children's CPU time is measured: a reaped BGSAVE child adds to it.
    #[test]
    fn cpu_children_counts_background_saves() {
        let mut h = Harness::new();
        let children = |h: &mut Harness| -> f64 {
            let cpu = h.info("cpu");
            let field = |name: &str| -> f64 {
                let line = cpu.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{cpu}"));
                line[name.len()..].parse().unwrap()
            };
            field("used_cpu_sys_children:") + field("used_cpu_user_children:")
        };
        let before = children(&mut h);
        for i in 0..20_000 {
            h.run(&format!("SET key:{i} value:{i}"));
        }
        assert_eq!(h.run("BGSAVE"), Reply::simple("Background saving started"));
        h.wait_for_child();
        assert!(children(&mut h) > before, "a forked save used CPU time");
    }

    #[test]
    fn default_sections_with_real_figures() {
        let mut h = Harness::new();
        h.run("SET a 1 EX 100");
        h.run("SET b 2");
        h.run("GET a");
        h.run("GET missing");
        let info = text(h.run("INFO"));
        for needle in [
            "# Server\r\n",
            "redis_version:7.0.15\r\n",
            "role:master\r\n",
            "loading:0\r\n",
            "keyspace_hits:1\r\n",
            "keyspace_misses:1\r\n",
            "db0:keys=2,expires=1,avg_ttl=100000\r\n",
        ] {
            assert!(info.contains(needle), "missing {needle:?} in {info}");
        }
        assert!(info.contains("used_memory:") && !info.contains("used_memory:0\r\n"));
    }

    #[test]
    fn selected_sections_only() {
        let mut h = Harness::new();
        let info = text(h.run("INFO keyspace replication"));
        assert!(info.starts_with("# Replication\r\nrole:master\r\n"), "{info}");
        assert!(info.contains("# Keyspace\r\n") && !info.contains("# Server"));
        assert_eq!(text(h.run("INFO nosuchsection")), "");
        assert!(text(h.run("INFO ALL")).contains("# CPU\r\n"));
    }

    #[test]
    fn commandstats_errorstats_and_latencystats() {
        let mut h = Harness::new();
        h.run("SET a b");
        h.run("GET a");
        h.run("GET");
        h.run("HGET a f");
        h.run("CLIENT ID");
        h.run("NOSUCH");
        let info = text(h.run("INFO commandstats"));
        assert!(info.starts_with("# Commandstats\r\n"), "{info}");
        for needle in [
            "cmdstat_get:calls=1,usec=",
            ",rejected_calls=1,failed_calls=0\r\n",
            "cmdstat_hget:calls=1,",
            "cmdstat_client|id:calls=1,",
        ] {
            assert!(info.contains(needle), "missing {needle:?} in {info}");
        }
        let line = info.lines().find(|l| l.starts_with("cmdstat_hget:")).unwrap();
        assert!(line.ends_with(",rejected_calls=0,failed_calls=1"), "{line}");
        assert!(line.contains(",usec_per_call="), "{line}");
        assert_eq!(
            text(h.run("INFO errorstats")),
            "# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=1\r\n"
        );
        assert!(text(h.run("INFO stats")).contains("total_error_replies:3\r\n"));
        let latency = text(h.run("INFO latencystats"));
        assert!(latency.contains("latency_percentiles_usec_get:p50="), "{latency}");
        let all = text(h.run("INFO ALL"));
        assert!(
            all.contains("# Commandstats") && all.contains("# Keyspace") && all.contains("# Latencystats")
        );
        assert!(!text(h.run("INFO")).contains("# Commandstats"));
        h.run("CONFIG RESETSTAT");
        let info = text(h.run("INFO commandstats"));
        assert_eq!(info.lines().count(), 2, "only CONFIG RESETSTAT and INFO itself: {info}");
        assert_eq!(text(h.run("INFO errorstats")), "# Errorstats\r\n");
    }

    #[test]
    fn instantaneous_rates_average_the_last_samples() {
        let mut h = Harness::new();
        let stats = &h.shared.metrics.stats;
        let processed = &stats.commands_processed;
        for step in 0..20u64 {
            processed.store(step * 100, std::sync::atomic::Ordering::Relaxed);
            stats.track(START_MS + step * 100);
        }
        let info = text(h.run("INFO stats"));
        assert!(info.contains("instantaneous_ops_per_sec:1000\r\n"), "{info}");
        assert!(info.contains("instantaneous_input_kbps:0.00\r\n"), "{info}");
        h.run("CONFIG RESETSTAT");
        assert!(text(h.run("INFO stats")).contains("instantaneous_ops_per_sec:0\r\n"));
    }

    #[test]
    fn bulk_in_resp2_verbatim_in_resp3() {
        let mut h = Harness::new();
        assert!(h.wire("INFO replication").starts_with("$"));
        h.run("HELLO 3");
        assert!(h.wire("INFO replication").starts_with("="));
    }
}

//! CONFIG GET parameter [parameter ...] | CONFIG SET parameter value [parameter value ...] | CONFIG RESETSTAT | CONFIG HELP

use std::path::PathBuf;

use crate::config::Config as Settings;
use crate::prelude::*;
use crate::protocol::parse::parse_i64;
use crate::store::glob::glob_match;

/// `CONFIG`: reads and changes the settings at run time, resets statistics.
pub struct Config;

const HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "HELP",
    "    Prints this help.",
];

/// How `CONFIG SET` treats a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Fixed at start-up.
    Immutable,
    /// Settable only with `enable-protected-configs yes|local`, as in Redis.
    Protected,
    Mutable,
}

/// Every setting `CONFIG SET` knows, by Redis's name. `port` and `bind` can
/// be changed at run time in Redis (it rebinds); MiniRedis keeps its
/// listeners and treats them as immutable.
const SETTINGS: &[(&str, Access)] = &[
    ("port", Access::Immutable),
    ("bind", Access::Immutable),
    ("databases", Access::Immutable),
    ("aclfile", Access::Immutable),
    ("tls-port", Access::Immutable),
    ("tls-cert-file", Access::Immutable),
    ("tls-key-file", Access::Immutable),
    ("tls-ca-cert-file", Access::Immutable),
    ("tls-auth-clients", Access::Immutable),
    ("enable-debug-command", Access::Immutable),
    ("enable-protected-configs", Access::Immutable),
    ("dir", Access::Protected),
    ("dbfilename", Access::Protected),
    ("loglevel", Access::Mutable),
    ("human-session-delay", Access::Mutable),
    ("save", Access::Mutable),
    ("appendonly", Access::Mutable),
    ("requirepass", Access::Mutable),
    ("protected-mode", Access::Mutable),
    ("maxclients", Access::Mutable),
    ("timeout", Access::Mutable),
    ("tcp-keepalive", Access::Mutable),
    ("proto-max-bulk-len", Access::Mutable),
    ("client-query-buffer-limit", Access::Mutable),
    ("client-output-buffer-limit", Access::Mutable),
    ("maxmemory", Access::Mutable),
    ("maxmemory-policy", Access::Mutable),
    ("maxmemory-samples", Access::Mutable),
    ("hll-sparse-max-bytes", Access::Mutable),
    ("lfu-log-factor", Access::Mutable),
    ("lfu-decay-time", Access::Mutable),
    ("slowlog-log-slower-than", Access::Mutable),
    ("slowlog-max-len", Access::Mutable),
    ("latency-monitor-threshold", Access::Mutable),
    ("logfile", Access::Immutable),
    ("log-format", Access::Immutable),
    ("appendfilename", Access::Immutable),
    ("appendfsync", Access::Mutable),
    ("aof-load-truncated", Access::Mutable),
    ("auto-aof-rewrite-percentage", Access::Mutable),
    ("auto-aof-rewrite-min-size", Access::Mutable),
];

impl Command for Config {
    fn meta(&self) -> CommandMeta {
        const ADMIN: &[Flag] = &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale];
        CommandMeta {
            name: "config",
            arity: -2,
            group: "server",
            summary: "A container for server configuration commands.",
            since: "2.0.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "get",
                    arity: -3,
                    flags: ADMIN,
                    summary: "Returns the effective values of configuration parameters.",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP,
                Subcommand {
                    name: "resetstat",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Resets the server's statistics.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "set",
                    arity: -4,
                    flags: ADMIN,
                    summary: "Sets configuration parameters in-flight.",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        match args.next()?.to_ascii_lowercase().as_slice() {
            b"get" => get(ctx, args),
            b"set" => set(ctx, args),
            b"resetstat" => {
                ctx.server.stats.reset();
                ctx.keyspace().reset_stats();
                crate::alloc::reset_peak();
                ctx.server.metrics.reset();
                Ok(Reply::OK)
            }
            _ => Ok(crate::ops::help_reply(HELP)),
        }
    }
}

/// `CONFIG GET pattern...`: the settings whose names match any pattern. A
/// pattern without glob characters is looked up by name and answered under
/// the name as given, as Redis does; each setting appears once.
fn get(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let mut params = ctx.server.config.read().params();
    let port = ctx.server.port.load(std::sync::atomic::Ordering::Relaxed).to_string();
    if let Some(entry) = params.iter_mut().find(|(name, _)| *name == "port") {
        entry.1 = port;
    }
    let mut found: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for pattern in args.rest() {
        let is_glob = pattern.iter().any(|b| b"*?[".contains(b));
        for (name, _) in &params {
            let matches = if is_glob {
                glob_match(pattern, name.as_bytes(), true)
            } else {
                name.as_bytes().eq_ignore_ascii_case(pattern)
            };
            if matches && !found.iter().any(|(seen, _)| seen == name) {
                found.push((name, if is_glob { name.as_bytes().to_vec() } else { pattern.to_vec() }));
            }
        }
    }
    Ok(Reply::Map(
        found
            .into_iter()
            .map(|(name, shown)| {
                let value =
                    params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default();
                (Reply::Bulk(shown), Reply::Bulk(value.into_bytes()))
            })
            .collect(),
    ))
}

/// `CONFIG SET name value [name value ...]`, all or nothing as in Redis 7:
/// names are checked first (unknown, immutable, protected, duplicate: the
/// first problem wins), then values are validated in order against a copy
/// of the settings, which replaces the live one only if every value is good.
fn set(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    if !args.remaining().is_multiple_of(2) {
        return Err(ReplyError::SYNTAX);
    }
    let pairs: Vec<(&[u8], &[u8])> = {
        let rest: Vec<&[u8]> = args.rest().collect();
        rest.chunks(2).map(|pair| (pair[0], pair[1])).collect()
    };
    let protected_ok = {
        let allowed = ctx.server.config.read().enable_protected_configs.clone();
        crate::ops::protected_action_allowed(&allowed, ctx.client)
    };
    let mut chosen: Vec<(&'static str, &[u8])> = Vec::with_capacity(pairs.len());
    for &(given, value) in &pairs {
        let lossy = String::from_utf8_lossy(given);
        let Some(&(name, access)) =
            SETTINGS.iter().find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(given))
        else {
            return Err(ReplyError::err(format_args!(
                "Unknown option or number of arguments for CONFIG SET - '{lossy}'"
            )));
        };
        let problem = match access {
            Access::Immutable => Some("can't set immutable config"),
            Access::Protected if !protected_ok => Some("can't set protected config"),
            _ if chosen.iter().any(|(seen, _)| *seen == name) => Some("duplicate parameter"),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(failed(&lossy, problem));
        }
        chosen.push((name, value));
    }
    let mut updated = ctx.server.config.read().clone();
    for &(name, value) in &chosen {
        apply(&mut updated, name, value).map_err(|problem| failed(name, &problem))?;
    }
    let (appendonly, appendfsync) = (updated.appendonly.clone(), updated.appendfsync.clone());
    let (loglevel_changed, requirepass_changed) = {
        let mut live = ctx.server.config.write();
        let changed = live.loglevel != updated.loglevel;
        let password =
            chosen.iter().any(|(name, _)| *name == "requirepass").then(|| updated.requirepass.clone());
        *live = updated;
        (changed.then(|| live.loglevel.clone()), password)
    };
    ctx.server.sync_runtime_config();
    if let Some(password) = requirepass_changed {
        ctx.server.acl.write().set_requirepass(&password);
    }
    if let Some(level) = loglevel_changed {
        crate::config::apply_log_level(&level);
    }
    ctx.server.apply_metrics_config();
    if chosen.iter().any(|(name, _)| name.starts_with("maxmemory") || name.starts_with("lfu-")) {
        let now = ctx.now_ms();
        let server = ctx.server;
        server.apply_memory_config(now);
    }
    let persist = &ctx.server.persist;
    if let Some(policy) = crate::persist::Fsync::parse(&appendfsync) {
        persist.aof.set_policy(policy);
    }
    match (appendonly == "yes", persist.aof.on()) {
        (true, false) => {
            // As Redis: the log starts from a rewrite, a consistent snapshot
            // of the data now; a running save delays it until it ends.
            let server = ctx.server;
            if let Err(crate::persist::BgError::Fork(e)) = persist.bgrewrite(server, ctx.keyspace(), true) {
                server.config.write().appendonly = "no".into();
                return Err(failed("appendonly", &format!("Can't start the AOF rewrite: {e}")));
            }
        }
        (false, true) => {
            if matches!(persist.child(), Some((crate::persist::Job::Rewrite, _))) {
                persist.kill_child(ctx.server);
            }
            persist.aof.turn_off();
        }
        _ => {}
    }
    Ok(Reply::OK)
}

fn failed(name: &str, problem: &str) -> ReplyError {
    ReplyError::err(format_args!("CONFIG SET failed (possibly related to argument '{name}') - {problem}"))
}

/// Validates `value` for the setting `name` and stores it in `config`; the
/// problem in Redis's words otherwise.
fn apply(config: &mut Settings, name: &str, value: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(value);
    match name {
        "dir" => {
            let dir = PathBuf::from(&*text).canonicalize().map_err(|e| crate::ops::os_error_text(&e))?;
            if !dir.is_dir() {
                return Err(crate::ops::os_error_text(&std::io::Error::from_raw_os_error(20)));
            }
            config.dir = dir;
        }
        "dbfilename" => {
            if text.contains(['/', '\\']) {
                return Err("dbfilename can't be a path, just a filename".into());
            }
            config.dbfilename = text.into_owned();
        }
        "loglevel" => {
            let level = text.to_ascii_lowercase();
            // `nothing` is accepted as at start-up (Redis 7.2 added it).
            if !["debug", "verbose", "notice", "warning", "nothing"].contains(&level.as_str()) {
                return Err(
                    "argument(s) must be one of the following: debug, verbose, notice, warning".into()
                );
            }
            config.loglevel = level;
        }
        "human-session-delay" => {
            let delay = parse_i64(value).ok_or("argument couldn't be parsed into an integer")?;
            if !(0..=i64::from(i32::MAX)).contains(&delay) {
                return Err(format!("argument must be between 0 and {} inclusive", i32::MAX));
            }
            config.human_session_delay = delay as u64;
        }
        "save" => {
            let words: Vec<&str> = text.split_ascii_whitespace().collect();
            // Pairs of positive numbers (seconds, changes), read with strtoll.
            let valid =
                words.len().is_multiple_of(2) && words.iter().all(|w| w.parse::<i64>().is_ok_and(|n| n >= 1));
            if !valid {
                return Err("Invalid save parameters".into());
            }
            config.save = words.join(" ");
        }
        "appendonly" | "aof-load-truncated" => {
            let value = text.to_ascii_lowercase();
            if value != "yes" && value != "no" {
                return Err("argument must be 'yes' or 'no'".into());
            }
            if name == "appendonly" {
                config.appendonly = value;
            } else {
                config.aof_load_truncated = value;
            }
        }
        "requirepass" => config.requirepass = text.into_owned(),
        "protected-mode" => {
            let value = text.to_ascii_lowercase();
            if value != "yes" && value != "no" {
                return Err("argument must be 'yes' or 'no'".into());
            }
            config.protected_mode = value;
        }
        "maxclients" => {
            let n = parse_i64(value).ok_or("argument couldn't be parsed into an integer")?;
            if !(1..=i64::from(u32::MAX)).contains(&n) {
                return Err(format!("argument must be between 1 and {} inclusive", u32::MAX));
            }
            let possible = crate::server::raise_fd_limit(n as u64);
            if possible < n as u64 {
                return Err(format!(
                    "The operating system is not able to handle the specified number of clients, try with \
                     {possible}"
                ));
            }
            config.maxclients = n as u32;
        }
        "proto-max-bulk-len" => config.proto_max_bulk_len = crate::config::memory_at_least_1mb(&text)?,
        "client-query-buffer-limit" => {
            config.client_query_buffer_limit = crate::config::memory_at_least_1mb(&text)?
        }
        "client-output-buffer-limit" => {
            let words: Vec<&str> = text.split_ascii_whitespace().collect();
            config.client_output_buffer_limit =
                crate::config::merge_output_limits(&config.client_output_buffer_limit, &words)?;
        }
        "timeout" | "tcp-keepalive" => {
            let n = parse_i64(value).ok_or("argument couldn't be parsed into an integer")?;
            if !(0..=i64::from(i32::MAX)).contains(&n) {
                return Err(format!("argument must be between 0 and {} inclusive", i32::MAX));
            }
            if name == "timeout" {
                config.timeout = n as u64;
            } else {
                config.tcp_keepalive = n as u64;
            }
        }
        "appendfsync" => {
            let value = text.to_ascii_lowercase();
            if crate::persist::Fsync::parse(&value).is_none() {
                return Err("argument(s) must be one of the following: everysec, always, no".into());
            }
            config.appendfsync = value;
        }
        "auto-aof-rewrite-percentage" => {
            let n = parse_i64(value).ok_or("argument couldn't be parsed into an integer")?;
            if !(0..=i64::from(i32::MAX)).contains(&n) {
                return Err(format!("argument must be between 0 and {} inclusive", i32::MAX));
            }
            config.auto_aof_rewrite_percentage = n as u64;
        }
        "auto-aof-rewrite-min-size" => {
            let n = crate::config::parse_memory(&text).ok_or("argument must be a memory value")?;
            if n > i64::MAX as u64 {
                return Err(format!("argument must be between 0 and {} inclusive", i64::MAX));
            }
            config.auto_aof_rewrite_min_size = n;
        }
        "maxmemory" => {
            config.maxmemory = crate::config::parse_memory(&text).ok_or("argument must be a memory value")?;
        }
        "maxmemory-policy" => {
            let policy = crate::store::Policy::parse(&text).ok_or_else(|| {
                let names: Vec<&str> = crate::store::Policy::ALL.iter().map(|p| p.name()).collect();
                format!("argument(s) must be one of the following: {}", names.join(", "))
            })?;
            config.maxmemory_policy = policy.name().into();
        }
        "maxmemory-samples" => config.maxmemory_samples = int_setting(value, 1)?,
        "hll-sparse-max-bytes" => {
            config.hll_sparse_max_bytes = crate::config::hll_sparse_max_bytes_value(&text)?
        }
        "lfu-log-factor" => config.lfu_log_factor = int_setting(value, 0)?,
        "lfu-decay-time" => config.lfu_decay_time = int_setting(value, 0)?,
        "slowlog-log-slower-than" => {
            config.slowlog_log_slower_than = long_setting(value, -1)?;
        }
        "slowlog-max-len" => config.slowlog_max_len = long_setting(value, 0)? as u64,
        "latency-monitor-threshold" => config.latency_monitor_threshold = long_setting(value, 0)? as u64,
        _ => unreachable!("CONFIG SET checked the name: {name}"),
    }
    Ok(())
}

/// An integer setting between `min` and `i32::MAX`, with Redis's errors.
fn int_setting(value: &[u8], min: u32) -> Result<u32, String> {
    let n = parse_i64(value).ok_or("argument couldn't be parsed into an integer")?;
    if !(i64::from(min)..=i64::from(i32::MAX)).contains(&n) {
        return Err(format!("argument must be between {min} and {} inclusive", i32::MAX));
    }
    Ok(n as u32)
}

/// A 64-bit integer setting of at least `min`, with Redis's errors.
fn long_setting(value: &[u8], min: i64) -> Result<i64, String> {
    let n = parse_i64(value).ok_or("argument couldn't be parsed into an integer")?;
    if n < min {
        return Err(format!("argument must be between {min} and {} inclusive", i64::MAX));
    }
    Ok(n)
}

inventory::submit! { Registration::new(&Config, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn protected(h: &mut Harness, setting: &str) {
        h.shared.config.write().enable_protected_configs = setting.into();
    }

    #[test]
    fn what_redis_benchmark_asks() {
        let mut h = Harness::new();
        assert_eq!(h.wire("CONFIG GET save"), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
        assert_eq!(h.wire("CONFIG GET appendonly"), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
    }

    #[test]
    fn globs_and_several_patterns() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("CONFIG GET db* databases"),
            Reply::Map(vec![(bulk("dbfilename"), bulk("dump.json")), (bulk("databases"), bulk("16"))])
        );
        assert_eq!(
            h.run("CONFIG GET PORT databases"),
            Reply::Map(vec![(bulk("PORT"), bulk("6379")), (bulk("databases"), bulk("16"))])
        );
        assert_eq!(
            h.run("CONFIG GET databases DATABASES DATA*"),
            Reply::Map(vec![(bulk("databases"), bulk("16"))])
        );
        assert_eq!(h.run("CONFIG GET DATA*"), Reply::Map(vec![(bulk("databases"), bulk("16"))]));
        assert_eq!(h.run("CONFIG GET nosuch"), Reply::Map(vec![]));
        let Reply::Map(all) = h.run("CONFIG GET *") else { panic!() };
        assert!(all.len() >= 6);
        assert_eq!(h.run("CONFIG GET"), err("ERR wrong number of arguments for 'config|get' command"));
        assert_eq!(
            h.run("CONFIG GET enable-*"),
            Reply::Map(vec![
                (bulk("enable-debug-command"), bulk("no")),
                (bulk("enable-protected-configs"), bulk("no"))
            ])
        );
    }

    #[test]
    fn set_arity_unknown_and_immutable() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET"), err("ERR wrong number of arguments for 'config|set' command"));
        assert_eq!(
            h.run("CONFIG SET loglevel"),
            err("ERR wrong number of arguments for 'config|set' command")
        );
        assert_eq!(h.run("CONFIG SET loglevel notice x"), err("ERR syntax error"));
        assert_eq!(
            h.run("CONFIG SET foo bar"),
            err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        );
        assert_eq!(
            h.run("CONFIG SET PORT 1"),
            err("ERR CONFIG SET failed (possibly related to argument 'PORT') - can't set immutable config")
        );
        for name in ["bind", "databases", "enable-debug-command", "enable-protected-configs"] {
            let Reply::Error(e) = h.run(&format!("CONFIG SET {name} x")) else { panic!("{name}") };
            assert!(e.text().ends_with("can't set immutable config"), "{e}");
        }
        // The first problem wins; names are checked before any value.
        assert_eq!(
            h.run("CONFIG SET loglevel bogus foo 1"),
            err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        );
        assert_eq!(
            h.run("CONFIG SET databases 1 foo 1"),
            err("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")
        );
        assert_eq!(
            h.run("CONFIG SET loglevel notice LOGLEVEL notice"),
            err("ERR CONFIG SET failed (possibly related to argument 'LOGLEVEL') - duplicate parameter")
        );
    }

    #[test]
    fn loglevel_and_atomicity() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET LogLevel VERBOSE"), Reply::OK);
        assert_eq!(h.run("CONFIG GET loglevel"), Reply::Map(vec![(bulk("loglevel"), bulk("verbose"))]));
        assert_eq!(
            h.run("CONFIG SET loglevel warning human-session-delay x"),
            err("ERR CONFIG SET failed (possibly related to argument 'human-session-delay') - argument couldn't be parsed into an integer")
        );
        assert_eq!(h.shared.config.read().loglevel, "verbose", "nothing applied when one value is bad");
        assert_eq!(
            h.run("CONFIG SET LOGLEVEL loud"),
            err("ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning")
        );
        assert_eq!(h.run("CONFIG SET loglevel warning human-session-delay 0"), Reply::OK);
        let config = h.shared.config.read();
        assert_eq!((config.loglevel.as_str(), config.human_session_delay), ("warning", 0));
    }

    #[test]
    fn human_session_delay_bounds() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET human-session-delay 1000"), Reply::OK);
        assert_eq!(h.shared.config.read().human_session_delay, 1000);
        let range = "ERR CONFIG SET failed (possibly related to argument 'human-session-delay') - argument must be between 0 and 2147483647 inclusive";
        assert_eq!(
            h.run("CONFIG SET human-session-delay -1"),
            Reply::Error(crate::protocol::ReplyError(range.into()))
        );
        assert_eq!(
            h.run("CONFIG SET human-session-delay 2147483648"),
            Reply::Error(crate::protocol::ReplyError(range.into()))
        );
        for bad in ["+5", "007", "1.5", "99999999999999999999"] {
            assert!(h.run(&format!("CONFIG SET human-session-delay {bad}")).is_error(), "{bad}");
        }
    }

    #[test]
    fn save_appendonly_and_aof_settings() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET save \"\" appendonly NO"), Reply::OK);
        assert_eq!(
            h.run("CONFIG SET save \"100 x\""),
            err("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")
        );
        assert_eq!(
            h.run("CONFIG SET save 100"),
            err("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")
        );
        assert_eq!(h.run("CONFIG SET save \" 3600  1 300 100 \""), Reply::OK);
        assert_eq!(h.run("CONFIG GET save"), Reply::Map(vec![(bulk("save"), bulk("3600 1 300 100"))]));
        assert_eq!(h.shared.config.read().save_rules(), vec![(3600, 1), (300, 100)]);
        assert_eq!(
            h.run("CONFIG SET appendonly maybe"),
            err("ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'")
        );
        assert_eq!(h.run("CONFIG SET appendfsync ALWAYS"), Reply::OK);
        assert_eq!(h.run("CONFIG GET appendfsync"), Reply::Map(vec![(bulk("appendfsync"), bulk("always"))]));
        assert_eq!(
            h.run("CONFIG SET appendfsync sometimes"),
            err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no")
        );
        assert_eq!(
            h.run("CONFIG SET auto-aof-rewrite-min-size 1mb auto-aof-rewrite-percentage 50"),
            Reply::OK
        );
        assert_eq!(
            h.run("CONFIG GET auto-aof-rewrite-*"),
            Reply::Map(vec![
                (bulk("auto-aof-rewrite-percentage"), bulk("50")),
                (bulk("auto-aof-rewrite-min-size"), bulk("1048576"))
            ])
        );
    }

    #[test]
    fn dir_and_dbfilename_are_protected() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("CONFIG SET dir /tmp"),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")
        );
        assert_eq!(
            h.run("CONFIG SET dbfilename x.json"),
            err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config")
        );
        protected(&mut h, "local");
        assert_eq!(h.run("CONFIG SET dbfilename x.json"), Reply::OK, "the harness client is on loopback");
        h.client.handle = std::sync::Arc::new(crate::server::ClientHandle::new(
            7,
            "10.1.2.3:4000".into(),
            String::new(),
            9,
            START_MS,
        ));
        assert!(h.run("CONFIG SET dbfilename y.json").is_error(), "remote clients may not");
    }

    #[test]
    fn dir_and_dbfilename_change_where_save_writes() {
        let mut h = Harness::new();
        protected(&mut h, "yes");
        let sub = h.dir.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(h.run(&format!("CONFIG SET dir {} dbfilename other.json", sub.display())), Reply::OK);
        h.run("SET k v");
        assert_eq!(h.run("SAVE"), Reply::OK);
        assert!(sub.join("other.json").exists());
        let canonical = sub.canonicalize().unwrap().display().to_string();
        assert_eq!(h.run("CONFIG GET dir"), Reply::Map(vec![(bulk("dir"), Reply::bulk(&canonical))]));
        assert_eq!(
            h.run("CONFIG SET dir /no/such/dir"),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
        );
        assert_eq!(
            h.run(&format!("CONFIG SET dir {}", sub.join("other.json").display())),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - Not a directory")
        );
        assert_eq!(
            h.run("CONFIG SET dbfilename a/b"),
            err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
        );
        assert_eq!(
            h.run("CONFIG SET dbfilename new.json dir /no/such/dir"),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
        );
        assert_eq!(h.shared.config.read().dbfilename, "other.json", "rolled back");
    }

    #[test]
    fn resetstat_zeroes_info_counters() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.run("GET k");
        h.run("GET missing");
        h.run("SET t v PX 10");
        h.advance_ms(20);
        h.run("GET t");
        h.shared.stats.commands_processed.store(42, std::sync::atomic::Ordering::Relaxed);
        let info = |h: &mut Harness| match h.run("INFO stats") {
            Reply::Verbatim(text) => String::from_utf8(text).unwrap(),
            other => panic!("{other:?}"),
        };
        let before = info(&mut h);
        assert!(before.contains("keyspace_hits:1\r\n") && before.contains("expired_keys:1\r\n"), "{before}");
        assert_eq!(h.run("CONFIG RESETSTAT"), Reply::OK);
        let after = info(&mut h);
        for field in ["keyspace_hits:0", "keyspace_misses:0", "expired_keys:0", "total_commands_processed:0"]
        {
            assert!(after.contains(&format!("{field}\r\n")), "{field} in {after}");
        }
        assert_eq!(
            h.run("CONFIG RESETSTAT x"),
            err("ERR wrong number of arguments for 'config|resetstat' command")
        );
    }

    #[test]
    fn help_lists_set_and_resetstat() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run("CONFIG HELP") else { panic!() };
        assert!(lines.contains(&Reply::simple("RESETSTAT")) && lines.len() == 9);
    }

    #[test]
    fn security_settings() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("CONFIG GET maxclients timeout tcp-keepalive protected-mode"),
            Reply::Map(vec![
                (bulk("maxclients"), bulk("10000")),
                (bulk("timeout"), bulk("0")),
                (bulk("tcp-keepalive"), bulk("300")),
                (bulk("protected-mode"), bulk("yes")),
            ])
        );
        assert_eq!(
            h.run("CONFIG SET maxclients 0"),
            err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive")
        );
        assert_eq!(
            h.run("CONFIG SET timeout -1"),
            err("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive")
        );
        assert_eq!(
            h.run("CONFIG SET protected-mode maybe"),
            err("ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'")
        );
        assert_eq!(h.run("CONFIG SET timeout 5 maxclients 50 protected-mode NO tcp-keepalive 0"), Reply::OK);
        assert_eq!(h.shared.idle_timeout_s.load(std::sync::atomic::Ordering::Relaxed), 5);
        let config = h.shared.config.read();
        assert_eq!((config.maxclients, config.protected_mode.as_str(), config.tcp_keepalive), (50, "no", 0));
    }
}

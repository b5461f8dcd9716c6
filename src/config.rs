//! Start-up settings: redis-server style flags (`--port 6380`) and an
//! optional config file in redis.conf syntax as the first argument. Flags
//! given on the command line win over the file.

use std::path::PathBuf;
use std::sync::OnceLock;

use clap::Parser;

use crate::protocol::parse::split_inline;

#[derive(Parser, Debug, Clone)]
#[command(name = "miniredis", version, about = "A Redis-compatible in-memory key-value server")]
#[command(args_override_self = true)]
pub struct Config {
    /// A config file in redis.conf syntax (`name value` per line).
    #[arg(value_name = "CONFIG_FILE")]
    pub config_file: Option<PathBuf>,

    /// TCP port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 6379)]
    pub port: u16,

    /// Addresses to listen on.
    #[arg(long, num_args = 1.., default_value = "127.0.0.1")]
    pub bind: Vec<String>,

    /// Directory for dump.json.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,

    /// File name of the JSON snapshot inside --dir.
    #[arg(long, default_value = "dump.json")]
    pub dbfilename: String,

    /// Number of databases (SELECT 0..N-1).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub databases: u32,

    /// Log verbosity.
    #[arg(long, default_value = "notice", value_parser = ["debug", "verbose", "notice", "warning", "nothing"])]
    pub loglevel: String,

    /// Milliseconds a new connection may stay silent before it is greeted
    /// as a human (banner and prompt); 0 turns the human session off.
    #[arg(long = "human-session-delay", default_value_t = 250)]
    pub human_session_delay: u64,

    /// Worker threads (default: the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,

    /// Memory limit for the data set (`100mb`, `1gb`, bytes); 0 = no limit.
    #[arg(long, default_value = "0", value_parser = memory_value)]
    pub maxmemory: u64,

    /// What happens at the limit: noeviction, allkeys-lru, volatile-lru,
    /// allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl.
    #[arg(long = "maxmemory-policy", default_value = "noeviction", value_parser = policy_value)]
    pub maxmemory_policy: String,

    /// Keys sampled per database for each eviction.
    #[arg(long = "maxmemory-samples", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    pub maxmemory_samples: u32,

    /// Bytes a sparse HyperLogLog may grow to before it turns dense.
    #[arg(long = "hll-sparse-max-bytes", default_value = "3000", value_parser = hll_sparse_max_bytes_value)]
    pub hll_sparse_max_bytes: u64,

    /// LFU counter growth: hits needed grow with this factor.
    #[arg(long = "lfu-log-factor", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=i32::MAX as i64))]
    pub lfu_log_factor: u32,

    /// Minutes after which an idle key's LFU counter is decremented once per (0 = never).
    #[arg(long = "lfu-decay-time", default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=i32::MAX as i64))]
    pub lfu_decay_time: u32,

    /// Commands slower than this many microseconds go to the slow log
    /// (negative: none, 0: every command).
    #[arg(long = "slowlog-log-slower-than", default_value_t = 10_000, allow_negative_numbers = true)]
    pub slowlog_log_slower_than: i64,

    /// Entries the slow log keeps.
    #[arg(long = "slowlog-max-len", default_value_t = 128)]
    pub slowlog_max_len: u64,

    /// Commands taking at least this many milliseconds are recorded by the
    /// latency monitor (0: off).
    #[arg(long = "latency-monitor-threshold", default_value_t = 0)]
    pub latency_monitor_threshold: u64,

    /// Log file; empty logs to stdout.
    #[arg(long, default_value = "")]
    pub logfile: String,

    /// Log line format: text, or json (one JSON object per line).
    #[arg(long = "log-format", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,

    /// Whether `DEBUG` may run: no, yes, or local (loopback clients only).
    #[arg(long = "enable-debug-command", default_value = "no", value_parser = PROTECTED_ACTION)]
    pub enable_debug_command: String,

    /// Whether `CONFIG SET` may change protected settings (`dir`,
    /// `dbfilename`): no, yes, or local (loopback clients only).
    #[arg(long = "enable-protected-configs", default_value = "no", value_parser = PROTECTED_ACTION)]
    pub enable_protected_configs: String,

    /// The default user's password; empty: none (`nopass`).
    #[arg(long, default_value = "")]
    pub requirepass: String,

    /// The ACL file: users are loaded from it at start-up and by `ACL
    /// LOAD`, and written to it by `ACL SAVE`. Empty: none.
    #[arg(long, default_value = "")]
    pub aclfile: String,

    /// With no password for the default user, only loopback clients may
    /// connect (`yes`, the default) or anyone may (`no`).
    #[arg(long = "protected-mode", default_value = "yes", value_parser = ["yes", "no"])]
    pub protected_mode: String,

    /// The most clients connected at once; one more is refused.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub maxclients: u32,

    /// Seconds a client may stay idle before it is disconnected; 0: never.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=2_147_483_647))]
    pub timeout: u64,

    /// TCP keepalive probes after this many idle seconds; 0: off.
    #[arg(long = "tcp-keepalive", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=2_147_483_647))]
    pub tcp_keepalive: u64,

    /// The longest bulk string a request may carry (`512mb`, `1gb`, bytes).
    #[arg(long = "proto-max-bulk-len", default_value = "512mb", value_parser = parse_memory_at_least_1mb)]
    pub proto_max_bulk_len: u64,

    /// A client whose unprocessed input grows past this is disconnected.
    #[arg(long = "client-query-buffer-limit", default_value = "1gb", value_parser = parse_memory_at_least_1mb)]
    pub client_query_buffer_limit: u64,

    /// `CLASS HARD SOFT SECONDS`, repeatable in one flag as redis-server
    /// takes it (`normal 1mb 512kb 10 pubsub 32mb 8mb 60`).
    #[arg(long = "client-output-buffer-limit", num_args = 1.., value_name = "CLASS HARD SOFT SECONDS")]
    pub client_output_buffer_limit_args: Vec<String>,

    /// The effective output limits of every class, normalized as `CONFIG
    /// GET client-output-buffer-limit` shows them.
    #[arg(skip = DEFAULT_OUTPUT_LIMITS.to_string())]
    pub client_output_buffer_limit: String,

    /// Port for TLS connections on the `--bind` addresses; 0: no TLS.
    #[arg(long = "tls-port", default_value_t = 0)]
    pub tls_port: u16,

    /// The server's certificate chain (PEM).
    #[arg(long = "tls-cert-file", default_value = "")]
    pub tls_cert_file: String,

    /// The server's private key (PEM).
    #[arg(long = "tls-key-file", default_value = "")]
    pub tls_key_file: String,

    /// CA certificates that client certificates must chain to (PEM).
    #[arg(long = "tls-ca-cert-file", default_value = "")]
    pub tls_ca_cert_file: String,

    /// Client certificates: required (`yes`), checked if sent
    /// (`optional`), or not asked for (`no`).
    #[arg(long = "tls-auth-clients", default_value = "yes", value_parser = ["yes", "no", "optional"])]
    pub tls_auth_clients: String,

    /// Automatic background saves: `"<seconds> <changes> [...]"`; `""` off.
    #[arg(long, default_value = "", value_parser = parse_save_rules_flag)]
    pub save: String,

    /// Log every write to the append-only file.
    #[arg(long, default_value = "no", value_parser = YES_NO)]
    pub appendonly: String,

    /// File name of the append-only file inside --dir.
    #[arg(long, default_value = "appendonly.aof")]
    pub appendfilename: String,

    /// When the append-only file is fsynced: always, everysec or no.
    #[arg(long, default_value = "everysec", value_parser = ["always", "everysec", "no"])]
    pub appendfsync: String,

    /// A truncated last record in the append-only file is dropped with a
    /// warning (yes) or stops start-up (no).
    #[arg(long = "aof-load-truncated", default_value = "yes", value_parser = YES_NO)]
    pub aof_load_truncated: String,

    /// Rewrite the append-only file automatically once it grew by this
    /// percentage over its size after the last rewrite (0 turns it off).
    #[arg(long = "auto-aof-rewrite-percentage", default_value_t = 100)]
    pub auto_aof_rewrite_percentage: u64,

    /// ... and is at least this big (bytes, or with a unit: 64mb).
    #[arg(long = "auto-aof-rewrite-min-size", default_value = "64mb", value_parser = parse_memory_flag)]
    pub auto_aof_rewrite_min_size: u64,
}

const YES_NO: [&str; 2] = ["yes", "no"];

/// Redis's default output buffer limits.
pub const DEFAULT_OUTPUT_LIMITS: &str = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";

/// Redis's memory values: a number with an optional unit (`b`, `k` = 1000,
/// `kb` = 1024, `m`, `mb`, `g`, `gb`, any case).
pub fn parse_memory(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let split = lower.find(|c: char| !c.is_ascii_digit()).unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let multiplier: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.is_empty() {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

/// A memory value of at least 1 MB, as `proto-max-bulk-len` and
/// `client-query-buffer-limit` require; Redis's texts otherwise.
pub fn memory_at_least_1mb(text: &str) -> Result<u64, String> {
    let value = parse_memory(text).ok_or("argument must be a memory value")?;
    if !(1024 * 1024..=i64::MAX as u64).contains(&value) {
        return Err(format!("argument must be between 1048576 and {} inclusive", i64::MAX));
    }
    Ok(value)
}

fn parse_memory_at_least_1mb(text: &str) -> Result<u64, String> {
    memory_at_least_1mb(text)
}

/// Output limits of one client class: bytes, bytes, seconds (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// Applies `class hard soft seconds` groups to the normalized limits
/// `current`; the new normalized text, or Redis's error.
pub fn merge_output_limits(current: &str, words: &[&str]) -> Result<String, String> {
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut classes: Vec<(String, [u64; 3])> = current
        .split(' ')
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| (c[0].to_string(), [c[1], c[2], c[3]].map(|n| n.parse().unwrap_or(0))))
        .collect();
    for group in words.chunks(4) {
        let class = match group[0].to_ascii_lowercase().as_str() {
            "normal" => "normal",
            "slave" | "replica" => "slave",
            "pubsub" => "pubsub",
            _ => return Err("Invalid client class specified in buffer limit configuration.".into()),
        };
        let bad = || "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string();
        let hard = parse_memory(group[1]).ok_or_else(bad)?;
        let soft = parse_memory(group[2]).ok_or_else(bad)?;
        let seconds = group[3].parse::<u64>().map_err(|_| bad())?;
        if let Some(entry) = classes.iter_mut().find(|(name, _)| name == class) {
            entry.1 = [hard, soft, seconds];
        }
    }
    Ok(classes.iter().map(|(n, v)| format!("{n} {} {} {}", v[0], v[1], v[2])).collect::<Vec<_>>().join(" "))
}

/// The `normal` class's limits from the normalized text.
pub fn normal_output_limit(normalized: &str) -> OutputLimit {
    let words: Vec<u64> = normalized.split(' ').skip(1).take(3).map(|n| n.parse().unwrap_or(0)).collect();
    OutputLimit { hard: words[0], soft: words[1], soft_seconds: words[2] }
}

fn parse_memory_flag(text: &str) -> Result<u64, String> {
    parse_memory(text).ok_or_else(|| format!("invalid memory size {text:?}"))
}

/// `save` rules: pairs of (seconds, changes), both at least 1 as Redis
/// requires; `None` when the text is not valid.
pub fn parse_save_rules(text: &str) -> Option<Vec<(u64, u64)>> {
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    if !words.len().is_multiple_of(2) {
        return None;
    }
    words
        .chunks(2)
        .map(|pair| {
            let secs = pair[0].parse::<i64>().ok().filter(|&n| n >= 1)?;
            let changes = pair[1].parse::<i64>().ok().filter(|&n| n >= 1)?;
            Some((secs as u64, changes as u64))
        })
        .collect()
}

fn parse_save_rules_flag(text: &str) -> Result<String, String> {
    match parse_save_rules(text) {
        Some(rules) => Ok(rules.iter().map(|(s, c)| format!("{s} {c}")).collect::<Vec<_>>().join(" ")),
        None => Err(format!("invalid save rules {text:?}: expected \"<seconds> <changes> ...\" or \"\"")),
    }
}

/// The values of Redis's protected-action settings.
const PROTECTED_ACTION: [&str; 3] = ["no", "yes", "local"];

impl Default for Config {
    fn default() -> Self {
        Config::parse_from(["miniredis"])
    }
}

impl Config {
    /// Parses `args` (program name first). A first argument that is not a
    /// flag names a config file whose directives come before the flags.
    pub fn from_args<I, S>(args: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut args: Vec<String> = args.into_iter().map(Into::into).collect();
        if args.len() > 1 && !args[1].starts_with('-') {
            let file = PathBuf::from(args.remove(1));
            let text = std::fs::read_to_string(&file).map_err(|e| {
                clap::Error::raw(
                    clap::error::ErrorKind::Io,
                    format!("cannot read config file {}: {e}\n", file.display()),
                )
            })?;
            let directives = file_directives(&text).map_err(|e| {
                clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{}: {e}\n", file.display()))
            })?;
            args.splice(1..1, directives);
            let mut config = Config::try_parse_from(args)?.checked()?;
            config.config_file = Some(file);
            return Ok(config);
        }
        Config::try_parse_from(args)?.checked()
    }

    /// Checks and applies the settings clap cannot check alone.
    fn checked(mut self) -> Result<Config, clap::Error> {
        if !self.client_output_buffer_limit_args.is_empty() {
            let words: Vec<&str> = self.client_output_buffer_limit_args.iter().map(String::as_str).collect();
            self.client_output_buffer_limit = merge_output_limits(&self.client_output_buffer_limit, &words)
                .map_err(|e| {
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidValue,
                    format!("--client-output-buffer-limit: {e}\n"),
                )
            })?;
        }
        Ok(self)
    }

    /// The snapshot's path.
    pub fn dump_path(&self) -> PathBuf {
        self.dir.join(&self.dbfilename)
    }

    /// The append-only file's path.
    pub fn aof_path(&self) -> PathBuf {
        self.dir.join(&self.appendfilename)
    }

    pub fn aof_enabled(&self) -> bool {
        self.appendonly == "yes"
    }

    /// The parsed `save` rules (empty when automatic saving is off).
    pub fn save_rules(&self) -> Vec<(u64, u64)> {
        parse_save_rules(&self.save).unwrap_or_default()
    }

    /// Values for `CONFIG GET`, by Redis's parameter names.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("port", self.port.to_string()),
            ("bind", self.bind.join(" ")),
            ("dir", self.dir.display().to_string()),
            ("dbfilename", self.dbfilename.clone()),
            ("databases", self.databases.to_string()),
            ("loglevel", self.loglevel.clone()),
            ("human-session-delay", self.human_session_delay.to_string()),
            ("enable-debug-command", self.enable_debug_command.clone()),
            ("maxmemory", self.maxmemory.to_string()),
            ("maxmemory-policy", self.maxmemory_policy.clone()),
            ("maxmemory-samples", self.maxmemory_samples.to_string()),
            ("hll-sparse-max-bytes", self.hll_sparse_max_bytes.to_string()),
            ("lfu-log-factor", self.lfu_log_factor.to_string()),
            ("lfu-decay-time", self.lfu_decay_time.to_string()),
            ("slowlog-log-slower-than", self.slowlog_log_slower_than.to_string()),
            ("slowlog-max-len", self.slowlog_max_len.to_string()),
            ("latency-monitor-threshold", self.latency_monitor_threshold.to_string()),
            ("logfile", self.logfile.clone()),
            ("log-format", self.log_format.clone()),
            ("enable-protected-configs", self.enable_protected_configs.clone()),
            ("requirepass", self.requirepass.clone()),
            ("aclfile", self.aclfile.clone()),
            ("protected-mode", self.protected_mode.clone()),
            ("maxclients", self.maxclients.to_string()),
            ("timeout", self.timeout.to_string()),
            ("tcp-keepalive", self.tcp_keepalive.to_string()),
            ("proto-max-bulk-len", self.proto_max_bulk_len.to_string()),
            ("client-query-buffer-limit", self.client_query_buffer_limit.to_string()),
            ("client-output-buffer-limit", self.client_output_buffer_limit.clone()),
            ("tls-port", self.tls_port.to_string()),
            ("tls-cert-file", self.tls_cert_file.clone()),
            ("tls-key-file", self.tls_key_file.clone()),
            ("tls-ca-cert-file", self.tls_ca_cert_file.clone()),
            ("tls-auth-clients", self.tls_auth_clients.clone()),
            ("save", self.save.clone()),
            ("appendonly", self.appendonly.clone()),
            ("appendfilename", self.appendfilename.clone()),
            ("appendfsync", self.appendfsync.clone()),
            ("aof-load-truncated", self.aof_load_truncated.clone()),
            ("auto-aof-rewrite-percentage", self.auto_aof_rewrite_percentage.to_string()),
            ("auto-aof-rewrite-min-size", self.auto_aof_rewrite_min_size.to_string()),
        ]
    }
}

fn memory_value(text: &str) -> Result<u64, String> {
    parse_memory(text).ok_or_else(|| format!("'{text}' is not a memory amount (bytes, or 100mb, 1gb, 512kb)"))
}

/// `hll-sparse-max-bytes`: a memory value up to `LONG_MAX`, as Redis takes it.
pub fn hll_sparse_max_bytes_value(text: &str) -> Result<u64, String> {
    parse_memory(text)
        .filter(|&n| n <= i64::MAX as u64)
        .ok_or_else(|| "argument must be a memory value".into())
}

fn policy_value(text: &str) -> Result<String, String> {
    crate::store::Policy::parse(text).map(|p| p.name().to_string()).ok_or_else(|| {
        let names: Vec<&str> = crate::store::Policy::ALL.iter().map(|p| p.name()).collect();
        format!("must be one of: {}", names.join(", "))
    })
}

impl Config {
    /// Tokio worker threads: `--threads`, or the number of cores this
    /// process may run on.
    pub fn worker_threads(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
    }

    /// The eviction settings for the keyspace.
    pub fn eviction(&self) -> (crate::store::Policy, usize, crate::store::Access) {
        let policy = crate::store::Policy::parse(&self.maxmemory_policy).unwrap_or_default();
        let access = crate::store::Access {
            lfu: policy.is_lfu(),
            log_factor: self.lfu_log_factor,
            decay_minutes: self.lfu_decay_time,
        };
        (policy, self.maxmemory_samples as usize, access)
    }
}

/// The `tracing` level a Redis `loglevel` maps to.
pub fn tracing_level(loglevel: &str) -> &'static str {
    match loglevel {
        "debug" | "verbose" => "debug",
        "notice" => "info",
        "warning" => "warn",
        _ => "off",
    }
}

type LogLevelHook = Box<dyn Fn(&str) + Send + Sync>;

static LOG_LEVEL_HOOK: OnceLock<LogLevelHook> = OnceLock::new();

/// Installs the function that changes the process's log level at run time
/// (`CONFIG SET loglevel`); the binary installs it with its subscriber.
pub fn set_log_level_hook(hook: impl Fn(&str) + Send + Sync + 'static) {
    let _ = LOG_LEVEL_HOOK.set(Box::new(hook));
}

/// Applies a new `loglevel` to the running process, if a hook is installed.
pub fn apply_log_level(loglevel: &str) {
    if let Some(hook) = LOG_LEVEL_HOOK.get() {
        hook(loglevel);
    }
}

/// Turns redis.conf lines into `--name value…` flags.
fn file_directives(text: &str) -> Result<Vec<String>, String> {
    let mut flags = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words = split_inline(line.as_bytes()).map_err(|e| format!("line {}: {}", number + 1, e.0))?;
        let mut words = words.into_iter().map(|w| String::from_utf8_lossy(&w).into_owned());
        if let Some(name) = words.next() {
            flags.push(format!("--{}", name.to_ascii_lowercase()));
            flags.extend(words);
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_defaults() {
        let c = Config::from_args(["miniredis", "--port", "7000", "--dir", "/tmp"]).unwrap();
        assert_eq!((c.port, c.dir.to_str().unwrap(), c.databases), (7000, "/tmp", 16));
        assert_eq!(c.bind, vec!["127.0.0.1".to_string()]);
        assert!(Config::from_args(["miniredis", "--nope"]).is_err());
        assert!(Config::from_args(["miniredis", "--port", "x"]).is_err());
        assert!(Config::from_args(["miniredis", "--databases", "0"]).is_err());
        assert_eq!((c.enable_debug_command.as_str(), c.enable_protected_configs.as_str()), ("no", "no"));
        let c = Config::from_args(["miniredis", "--enable-debug-command", "local"]).unwrap();
        assert_eq!(c.enable_debug_command, "local");
        assert!(Config::from_args(["miniredis", "--enable-debug-command", "maybe"]).is_err());
        assert_eq!(tracing_level("verbose"), "debug");
        let c = Config::from_args(["miniredis", "--maxmemory", "50mb", "--maxmemory-policy", "ALLKEYS-LFU"])
            .unwrap();
        assert_eq!((c.maxmemory, c.maxmemory_policy.as_str()), (50 << 20, "allkeys-lfu"));
        assert!(Config::from_args(["miniredis", "--maxmemory-policy", "lru"]).is_err());
        assert!(Config::from_args(["miniredis", "--maxmemory-samples", "0"]).is_err());
    }

    #[test]
    fn memory_units_as_redis() {
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("1k"), Some(1000));
        assert_eq!(parse_memory("1KB"), Some(1024));
        assert_eq!(parse_memory("2gb"), Some(2 << 30));
        assert_eq!(parse_memory("3m"), Some(3_000_000));
        for bad in ["", "x", "1x", "-1", "mb", "1.5mb"] {
            assert_eq!(parse_memory(bad), None, "{bad}");
        }
    }

    #[test]
    fn memory_values_and_output_limits() {
        assert_eq!(parse_memory("512mb"), Some(512 * 1024 * 1024));
        assert_eq!(parse_memory("1GB"), Some(1 << 30));
        assert_eq!(parse_memory("64k"), Some(64_000));
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("1x"), None);
        assert_eq!(parse_memory("mb"), None);
        assert_eq!(parse_memory("-1"), None);
        let c = Config::from_args(["miniredis"]).unwrap();
        assert_eq!((c.proto_max_bulk_len, c.client_query_buffer_limit), (512 << 20, 1 << 30));
        assert_eq!(normal_output_limit(&c.client_output_buffer_limit), OutputLimit::default());
        let c = Config::from_args([
            "miniredis",
            "--client-output-buffer-limit",
            "normal",
            "1mb",
            "512kb",
            "10",
            "pubsub",
            "1",
            "2",
            "3",
        ])
        .unwrap();
        assert_eq!(
            c.client_output_buffer_limit,
            "normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 1 2 3"
        );
        assert_eq!(
            normal_output_limit(&c.client_output_buffer_limit),
            OutputLimit { hard: 1 << 20, soft: 512 << 10, soft_seconds: 10 }
        );
        assert!(Config::from_args(["miniredis", "--client-output-buffer-limit", "normal", "1mb"]).is_err());
        assert!(Config::from_args(["miniredis", "--proto-max-bulk-len", "1000"]).is_err());
        assert_eq!(
            merge_output_limits(DEFAULT_OUTPUT_LIMITS, &["foo", "1", "1", "1"]),
            Err("Invalid client class specified in buffer limit configuration.".into())
        );
        assert_eq!(
            merge_output_limits(DEFAULT_OUTPUT_LIMITS, &["normal", "1x", "1", "1"]),
            Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into())
        );
    }

    #[test]
    fn config_file_then_flags() {
        let dir = std::env::temp_dir().join(format!("miniredis-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("redis.conf");
        std::fs::write(&file, "# comment\nport 7001\ndbfilename \"my dump.json\"\ndatabases 4\n").unwrap();
        let c = Config::from_args(["miniredis", file.to_str().unwrap(), "--databases", "8"]).unwrap();
        assert_eq!((c.port, c.dbfilename.as_str(), c.databases), (7001, "my dump.json", 8));
        std::fs::write(&file, "bogus-directive 1\n").unwrap();
        assert!(Config::from_args(["miniredis", file.to_str().unwrap()]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Start-up settings: redis-server style flags (`--port 6380`) and an
//! optional config file in redis.conf syntax as the first argument. Flags
//! given on the command line win over the file.

//! The settings: declared once in `settings.rs` (name, aliases, type,
//! default, bounds, access, effect), read by the command-line flags
//! (`flags.rs`), the config file, `CONFIG GET` and `CONFIG SET`
//! (`live.rs`, the configuration part of the server state).

#[cfg(feature = "cli")]
mod flags;
pub mod keyspace_events;
mod live;
mod settings;
mod table;

use std::path::PathBuf;

#[cfg(feature = "cli")]
pub use flags::command;
pub use live::{lookup, ConfigWriter, Configuration, Listeners, SetError};
pub use settings::{Config, SETTINGS};
pub use table::{Access, Effect, Kind, Setting, Values};

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
    match words[..] {
        [hard, soft, soft_seconds] => OutputLimit { hard, soft, soft_seconds },
        _ => OutputLimit::default(),
    }
}

/// The limits of client class `class` (`normal`, `slave`, `pubsub`) from the normalized text.
pub fn class_output_limit(normalized: &str, class: &str) -> OutputLimit {
    let words: Vec<&str> = normalized.split(' ').collect();
    let Some(group) = words.chunks(4).find(|group| group[0] == class) else { return OutputLimit::default() };
    let [hard, soft, soft_seconds] =
        [1, 2, 3].map(|i| group.get(i).and_then(|n| n.parse().ok()).unwrap_or(0));
    OutputLimit { hard, soft, soft_seconds }
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

/// The `save` setting's check: normalized rules or Redis's error.
fn save_value(text: &str, _: &Config) -> Result<String, String> {
    let rules = parse_save_rules(text).ok_or("Invalid save parameters")?;
    Ok(rules.iter().map(|(s, c)| format!("{s} {c}")).collect::<Vec<_>>().join(" "))
}

/// `client-output-buffer-limit`: the given classes merged into the current.
fn output_limits_value(text: &str, current: &Config) -> Result<String, String> {
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    merge_output_limits(&current.client_output_buffer_limit, &words)
}

/// `bind`: up to 16 addresses, as Redis's `CONFIG_BINDADDR_MAX`.
fn bind_value(text: &str, _: &Config) -> Result<String, String> {
    let addresses: Vec<&str> = text.split_ascii_whitespace().collect();
    if addresses.len() > 16 {
        return Err("Too many bind addresses specified.".into());
    }
    Ok(addresses.join(" "))
}

fn file_name_value(text: &str, _: &Config) -> Result<String, String> {
    bare_file_name("dbfilename", text)
}

fn aof_name_value(text: &str, _: &Config) -> Result<String, String> {
    bare_file_name("appendfilename", text)
}

fn bare_file_name(setting: &str, text: &str) -> Result<String, String> {
    if text.contains(['/', '\\']) {
        return Err(format!("{setting} can't be a path, just a filename"));
    }
    Ok(text.to_string())
}

impl Config {
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

    /// Tokio worker threads: `--threads`, or (0) one fewer than the cores
    /// this process may run on, at least one. The core left over takes the
    /// kernel's network work, background saves and clients on the same
    /// host: on 2 cores, a second worker cost 1.5x the CPU per `EXEC` and
    /// per unpinned `EVALSHA`, with no more throughput.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1)),
            threads => threads,
        }
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

    /// The encodings' limits the store applies as values are written;
    /// the store itself knows whether the entry limit was lowered.
    pub fn limits(&self) -> crate::store::Limits {
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        crate::store::Limits {
            hash_max_listpack_entries: size(self.hash_max_listpack_entries),
            hash_max_listpack_value: size(self.hash_max_listpack_value),
            hash_entries_lowered: false,
            list_max_listpack_size: self.list_max_listpack_size,
            set_max_intset_entries: size(self.set_max_intset_entries),
            zset_max_listpack_entries: size(self.zset_max_listpack_entries),
            zset_max_listpack_value: size(self.zset_max_listpack_value),
            stream_node_max_bytes: size(self.stream_node_max_bytes),
            stream_node_max_entries: size(self.stream_node_max_entries),
        }
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

/// What changes the log level at run time (`CONFIG SET loglevel`): the
/// binary installs one with its subscriber, per server
/// ([`crate::state::ServerState::set_log_level_hook`]).
pub type LogLevelHook = Box<dyn Fn(&str) + Send + Sync>;

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
            merge_output_limits(&Config::default().client_output_buffer_limit, &["foo", "1", "1", "1"]),
            Err("Invalid client class specified in buffer limit configuration.".into())
        );
        assert_eq!(
            merge_output_limits(&Config::default().client_output_buffer_limit, &["normal", "1x", "1", "1"]),
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

    #[test]
    fn every_default_passes_its_own_check_and_its_flag() {
        let defaults = Config::default();
        for setting in SETTINGS {
            let normalized = setting.check(setting.default, &defaults, false);
            assert_eq!(normalized.as_ref(), Ok(&(setting.get)(&defaults)), "{}", setting.name);
            let mut args = vec!["miniredis".to_string(), format!("--{}", setting.name)];
            args.extend(setting.default.split_ascii_whitespace().map(str::to_string));
            if setting.default.is_empty() {
                args.push(String::new());
            }
            let parsed = Config::from_args(args).unwrap_or_else(|e| panic!("{}: {e}", setting.name));
            assert_eq!((setting.get)(&parsed), (setting.get)(&defaults), "{}", setting.name);
        }
        let names: Vec<&str> = SETTINGS.iter().flat_map(|s| s.names()).collect();
        let unique: std::collections::HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "no name declared twice");
        let policies: Vec<&str> = crate::store::Policy::ALL.iter().map(|p| p.name()).collect();
        let Kind::Enum { values, .. } = lookup(b"maxmemory-policy").unwrap().kind else { panic!() };
        assert_eq!(values, policies, "the table lists the store's policies, in Redis's order");
    }

    #[test]
    fn aliases_work_as_flags_and_in_the_config_file() {
        let c = Config::from_args([
            "miniredis",
            "--hash-max-ziplist-entries",
            "7",
            "--hash-max-listpack-value",
            "1kb",
        ])
        .unwrap();
        assert_eq!((c.hash_max_listpack_entries, c.hash_max_listpack_value), (7, 1024));
        let dir = std::env::temp_dir().join(format!("miniredis-conf-alias-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("redis.conf");
        std::fs::write(
            &file,
            "hash-max-ziplist-value 32\nsave 900 1\nclient-output-buffer-limit normal 1 2 3\n",
        )
        .unwrap();
        let c = Config::from_args(["miniredis", file.to_str().unwrap()]).unwrap();
        assert_eq!((c.hash_max_listpack_value, c.save.as_str()), (32, "900 1"));
        assert!(c.client_output_buffer_limit.starts_with("normal 1 2 3 slave"));
        std::fs::remove_dir_all(&dir).unwrap();
        let e =
            Config::from_args(["miniredis", "--hash-max-listpack-entries", "-1"]).unwrap_err().to_string();
        assert!(e.contains("argument must be between 0 and 9223372036854775807 inclusive"), "{e}");
    }

    /// The README's settings table is this table's rendering.
    #[test]
    fn readme_lists_every_setting_as_declared() {
        let mut table = String::from(
            "| Setting (flag `--name`) | Aliases | Default | Values | `CONFIG SET` | Meaning |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for setting in SETTINGS {
            let values = match setting.kind {
                Kind::Bool => "`yes` / `no`".to_string(),
                Kind::Int { min, max } => format!("integer, {min} to {max}"),
                Kind::Memory { min, max } => format!("bytes or `kb`/`mb`/`gb`, {min} to {max}"),
                Kind::Enum { values, .. } => {
                    values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" / ")
                }
                Kind::Text | Kind::Custom(_) => "text".into(),
                Kind::Directory => "directory".into(),
            };
            let access = match setting.access {
                Access::Mutable => "mutable",
                Access::Immutable => "immutable",
                Access::Protected => "protected",
            };
            let aliases = setting.aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            let help = setting.help.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
            let default =
                if setting.default.is_empty() { "empty".into() } else { format!("`{}`", setting.default) };
            table += &format!(
                "| `{}` | {aliases} | {default} | {values} | {access} | {} |\n",
                setting.name,
                help.trim().replace('|', "\\|")
            );
        }
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        assert!(readme.contains(&table), "README.md should contain this table:\n{table}");
    }
}

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

    /// Whether `DEBUG` may run: no, yes, or local (loopback clients only).
    #[arg(long = "enable-debug-command", default_value = "no", value_parser = PROTECTED_ACTION)]
    pub enable_debug_command: String,

    /// Whether `CONFIG SET` may change protected settings (`dir`,
    /// `dbfilename`): no, yes, or local (loopback clients only).
    #[arg(long = "enable-protected-configs", default_value = "no", value_parser = PROTECTED_ACTION)]
    pub enable_protected_configs: String,

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

/// Redis's memory units: `1k` = 1000, `1kb` = 1024, and so on.
pub fn parse_memory(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let split = lower.find(|c: char| !c.is_ascii_digit()).unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let mul = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mul)
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
            let mut config = Config::try_parse_from(args)?;
            config.config_file = Some(file);
            return Ok(config);
        }
        Config::try_parse_from(args)
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
            ("enable-protected-configs", self.enable_protected_configs.clone()),
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

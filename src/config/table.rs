//! What one setting is: its names, type, bounds, default, who may change it
//! and what changing it does. The settings themselves are declared once, in
//! `settings.rs`; flags, the config file, `CONFIG GET` and `CONFIG SET` all
//! read that one list.

use std::path::PathBuf;

use super::Config;
use crate::protocol::parse::parse_i64;

/// The type of a setting's value, with its bounds; checking a value against
/// it gives Redis's error texts.
#[derive(Clone, Copy)]
pub enum Kind {
    /// `yes` or `no`.
    Bool,
    /// A 64-bit integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// Bytes, with Redis's units (`1mb`, `64k`), in `min..=max`.
    Memory { min: u64, max: u64 },
    /// One of `values` (any case); `also` are accepted but not listed in
    /// the error, as Redis 7.0 lists them.
    Enum { values: &'static [&'static str], also: &'static [&'static str] },
    /// Any text.
    Text,
    /// A directory: kept as given at start-up (the server checks it when it
    /// starts), canonical and existing when changed at run time.
    Directory,
    /// Checked and normalized by a function that may read the current
    /// settings (`client-output-buffer-limit` merges into them).
    Custom(fn(&str, &Config) -> Result<String, String>),
}

/// Who may change a setting at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Mutable,
    /// Fixed at start-up: `can't set immutable config`.
    Immutable,
    /// Settable only with `enable-protected-configs yes|local`, as in Redis.
    Protected,
}

/// What must happen beyond storing the value when a setting changes at run
/// time. The configuration part copies `Atomic` settings itself; the
/// others need parts of the server above this layer, which `CONFIG SET`
/// applies (and undoes if one fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Read from the settings when needed.
    None,
    /// Copied into the configuration part's atomics, read per request.
    Atomic,
    /// Eviction settings and the memory limit (may evict at once).
    Memory,
    /// Slow log and latency monitor thresholds.
    Metrics,
    /// The default user's password.
    Password,
    /// The process's log filter.
    LogLevel,
    /// The append-only file: on/off, fsync policy.
    Aof,
    /// The listening sockets (`port`, `bind`): rebinds.
    Listen,
    /// The open-file limit must allow `maxclients`.
    MaxClients,
    /// The store's encoding limits (`hash-max-listpack-*`,
    /// `list-max-listpack-size`): values follow
    /// them as they are next written.
    Encodings,
}

/// How the command line takes a setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    One,
    /// Several words, joined with spaces (`--bind a b`).
    Many,
}

/// One setting, as declared in `settings.rs`.
pub struct Setting {
    pub name: &'static str,
    /// Older names that read and write the same value (Redis 7 keeps
    /// `hash-max-ziplist-entries` for `hash-max-listpack-entries`).
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// The default, as the config file would write it.
    pub default: &'static str,
    pub access: Access,
    pub effect: Effect,
    pub values: Values,
    /// The command-line help.
    pub help: &'static str,
    /// The value as `CONFIG GET` shows it.
    pub get: fn(&Config) -> String,
    /// Stores a value [`Setting::check`] accepted.
    pub put: fn(&mut Config, &str),
}

impl Setting {
    /// The name and the aliases.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.name).chain(self.aliases.iter().copied())
    }

    /// Checks `text` and returns it normalized, as [`Setting::put`] stores
    /// it; Redis's problem text otherwise. `at_runtime` is true for `CONFIG
    /// SET`.
    pub fn check(&self, text: &str, current: &Config, at_runtime: bool) -> Result<String, String> {
        match self.kind {
            Kind::Bool => match text.to_ascii_lowercase().as_str() {
                value @ ("yes" | "no") => Ok(value.to_string()),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Int { min, max } => Setting::check_int(text, min, max),
            Kind::Memory { min, max } => {
                let n = super::parse_memory(text).ok_or("argument must be a memory value")?;
                if !(min..=max).contains(&n) {
                    return Err(format!("argument must be between {min} and {max} inclusive"));
                }
                Ok(n.to_string())
            }
            Kind::Enum { values, also } => {
                let lower = text.to_ascii_lowercase();
                match values.iter().chain(also).find(|v| **v == lower) {
                    Some(value) => Ok(value.to_string()),
                    None => Err(format!("argument(s) must be one of the following: {}", values.join(", "))),
                }
            }
            Kind::Text => Ok(text.to_string()),
            Kind::Directory if !at_runtime => Ok(text.to_string()),
            Kind::Directory => {
                let dir = PathBuf::from(text).canonicalize().map_err(|e| crate::os::error_text(&e))?;
                if !dir.is_dir() {
                    return Err(crate::os::error_text(&std::io::Error::from_raw_os_error(20)));
                }
                Ok(dir.display().to_string())
            }
            Kind::Custom(check) => check(text, current),
        }
    }

    /// An integer in `min..=max`, with Redis's error texts.
    pub fn check_int(text: &str, min: i64, max: i64) -> Result<String, String> {
        let n = parse_i64(text.as_bytes()).ok_or("argument couldn't be parsed into an integer")?;
        if !(min..=max).contains(&n) {
            return Err(format!("argument must be between {min} and {max} inclusive"));
        }
        Ok(n.to_string())
    }

    /// Checks `text` and stores it in `config`.
    pub fn set(&self, config: &mut Config, text: &str, at_runtime: bool) -> Result<(), String> {
        let value = self.check(text, config, at_runtime)?;
        (self.put)(config, &value);
        Ok(())
    }
}

/// How a field of [`Config`] shows and loads its (already checked) text.
pub trait Field {
    fn show(&self) -> String;
    fn load(text: &str) -> Self;
}

macro_rules! numeric_fields {
    ($($ty:ty),*) => {$(
        impl Field for $ty {
            fn show(&self) -> String {
                self.to_string()
            }
            fn load(text: &str) -> Self {
                text.parse().unwrap_or_default()
            }
        }
    )*};
}
numeric_fields!(u16, u32, u64, i64, usize);

impl Field for String {
    fn show(&self) -> String {
        self.clone()
    }
    fn load(text: &str) -> Self {
        text.to_string()
    }
}

impl Field for PathBuf {
    fn show(&self) -> String {
        self.display().to_string()
    }
    fn load(text: &str) -> Self {
        PathBuf::from(text)
    }
}

/// Space-separated words (`bind`).
impl Field for Vec<String> {
    fn show(&self) -> String {
        self.join(" ")
    }
    fn load(text: &str) -> Self {
        text.split_ascii_whitespace().map(str::to_string).collect()
    }
}

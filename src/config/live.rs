//! The configuration part of the server state: the settings behind a lock,
//! the few that requests read copied into atomics, and the hook through
//! which the server rebinds its listeners. `CONFIG SET` goes through
//! [`Configuration::set`], all or nothing.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::table::{Access, Effect, Setting};
use super::{normal_output_limit, Config, SETTINGS};

/// Rebinds the listening sockets; installed by the server, which owns them
/// (this layer sits below it).
pub trait Listeners: Send + Sync {
    /// Listens on `bind` at `port` instead. On failure the old sockets keep
    /// serving and the reply is Redis's problem text.
    fn rebind(&self, bind: &[String], port: u16) -> Result<(), String>;
}

/// The settings and what is derived from them.
pub struct Configuration {
    values: RwLock<Config>,
    atomics: Atomics,
    listeners: OnceLock<Box<dyn Listeners>>,
}

/// Settings read per request or per batch, without the lock.
#[derive(Default)]
struct Atomics {
    idle_timeout_s: AtomicU64,
    proto_max_bulk_len: AtomicU64,
    query_buffer_limit: AtomicU64,
    /// The `normal` class of `client-output-buffer-limit`: hard, soft
    /// (bytes) and soft seconds.
    output_limit: [AtomicU64; 3],
    /// The `pubsub` class of `client-output-buffer-limit`.
    pubsub_output_limit: [AtomicU64; 3],
    maxmemory: AtomicU64,
    /// `notify-keyspace-events` as bits (`config::keyspace_events`).
    notify_keyspace_events: AtomicU32,
}

impl Atomics {
    fn copy_from(&self, config: &Config) {
        let store = |slot: &AtomicU64, value: u64| slot.store(value, Ordering::Relaxed);
        store(&self.idle_timeout_s, config.timeout);
        store(&self.proto_max_bulk_len, config.proto_max_bulk_len);
        store(&self.query_buffer_limit, config.client_query_buffer_limit);
        let limit = normal_output_limit(&config.client_output_buffer_limit);
        for (slot, value) in self.output_limit.iter().zip([limit.hard, limit.soft, limit.soft_seconds]) {
            store(slot, value);
        }
        store(&self.maxmemory, config.maxmemory);
        let limit = super::class_output_limit(&config.client_output_buffer_limit, "pubsub");
        for (slot, value) in self.pubsub_output_limit.iter().zip([limit.hard, limit.soft, limit.soft_seconds])
        {
            store(slot, value);
        }
        self.notify_keyspace_events.store(config.notify_keyspace_events.0, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Configuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Configuration").field("values", &*self.values.read()).finish_non_exhaustive()
    }
}

/// Write access to the settings; the atomics follow when it is dropped.
pub struct ConfigWriter<'a> {
    guard: RwLockWriteGuard<'a, Config>,
    atomics: &'a Atomics,
}

impl Deref for ConfigWriter<'_> {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.guard
    }
}

impl DerefMut for ConfigWriter<'_> {
    fn deref_mut(&mut self) -> &mut Config {
        &mut self.guard
    }
}

impl Drop for ConfigWriter<'_> {
    fn drop(&mut self) {
        self.atomics.copy_from(&self.guard);
    }
}

/// Why a `CONFIG SET` was refused, in Redis's words.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError {
    /// `Unknown option or number of arguments for CONFIG SET - '<name>'`.
    Unknown(String),
    /// `CONFIG SET failed (possibly related to argument '<name>') - <problem>`.
    Failed(String, String),
}

impl SetError {
    pub fn text(&self) -> String {
        match self {
            SetError::Unknown(name) => {
                format!("Unknown option or number of arguments for CONFIG SET - '{name}'")
            }
            SetError::Failed(name, problem) => {
                format!("CONFIG SET failed (possibly related to argument '{name}') - {problem}")
            }
        }
    }
}

impl Configuration {
    pub fn new(config: Config) -> Configuration {
        let atomics = Atomics::default();
        atomics.copy_from(&config);
        Configuration { values: RwLock::new(config), atomics, listeners: OnceLock::new() }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Config> {
        self.values.read()
    }

    pub fn write(&self) -> ConfigWriter<'_> {
        ConfigWriter { guard: self.values.write(), atomics: &self.atomics }
    }

    /// `timeout` in seconds (0: none).
    pub fn idle_timeout_s(&self) -> u64 {
        self.atomics.idle_timeout_s.load(Ordering::Relaxed)
    }

    /// `proto-max-bulk-len`: the longest bulk string a request may carry
    /// and the longest string `APPEND`/`SETRANGE` may build.
    pub fn proto_max_bulk_len(&self) -> u64 {
        self.atomics.proto_max_bulk_len.load(Ordering::Relaxed)
    }

    /// `client-query-buffer-limit`.
    pub fn query_buffer_limit(&self) -> u64 {
        self.atomics.query_buffer_limit.load(Ordering::Relaxed)
    }

    /// The `normal` class of `client-output-buffer-limit`: hard, soft
    /// (bytes) and soft seconds (0: none).
    pub fn output_limit(&self) -> [u64; 3] {
        self.atomics.output_limit.each_ref().map(|slot| slot.load(Ordering::Relaxed))
    }

    /// The `pubsub` class of `client-output-buffer-limit`: hard, soft
    /// (bytes) and soft seconds (0: none).
    pub fn pubsub_output_limit(&self) -> [u64; 3] {
        self.atomics.pubsub_output_limit.each_ref().map(|slot| slot.load(Ordering::Relaxed))
    }

    /// `notify-keyspace-events` as bits (`config::keyspace_events`; 0: off).
    pub fn keyspace_events(&self) -> u32 {
        self.atomics.notify_keyspace_events.load(Ordering::Relaxed)
    }

    /// `maxmemory` in bytes (0: no limit).
    pub fn maxmemory(&self) -> u64 {
        self.atomics.maxmemory.load(Ordering::Relaxed)
    }

    /// Installs the server's rebinding of `port` and `bind` (once).
    pub fn install_listeners(&self, listeners: impl Listeners + 'static) {
        let _ = self.listeners.set(Box::new(listeners));
    }

    /// Rebinds to the current `bind` and `port` (the `Listen` effect).
    /// Without a server (unit tests) there is nothing to rebind.
    pub fn rebind(&self) -> Result<(), String> {
        let (bind, port) = {
            let config = self.read();
            (config.bind.clone(), config.port)
        };
        self.listeners.get().map_or(Ok(()), |listeners| listeners.rebind(&bind, port))
    }

    /// `CONFIG SET name value [name value ...]`, all or nothing as in Redis
    /// 7: names are checked first (unknown, immutable, protected, duplicate:
    /// the first problem wins), then values in order against a copy of the
    /// settings, which replaces the live one only if every value is good.
    /// Then `apply` runs the effect of each setting whose value changed;
    /// if one fails, the old values come back, the effects already applied
    /// run again with them, and the failure is the reply.
    pub fn set(
        &self,
        pairs: &[(&[u8], &[u8])],
        protected_allowed: bool,
        apply: &mut dyn FnMut(Effect) -> Result<(), String>,
    ) -> Result<(), SetError> {
        // (setting, the name or alias given, value). As Redis 7.0, an alias
        // and its setting are two names: both apply, the last one wins.
        let mut chosen: Vec<(&'static Setting, &'static str, &[u8])> = Vec::with_capacity(pairs.len());
        for &(given, value) in pairs {
            let lossy = String::from_utf8_lossy(given).into_owned();
            let Some((setting, name)) = lookup_name(given) else {
                return Err(SetError::Unknown(lossy));
            };
            let problem = match setting.access {
                Access::Immutable => Some("can't set immutable config"),
                Access::Protected if !protected_allowed => Some("can't set protected config"),
                _ if chosen.iter().any(|(_, seen, _)| *seen == name) => Some("duplicate parameter"),
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(SetError::Failed(lossy, problem.into()));
            }
            chosen.push((setting, name, value));
        }
        let old = self.read().clone();
        let mut updated = old.clone();
        for (setting, name, value) in &chosen {
            let text = String::from_utf8_lossy(value);
            setting
                .set(&mut updated, &text, true)
                .map_err(|problem| SetError::Failed(name.to_string(), problem))?;
        }
        // Effects of the settings that changed, each once, in order.
        let mut effects: Vec<(Effect, &str)> = Vec::new();
        for (setting, ..) in &chosen {
            // A password set again still resets the default user's
            // passwords, as before the table.
            let changed =
                (setting.get)(&old) != (setting.get)(&updated) || setting.effect == Effect::Password;
            if changed && !effects.iter().any(|(effect, _)| *effect == setting.effect) {
                effects.push((setting.effect, setting.name));
            }
        }
        *self.write() = updated;
        for (done, &(effect, name)) in effects.iter().enumerate() {
            if let Err(problem) = apply(effect) {
                *self.write() = old;
                for &(effect, _) in &effects[..done] {
                    let _ = apply(effect);
                }
                return Err(SetError::Failed(name.into(), problem));
            }
        }
        Ok(())
    }

    /// `CONFIG GET pattern...`: (name, value) of each setting or alias
    /// whose name matches a pattern, each once. A pattern without glob
    /// characters is looked up by name and answered under the name as
    /// given, as Redis does.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(Vec<u8>, String)> {
        let config = self.read();
        let mut found: Vec<(&'static str, Vec<u8>, String)> = Vec::new();
        for pattern in patterns {
            let is_glob = pattern.iter().any(|b| b"*?[".contains(b));
            for setting in SETTINGS {
                for name in setting.names() {
                    let matches = if is_glob {
                        crate::store::glob::glob_match(pattern, name.as_bytes(), true)
                    } else {
                        name.as_bytes().eq_ignore_ascii_case(pattern)
                    };
                    if matches && !found.iter().any(|(seen, ..)| *seen == name) {
                        let shown = if is_glob { name.as_bytes().to_vec() } else { pattern.to_vec() };
                        found.push((name, shown, (setting.get)(&config)));
                    }
                }
            }
        }
        found.into_iter().map(|(_, shown, value)| (shown, value)).collect()
    }
}

/// The setting `name` names (or one of its aliases), in any case.
pub fn lookup(name: &[u8]) -> Option<&'static Setting> {
    lookup_name(name).map(|(setting, _)| setting)
}

/// The setting `given` names, and the name or alias it matched.
fn lookup_name(given: &[u8]) -> Option<(&'static Setting, &'static str)> {
    SETTINGS.iter().find_map(|setting| {
        setting.names().find(|name| name.as_bytes().eq_ignore_ascii_case(given)).map(|name| (setting, name))
    })
}

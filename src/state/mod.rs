//! The state every connection shares, in named parts: the keyspace
//! ([`Store`] and its [`Clock`]), persistence, the clients, the
//! configuration, the users, metrics and the server's identity.

mod clients;
mod identity;
mod users;

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use tracing::{info, warn};

use crate::acl::CommandCatalog;
use crate::config::Config;
use crate::session::{Session, SessionHandle};
use crate::store::{snapshot, Clock, Dataset, Keyspace, Store};

pub use clients::Clients;
pub use identity::{random_id, Identity, REDIS_VERSION};
pub use users::Users;

/// Everything connections share. Commands use the parts' methods; the
/// fields still public are also read outside commands: `persist` reads
/// `dirty` and `last_save`, the connection loop and dispatch read the
/// settings copied into atomics.
#[derive(Debug)]
pub struct ServerState {
    // The keyspace.
    /// Every database, in shards.
    pub store: Store,
    /// The server's clock (a manual one in tests): expiry, timers, `TIME`.
    pub clock: Clock,

    // The configuration.
    pub config: RwLock<Config>,

    /// Connections, their ids, and the shutdown signal.
    pub clients: Clients,
    /// Run id, replication id, start time and port.
    pub identity: Identity,
    /// Users, their rules and the ACL log.
    pub users: Users,
    /// Command statistics, slow log, latency monitor, monitors.
    pub metrics: crate::metrics::Metrics,

    // Persistence.
    /// The append-only file and background saves.
    pub persist: crate::persist::Persist,
    /// Writes since the last successful save.
    pub dirty: AtomicU64,
    /// Unix seconds of the last successful save (start-up time before any).
    pub last_save: AtomicU64,

    // Settings copied out of the configuration for the request path.
    /// `maxmemory` in bytes (0: no limit), read by every dispatch.
    pub maxmemory: AtomicU64,
    /// `timeout` in seconds (0: none), read by every connection per batch.
    pub idle_timeout_s: AtomicU64,
    /// `proto-max-bulk-len`, read by every connection per batch.
    pub proto_max_bulk_len: AtomicU64,
    /// `client-query-buffer-limit`, checked after every read.
    pub query_buffer_limit: AtomicU64,
    /// The `normal` class of `client-output-buffer-limit`: hard, soft
    /// (bytes) and soft seconds, checked when a write cannot finish at once.
    pub output_limit: [AtomicU64; 3],

    /// The background expiry cycle runs (`DEBUG SET-ACTIVE-EXPIRE`).
    active_expire: AtomicBool,
    /// `used_memory` when the server state was built (`startup.allocated`).
    startup_memory: usize,
    /// The most `used_memory` this server has seen (`used_memory_peak`).
    memory_peak: std::sync::atomic::AtomicUsize,
    /// Changes the log level (`CONFIG SET loglevel`), if the embedding
    /// program installed a way to.
    log_level_hook: LogLevelHookCell,
}

/// The installed [`crate::config::LogLevelHook`], if any.
#[derive(Default)]
struct LogLevelHookCell(std::sync::OnceLock<crate::config::LogLevelHook>);

impl std::fmt::Debug for LogLevelHookCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogLevelHook({})", if self.0.get().is_some() { "installed" } else { "none" })
    }
}

impl ServerState {
    /// `commands`: the command table, as ACL rules and statistics see it.
    pub fn new(
        config: Config,
        clock: Clock,
        data: Dataset,
        commands: &'static dyn CommandCatalog,
    ) -> ServerState {
        let now_s = clock.now_ms() / 1000;
        let (policy, samples, access) = config.eviction();
        let store = Store::new(data);
        store.set_eviction(policy, samples, access);
        let state = ServerState {
            store,
            users: Users::new(&config.requirepass, commands),
            idle_timeout_s: AtomicU64::new(0),
            proto_max_bulk_len: AtomicU64::new(0),
            query_buffer_limit: AtomicU64::new(0),
            output_limit: Default::default(),
            clock,
            identity: Identity::new(config.port),
            maxmemory: AtomicU64::new(config.maxmemory),
            startup_memory: crate::alloc::allocated(),
            memory_peak: Default::default(),
            metrics: crate::metrics::Metrics::new(commands.id_count()),
            config: RwLock::new(config),
            clients: Clients::default(),
            dirty: AtomicU64::new(0),
            last_save: AtomicU64::new(now_s),
            active_expire: AtomicBool::new(true),
            persist: crate::persist::Persist::default(),
            log_level_hook: LogLevelHookCell::default(),
        };
        state.sync_runtime_config();
        state.apply_metrics_config();
        state
    }

    /// Counts one write toward `rdb_changes_since_last_save`.
    pub fn note_write(&self) {
        self.dirty.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes since the last successful save.
    pub fn changes_since_save(&self) -> u64 {
        self.dirty.load(Ordering::Relaxed)
    }

    /// Forgets the writes since the last save (the data was just replaced).
    pub fn forget_changes(&self) {
        self.dirty.store(0, Ordering::Relaxed);
    }

    /// Unix seconds of the last successful save.
    pub fn last_save_s(&self) -> u64 {
        self.last_save.load(Ordering::Relaxed)
    }

    /// `maxmemory` in bytes (0: no limit).
    pub fn maxmemory_bytes(&self) -> u64 {
        self.maxmemory.load(Ordering::Relaxed)
    }

    /// Whether the background expiry cycle runs.
    pub fn active_expire_enabled(&self) -> bool {
        self.active_expire.load(Ordering::Relaxed)
    }

    /// `DEBUG SET-ACTIVE-EXPIRE`.
    pub fn set_active_expire(&self, enabled: bool) {
        self.active_expire.store(enabled, Ordering::Relaxed);
    }

    /// The memory in use (`used_memory`, see [`crate::alloc::allocated`]),
    /// which also raises this server's peak.
    pub fn used_memory(&self) -> usize {
        let now = crate::alloc::allocated();
        self.memory_peak.fetch_max(now, Ordering::Relaxed);
        now
    }

    /// The most memory in use this server has seen (`used_memory_peak`).
    pub fn used_memory_peak(&self) -> usize {
        let now = self.used_memory();
        self.memory_peak.load(Ordering::Relaxed).max(now)
    }

    /// Forgets the peak (`CONFIG RESETSTAT`).
    pub fn reset_memory_peak(&self) {
        self.memory_peak.store(crate::alloc::allocated(), Ordering::Relaxed);
    }

    /// `used_memory` when the server started.
    pub fn startup_memory(&self) -> usize {
        self.startup_memory
    }

    /// Writes the snapshot atomically (the caller holds every shard).
    pub fn save(&self, keyspace: &Keyspace) -> io::Result<()> {
        let now = self.clock.now_ms();
        let path = self.config.read().dump_path();
        match snapshot::write_atomically_with(&path, |out| snapshot::write_json(keyspace, now, out)) {
            Ok(()) => {
                self.dirty.store(0, Ordering::Relaxed);
                self.last_save.store(now / 1000, Ordering::Relaxed);
                info!(path = %path.display(), "DB saved on disk");
                Ok(())
            }
            Err(e) => {
                warn!(path = %path.display(), error = %e, "saving the snapshot failed");
                Err(e)
            }
        }
    }

    /// Copies the settings connections read without a lock out of the
    /// config (after `CONFIG SET`).
    pub fn sync_runtime_config(&self) {
        let config = self.config.read();
        self.idle_timeout_s.store(config.timeout, Ordering::Relaxed);
        self.proto_max_bulk_len.store(config.proto_max_bulk_len, Ordering::Relaxed);
        self.query_buffer_limit.store(config.client_query_buffer_limit, Ordering::Relaxed);
        let limit = crate::config::normal_output_limit(&config.client_output_buffer_limit);
        for (slot, value) in self.output_limit.iter().zip([limit.hard, limit.soft, limit.soft_seconds]) {
            slot.store(value, Ordering::Relaxed);
        }
    }

    /// A new connection's session: authenticated as `default` when that
    /// user needs no password.
    pub fn new_session(&self, handle: Arc<SessionHandle>) -> Session {
        let (user, authenticated) = self.users.for_new_connection();
        Session::new(handle, user, authenticated)
    }

    /// Whether a client that has not authenticated must (checked only for
    /// such clients).
    pub fn auth_required(&self) -> bool {
        self.users.auth_required()
    }

    /// Applies the live config's memory settings (after `CONFIG SET`) and
    /// evicts at once if the new limit is below the memory in use, as Redis
    /// does. The caller holds no shard.
    pub fn apply_memory_config(&self, now_ms: u64) {
        let (policy, samples, access, maxmemory) = {
            let config = self.config.read();
            let (policy, samples, access) = config.eviction();
            (policy, samples, access, config.maxmemory)
        };
        self.store.set_eviction(policy, samples, access);
        self.maxmemory.store(maxmemory, Ordering::Relaxed);
        if maxmemory != 0 {
            self.store.perform_evictions(now_ms, || self.used_memory() as u64 > maxmemory);
        }
    }

    /// Applies the slow log and latency monitor settings of the live config.
    pub fn apply_metrics_config(&self) {
        let config = self.config.read();
        let metrics = &self.metrics;
        metrics.slowlog_threshold.store(config.slowlog_log_slower_than, Ordering::Relaxed);
        metrics
            .slowlog_max_len
            .store(config.slowlog_max_len.min(usize::MAX as u64) as usize, Ordering::Relaxed);
        metrics.trim_slowlog();
        metrics.latency_threshold.store(config.latency_monitor_threshold, Ordering::Relaxed);
    }

    /// Installs the function that changes the log level at run time
    /// (`CONFIG SET loglevel`); without one, the setting is only recorded.
    pub fn set_log_level_hook(&self, hook: impl Fn(&str) + Send + Sync + 'static) {
        let _ = self.log_level_hook.0.set(Box::new(hook));
    }

    /// Applies a new `loglevel` through the installed hook, if any.
    pub fn apply_log_level(&self, loglevel: &str) {
        if let Some(hook) = self.log_level_hook.0.get() {
            hook(loglevel);
        }
    }

    /// Stops the listeners and every connection.
    pub fn request_shutdown(&self) {
        self.clients.request_shutdown();
    }

    pub fn shutdown_requested(&self) -> tokio::sync::watch::Receiver<bool> {
        self.clients.shutdown_requested()
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn each_server_keeps_its_own_memory_peak() {
        let (first, second) = (Harness::new(), Harness::new());
        let block = vec![0u8; 10 << 20];
        let with_block = first.shared.used_memory();
        drop(block);
        assert!(first.shared.used_memory_peak() >= with_block, "the peak stays after the block goes");
        second.shared.reset_memory_peak();
        assert!(first.shared.used_memory_peak() >= with_block, "another server's RESETSTAT leaves it");
    }
}

//! The state every connection shares, in named parts: the keyspace
//! ([`Store`] and its [`Clock`]), persistence, the clients, the
//! configuration, the users, metrics, the server's identity, `CLIENT
//! PAUSE` and the clients blocked on keys.

pub mod blocking;
mod clients;
pub mod faults;
mod identity;
pub mod notify;
pub mod pause;
pub mod pubsub;
pub mod scripts;
mod users;
pub mod watch;

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::acl::CommandCatalog;
use crate::config::{Config, Configuration};
use crate::session::{Session, SessionHandle};
use crate::store::effects::EventClass;
use crate::store::{Clock, Dataset, Keyspace, Store};

pub use clients::Clients;
pub use identity::{random_id, Identity, REDIS_VERSION};
pub use users::Users;

/// Everything connections share. Commands use the parts' methods; the
/// fields still public are also read outside commands: the persistence
/// host reads `dirty` and `last_save`, the connection loop checks `pause`.
#[derive(Debug)]
pub struct ServerState {
    // The keyspace.
    /// Every database, in shards.
    pub store: Store,
    /// The server's clock (a manual one in tests): expiry, timers, `TIME`.
    pub clock: Clock,

    /// The settings, and the few that requests read copied into atomics.
    pub config: Configuration,

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

    /// `CLIENT PAUSE`, checked by every connection before each request.
    pub pause: pause::PauseGate,
    /// Clients blocked on keys (`BLPOP`...), woken by writes to them.
    pub blocking: blocking::Blocking,
    /// Pub/sub channels, patterns and their subscribers' mailboxes.
    pub pubsub: pubsub::PubSub,
    /// TRANSACTIONS: the keys clients `WATCH`, made dirty by changes.
    pub watches: watch::Watches,
    /// Errors and request logging an embedding test asked for.
    pub faults: faults::Faults,
    /// The running script (`BUSY`, `SCRIPT KILL`) and the scripting engine.
    pub scripts: scripts::Scripts,
    /// Seeds each connection's random generator ([`ServerState::seed_random`]).
    random: parking_lot::Mutex<fastrand::Rng>,

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
        store.set_limits(config.limits());
        let state = ServerState {
            store,
            users: Users::new(&config.requirepass, commands),
            clock,
            identity: Identity::new(config.port),
            startup_memory: crate::alloc::allocated(),
            memory_peak: Default::default(),
            metrics: crate::metrics::Metrics::new(commands.id_count()),
            config: Configuration::new(config),
            clients: Clients::default(),
            dirty: AtomicU64::new(0),
            last_save: AtomicU64::new(now_s),
            active_expire: AtomicBool::new(true),
            persist: crate::persist::Persist::default(),
            pause: pause::PauseGate::default(),
            blocking: blocking::Blocking::default(),
            watches: watch::Watches::default(),
            faults: faults::Faults::default(),
            pubsub: pubsub::PubSub::default(),
            scripts: scripts::Scripts::default(),
            random: parking_lot::Mutex::new(fastrand::Rng::new()),
            log_level_hook: LogLevelHookCell::default(),
        };
        state.apply_metrics_config();
        state.apply_acl_pubsub_default();
        state
    }

    /// Hands `acl-pubsub-default` to the users (before `ACL SETUSER`,
    /// `ACL LOAD` and at start-up: the setting is read when users are made).
    pub fn apply_acl_pubsub_default(&self) {
        let all = self.config.read().acl_pubsub_default == "allchannels";
        self.users.set_new_users_all_channels(all);
    }

    /// Makes the random choices of connections opened from now on repeat
    /// from run to run.
    pub fn seed_random(&self, seed: u64) {
        *self.random.lock() = fastrand::Rng::with_seed(seed);
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
        self.config.maxmemory()
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
        crate::persist::save(self, keyspace)
    }

    /// A new connection's session: authenticated as `default` when that
    /// user needs no password.
    pub fn new_session(&self, handle: Arc<SessionHandle>) -> Session {
        let (user, authenticated) = self.users.for_new_connection();
        let mut session = Session::new(handle, user, authenticated);
        session.rng = self.random.lock().fork();
        session
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
        let (policy, samples, access) = self.config.read().eviction();
        self.store.set_eviction(policy, samples, access);
        let maxmemory = self.config.maxmemory();
        if maxmemory != 0 {
            let aof = &self.persist.aof;
            self.store.perform_evictions(
                now_ms,
                || self.used_memory() as u64 > maxmemory,
                |db, key| {
                    if aof.on() {
                        crate::persist::log_eviction(aof, db, key);
                    }
                    notify::publish_event(self, EventClass::Evicted, "evicted", db, key);
                    self.watches.touch_key(db, key);
                },
            );
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
        self.scripts.run.set_threshold_ms(config.busy_reply_threshold);
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

    /// `PUBLISH` (`shard`: `SPUBLISH`) under the `pubsub` output limit;
    /// how many clients receive the message.
    pub fn publish(&self, shard: bool, channel: &[u8], payload: &[u8]) -> usize {
        let limit = self.config.pubsub_output_limit();
        self.pubsub.publish(shard, channel, payload, limit, self.clock.now_ms())
    }

    /// After `ACL SETUSER`: disconnects the clients of `user` subscribed to
    /// a channel or pattern its rules no longer allow, as Redis does.
    pub fn disconnect_denied_subscribers(&self, user: &crate::acl::UserCell) {
        let rules = user.rules.read().clone();
        if rules.all_channels {
            return;
        }
        self.pubsub.disconnect_where(|handle, kind, name| {
            let same_user = handle.user_name().map_or(&*user.name == "default", |n| n == user.name);
            same_user && !rules.may_use_channel(name, kind == pubsub::Kind::Pattern)
        });
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

//! Listeners, connections and the state every connection shares.

mod client;
mod connection;
mod listeners;
pub mod pause;
mod replay;
mod tls;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::acl::Acl;
use crate::config::{Config, Configuration};
use crate::store::{snapshot, Clock, Dataset, Keyspace, Shape, Store};

pub use client::{ClientHandle, ClientInfo, ClientState};

/// The Redis version whose behaviour MiniRedis follows; reported where
/// clients read `redis_version` / HELLO's `version` to detect features.
pub const REDIS_VERSION: &str = "7.0.15";

/// Server-wide counters for `INFO stats`.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections_received: AtomicU64,
    pub commands_processed: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    /// Connections refused (`maxclients`, protected mode).
    pub rejected_connections: AtomicU64,
    /// Rates of commands, input and output bytes (`instantaneous_*`).
    pub rates: Mutex<[Rate; 3]>,
}

/// Samples of a counter's rate, as Redis's `trackInstantaneousMetric`: the
/// mean of the last 16 samples taken every 100 ms.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rate {
    last_value: u64,
    last_ms: u64,
    samples: [u64; 16],
    next: usize,
}

impl Rate {
    fn sample(&mut self, value: u64, now_ms: u64) {
        if self.last_ms != 0 && now_ms > self.last_ms {
            let per_sec = value.saturating_sub(self.last_value) * 1000 / (now_ms - self.last_ms);
            self.samples[self.next] = per_sec;
            self.next = (self.next + 1) % self.samples.len();
        }
        self.last_value = value;
        self.last_ms = now_ms;
    }

    /// Per second, averaged over the samples.
    pub fn per_sec(&self) -> u64 {
        self.samples.iter().sum::<u64>() / self.samples.len() as u64
    }
}

impl Stats {
    /// Takes one sample of each rate (every 100 ms).
    pub fn track(&self, now_ms: u64) {
        let mut rates = self.rates.lock();
        rates[0].sample(self.commands_processed.load(Ordering::Relaxed), now_ms);
        rates[1].sample(self.net_input_bytes.load(Ordering::Relaxed), now_ms);
        rates[2].sample(self.net_output_bytes.load(Ordering::Relaxed), now_ms);
    }

    /// (ops per second, input bytes per second, output bytes per second).
    pub fn instantaneous(&self) -> (u64, u64, u64) {
        let rates = self.rates.lock();
        (rates[0].per_sec(), rates[1].per_sec(), rates[2].per_sec())
    }

    /// Zeroes every counter (`CONFIG RESETSTAT`).
    pub fn reset(&self) {
        *self.rates.lock() = Default::default();
        for counter in [
            &self.connections_received,
            &self.commands_processed,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.rejected_connections,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

/// A random 40-character hex id, as Redis's run and replication ids.
pub fn random_id() -> String {
    (0..40).map(|_| char::from_digit(fastrand::u32(..16), 16).unwrap_or('0')).collect()
}

/// Everything connections share.
#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    pub clock: Clock,
    /// The settings, and the few that requests read copied into atomics.
    pub config: Configuration,
    pub stats: Stats,
    pub clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    pub started: Instant,
    pub run_id: String,
    /// Writes since the last successful save.
    pub dirty: AtomicU64,
    /// Unix seconds of the last successful save (start-up time before any).
    pub last_save: AtomicU64,
    /// The port actually bound (differs from the config when it is 0).
    pub port: AtomicU64,
    /// The background expiry cycle runs (`DEBUG SET-ACTIVE-EXPIRE`).
    pub active_expire: AtomicBool,
    /// Command statistics, slow log, latency monitor, monitors.
    pub metrics: crate::metrics::Metrics,
    /// `used_memory` when the server state was built (`startup.allocated`).
    pub startup_memory: usize,
    /// The replication id `INFO replication` reports (`DEBUG CHANGE-REPL-ID`).
    pub repl_id: Mutex<String>,
    /// Users and their rules.
    pub acl: RwLock<Acl>,
    /// The append-only file and background saves.
    pub persist: crate::persist::Persist,
    /// `CLIENT PAUSE`, checked by every connection before each request.
    pub pause: pause::PauseGate,
    next_client_id: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    pub fn new(config: Config, clock: Clock, data: Dataset) -> Shared {
        let now_s = clock.now_ms() / 1000;
        let (policy, samples, access) = config.eviction();
        let store = Store::new(data);
        store.set_eviction(policy, samples, access);
        let run_id = random_id();
        let shared = Shared {
            store,
            acl: RwLock::new(Acl::new(&config.requirepass)),
            clock,
            port: AtomicU64::new(u64::from(config.port)),
            startup_memory: crate::alloc::allocated(),
            metrics: crate::metrics::Metrics::new(crate::registry::stat_slots()),
            config: Configuration::new(config),
            stats: Stats::default(),
            clients: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
            run_id,
            dirty: AtomicU64::new(0),
            last_save: AtomicU64::new(now_s),
            active_expire: AtomicBool::new(true),
            repl_id: Mutex::new(random_id()),
            persist: crate::persist::Persist::default(),
            pause: pause::PauseGate::default(),
            next_client_id: AtomicU64::new(1),
            shutdown: watch::channel(false).0,
        };
        shared.apply_metrics_config();
        shared
    }

    /// Counts one write toward `rdb_changes_since_last_save`.
    pub fn note_write(&self) {
        self.dirty.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes the snapshot atomically (the caller holds every shard).
    pub fn save(&self, keyspace: &Keyspace) -> io::Result<()> {
        crate::persist::save(self, keyspace)
    }

    /// A new connection's state: authenticated as `default` when that user
    /// needs no password.
    pub fn new_client(&self, handle: Arc<ClientHandle>) -> ClientState {
        let acl = self.acl.read();
        ClientState::new(handle, acl.default_user(), acl.default_opens_alone())
    }

    /// Whether a client that has not authenticated must (checked only for
    /// such clients).
    pub fn auth_required(&self) -> bool {
        self.acl.read().auth_required()
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
                || crate::alloc::allocated() as u64 > maxmemory,
                |db, key| {
                    if aof.on() {
                        crate::persist::log_eviction(aof, db, key);
                    }
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
    }

    pub fn next_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Stops the listeners and every connection. Connections learn of it
    /// through their own handle (as from `CLIENT KILL`), so serving a
    /// request touches no process-wide waiter.
    pub fn request_shutdown(&self) {
        self.shutdown.send_replace(true);
        for handle in self.clients.lock().values() {
            handle.kill();
        }
    }

    /// Lists a new connection for `CLIENT LIST` / `CLIENT KILL` and
    /// shutdown. One that arrives after a shutdown was requested is told at
    /// once: either `request_shutdown` finds it in the list, or the flag is
    /// already set when it is added (both happen under the list's lock).
    pub fn register_client(&self, handle: Arc<ClientHandle>) {
        let mut clients = self.clients.lock();
        if *self.shutdown.borrow() {
            handle.kill();
        }
        clients.insert(handle.id, handle);
    }

    pub fn shutdown_requested(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Dir(std::path::PathBuf, io::Error),
    Load(std::path::PathBuf, snapshot::LoadError),
    Aof(std::path::PathBuf, crate::persist::LoadError),
    Bind(String, io::Error),
    AclFile(String),
    Tls(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Dir(path, e) => write!(f, "can't use --dir {}: {e}", path.display()),
            StartError::Load(path, e) => write!(
                f,
                "cannot load {}: {e}. Refusing to start with an empty dataset, which the next SAVE \
                 would write over it; fix or move the file",
                path.display()
            ),
            StartError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            StartError::AclFile(problem) => write!(f, "cannot load the ACL file: {problem}"),
            StartError::Tls(problem) => write!(f, "cannot set up TLS: {problem}"),
            StartError::Aof(path, e) => write!(
                f,
                "cannot load the append only file {}: {e}. Refusing to start; fix or move the file",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StartError {}

/// A bound server, ready to [`Server::run`].
pub struct Server {
    shared: Arc<Shared>,
    listeners: Vec<TcpListener>,
    /// `--tls-port` listeners and their acceptor.
    tls_listeners: Vec<TcpListener>,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Server {
    /// Loads the snapshot (if any) and binds every `--bind` address.
    pub async fn bind(config: Config) -> Result<Server, StartError> {
        Self::bind_with_clock(config, Clock::System).await
    }

    pub async fn bind_with_clock(mut config: Config, clock: Clock) -> Result<Server, StartError> {
        crate::registry::init();
        // As Redis does, refuse a --dir that cannot be used rather than
        // failing at the first SAVE.
        config.dir = match config.dir.canonicalize() {
            Ok(dir) if dir.is_dir() => dir,
            Ok(dir) => return Err(StartError::Dir(dir, io::Error::other("not a directory"))),
            Err(e) => return Err(StartError::Dir(config.dir.clone(), e)),
        };
        crate::persist::remove_stale_temp_files(&config.dir, &config.dbfilename);
        let path = config.dump_path();
        let aof_path = config.aof_path();
        // As in Redis, the log wins over the snapshot when both exist.
        let replay_aof = config.aof_enabled() && aof_path.exists();
        let shape = Shape::for_threads(config.databases as usize, config.worker_threads());
        let data = if replay_aof {
            Dataset::new(shape)
        } else if path.exists() {
            let data = snapshot::load(&path, shape, clock.now_ms())
                .map_err(|e| StartError::Load(path.clone(), e))?;
            info!(path = %path.display(), keys = data.len(), "DB loaded from disk");
            data
        } else {
            Dataset::new(shape)
        };
        let mut listeners = Vec::new();
        let mut port = config.port;
        for host in &config.bind {
            let addr = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
            let listener = TcpListener::bind(&addr).await.map_err(|e| StartError::Bind(addr.clone(), e))?;
            // With port 0, every address shares the port the first one got.
            port = listener.local_addr().map_err(|e| StartError::Bind(addr, e))?.port();
            listeners.push(listener);
        }
        let mut tls_listeners = Vec::new();
        let tls = if config.tls_port == 0 {
            None
        } else {
            let acceptor = tls::acceptor(&config).map_err(StartError::Tls)?;
            for host in &config.bind {
                let port = config.tls_port;
                let addr =
                    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
                let listener =
                    TcpListener::bind(&addr).await.map_err(|e| StartError::Bind(addr.clone(), e))?;
                tls_listeners.push(listener);
            }
            Some(acceptor)
        };
        let possible = raise_fd_limit(u64::from(config.maxclients));
        if possible < u64::from(config.maxclients) {
            warn!(
                "You requested maxclients of {} requiring at least {} max file descriptors; maxclients has been \
                 reduced to {possible} to fit the open-file limit",
                config.maxclients,
                u64::from(config.maxclients) + 32
            );
            config.maxclients = possible.max(1) as u32;
        }
        let aclfile = config.aclfile.clone();
        let aof = config
            .aof_enabled()
            .then(|| (config.aof_load_truncated == "yes", crate::persist::Fsync::parse(&config.appendfsync)));
        let shared = Arc::new(Shared::new(config, clock, data));
        if !aclfile.is_empty() {
            crate::commands::acl::load_file(&shared.acl, aclfile.as_ref()).map_err(StartError::AclFile)?;
        }
        shared.port.store(u64::from(port), Ordering::Relaxed);
        if let Some((truncated_ok, policy)) = aof {
            let persist = &shared.persist;
            persist.aof.set_policy(policy.unwrap_or(crate::persist::Fsync::Everysec));
            if replay_aof {
                let records = replay::replay(&shared, &aof_path, truncated_ok)
                    .map_err(|e| StartError::Aof(aof_path.clone(), e))?;
                info!(path = %aof_path.display(), records, "DB loaded from append only file");
            } else {
                // Start the log from the data just loaded (if any).
                crate::persist::aof::create(&aof_path, &shared.store.lock_all())
                    .map_err(|e| StartError::Aof(aof_path.clone(), crate::persist::LoadError::Io(e)))?;
            }
            persist
                .aof
                .open(&aof_path)
                .map_err(|e| StartError::Aof(aof_path.clone(), crate::persist::LoadError::Io(e)))?;
        } else if let Some(policy) = crate::persist::Fsync::parse(&shared.config.read().appendfsync) {
            shared.persist.aof.set_policy(policy);
        }
        Ok(Server { shared, listeners, tls_listeners, tls })
    }

    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// The `--tls-port` addresses (none without TLS).
    pub fn tls_addrs(&self) -> Vec<SocketAddr> {
        self.tls_listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Serves until a shutdown is requested.
    pub async fn run(self) {
        let shared = self.shared;
        let mut stop = shared.shutdown_requested();
        let mut slots = Vec::new();
        for listener in self.listeners {
            let slot = listeners::Slot::new(listener);
            tokio::spawn(accept_loop(slot.clone(), shared.clone(), None));
            slots.push(slot);
        }
        let (bind, port) = {
            let config = shared.config.read();
            (config.bind.clone(), config.port)
        };
        shared.config.install_listeners(listeners::Rebinder::new(&shared, bind, port, slots));
        for listener in self.tls_listeners {
            tokio::spawn(accept_loop(listeners::Slot::new(listener), shared.clone(), self.tls.clone()));
        }
        tokio::spawn(expire_loop(shared.clone()));
        // Plain threads that live as long as the process: a child forked by
        // the cron thread dies with it (PR_SET_PDEATHSIG follows the thread).
        for (name, body) in [("aof-writer", 0), ("aof-fsync", 1), ("persist-cron", 2)] {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new().name(name.into()).spawn(move || match body {
                0 => shared.persist.aof.writer_loop(),
                1 => shared.persist.aof.fsync_loop(),
                _ => persist_cron(&shared),
            });
            if let Err(e) = spawned {
                warn!(error = %e, "cannot start the {name} thread");
            }
        }
        stopped(&mut stop).await;
    }
}

/// Resolves once a shutdown has been requested.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|&stopped| stopped).await;
}

/// Redis's protected mode: with it on and the default user without a
/// password, only loopback clients are served.
fn protected_mode_refuses(
    protected: bool,
    peer: std::net::IpAddr,
    default_nopass: impl FnOnce() -> bool,
) -> bool {
    protected && !peer.to_canonical().is_loopback() && default_nopass()
}

async fn accept_loop(
    listener: Arc<listeners::Slot>,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut stop = shared.shutdown_requested();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => match accepted {
                Some(accepted) => accepted,
                None => return,
            },
            _ = stopped(&mut stop) => return,
        };
        let (socket, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        shared.stats.connections_received.fetch_add(1, Ordering::Relaxed);
        let (maxclients, protected, keepalive) = {
            let config = shared.config.read();
            (config.maxclients as usize, config.protected_mode == "yes", config.tcp_keepalive)
        };
        if shared.clients.lock().len() >= maxclients {
            shared.stats.rejected_connections.fetch_add(1, Ordering::Relaxed);
            refuse(&socket, b"-ERR max number of clients reached\r\n");
            continue;
        }
        if protected_mode_refuses(protected, peer.ip(), || {
            shared.acl.read().default_user().rules.read().nopass
        }) {
            shared.stats.rejected_connections.fetch_add(1, Ordering::Relaxed);
            refuse(&socket, PROTECTED_MODE_DENIED);
            continue;
        }
        if keepalive > 0 {
            set_keepalive(&socket, keepalive);
        }
        let laddr = socket.local_addr().map(|a| a.to_string()).unwrap_or_default();
        #[cfg(unix)]
        let fd = std::os::fd::AsRawFd::as_raw_fd(&socket) as i64;
        #[cfg(not(unix))]
        let fd = -1;
        let id = shared.next_client_id();
        let handle = Arc::new(ClientHandle::new(id, peer.to_string(), laddr, fd, shared.clock.now_ms()));
        shared.register_client(handle.clone());
        debug!(id, addr = %peer, "client connected");
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ = socket.set_nodelay(true);
            match tls {
                None => connection::serve(socket, &shared, &handle).await,
                Some(acceptor) => {
                    // A client that never finishes its handshake is dropped.
                    let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(socket));
                    match handshake.await {
                        Ok(Ok(stream)) => connection::serve(stream, &shared, &handle).await,
                        Ok(Err(e)) => debug!(id = handle.id, error = %e, "TLS handshake failed"),
                        Err(_) => debug!(id = handle.id, "TLS handshake timed out"),
                    }
                }
            }
            shared.clients.lock().remove(&handle.id);
            debug!(id = handle.id, "client disconnected");
        });
    }
}

/// Redis's reply to a non-loopback client in protected mode.
const PROTECTED_MODE_DENIED: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled \
and no password is set for the default user. In this mode connections are only accepted from the loopback interface. \
If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just \
disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting \
to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet \
if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected \
mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting \
the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' \
option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above \
things in order for the server to start accepting connections from the outside.\r\n";

/// Sends `reply` if the socket takes it at once, then closes the connection.
fn refuse(socket: &tokio::net::TcpStream, reply: &[u8]) {
    let _ = socket.try_write(reply);
}

/// TCP keepalive as Redis sets it: probes after `seconds` idle, every
/// third of that, three of them.
fn set_keepalive(socket: &tokio::net::TcpStream, seconds: u64) {
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(seconds))
        .with_interval(Duration::from_secs((seconds / 3).max(1)))
        .with_retries(3);
    let _ = socket2::SockRef::from(socket).set_tcp_keepalive(&keepalive);
}

/// Raises the process's open-file limit so `maxclients` clients fit (plus
/// 32 descriptors for the server itself, as Redis reserves); returns how
/// many clients the limit allows.
pub fn raise_fd_limit(maxclients: u64) -> u64 {
    const RESERVED: u64 = 32;
    let wanted = maxclients.saturating_add(RESERVED);
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return maxclients;
            }
            if limit.rlim_cur < wanted {
                let raised = libc::rlimit { rlim_cur: wanted.min(limit.rlim_max), rlim_max: limit.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = raised.rlim_cur;
                }
            }
        }
        limit.rlim_cur.saturating_sub(RESERVED).min(maxclients)
    }
    #[cfg(not(unix))]
    maxclients
}

/// The active half of expiry: ten cycles a second, as Redis's default `hz`.
async fn expire_loop(shared: Arc<Shared>) {
    let mut stop = shared.shutdown_requested();
    let mut expired = crate::store::effects::Effects::default();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped(&mut stop) => return,
        }
        shared.stats.track(shared.clock.now_ms());
        if !shared.active_expire.load(Ordering::Relaxed) {
            continue;
        }
        let now = shared.clock.now_ms();
        let aof = shared.persist.aof.on();
        // Shard by shard: commands on other shards go on meanwhile. The
        // deleted keys are handed on as effects while their shard is held.
        shared.store.for_each_shard(|shard| {
            shard.dbs.iter_mut().for_each(|db| db.set_track_expired(aof));
            if shard.active_expire_cycle(now) > 0 && aof {
                shard.take_expired(&mut expired);
                crate::persist::log_deletions(&shared.persist.aof, &expired);
                expired.clear();
            }
        });
    }
}

/// Background persistence duties, ten times a second: reaping a finished
/// save or rewrite, `save` rules, scheduled and automatic rewrites.
fn persist_cron(shared: &Shared) {
    let stop = shared.shutdown_requested();
    while !*stop.borrow() {
        std::thread::sleep(Duration::from_millis(100));
        shared.persist.cron(shared);
    }
}

#[cfg(test)]
mod protected_mode_tests {
    use super::protected_mode_refuses;

    #[test]
    fn only_outside_clients_of_a_passwordless_server_are_refused() {
        let outside: std::net::IpAddr = "192.0.2.7".parse().unwrap();
        let mapped_loopback: std::net::IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(protected_mode_refuses(true, outside, || true));
        assert!(!protected_mode_refuses(true, outside, || false), "a password lifts it");
        assert!(!protected_mode_refuses(false, outside, || true), "protected-mode no");
        assert!(!protected_mode_refuses(true, "127.0.0.1".parse().unwrap(), || true));
        assert!(!protected_mode_refuses(true, "::1".parse().unwrap(), || true));
        assert!(!protected_mode_refuses(true, mapped_loopback, || true));
    }
}

#[cfg(test)]
mod shutdown_tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::ClientHandle;
    use crate::testing::Harness;

    /// Whether the handle's waiter resolves (at once or after a kill).
    fn killed(handle: &ClientHandle) -> bool {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            tokio::time::timeout(Duration::from_millis(50), handle.killed()).await.is_ok()
        })
    }

    #[test]
    fn shutdown_wakes_every_connection_even_one_registered_after_it() {
        let h = Harness::new();
        let handle = |id| Arc::new(ClientHandle::new(id, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, 0));
        let before = handle(1000);
        h.shared.register_client(before.clone());
        assert!(!killed(&before), "not before shutdown");
        h.shared.request_shutdown();
        assert!(killed(&before));
        assert!(killed(&h.client.handle), "the harness's own connection too");
        let after = handle(1001);
        h.shared.register_client(after.clone());
        assert!(killed(&after), "a connection accepted after the request still stops");
    }
}

//! Listeners, connections and the state every connection shares.

mod client;
mod connection;

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

use crate::config::Config;
use crate::store::{snapshot, Clock, Keyspace, Store};

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
    pub config: RwLock<Config>,
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
    /// `maxmemory` in bytes (0: no limit), read by every dispatch.
    pub maxmemory: AtomicU64,
    /// The replication id `INFO replication` reports (`DEBUG CHANGE-REPL-ID`).
    pub repl_id: Mutex<String>,
    next_client_id: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    pub fn new(config: Config, clock: Clock, mut keyspace: Keyspace) -> Shared {
        let now_s = clock.now_ms() / 1000;
        let (policy, samples, access) = config.eviction();
        keyspace.set_eviction(policy, samples, access);
        let run_id = random_id();
        let shared = Shared {
            store: Store::new(keyspace),
            clock,
            port: AtomicU64::new(u64::from(config.port)),
            maxmemory: AtomicU64::new(config.maxmemory),
            startup_memory: crate::alloc::allocated(),
            metrics: crate::metrics::Metrics::new(crate::registry::stat_slots()),
            config: RwLock::new(config),
            stats: Stats::default(),
            clients: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
            run_id,
            dirty: AtomicU64::new(0),
            last_save: AtomicU64::new(now_s),
            active_expire: AtomicBool::new(true),
            repl_id: Mutex::new(random_id()),
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

    /// Writes the snapshot atomically (the caller holds the keyspace).
    pub fn save(&self, keyspace: &Keyspace) -> io::Result<()> {
        let now = self.clock.now_ms();
        let path = self.config.read().dump_path();
        let json = snapshot::to_json(keyspace, now);
        match snapshot::write_atomically(&path, &json) {
            Ok(()) => {
                self.dirty.store(0, Ordering::Relaxed);
                self.last_save.store(now / 1000, Ordering::Relaxed);
                info!(path = %path.display(), bytes = json.len(), "DB saved on disk");
                Ok(())
            }
            Err(e) => {
                warn!(path = %path.display(), error = %e, "saving the snapshot failed");
                Err(e)
            }
        }
    }

    /// Applies the live config's memory settings (after `CONFIG SET`) and
    /// evicts at once if the new limit is below the memory in use, as Redis
    /// does.
    pub fn apply_memory_config(&self, keyspace: &mut Keyspace, now_ms: u64) {
        let config = self.config.read();
        let (policy, samples, access) = config.eviction();
        keyspace.set_eviction(policy, samples, access);
        let maxmemory = config.maxmemory;
        self.maxmemory.store(maxmemory, Ordering::Relaxed);
        if maxmemory != 0 {
            keyspace.perform_evictions(now_ms, || crate::alloc::allocated() as u64 > maxmemory);
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

    /// Stops the listeners and every connection.
    pub fn request_shutdown(&self) {
        self.shutdown.send_replace(true);
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
    Bind(String, io::Error),
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
        }
    }
}

impl std::error::Error for StartError {}

/// A bound server, ready to [`Server::run`].
pub struct Server {
    shared: Arc<Shared>,
    listeners: Vec<TcpListener>,
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
        let path = config.dump_path();
        let keyspace = if path.exists() {
            let keyspace = snapshot::load(&path, config.databases as usize, clock.now_ms())
                .map_err(|e| StartError::Load(path.clone(), e))?;
            let keys: usize = keyspace.dbs.iter().map(|db| db.len()).sum();
            info!(path = %path.display(), keys, "DB loaded from disk");
            keyspace
        } else {
            Keyspace::new(config.databases as usize)
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
        let shared = Arc::new(Shared::new(config, clock, keyspace));
        shared.port.store(u64::from(port), Ordering::Relaxed);
        Ok(Server { shared, listeners })
    }

    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Serves until a shutdown is requested.
    pub async fn run(self) {
        let shared = self.shared;
        let mut stop = shared.shutdown_requested();
        for listener in self.listeners {
            tokio::spawn(accept_loop(listener, shared.clone()));
        }
        tokio::spawn(expire_loop(shared.clone()));
        stopped(&mut stop).await;
    }
}

/// Resolves once a shutdown has been requested.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|&stopped| stopped).await;
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut stop = shared.shutdown_requested();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
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
        let laddr = socket.local_addr().map(|a| a.to_string()).unwrap_or_default();
        #[cfg(unix)]
        let fd = std::os::fd::AsRawFd::as_raw_fd(&socket) as i64;
        #[cfg(not(unix))]
        let fd = -1;
        let id = shared.next_client_id();
        let handle = Arc::new(ClientHandle::new(id, peer.to_string(), laddr, fd, shared.clock.now_ms()));
        shared.clients.lock().insert(id, handle.clone());
        debug!(id, addr = %peer, "client connected");
        let shared = shared.clone();
        tokio::spawn(async move {
            connection::serve(socket, &shared, &handle).await;
            shared.clients.lock().remove(&handle.id);
            debug!(id = handle.id, "client disconnected");
        });
    }
}

/// The active half of expiry: ten cycles a second, as Redis's default `hz`.
async fn expire_loop(shared: Arc<Shared>) {
    let mut stop = shared.shutdown_requested();
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
        shared.store.lock().active_expire_cycle(now);
    }
}

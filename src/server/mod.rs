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
}

impl Stats {
    /// Zeroes every counter (`CONFIG RESETSTAT`).
    pub fn reset(&self) {
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
    /// The replication id `INFO replication` reports (`DEBUG CHANGE-REPL-ID`).
    pub repl_id: Mutex<String>,
    /// The append-only file and background saves.
    pub persist: crate::persist::Persist,
    next_client_id: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    pub fn new(config: Config, clock: Clock, keyspace: Keyspace) -> Shared {
        let now_s = clock.now_ms() / 1000;
        let run_id = random_id();
        Shared {
            store: Store::new(keyspace),
            clock,
            port: AtomicU64::new(u64::from(config.port)),
            config: RwLock::new(config),
            stats: Stats::default(),
            clients: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
            run_id,
            dirty: AtomicU64::new(0),
            last_save: AtomicU64::new(now_s),
            active_expire: AtomicBool::new(true),
            repl_id: Mutex::new(random_id()),
            persist: crate::persist::Persist::default(),
            next_client_id: AtomicU64::new(1),
            shutdown: watch::channel(false).0,
        }
    }

    /// Counts one write toward `rdb_changes_since_last_save`.
    pub fn note_write(&self) {
        self.dirty.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes the snapshot atomically (the caller holds the keyspace).
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
    Aof(std::path::PathBuf, crate::persist::LoadError),
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
        let keyspace = if replay_aof {
            Keyspace::new(config.databases as usize)
        } else if path.exists() {
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
        let aof = config
            .aof_enabled()
            .then(|| (config.aof_load_truncated == "yes", crate::persist::Fsync::parse(&config.appendfsync)));
        let shared = Arc::new(Shared::new(config, clock, keyspace));
        shared.port.store(u64::from(port), Ordering::Relaxed);
        if let Some((truncated_ok, policy)) = aof {
            let persist = &shared.persist;
            persist.aof.set_policy(policy.unwrap_or(crate::persist::Fsync::Everysec));
            if replay_aof {
                let records = crate::persist::replay(&shared, &aof_path, truncated_ok)
                    .map_err(|e| StartError::Aof(aof_path.clone(), e))?;
                info!(path = %aof_path.display(), records, "DB loaded from append only file");
            } else {
                // Start the log from the data just loaded (if any).
                crate::persist::aof::create(&aof_path, &shared.store.lock())
                    .map_err(|e| StartError::Aof(aof_path.clone(), crate::persist::LoadError::Io(e)))?;
            }
            persist
                .aof
                .open(&aof_path)
                .map_err(|e| StartError::Aof(aof_path.clone(), crate::persist::LoadError::Io(e)))?;
        } else if let Some(policy) = crate::persist::Fsync::parse(&shared.config.read().appendfsync) {
            shared.persist.aof.set_policy(policy);
        }
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
        if !shared.active_expire.load(Ordering::Relaxed) {
            continue;
        }
        let now = shared.clock.now_ms();
        let aof = shared.persist.aof.on();
        let mut keyspace = shared.store.lock();
        keyspace.dbs.iter_mut().for_each(|db| db.set_track_expired(aof));
        if keyspace.active_expire_cycle(now) > 0 && aof {
            crate::persist::log_active_expiry(&shared, &mut keyspace);
        }
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

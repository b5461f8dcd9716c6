//! Listeners, connections and start-up: the top layer, which binds the
//! sockets and runs each connection's requests through the registry.

mod connection;
mod listeners;
mod migrate;
mod replay;
mod running;
#[cfg(feature = "tls")]
mod tls;
#[cfg(not(feature = "tls"))]
#[path = "no_tls.rs"]
mod tls;

pub use running::RunningServer;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::config::Config;
use crate::session::SessionHandle;
use crate::state::ServerState;
use crate::store::{snapshot, Clock, Dataset, Shape};

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Dir(std::path::PathBuf, io::Error),
    Load(std::path::PathBuf, snapshot::LoadError),
    Aof(std::path::PathBuf, crate::persist::LoadError),
    Bind(String, io::Error),
    AclFile(String),
    Tls(String),
    /// The runtime of [`Server::start`] could not be built.
    Runtime(io::Error),
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
            StartError::Runtime(e) => write!(f, "cannot start the runtime: {e}"),
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
    shared: Arc<ServerState>,
    listeners: Vec<TcpListener>,
    /// `--tls-port` listeners and their acceptor.
    tls_listeners: Vec<TcpListener>,
    tls: Option<tls::TlsAcceptor>,
}

impl Server {
    /// Loads the snapshot (if any) and binds every `--bind` address.
    pub async fn bind(config: Config) -> Result<Server, StartError> {
        Self::bind_with_clock(config, Clock::System).await
    }

    pub async fn bind_with_clock(mut config: Config, clock: Clock) -> Result<Server, StartError> {
        crate::registry::init();
        // The command timer's one-off 2 ms calibration, before any client waits on it.
        crate::stopwatch::calibrate();
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
            let data = snapshot::load(&path, shape, clock.now_ms(), &config.limits())
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
        let possible = crate::os::raise_fd_limit(u64::from(config.maxclients));
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
        let shared = Arc::new(ServerState::new(config, clock, data, crate::registry::catalog()));
        // The snapshot's function libraries are compiled again.
        crate::scripting::functions::load_stored(&shared);
        if !aclfile.is_empty() {
            shared.users.load_file(aclfile.as_ref()).map_err(StartError::AclFile)?;
        }
        shared.identity.set_port(port);
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

    /// The state the server's connections share.
    pub fn state(&self) -> Arc<ServerState> {
        self.shared.clone()
    }

    /// Serves until a shutdown is requested.
    pub async fn run(self) {
        let shared = self.shared;
        let mut stop = shared.shutdown_requested();
        // The rebinder is in place before the first connection is accepted:
        // a `CONFIG SET port` sent at once must find it.
        let slots: Vec<_> = self.listeners.into_iter().map(listeners::Slot::new).collect();
        let (bind, port) = {
            let config = shared.config.read();
            (config.bind.clone(), config.port)
        };
        shared.config.install_listeners(listeners::Rebinder::new(&shared, bind, port, slots.clone()));
        for slot in slots {
            tokio::spawn(accept_loop(slot, shared.clone(), None));
        }
        for listener in self.tls_listeners {
            tokio::spawn(accept_loop(listeners::Slot::new(listener), shared.clone(), self.tls.clone()));
        }
        let expiry = tokio::spawn(expire_loop(shared.clone()));
        // Plain threads that live as long as the server: a child forked by
        // the cron thread dies with it (PR_SET_PDEATHSIG follows the thread).
        let mut threads = Vec::new();
        for (name, body) in [("aof-writer", 0), ("aof-fsync", 1), ("persist-cron", 2)] {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new().name(name.into()).spawn(move || match body {
                0 => shared.persist.aof.writer_loop(),
                1 => shared.persist.aof.fsync_loop(),
                _ => persist_cron(&shared),
            });
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(e) => warn!(error = %e, "cannot start the {name} thread"),
            }
        }
        stopped(&mut stop).await;
        let _ = expiry.await;
        // Writes accepted so far reach the log; then its threads end.
        if shared.persist.aof.on() {
            shared.persist.aof.flush_and_sync();
        }
        shared.persist.aof.stop();
        // The sleeping ones notice the stop now rather than at their next tick.
        threads.iter().for_each(|thread| thread.thread().unpark());
        // A background save or rewrite still running is stopped and reaped.
        let joined = tokio::task::spawn_blocking(move || {
            threads.into_iter().for_each(|t| drop(t.join()));
            shared.persist.kill_child(&*shared);
        });
        let _ = joined.await;
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
    shared: Arc<ServerState>,
    tls: Option<tls::TlsAcceptor>,
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
        shared.metrics.stats.connections_received.fetch_add(1, Ordering::Relaxed);
        let (maxclients, protected, keepalive) = {
            let config = shared.config.read();
            (config.maxclients as usize, config.protected_mode == "yes", config.tcp_keepalive)
        };
        if shared.clients.count() >= maxclients {
            shared.metrics.stats.rejected_connections.fetch_add(1, Ordering::Relaxed);
            refuse(&socket, b"-ERR max number of clients reached\r\n");
            continue;
        }
        if protected_mode_refuses(protected, peer.ip(), || shared.users.default_user_has_no_password()) {
            shared.metrics.stats.rejected_connections.fetch_add(1, Ordering::Relaxed);
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
        let id = shared.clients.next_id();
        let handle = Arc::new(SessionHandle::new(id, peer.to_string(), laddr, fd, shared.clock.now_ms()));
        shared.clients.register(handle.clone());
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
            shared.clients.remove(handle.id);
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

/// The active half of expiry: ten cycles a second, as Redis's default `hz`.
async fn expire_loop(shared: Arc<ServerState>) {
    let mut stop = shared.shutdown_requested();
    let mut expired = crate::store::effects::Effects::default();
    let mut tick = shared.clock.every(100);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped(&mut stop) => return,
        }
        shared.metrics.stats.track(shared.clock.now_ms());
        if !shared.active_expire_enabled() {
            continue;
        }
        let now = shared.clock.now_ms();
        let aof = shared.persist.aof.on();
        let events = crate::state::notify::wanted(
            shared.config.keyspace_events(),
            crate::store::effects::EventClass::Expired,
        );
        // Shard by shard: commands on other shards go on meanwhile. The
        // deleted keys are handed on as effects while their shard is held.
        // Not while a script runs: it holds every shard (and Redis expires
        // nothing during a script); checked before each shard, as a
        // starting script marks itself running before it locks them.
        let script_runs = || shared.scripts.run.is_running();
        shared.store.for_each_shard_until(script_runs, |shard| {
            shard.dbs.iter_mut().for_each(|db| db.set_track_expired(aof || events));
            if shard.active_expire_cycle(now) > 0 && (aof || events) {
                shard.take_expired(&mut expired);
                if aof {
                    crate::persist::log_deletions(&shared.persist.aof, &expired);
                }
                crate::state::notify::publish_events(&shared, &expired);
                expired.clear();
            }
        });
    }
}

/// Background persistence duties, ten times a second: reaping a finished
/// save or rewrite, `save` rules, scheduled and automatic rewrites.
fn persist_cron(shared: &ServerState) {
    let stop = shared.shutdown_requested();
    loop {
        // Parked rather than asleep: `run` unparks it at shutdown, which
        // then takes no tenth of a second (embedded servers stop often).
        let next = std::time::Instant::now() + Duration::from_millis(100);
        while !*stop.borrow() {
            let now = std::time::Instant::now();
            if now >= next {
                break;
            }
            std::thread::park_timeout(next - now);
        }
        if *stop.borrow() {
            return;
        }
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

    use crate::session::SessionHandle;
    use crate::testing::Harness;

    /// Whether the handle's waiter resolves (at once or after a kill).
    fn killed(handle: &SessionHandle) -> bool {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            tokio::time::timeout(Duration::from_millis(50), handle.killed()).await.is_ok()
        })
    }

    #[test]
    fn shutdown_wakes_every_connection_even_one_registered_after_it() {
        let h = Harness::new();
        let handle = |id| Arc::new(SessionHandle::new(id, "127.0.0.1:1".into(), "127.0.0.1:2".into(), -1, 0));
        let before = handle(1000);
        h.shared.clients.register(before.clone());
        assert!(!killed(&before), "not before shutdown");
        h.shared.request_shutdown();
        assert!(killed(&before));
        assert!(killed(&h.client.handle), "the harness's own connection too");
        let after = handle(1001);
        h.shared.clients.register(after.clone());
        assert!(killed(&after), "a connection accepted after the request still stops");
    }
}

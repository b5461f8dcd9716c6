//! A real MiniRedis server inside a test: started in-process on a free
//! port, on a runtime of its own, with a clock the test can move, direct
//! access to its data, and faults to inject. Re-exported as
//! [`crate::Server`] and [`crate::Builder`].

mod direct;

pub use direct::Db;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use crate::config::Config;
use crate::server::{RunningServer, StartError};
use crate::session::{Session, SessionHandle};
use crate::state::ServerState;
use crate::store::Clock;

/// A MiniRedis server for tests, listening on `127.0.0.1` on a free port.
/// Dropping it stops it: the port is released and its threads end.
///
/// ```
/// use miniredis::Server;
///
/// let server = Server::start().expect("start");
/// server.set("greeting", "hello");
/// assert_eq!(server.get("greeting").as_deref(), Some("hello"));
/// assert!(server.url().starts_with("redis://127.0.0.1:"));
/// ```
pub struct Server {
    running: Option<RunningServer>,
    /// The connection the direct-access helpers run their commands on.
    direct: Mutex<Session>,
    dir: PathBuf,
}

/// How to start a [`Server`]: from [`Server::builder`].
///
/// ```
/// let server = miniredis::Server::builder().manual_clock().seed(7).log_commands().start().unwrap();
/// # drop(server);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    manual_start_ms: Option<u64>,
    seed: Option<u64>,
    log_commands: bool,
    threads: Option<usize>,
}

/// Where a manual clock starts: 2023-11-14T22:13:20Z.
const MANUAL_START_MS: u64 = 1_700_000_000_000;

impl Builder {
    /// Time moves only when the test says so ([`Server::fast_forward`],
    /// [`Server::set_time`]); it starts at 2023-11-14T22:13:20Z.
    ///
    /// ```
    /// use std::time::Duration;
    /// let server = miniredis::Server::builder().manual_clock().start().unwrap();
    /// server.run(&["SET", "k", "v", "EX", "10"]);
    /// server.fast_forward(Duration::from_secs(10));
    /// assert_eq!(server.get("k"), None);
    /// ```
    pub fn manual_clock(mut self) -> Builder {
        self.manual_start_ms = Some(MANUAL_START_MS);
        self
    }

    /// Seeds the server's random choices (`RANDOMKEY`, `HRANDFIELD`, ...),
    /// so that two servers seeded alike answer alike.
    ///
    /// ```
    /// let server = miniredis::Server::builder().seed(42).start().unwrap();
    /// # drop(server);
    /// ```
    pub fn seed(mut self, seed: u64) -> Builder {
        self.seed = Some(seed);
        self
    }

    /// Records every request clients send, for [`Server::command_log`].
    ///
    /// ```
    /// let server = miniredis::Server::builder().log_commands().start().unwrap();
    /// assert!(server.command_log().is_empty());
    /// ```
    pub fn log_commands(mut self) -> Builder {
        self.log_commands = true;
        self
    }

    /// The server's worker threads (one by default).
    ///
    /// ```
    /// let server = miniredis::Server::builder().threads(2).start().unwrap();
    /// # drop(server);
    /// ```
    pub fn threads(mut self, threads: usize) -> Builder {
        self.threads = Some(threads.max(1));
        self
    }

    /// Starts the server. It runs on a runtime of its own, so this may be
    /// called from plain code or from inside an async runtime alike.
    ///
    /// ```
    /// let server = miniredis::Server::builder().start().unwrap();
    /// assert_ne!(server.addr().port(), 0);
    /// ```
    pub fn start(self) -> Result<Server, StartError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            // Building and blocking on a runtime is refused inside another.
            let starting =
                std::thread::Builder::new().name("miniredis-start".into()).spawn(move || self.start_here());
            return starting.map_err(StartError::Runtime)?.join().expect("the start-up thread panicked");
        }
        self.start_here()
    }

    /// [`Builder::start`] for async code: starts without blocking the
    /// caller's runtime.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let server = miniredis::Server::builder().start_async().await.unwrap();
    /// assert_ne!(server.addr().port(), 0);
    /// # });
    /// ```
    pub async fn start_async(self) -> Result<Server, StartError> {
        match tokio::task::spawn_blocking(move || self.start_here()).await {
            Ok(started) => started,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    fn start_here(self) -> Result<Server, StartError> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "miniredis-embedded-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| StartError::Dir(dir.clone(), e))?;
        let config = Config {
            port: 0,
            bind: vec!["127.0.0.1".into()],
            dir: dir.clone(),
            threads: self.threads.unwrap_or(1),
            // Clients here are programs: never greet a silent one.
            human_session_delay: 0,
            ..Config::default()
        };
        let clock = match self.manual_start_ms {
            Some(start_ms) => Clock::manual(start_ms),
            None => Clock::System,
        };
        let running = match crate::server::Server::start_with_clock(config, clock) {
            Ok(running) => running,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let state = running.state().clone();
        state.faults.set_logging(self.log_commands);
        if let Some(seed) = self.seed {
            state.seed_random(seed);
        }
        let handle = Arc::new(SessionHandle::new(
            u64::MAX,
            "embedded".into(),
            running.addr().to_string(),
            -1,
            state.clock.now_ms(),
        ));
        let direct = Mutex::new(state.new_session(handle));
        Ok(Server { running: Some(running), direct, dir })
    }
}

impl Server {
    /// A [`Builder`] for a server with options.
    ///
    /// ```
    /// let server = miniredis::Server::builder().manual_clock().start().unwrap();
    /// # drop(server);
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Starts a server with the real clock: keys expire on their own.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// # drop(server);
    /// ```
    pub fn start() -> Result<Server, StartError> {
        Builder::default().start()
    }

    fn running(&self) -> &RunningServer {
        self.running.as_ref().expect("the server is running until dropped")
    }

    fn state(&self) -> &Arc<ServerState> {
        self.running().state()
    }

    /// The address the server listens on.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// let stream = std::net::TcpStream::connect(server.addr()).unwrap();
    /// # drop(stream);
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.running().addr()
    }

    /// A URL for Redis clients: `redis://127.0.0.1:PORT/`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.url(), format!("redis://{}/", server.addr()));
    /// ```
    pub fn url(&self) -> String {
        format!("redis://{}/", self.addr())
    }

    /// Moves a manual clock forward: keys whose time has come expire, and
    /// the server's timers fire.
    ///
    /// # Panics
    /// On a server with the real clock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let server = miniredis::Server::builder().manual_clock().start().unwrap();
    /// server.run(&["SET", "k", "v", "PX", "1500"]);
    /// server.fast_forward(Duration::from_millis(1499));
    /// server.check_get("k", "v");
    /// server.fast_forward(Duration::from_millis(1));
    /// assert_eq!(server.get("k"), None);
    /// ```
    pub fn fast_forward(&self, by: Duration) {
        let clock = self.manual_clock("fast_forward");
        clock.advance(by.as_millis() as u64);
    }

    /// Sets a manual clock to `time` (forward or back), as `TIME` and
    /// `EXPIREAT` see it.
    ///
    /// # Panics
    /// On a server with the real clock.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let server = miniredis::Server::builder().manual_clock().start().unwrap();
    /// server.set_time(UNIX_EPOCH + Duration::from_secs(2_000_000_000));
    /// server.run(&["SET", "k", "v"]);
    /// server.run(&["EXPIREAT", "k", "2000000010"]);
    /// assert_eq!(server.ttl("k"), Some(Duration::from_secs(10)));
    /// ```
    pub fn set_time(&self, time: SystemTime) {
        let ms = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        self.manual_clock("set_time").set_ms(ms);
    }

    fn manual_clock(&self, what: &str) -> &Clock {
        let clock = &self.state().clock;
        assert!(
            matches!(clock, Clock::Manual(_)),
            "{what} needs a manual clock: start with Server::builder().manual_clock()"
        );
        clock
    }

    /// Makes every client request fail with `error` (for example `"LOADING
    /// Redis is loading the dataset in memory"`) until `None` is set. The
    /// direct-access helpers are not affected.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// let server = miniredis::Server::start().unwrap();
    /// server.set_error(Some("LOADING Redis is loading the dataset in memory"));
    /// let mut client = std::net::TcpStream::connect(server.addr()).unwrap();
    /// client.write_all(b"PING\r\n").unwrap();
    /// let mut reply = [0u8; 64];
    /// let n = client.read(&mut reply).unwrap();
    /// assert_eq!(&reply[..n], b"-LOADING Redis is loading the dataset in memory\r\n");
    /// ```
    pub fn set_error(&self, error: Option<&str>) {
        self.state().faults.set_error(error);
    }

    /// Closes every client connection (clients may reconnect).
    ///
    /// ```
    /// use std::io::Read;
    /// let server = miniredis::Server::start().unwrap();
    /// let mut client = std::net::TcpStream::connect(server.addr()).unwrap();
    /// server.run(&["PING"]); // the direct session is no client and stays
    /// server.close_clients();
    /// assert_eq!(client.read(&mut [0u8; 8]).unwrap_or(0), 0);
    /// ```
    pub fn close_clients(&self) {
        // A client accepted but not yet registered is caught by a retry.
        for _ in 0..3 {
            self.state().clients.handles().iter().for_each(|client| client.kill());
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Requires clients to `AUTH user password` (`AUTH password` for the
    /// user `default`). Other users than `default` get every permission,
    /// and the passwordless `default` user is switched off.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.require_auth("app", "s3cret");
    /// # drop(server);
    /// ```
    pub fn require_auth(&self, user: &str, password: &str) {
        let secret = format!(">{password}");
        let reply = self.run(&["ACL", "SETUSER", user, "on", "resetpass", &secret, "~*", "&*", "+@all"]);
        assert_eq!(reply, crate::protocol::Reply::OK, "ACL SETUSER {user}");
        if user != "default" {
            self.run(&["ACL", "SETUSER", "default", "off"]);
        }
    }

    /// Requests clients have sent (not the direct-access helpers), since
    /// the start.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.commands_processed(), 0);
    /// ```
    pub fn commands_processed(&self) -> u64 {
        self.state().metrics.stats.commands_processed.load(Ordering::Relaxed)
    }

    /// Every request clients sent, oldest first, as its arguments; empty
    /// unless the server was built with [`Builder::log_commands`].
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// let server = miniredis::Server::builder().log_commands().start().unwrap();
    /// let mut client = std::net::TcpStream::connect(server.addr()).unwrap();
    /// client.write_all(b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n").unwrap();
    /// client.read(&mut [0u8; 16]).unwrap();
    /// assert_eq!(server.command_log(), vec![vec![b"ECHO".to_vec(), b"hi".to_vec()]]);
    /// ```
    pub fn command_log(&self) -> Vec<Vec<Vec<u8>>> {
        self.state().faults.log()
    }

    /// Stops the server now (dropping it does the same).
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// let addr = server.addr();
    /// server.stop();
    /// assert!(std::net::TcpStream::connect(addr).is_err());
    /// ```
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                // Its runtime cannot be shut down from inside another one.
                let stopping =
                    std::thread::Builder::new().name("miniredis-stop".into()).spawn(move || drop(running));
                if let Ok(stopping) = stopping {
                    let _ = stopping.join();
                }
            } else {
                drop(running);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.running.as_ref().map(|r| r.addr())).finish()
    }
}

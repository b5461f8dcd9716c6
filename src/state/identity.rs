//! Who this server is: run id, replication id, start time and port.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// The Redis version whose behaviour MiniRedis follows; reported where
/// clients read `redis_version` / HELLO's `version` to detect features.
pub const REDIS_VERSION: &str = "7.0.15";

/// A random 40-character hex id, as Redis's run and replication ids.
pub fn random_id() -> String {
    (0..40).map(|_| char::from_digit(fastrand::u32(..16), 16).unwrap_or('0')).collect()
}

/// The server's identity as `INFO server` and `INFO replication` report it.
#[derive(Debug)]
pub struct Identity {
    run_id: String,
    repl_id: Mutex<String>,
    started: Instant,
    /// The port actually bound (differs from the config when it is 0).
    port: AtomicU64,
}

impl Identity {
    pub fn new(port: u16) -> Identity {
        Identity {
            run_id: random_id(),
            repl_id: Mutex::new(random_id()),
            started: Instant::now(),
            port: AtomicU64::new(u64::from(port)),
        }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The replication id `INFO replication` reports.
    pub fn repl_id(&self) -> String {
        self.repl_id.lock().clone()
    }

    /// A fresh replication id (`DEBUG CHANGE-REPL-ID`).
    pub fn change_repl_id(&self) {
        *self.repl_id.lock() = random_id();
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port.load(Ordering::Relaxed) as u16
    }

    pub fn set_port(&self, port: u16) {
        self.port.store(u64::from(port), Ordering::Relaxed);
    }
}

//! The connected clients: their visible handles, ids, and shutdown.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::session::SessionHandle;

/// Every connection's [`SessionHandle`], by id, and the shutdown signal.
#[derive(Debug)]
pub struct Clients {
    handles: Mutex<BTreeMap<u64, Arc<SessionHandle>>>,
    next_id: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Default for Clients {
    fn default() -> Self {
        Clients { handles: Mutex::default(), next_id: AtomicU64::new(1), shutdown: watch::channel(false).0 }
    }
}

impl Clients {
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// How many connections are open.
    pub fn count(&self) -> usize {
        self.handles.lock().len()
    }

    /// Every open connection's handle, in id order (a copy: the list's
    /// lock is not held while the caller works).
    pub fn handles(&self) -> Vec<Arc<SessionHandle>> {
        self.handles.lock().values().cloned().collect()
    }

    /// Lists a new connection for `CLIENT LIST` / `CLIENT KILL` and
    /// shutdown. One that arrives after a shutdown was requested is told at
    /// once: either `request_shutdown` finds it in the list, or the flag is
    /// already set when it is added (both happen under the list's lock).
    pub fn register(&self, handle: Arc<SessionHandle>) {
        let mut handles = self.handles.lock();
        if *self.shutdown.borrow() {
            handle.kill();
        }
        handles.insert(handle.id, handle);
    }

    /// Forgets a closed connection.
    pub fn remove(&self, id: u64) {
        self.handles.lock().remove(&id);
    }

    /// Stops the listeners and every connection. Connections learn of it
    /// through their own handle (as from `CLIENT KILL`), so serving a
    /// request touches no process-wide waiter.
    pub fn request_shutdown(&self) {
        self.shutdown.send_replace(true);
        for handle in self.handles.lock().values() {
            handle.kill();
        }
    }

    pub fn shutdown_requested(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

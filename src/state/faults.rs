//! What an embedding test injects into a server (`miniredis::Server`): an
//! error every request gets, and a log of the requests received. Both cost
//! one relaxed atomic load per request while off.

use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

#[derive(Debug, Default)]
pub struct Faults {
    failing: AtomicBool,
    error: Mutex<Option<String>>,
    logging: AtomicBool,
    log: Mutex<Vec<Vec<Vec<u8>>>>,
}

impl Faults {
    /// Every request is answered with `-<error>` until `None` is set.
    pub fn set_error(&self, error: Option<&str>) {
        let mut slot = self.error.lock();
        *slot = error.map(str::to_owned);
        self.failing.store(slot.is_some(), Ordering::Release);
    }

    /// The injected error, if any (one atomic load when there is none).
    pub fn error(&self) -> Option<String> {
        if !self.failing.load(Ordering::Acquire) {
            return None;
        }
        self.error.lock().clone()
    }

    /// Starts (or stops) recording every request received.
    pub fn set_logging(&self, on: bool) {
        self.logging.store(on, Ordering::Release);
    }

    /// Records `argv` if logging is on.
    pub fn record(&self, argv: impl FnOnce() -> Vec<Vec<u8>>) {
        if self.logging.load(Ordering::Acquire) {
            self.log.lock().push(argv());
        }
    }

    /// The requests recorded so far, oldest first.
    pub fn log(&self) -> Vec<Vec<Vec<u8>>> {
        self.log.lock().clone()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_log(&self) {
        self.log.lock().clear();
    }
}

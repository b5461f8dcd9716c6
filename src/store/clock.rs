//! Time source for the keyspace: the system clock, or a manual one for tests
//! (TTL tests advance it instead of sleeping).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock starting at `start_ms` (Unix milliseconds).
    pub fn manual(start_ms: u64) -> Clock {
        Clock::Manual(Arc::new(AtomicU64::new(start_ms)))
    }

    /// Unix time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => unix_ms(),
            Clock::Manual(ms) => ms.load(Ordering::Relaxed),
        }
    }

    /// Unix time in microseconds (`TIME`); a manual clock has ms resolution.
    pub fn now_us(&self) -> u64 {
        match self {
            Clock::System => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64),
            Clock::Manual(ms) => ms.load(Ordering::Relaxed) * 1000,
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    pub fn advance(&self, ms: u64) {
        match self {
            Clock::Manual(now) => {
                now.fetch_add(ms, Ordering::Relaxed);
            }
            Clock::System => panic!("the system clock cannot be advanced"),
        }
    }
}

pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_follow_the_clock() {
        let clock = Clock::manual(1_500);
        assert_eq!(clock.now_us(), 1_500_000);
        let (ms, us) = (Clock::System.now_ms(), Clock::System.now_us());
        assert!(us / 1000 >= ms && us / 1000 - ms < 1000, "{ms} {us}");
    }
}

//! Time source for the keyspace and the server's timers: the system clock,
//! or a manual one for tests (TTL tests advance it instead of sleeping, and
//! timers waiting on it fire when it is advanced past their deadline).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Manual(Arc<ManualTime>),
}

/// A manual clock's time, and the timers waiting for it to move.
#[derive(Debug)]
pub struct ManualTime {
    ms: AtomicU64,
    advanced: Notify,
}

/// A timer that fires every period of its clock ([`Clock::every`]).
pub enum Ticker {
    System(tokio::time::Interval),
    Manual { clock: Clock, next_ms: u64, period_ms: u64 },
}

impl Ticker {
    /// Waits for the next period.
    pub async fn tick(&mut self) {
        match self {
            Ticker::System(interval) => {
                interval.tick().await;
            }
            Ticker::Manual { clock, next_ms, period_ms } => {
                clock.sleep_until_ms(*next_ms).await;
                *next_ms = clock.now_ms() + *period_ms;
            }
        }
    }
}

impl Clock {
    /// A manual clock starting at `start_ms` (Unix milliseconds).
    pub fn manual(start_ms: u64) -> Clock {
        Clock::Manual(Arc::new(ManualTime { ms: AtomicU64::new(start_ms), advanced: Notify::new() }))
    }

    /// Unix time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => unix_ms(),
            Clock::Manual(time) => time.ms.load(Ordering::Relaxed),
        }
    }

    /// Unix time in microseconds (`TIME`); a manual clock has ms resolution.
    pub fn now_us(&self) -> u64 {
        match self {
            Clock::System => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64),
            Clock::Manual(time) => time.ms.load(Ordering::Relaxed) * 1000,
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    pub fn advance(&self, ms: u64) {
        match self {
            Clock::Manual(time) => {
                time.ms.fetch_add(ms, Ordering::Relaxed);
                time.advanced.notify_waiters();
            }
            Clock::System => panic!("the system clock cannot be advanced"),
        }
    }

    /// Sets a manual clock to `ms` (Unix milliseconds), even backwards.
    pub fn set_ms(&self, ms: u64) {
        match self {
            Clock::Manual(time) => {
                time.ms.store(ms, Ordering::Relaxed);
                time.advanced.notify_waiters();
            }
            Clock::System => panic!("the system clock cannot be set"),
        }
    }
}

impl Clock {
    /// Resolves `ms` milliseconds from now on this clock: a tokio timer for
    /// the system clock, the moment it is advanced that far for a manual one.
    pub async fn sleep(&self, ms: u64) {
        match self {
            Clock::System => tokio::time::sleep(Duration::from_millis(ms)).await,
            Clock::Manual(_) => self.sleep_until_ms(self.now_ms().saturating_add(ms)).await,
        }
    }

    /// Resolves once this clock reads `deadline_ms` or later.
    async fn sleep_until_ms(&self, deadline_ms: u64) {
        let Clock::Manual(time) = self else {
            let wait = deadline_ms.saturating_sub(self.now_ms());
            return tokio::time::sleep(Duration::from_millis(wait)).await;
        };
        loop {
            // Registered before the time is read, so an advance in between wakes it.
            let advanced = time.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            if time.ms.load(Ordering::Relaxed) >= deadline_ms {
                return;
            }
            advanced.await;
        }
    }

    /// A timer firing every `period_ms` of this clock.
    pub fn every(&self, period_ms: u64) -> Ticker {
        match self {
            Clock::System => Ticker::System(tokio::time::interval(Duration::from_millis(period_ms))),
            Clock::Manual(_) => Ticker::Manual { clock: self.clone(), next_ms: self.now_ms(), period_ms },
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

    #[test]
    fn manual_timers_fire_when_the_clock_is_advanced() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let clock = Clock::manual(1_000);
        runtime.block_on(async {
            let sleeper = clock.clone();
            let timer = tokio::spawn(async move { sleeper.sleep(500).await });
            let mut ticks = clock.every(100);
            ticks.tick().await; // the first tick is at once, as tokio's interval
            tokio::task::yield_now().await;
            clock.advance(499);
            tokio::task::yield_now().await;
            assert!(!timer.is_finished(), "1 ms early");
            clock.advance(1);
            tokio::time::timeout(std::time::Duration::from_secs(5), timer).await.unwrap().unwrap();
            tokio::time::timeout(std::time::Duration::from_secs(5), ticks.tick()).await.unwrap();
        });
    }
}

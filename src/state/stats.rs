//! Server-wide counters for `INFO stats`.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

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

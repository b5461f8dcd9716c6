//! What operators read: per-command statistics (`INFO commandstats`,
//! `latencystats`), error counts (`errorstats`), the slow log (`SLOWLOG`),
//! the latency monitor (`LATENCY`), `MONITOR` feeds, and the server-wide
//! counters of `INFO stats` ([`Stats`]).
//!
//! Cost on the hot path: a connection tallies calls, time and latency
//! buckets in its own [`Tally`] and adds them to the shared atomics once per
//! batch of pipelined requests; the slow log, the latency monitor and
//! monitors each cost one relaxed load per command while they are off.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;
use tokio::sync::mpsc;

/// Latency histogram buckets: exact below 16 µs, then 8 per power of two
/// (12% precision) up to 2^40 µs.
const SUB: u32 = 8;
const BUCKETS: usize = 16 + 37 * SUB as usize;

/// The bucket of a duration in microseconds.
pub fn bucket(usec: u64) -> u16 {
    if usec < 16 {
        return usec as u16;
    }
    let exp = 63 - usec.leading_zeros();
    let sub = ((usec >> (exp - 3)) & u64::from(SUB - 1)) as u32;
    (16 + (exp.min(40) - 4) * SUB + sub).min(BUCKETS as u32 - 1) as u16
}

/// The highest duration a bucket holds, in microseconds.
fn bucket_top(index: usize) -> f64 {
    if index < 16 {
        return index as f64 + 1.0;
    }
    let exp = (index - 16) as u32 / SUB + 4;
    let sub = (index - 16) as u64 % u64::from(SUB);
    let base = 1u64 << exp;
    (base + (sub + 1) * (base >> 3)) as f64
}

/// Nanoseconds on the monotonic clock, for timing commands: the clock
/// `Instant` reads on Linux, without its checked arithmetic and the u128
/// division of `Duration::as_micros`. Only differences mean anything.
#[inline]
pub fn monotonic_ns() -> u64 {
    #[cfg(unix)]
    {
        let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime only writes the struct passed.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
        (now.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(now.tv_nsec as u64)
    }
    #[cfg(not(unix))]
    {
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed().as_nanos() as u64
    }
}

/// One command's (or subcommand's) counters.
#[derive(Debug, Default)]
pub struct CommandStats {
    pub calls: AtomicU64,
    pub usec: AtomicU64,
    pub rejected: AtomicU64,
    pub failed: AtomicU64,
    latency: OnceLock<Box<[AtomicU64]>>,
}

impl CommandStats {
    fn histogram(&self) -> &[AtomicU64] {
        self.latency.get_or_init(|| (0..BUCKETS).map(|_| AtomicU64::new(0)).collect())
    }

    fn reset(&self) {
        for c in [&self.calls, &self.usec, &self.rejected, &self.failed] {
            c.store(0, Ordering::Relaxed);
        }
        if let Some(h) = self.latency.get() {
            h.iter().for_each(|b| b.store(0, Ordering::Relaxed));
        }
    }

    /// `p50=…,p99=…,p99.9=…` in microseconds, as Redis's latencystats.
    pub fn percentiles(&self) -> Option<String> {
        let histogram = self.latency.get()?;
        let counts: Vec<u64> = histogram.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let at = |p: f64| {
            let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (i, &c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return bucket_top(i);
                }
            }
            bucket_top(BUCKETS - 1)
        };
        Some(format!("p50={:.3},p99={:.3},p99.9={:.3}", at(50.0), at(99.0), at(99.9)))
    }
}

/// A connection's counters since its last flush.
#[derive(Debug, Default)]
pub struct Tally {
    commands: Vec<Counts>,
    /// (slot, bucket, count) for calls of 16 µs or more.
    latency: Vec<(u32, u16, u64)>,
    /// The slot of the last call, for a blocked command's failure (`CLIENT UNBLOCK ... ERROR`).
    last_slot: u32,
}

/// One command's counts in a [`Tally`].
#[derive(Debug)]
struct Counts {
    slot: u32,
    calls: u64,
    usec: u64,
    rejected: u64,
    failed: u64,
    /// Calls by duration below 16 µs, the exact buckets (most calls), so
    /// that counting one needs no search. A batch flushes far below 2^32.
    short: [u32; 16],
}

impl Tally {
    fn slot(&mut self, slot: u32) -> &mut Counts {
        let at = match self.commands.iter().rposition(|c| c.slot == slot) {
            Some(at) => at,
            None => {
                self.commands.push(Counts {
                    slot,
                    calls: 0,
                    usec: 0,
                    rejected: 0,
                    failed: 0,
                    short: [0; 16],
                });
                self.commands.len() - 1
            }
        };
        &mut self.commands[at]
    }

    /// A command that ran for `usec`, failed or not.
    pub fn call(&mut self, slot: u32, usec: u64, failed: bool) {
        self.last_slot = slot;
        let entry = self.slot(slot);
        entry.calls += 1;
        entry.usec += usec;
        entry.failed += u64::from(failed);
        if let Some(short) = entry.short.get_mut(usec as usize) {
            *short += 1;
            return;
        }
        let b = bucket(usec);
        match self.latency.iter_mut().rev().find(|l| l.0 == slot && l.1 == b) {
            Some(l) => l.2 += 1,
            None => self.latency.push((slot, b, 1)),
        }
    }

    /// A blocked command's run after a wake-up: its time, not another call.
    pub fn rerun(&mut self, slot: u32, usec: u64) {
        self.slot(slot).usec += usec;
    }

    /// The blocked command (the last call) ended in an error while waiting.
    pub fn fail_last(&mut self) {
        let slot = self.last_slot;
        self.slot(slot).failed += 1;
    }

    /// A command refused before it ran (arity, OOM).
    pub fn reject(&mut self, slot: u32) {
        self.slot(slot).rejected += 1;
    }

    /// Adds everything to the server's counters and starts over.
    pub fn flush(&mut self, metrics: &Metrics) {
        for counts in self.commands.drain(..) {
            let Some(stats) = metrics.commands.get(counts.slot as usize) else { continue };
            for (counter, n) in [
                (&stats.calls, counts.calls),
                (&stats.usec, counts.usec),
                (&stats.rejected, counts.rejected),
                (&stats.failed, counts.failed),
            ] {
                if n != 0 {
                    counter.fetch_add(n, Ordering::Relaxed);
                }
            }
            for (b, &count) in counts.short.iter().enumerate() {
                if count != 0 {
                    stats.histogram()[b].fetch_add(u64::from(count), Ordering::Relaxed);
                }
            }
        }
        for (slot, b, count) in self.latency.drain(..) {
            if let Some(stats) = metrics.commands.get(slot as usize) {
                stats.histogram()[b as usize].fetch_add(count, Ordering::Relaxed);
            }
        }
    }
}

/// One `SLOWLOG` entry.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    pub id: u64,
    pub time_secs: u64,
    pub usec: u64,
    pub argv: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

/// Redis's `SLOWLOG_ENTRY_MAX_ARGC` and `SLOWLOG_ENTRY_MAX_STRING`.
const SLOWLOG_MAX_ARGC: usize = 32;
const SLOWLOG_MAX_STRING: usize = 128;

/// The arguments as the slow log keeps them: at most 32, each at most 128 bytes.
pub fn slowlog_argv<'a>(argv: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    let argc = argv.len();
    let kept = if argc > SLOWLOG_MAX_ARGC { SLOWLOG_MAX_ARGC - 1 } else { argc };
    let mut out: Vec<Vec<u8>> = argv
        .take(kept)
        .map(|a| {
            if a.len() > SLOWLOG_MAX_STRING {
                let mut cut = a[..SLOWLOG_MAX_STRING].to_vec();
                cut.extend_from_slice(
                    format!("... ({} more bytes)", a.len() - SLOWLOG_MAX_STRING).as_bytes(),
                );
                cut
            } else {
                a.to_vec()
            }
        })
        .collect();
    if argc > SLOWLOG_MAX_ARGC {
        out.push(format!("... ({} more arguments)", argc - kept).into_bytes());
    }
    out
}

/// Samples of one latency event (`LATENCY HISTORY`): (unix secs, ms), one
/// per second at most, the last 160 (Redis's `LATENCY_TS_LEN`).
#[derive(Debug, Default, Clone)]
pub struct LatencySeries {
    pub samples: VecDeque<(u64, u64)>,
    pub max: u64,
}

const LATENCY_TS_LEN: usize = 160;

/// Server-wide metrics.
#[derive(Debug)]
pub struct Metrics {
    /// Connection, command and network counters (`INFO stats`).
    pub stats: Stats,
    /// By the registry's stat slot (a command or a subcommand).
    pub commands: Vec<CommandStats>,
    /// `errorstat_<PREFIX>` counts.
    pub errors: Mutex<BTreeMap<String, u64>>,
    pub total_errors: AtomicU64,
    /// `slowlog-log-slower-than` in µs (negative: off).
    pub slowlog_threshold: AtomicI64,
    pub slowlog_max_len: AtomicUsize,
    pub slowlog: Mutex<VecDeque<SlowEntry>>,
    slowlog_next_id: AtomicU64,
    /// `latency-monitor-threshold` in ms (0: off).
    pub latency_threshold: AtomicU64,
    pub latency: Mutex<BTreeMap<&'static str, LatencySeries>>,
    /// How many `MONITOR` clients there are, read per command.
    pub monitor_count: AtomicUsize,
    monitors: Mutex<Vec<(u64, mpsc::UnboundedSender<Vec<u8>>)>>,
}

impl Metrics {
    pub fn new(slots: usize) -> Metrics {
        Metrics {
            stats: Stats::default(),
            commands: (0..slots).map(|_| CommandStats::default()).collect(),
            errors: Mutex::new(BTreeMap::new()),
            total_errors: AtomicU64::new(0),
            slowlog_threshold: AtomicI64::new(10_000),
            slowlog_max_len: AtomicUsize::new(128),
            slowlog: Mutex::new(VecDeque::new()),
            slowlog_next_id: AtomicU64::new(0),
            latency_threshold: AtomicU64::new(0),
            latency: Mutex::new(BTreeMap::new()),
            monitor_count: AtomicUsize::new(0),
            monitors: Mutex::new(Vec::new()),
        }
    }

    /// Error replies by prefix, in prefix order (`INFO errorstats`).
    pub fn error_counts(&self) -> Vec<(String, u64)> {
        self.errors.lock().iter().map(|(prefix, count)| (prefix.clone(), *count)).collect()
    }

    /// Counts an error reply by its first word (`ERR`, `WRONGTYPE`).
    pub fn count_error(&self, text: &str) {
        let prefix = text.split(' ').next().unwrap_or("ERR");
        self.total_errors.fetch_add(1, Ordering::Relaxed);
        *self.errors.lock().entry(prefix.to_string()).or_default() += 1;
    }

    /// Zeroes command and error statistics (`CONFIG RESETSTAT`).
    pub fn reset(&self) {
        self.commands.iter().for_each(CommandStats::reset);
        self.errors.lock().clear();
        self.total_errors.store(0, Ordering::Relaxed);
    }

    /// Adds a slow log entry, dropping the oldest beyond `slowlog-max-len`.
    pub fn log_slow(&self, mut entry: SlowEntry) {
        let max = self.slowlog_max_len.load(Ordering::Relaxed);
        entry.id = self.slowlog_next_id.fetch_add(1, Ordering::Relaxed);
        let mut log = self.slowlog.lock();
        log.push_front(entry);
        log.truncate(max);
    }

    /// Trims the slow log after `slowlog-max-len` shrank.
    pub fn trim_slowlog(&self) {
        let max = self.slowlog_max_len.load(Ordering::Relaxed);
        self.slowlog.lock().truncate(max);
    }

    /// Records a latency event of `ms` at `now_secs` (Redis's `latencyAddSample`).
    /// The slow log's length (`SLOWLOG LEN`).
    pub fn slowlog_len(&self) -> usize {
        self.slowlog.lock().len()
    }

    /// Empties the slow log (`SLOWLOG RESET`).
    pub fn reset_slowlog(&self) {
        self.slowlog.lock().clear();
    }

    /// The newest `count` slow log entries (`SLOWLOG GET`).
    pub fn slowlog_entries(&self, count: usize) -> Vec<SlowEntry> {
        self.slowlog.lock().iter().take(count).cloned().collect()
    }

    /// Every latency event's samples, by event name (a copy).
    pub fn latency_events(&self) -> Vec<(&'static str, LatencySeries)> {
        self.latency.lock().iter().map(|(name, series)| (*name, series.clone())).collect()
    }

    /// Whether the latency monitor samples (`latency-monitor-threshold` > 0).
    pub fn latency_monitor_on(&self) -> bool {
        self.latency_threshold.load(Ordering::Relaxed) != 0
    }

    /// Forgets the events named, or every event when `names` is `None`
    /// (`LATENCY RESET`); how many there were.
    pub fn reset_latency<'a>(&self, names: Option<impl Iterator<Item = &'a [u8]>>) -> usize {
        let mut events = self.latency.lock();
        let Some(names) = names else {
            let count = events.len();
            events.clear();
            return count;
        };
        let mut count = 0;
        for event in names {
            let found = events.keys().find(|name| name.as_bytes() == event).copied();
            if let Some(name) = found {
                events.remove(name);
                count += 1;
            }
        }
        count
    }

    pub fn latency_sample(&self, event: &'static str, now_secs: u64, ms: u64) {
        let mut events = self.latency.lock();
        let series = events.entry(event).or_default();
        series.max = series.max.max(ms);
        match series.samples.back_mut() {
            Some(last) if last.0 == now_secs => last.1 = last.1.max(ms),
            _ => {
                series.samples.push_back((now_secs, ms));
                if series.samples.len() > LATENCY_TS_LEN {
                    series.samples.pop_front();
                }
            }
        }
    }

    /// Registers a `MONITOR` client; lines for it arrive on the receiver.
    pub fn add_monitor(&self, id: u64) -> mpsc::UnboundedReceiver<Vec<u8>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut monitors = self.monitors.lock();
        monitors.retain(|(other, _)| *other != id);
        monitors.push((id, tx));
        self.monitor_count.store(monitors.len(), Ordering::Relaxed);
        rx
    }

    pub fn remove_monitor(&self, id: u64) {
        let mut monitors = self.monitors.lock();
        monitors.retain(|(other, _)| *other != id);
        self.monitor_count.store(monitors.len(), Ordering::Relaxed);
    }

    /// Sends a command to every monitor, as Redis's `replicationFeedMonitors`:
    /// `+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`.
    pub fn feed_monitors<'a>(
        &self,
        now_us: u64,
        db: usize,
        addr: &str,
        argv: impl Iterator<Item = &'a [u8]>,
    ) {
        let mut line = format!("+{}.{:06} [{db} {addr}]", now_us / 1_000_000, now_us % 1_000_000);
        for arg in argv {
            line.push_str(" \"");
            for &b in arg {
                match b {
                    b'\\' => line.push_str("\\\\"),
                    b'"' => line.push_str("\\\""),
                    b'\n' => line.push_str("\\n"),
                    b'\r' => line.push_str("\\r"),
                    b'\t' => line.push_str("\\t"),
                    7 => line.push_str("\\a"),
                    8 => line.push_str("\\b"),
                    b if b.is_ascii_graphic() || b == b' ' => line.push(b as char),
                    b => {
                        let _ = write!(line, "\\x{b:02x}");
                    }
                }
            }
            line.push('"');
        }
        line.push_str("\r\n");
        let bytes = line.into_bytes();
        let mut monitors = self.monitors.lock();
        monitors.retain(|(_, tx)| tx.send(bytes.clone()).is_ok());
        self.monitor_count.store(monitors.len(), Ordering::Relaxed);
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut last = 0;
        for usec in [0u64, 1, 15, 16, 17, 100, 1000, 10_000, 1 << 30, u64::MAX] {
            let b = bucket(usec);
            assert!(b >= last, "{usec}");
            last = b;
            if usec < 1 << 40 {
                let top = bucket_top(b as usize);
                assert!(top >= usec as f64 && top <= usec as f64 * 1.13 + 1.0, "{usec} -> {top}");
            }
        }
    }

    #[test]
    fn short_and_long_calls_land_in_their_buckets() {
        let metrics = Metrics::new(2);
        let mut tally = Tally::default();
        for usec in [0, 15, 15, 16, 1000, 1000] {
            tally.call(1, usec, false);
        }
        tally.flush(&metrics);
        let histogram = metrics.commands[1].histogram();
        let count = |usec| histogram[bucket(usec) as usize].load(Ordering::Relaxed);
        assert_eq!((count(0), count(15), count(16), count(1000)), (1, 2, 1, 2));
        assert_eq!(histogram.iter().map(|b| b.load(Ordering::Relaxed)).sum::<u64>(), 6);
        assert_eq!(metrics.commands[1].usec.load(Ordering::Relaxed), 2046);
        assert!(metrics.commands[0].latency.get().is_none(), "untouched slots stay empty");
    }

    #[test]
    fn tally_flushes_into_the_slots() {
        let metrics = Metrics::new(4);
        let mut tally = Tally::default();
        tally.call(1, 5, false);
        tally.call(1, 7, true);
        tally.reject(2);
        tally.flush(&metrics);
        let s = &metrics.commands[1];
        assert_eq!(s.calls.load(Ordering::Relaxed), 2);
        assert_eq!(s.usec.load(Ordering::Relaxed), 12);
        assert_eq!(s.failed.load(Ordering::Relaxed), 1);
        assert_eq!(metrics.commands[2].rejected.load(Ordering::Relaxed), 1);
        assert_eq!(s.percentiles().unwrap(), "p50=6.000,p99=8.000,p99.9=8.000");
        metrics.reset();
        assert_eq!(s.calls.load(Ordering::Relaxed), 0);
        assert_eq!(s.percentiles(), None);
    }

    #[test]
    fn slowlog_arguments_are_cut_as_redis_does() {
        let long = [b'x'; 200];
        let args: Vec<&[u8]> = vec![&long[..]; 40];
        let kept = slowlog_argv(args.into_iter());
        assert_eq!(kept.len(), 32);
        assert_eq!(kept[0].len(), 128 + "... (72 more bytes)".len());
        assert_eq!(kept[31], b"... (9 more arguments)");
    }
}

//! Approximate LRU/LFU as Redis does it: every key carries a 24-bit access
//! clock (seconds) and an 8-bit logarithmic access counter in its 32-bit
//! `atime`, and eviction samples a few keys per database into a small pool
//! of the best candidates seen so far ([`Pool`]), then deletes the best one.
//! No per-key list is kept, so a write costs O(1) amortized.
//!
//! Under the other policies the counter's 8 bits are free, and they hold the
//! fraction of the second of the last access (1/256 s), so LRU tells apart
//! keys used within the same second. Redis's clock stops at whole seconds.
//! Switching policies at run time reads one as the other until keys are
//! accessed again, as in Redis.

use super::Key;

/// `maxmemory-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    #[default]
    NoEviction,
    AllKeysLru,
    VolatileLru,
    AllKeysLfu,
    VolatileLfu,
    AllKeysRandom,
    VolatileRandom,
    VolatileTtl,
}

impl Policy {
    /// Every policy, in the order Redis lists them in its error message.
    pub const ALL: [Policy; 8] = [
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
        Policy::AllKeysLru,
        Policy::AllKeysLfu,
        Policy::AllKeysRandom,
        Policy::NoEviction,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Policy::NoEviction => "noeviction",
            Policy::AllKeysLru => "allkeys-lru",
            Policy::VolatileLru => "volatile-lru",
            Policy::AllKeysLfu => "allkeys-lfu",
            Policy::VolatileLfu => "volatile-lfu",
            Policy::AllKeysRandom => "allkeys-random",
            Policy::VolatileRandom => "volatile-random",
            Policy::VolatileTtl => "volatile-ttl",
        }
    }

    /// The policy called `name`, ignoring case.
    pub fn parse(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name))
    }

    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }

    /// Only keys with a TTL are candidates.
    pub fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru | Policy::VolatileLfu | Policy::VolatileRandom | Policy::VolatileTtl
        )
    }

    pub fn random(self) -> bool {
        matches!(self, Policy::AllKeysRandom | Policy::VolatileRandom)
    }
}

/// How reads update a key's access metadata: the LFU settings, or plain LRU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Whether the counter is maintained (an LFU policy is selected).
    pub lfu: bool,
    /// `lfu-log-factor`: how many hits it takes to grow the counter.
    pub log_factor: u32,
    /// `lfu-decay-time`: minutes per decrement of an idle key's counter (0: never).
    pub decay_minutes: u32,
}

impl Default for Access {
    fn default() -> Self {
        Access { lfu: false, log_factor: 10, decay_minutes: 1 }
    }
}

/// Bits of `atime` holding the access clock (seconds, wrapping every 194 days).
pub const CLOCK_BITS: u32 = 24;
pub const CLOCK_MASK: u32 = (1 << CLOCK_BITS) - 1;
/// A new key's LFU counter, as Redis's `LFU_INIT_VAL`: new keys are not the
/// first to go.
pub const LFU_INIT: u8 = 5;

/// The access clock at `now_secs`.
#[inline]
pub fn clock(now_secs: u64) -> u32 {
    (now_secs as u32) & CLOCK_MASK
}

/// 1/256ths of the second at `now_ms`.
#[inline]
fn fraction(now_ms: u64) -> u32 {
    ((now_ms % 1000) * 256 / 1000) as u32
}

/// Metadata of a key created at `now_ms`.
#[inline]
pub fn fresh(now_ms: u64, access: Access) -> u32 {
    let high = if access.lfu { u32::from(LFU_INIT) } else { fraction(now_ms) };
    (high << CLOCK_BITS) | clock(now_ms / 1000)
}

/// Seconds since the access clock read `then` (wrapping as Redis's `estimateObjectIdleTime`).
#[inline]
pub fn idle_secs(atime: u32, now_secs: u64) -> u32 {
    clock(now_secs).wrapping_sub(atime & CLOCK_MASK) & CLOCK_MASK
}

/// The LFU counter.
#[inline]
pub fn counter(atime: u32) -> u8 {
    (atime >> CLOCK_BITS) as u8
}

/// The counter after the decay its idle time earns (`LFUDecrAndReturn`).
pub fn decayed(atime: u32, now_secs: u64, access: Access) -> u8 {
    let counter = counter(atime);
    if access.decay_minutes == 0 {
        return counter;
    }
    let periods = idle_secs(atime, now_secs) / 60 / access.decay_minutes;
    counter.saturating_sub(periods.min(255) as u8)
}

/// Redis's `LFULogIncr`: the counter grows with probability
/// 1 / ((counter - LFU_INIT) * log_factor + 1).
pub fn log_incr(counter: u8, log_factor: u32) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if fastrand::f64() < p {
        counter + 1
    } else {
        counter
    }
}

/// The metadata after an access at `now_ms`.
#[inline]
pub fn accessed(atime: u32, now_ms: u64, access: Access) -> u32 {
    let now_secs = now_ms / 1000;
    if access.lfu {
        let counter = log_incr(decayed(atime, now_secs, access), access.log_factor);
        (u32::from(counter) << CLOCK_BITS) | clock(now_secs)
    } else {
        (fraction(now_ms) << CLOCK_BITS) | clock(now_secs)
    }
}

/// How good a candidate a key is (higher goes first), as Redis scores the
/// eviction pool: idle time for LRU, 255 - frequency for LFU, and the
/// nearest deadline for volatile-ttl.
pub fn score(policy: Policy, atime: u32, deadline: Option<u64>, now_ms: u64, access: Access) -> u64 {
    let now_secs = now_ms / 1000;
    match policy {
        Policy::AllKeysLfu | Policy::VolatileLfu => 255 - u64::from(decayed(atime, now_secs, access)),
        Policy::VolatileTtl => u64::MAX - deadline.unwrap_or(u64::MAX),
        // Milliseconds idle, to 1/256 s.
        _ => (u64::from(idle_secs(atime, now_secs)) * 1000 + now_ms % 1000)
            .saturating_sub(u64::from(counter(atime)) * 1000 / 256),
    }
}

/// Redis's `EVPOOL_SIZE`.
pub const POOL_SIZE: usize = 16;

/// One candidate: its score and where it lives.
#[derive(Debug, Clone)]
struct Candidate {
    score: u64,
    db: usize,
    key: Key,
}

/// The best candidates sampled so far, ascending by score (the best last).
/// Kept across evictions, as Redis's `EvictionPoolLRU`; a candidate that was
/// deleted meanwhile is skipped when popped.
#[derive(Debug, Default)]
pub struct Pool {
    candidates: Vec<Candidate>,
}

impl Pool {
    /// Offers a sampled key; kept if the pool has room or it beats the worst.
    pub fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        if self.candidates.iter().any(|c| c.db == db && *c.key == *key) {
            return;
        }
        let at = self.candidates.partition_point(|c| c.score < score);
        if self.candidates.len() < POOL_SIZE {
            self.candidates.insert(at, Candidate { score, db, key: key.into() });
        } else if at > 0 {
            // Full: drop the worst (first) to make room.
            self.candidates.remove(0);
            self.candidates.insert(at - 1, Candidate { score, db, key: key.into() });
        }
    }

    /// The best candidate.
    pub fn pop(&mut self) -> Option<(usize, Key)> {
        self.candidates.pop().map(|c| (c.db, c.key))
    }

    pub fn clear(&mut self) {
        self.candidates.clear();
    }

    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }
}

/// The eviction settings and state shared by all databases.
#[derive(Debug)]
pub struct Eviction {
    pub policy: Policy,
    /// `maxmemory-samples`: keys sampled per database per round.
    pub samples: usize,
    pub pool: Pool,
    /// Where eviction samples next, rotating over shards (and databases,
    /// for the random policies).
    pub next_db: usize,
}

impl Default for Eviction {
    fn default() -> Self {
        Eviction { policy: Policy::NoEviction, samples: 5, pool: Pool::default(), next_db: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.name()), Some(p));
        }
        assert_eq!(Policy::parse("ALLKEYS-LRU"), Some(Policy::AllKeysLru));
        assert_eq!(Policy::parse("lru"), None);
    }

    #[test]
    fn clock_wraps_and_counter_decays() {
        let access = Access { lfu: true, log_factor: 10, decay_minutes: 1 };
        let t = fresh(1_000_000, access);
        assert_eq!(counter(t), LFU_INIT);
        assert_eq!(idle_secs(t, 1010), 10);
        let end = u64::from(CLOCK_MASK) * 1000;
        assert_eq!(idle_secs(fresh(end, access), u64::from(CLOCK_MASK) + 5), 5);
        assert_eq!(decayed(t, 1000 + 120, access), LFU_INIT - 2);
        assert_eq!(decayed(t, 1000 + 3600, access), 0);
        assert_eq!(decayed(t, 1000 + 3600, Access { decay_minutes: 0, ..access }), LFU_INIT);
    }

    #[test]
    fn lru_scores_order_accesses_within_a_second() {
        let lru = Access::default();
        let early = accessed(fresh(0, lru), 5_100, lru);
        let late = accessed(fresh(0, lru), 5_900, lru);
        let now = 6_000;
        let (early, late) = (
            score(Policy::AllKeysLru, early, None, now, lru),
            score(Policy::AllKeysLru, late, None, now, lru),
        );
        assert!(early > late, "{early} {late}");
        assert!((895..=905).contains(&early) && (95..=105).contains(&late), "{early} {late}");
    }

    #[test]
    fn counter_grows_logarithmically() {
        let mut c = 0u8;
        for _ in 0..100 {
            c = log_incr(c, 10);
        }
        assert!((6..=20).contains(&c), "{c}");
        let mut c = 0u8;
        for _ in 0..1000 {
            c = log_incr(c, 0);
        }
        assert_eq!(c, 255, "factor 0 counts every hit");
    }

    #[test]
    fn pool_keeps_the_best() {
        let mut pool = Pool::default();
        for i in 0..40u64 {
            pool.offer(i, 0, format!("k{i}").as_bytes());
        }
        pool.offer(39, 0, b"k39");
        assert_eq!(pool.len(), POOL_SIZE);
        assert_eq!(pool.pop().map(|(_, k)| k.to_vec()), Some(b"k39".to_vec()));
        pool.offer(0, 0, b"low");
        assert_eq!(pool.len(), POOL_SIZE, "room again after a pop");
        let mut last = None;
        while let Some((_, key)) = pool.pop() {
            last = Some(key);
        }
        assert_eq!(last.as_deref(), Some(&b"low"[..]));
    }
}

//! The keyspace split into shards by key hash, each behind its
//! own lock, so commands on keys in different shards run in parallel on
//! different threads. There is no lock over the whole keyspace.
//!
//! A command sees a [`Keyspace`] view: it locks the shards of the command's
//! keys (named by the command's key specification) together, in ascending
//! order, on first use, and releases them when the command returns. A
//! multi-key command therefore stays atomic, and commands without a key
//! specification (`KEYS`, `FLUSHALL`, `SAVE`) lock every shard.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering};

use once_cell::sync::Lazy;
use parking_lot::Mutex;

mod view;

use super::effects::Effects;
use super::evict::{Access, Eviction, Policy};
use super::{Db, DbStats, Key, Value};

use view::AccessSettings;
pub use view::Keyspace;

/// Most shards a store has: one bit each in a `u64` lock mask.
pub const MAX_SHARDS: usize = 64;

/// Keys sampled per shard and database in one round of the active expiry
/// cycle (Redis's default per database).
pub const EXPIRE_SAMPLES: usize = 20;
/// Rounds per database per shard per cycle at most, so one cycle holds each
/// shard briefly.
pub const EXPIRE_MAX_ROUNDS: usize = 16;

/// How a dataset is laid out: its databases, and its shards (a power of two
/// up to [`MAX_SHARDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub databases: usize,
    bits: u32,
}

impl Shape {
    /// Four shards per thread, so threads rarely meet on one, and no more
    /// than needed: each shard's tables grow on their own, and many small
    /// tables leave more freed memory behind in the heap than a few big ones
    /// (64 shards cost about 5 bytes per key more RSS than 8 for a million keys).
    pub fn for_threads(databases: usize, threads: usize) -> Shape {
        Shape::new(databases, (threads.max(1) * 4).next_power_of_two().min(MAX_SHARDS))
    }

    /// `shards` must be a power of two up to [`MAX_SHARDS`] (1: one lock
    /// for everything, as a baseline for benchmarks).
    pub fn new(databases: usize, shards: usize) -> Shape {
        assert!(shards.is_power_of_two() && shards <= MAX_SHARDS, "bad shard count {shards}");
        Shape { databases, bits: shards.trailing_zeros() }
    }

    pub fn shards(self) -> usize {
        1 << self.bits
    }

    /// The lock mask of every shard.
    fn all(self) -> u64 {
        u64::MAX >> (64 - self.shards())
    }

    /// The shard `key` lives in. One process-wide seed, so a dataset built
    /// apart from the store (a load) routes keys the same way.
    pub fn shard_of(self, key: &[u8]) -> usize {
        static ROUTE: Lazy<foldhash::fast::RandomState> = Lazy::new(Default::default);
        ROUTE.hash_one(key).checked_shr(64 - self.bits).unwrap_or(0) as usize
    }
}

/// One shard: for every database, the keys that hash here.
#[derive(Debug)]
pub struct Shard {
    pub dbs: Vec<Db>,
}

impl Shard {
    fn new(databases: usize) -> Shard {
        Shard { dbs: (0..databases).map(|_| Db::new()).collect() }
    }

    pub fn set_now(&mut self, now_ms: u64) {
        self.dbs.iter_mut().for_each(|db| db.set_now(now_ms));
    }

    /// Moves the keys expiry deleted here (when tracking is on) into `effects`.
    pub fn take_expired(&mut self, effects: &mut Effects) {
        for (index, db) in self.dbs.iter_mut().enumerate() {
            if db.has_expired() {
                effects.take_expired(index, db.take_expired());
            }
        }
    }

    /// Redis's active expiry for this shard: per database, check keys with
    /// deadlines and delete the expired ones, repeating while more than a
    /// quarter of a round was expired. Returns how many keys it deleted.
    pub fn active_expire_cycle(&mut self, now_ms: u64) -> usize {
        self.set_now(now_ms);
        let mut total = 0;
        for db in &mut self.dbs {
            for _ in 0..EXPIRE_MAX_ROUNDS {
                let (sampled, expired) = db.expire_sample(EXPIRE_SAMPLES);
                total += expired;
                if sampled == 0 || expired * 4 <= sampled {
                    break;
                }
            }
        }
        total
    }
}

/// A dataset outside any store: what a load builds before it replaces the
/// live one in one step.
#[derive(Debug)]
pub struct Dataset {
    shape: Shape,
    shards: Vec<Shard>,
    /// `FUNCTION` library code, as the snapshot holds it.
    pub functions: Vec<Vec<u8>>,
}

impl Dataset {
    pub fn new(shape: Shape) -> Dataset {
        Dataset {
            shape,
            shards: (0..shape.shards()).map(|_| Shard::new(shape.databases)).collect(),
            functions: Vec::new(),
        }
    }

    /// Adds a loaded key, unless its deadline has passed; false when it
    /// was there already (the value is then replaced).
    pub fn insert(
        &mut self,
        db: usize,
        key: &[u8],
        value: Value,
        deadline: Option<u64>,
        now_ms: u64,
    ) -> bool {
        if deadline.is_some_and(|d| d <= now_ms) {
            return true;
        }
        let db = &mut self.shards[self.shape.shard_of(key)].dbs[db];
        db.set_now(now_ms);
        let existed = db.contains(key);
        db.set_with_deadline(key, value, deadline);
        !existed
    }

    /// Keys in all databases.
    pub fn len(&self) -> usize {
        self.shards.iter().flat_map(|s| &s.dbs).map(Db::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The shards, and the eviction state they share.
#[derive(Debug)]
pub struct Store {
    shards: Box<[Mutex<Shard>]>,
    shape: Shape,
    /// The sampling pool; taken only by [`Store::perform_evictions`], and
    /// never while a shard is held, so it cannot deadlock with commands.
    eviction: Mutex<Eviction>,
    /// The policy, readable while holding shards (`INFO`, `OBJECT FREQ`).
    policy: AtomicU8,
    evicted: AtomicU64,
    /// `hash-max-listpack-entries` and `-value`, `set-max-intset-entries`,
    /// `zset-max-listpack-entries` and `-value`, `stream-node-max-bytes`
    /// and `-entries`, read as values are written.
    size_limits: [AtomicUsize; 7],
    /// The highest `hash-max-listpack-entries` set so far (see `Limits::hash_entries_lowered`).
    hash_entries_peak: AtomicUsize,
    /// `list-max-listpack-size`.
    list_max_listpack_size: AtomicI64,
    /// The code of every `FUNCTION` library, kept by the scripting engine
    /// so snapshots and log rewrites carry it.
    functions: Mutex<Vec<Vec<u8>>>,
}

/// The size limits in the order of `Store::size_limits`' slots.
fn size_limit_slots(l: super::Limits) -> [usize; 7] {
    [
        l.hash_max_listpack_entries,
        l.hash_max_listpack_value,
        l.set_max_intset_entries,
        l.zset_max_listpack_entries,
        l.zset_max_listpack_value,
        l.stream_node_max_bytes,
        l.stream_node_max_entries,
    ]
}

impl Store {
    pub fn new(data: Dataset) -> Store {
        Store {
            shards: data.shards.into_iter().map(Mutex::new).collect(),
            shape: data.shape,
            eviction: Mutex::new(Eviction::default()),
            policy: AtomicU8::new(
                Policy::ALL.iter().position(|&p| p == Policy::NoEviction).unwrap_or(0) as u8
            ),
            evicted: AtomicU64::new(0),
            size_limits: size_limit_slots(super::Limits::default()).map(AtomicUsize::new),
            hash_entries_peak: AtomicUsize::new(0),
            list_max_listpack_size: AtomicI64::new(super::Limits::default().list_max_listpack_size),
            functions: Mutex::new(data.functions),
        }
    }

    /// The code of every `FUNCTION` library.
    pub fn functions(&self) -> Vec<Vec<u8>> {
        self.functions.lock().clone()
    }

    pub fn set_functions(&self, codes: Vec<Vec<u8>>) {
        *self.functions.lock() = codes;
    }

    /// Sets the encodings' limits; values follow them as they are next written.
    pub fn set_limits(&self, limits: super::Limits) {
        for (slot, value) in self.size_limits.iter().zip(size_limit_slots(limits)) {
            slot.store(value, Ordering::Relaxed);
        }
        self.hash_entries_peak.fetch_max(limits.hash_max_listpack_entries, Ordering::Relaxed);
        self.list_max_listpack_size.store(limits.list_max_listpack_size, Ordering::Relaxed);
    }

    /// The encodings' limits now.
    pub fn limits(&self) -> super::Limits {
        let [entries, value, set_entries, zset_entries, zset_value, stream_bytes, stream_entries] =
            self.size_limits.each_ref().map(|slot| slot.load(Ordering::Relaxed));
        super::Limits {
            hash_max_listpack_entries: entries,
            hash_max_listpack_value: value,
            hash_entries_lowered: entries < self.hash_entries_peak.load(Ordering::Relaxed),
            list_max_listpack_size: self.list_max_listpack_size.load(Ordering::Relaxed),
            set_max_intset_entries: set_entries,
            zset_max_listpack_entries: zset_entries,
            zset_max_listpack_value: zset_value,
            stream_node_max_bytes: stream_bytes,
            stream_node_max_entries: stream_entries,
        }
    }

    pub fn databases(&self) -> usize {
        self.shape.databases
    }

    /// Databases and shards: what a dataset loaded to replace this one must have.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// A view that locks shards as the caller uses them.
    pub fn view(&self) -> Keyspace<'_> {
        let settings = AccessSettings { now: 0, touch: true, track_expired: false };
        Keyspace {
            store: self,
            held: 0,
            want: self.shape.all(),
            db: 0,
            settings,
            effects: Effects::default(),
            routed: Default::default(),
        }
    }

    /// A view holding every shard: a consistent picture of the whole keyspace.
    pub fn lock_all(&self) -> Keyspace<'_> {
        let mut view = self.view();
        view.hold_all();
        view
    }

    /// Runs `f` on each shard in turn, holding only that shard.
    pub fn for_each_shard(&self, mut f: impl FnMut(&mut Shard)) {
        for shard in self.shards.iter() {
            f(&mut shard.lock());
        }
    }

    /// As [`Store::for_each_shard`], stopping before the next shard once
    /// `stop` holds (a script that holds every shard is about to run).
    pub fn for_each_shard_until(&self, stop: impl Fn() -> bool, mut f: impl FnMut(&mut Shard)) {
        for shard in self.shards.iter() {
            if stop() {
                return;
            }
            f(&mut shard.lock());
        }
    }

    pub fn policy(&self) -> Policy {
        Policy::ALL[self.policy.load(Ordering::Relaxed) as usize]
    }

    /// Keys evicted since start-up or `CONFIG RESETSTAT` (`evicted_keys`).
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    /// Summed counters of all databases (the caller holds no shard).
    pub fn stats(&self) -> DbStats {
        self.lock_all().stats()
    }

    /// Applies the eviction settings: the policy, samples and LFU parameters.
    /// The caller holds no shard.
    pub fn set_eviction(&self, policy: Policy, samples: usize, access: Access) {
        let mut eviction = self.eviction.lock();
        if policy != eviction.policy {
            eviction.pool.clear();
        }
        eviction.policy = policy;
        eviction.samples = samples.max(1);
        let index = Policy::ALL.iter().position(|&p| p == policy).unwrap_or(0);
        self.policy.store(index as u8, Ordering::Relaxed);
        drop(eviction);
        let access = Access { lfu: policy.is_lfu(), ..access };
        self.for_each_shard(|shard| shard.dbs.iter_mut().for_each(|db| db.set_access(access)));
    }

    /// Evicts keys by the policy while `over_limit()` says memory is above
    /// `maxmemory` (Redis's `performEvictions`), locking one shard at a time.
    /// Returns false when memory is still over the limit and nothing more
    /// can be evicted (or the policy is `noeviction`). `evicted(db, key)`
    /// hears of each key evicted while its shard is still held. The caller
    /// holds no shard.
    pub fn perform_evictions(
        &self,
        now_ms: u64,
        mut over_limit: impl FnMut() -> bool,
        mut evicted: impl FnMut(usize, &[u8]),
    ) -> bool {
        let mut eviction = self.eviction.lock();
        let policy = eviction.policy;
        // A bound on one call's work, so one command never stalls the server.
        let mut budget = 100_000;
        while over_limit() {
            if policy == Policy::NoEviction || budget == 0 {
                return false;
            }
            budget -= 1;
            let Some((db, key)) = self.pick_victim(&mut eviction, now_ms) else { return false };
            let mut shard = self.shards[self.shape.shard_of(&key)].lock();
            let part = &mut shard.dbs[db];
            part.set_now(now_ms);
            if part.remove(&key).is_some() {
                self.evicted.fetch_add(1, Ordering::Relaxed);
                evicted(db, &key);
            }
        }
        true
    }

    /// The next key to evict, if any key qualifies.
    fn pick_victim(&self, eviction: &mut Eviction, now_ms: u64) -> Option<(usize, Key)> {
        let policy = eviction.policy;
        let (shards, databases) = (self.shape.shards(), self.shape.databases);
        if policy.random() {
            let places = shards * databases;
            for step in 0..places {
                let place = (eviction.next_db + step) % places;
                let shard = self.shards[place / databases].lock();
                if let Some(key) = shard.dbs[place % databases].random_victim(policy.volatile()) {
                    eviction.next_db = (place + 1) % places;
                    return Some((place % databases, key));
                }
            }
            return None;
        }
        // Sample shard after shard (every database of each) until the pool
        // holds a candidate that still qualifies.
        for _ in 0..shards {
            let next = eviction.next_db % shards;
            eviction.next_db = (next + 1) % shards;
            {
                let mut shard = self.shards[next].lock();
                for (index, db) in shard.dbs.iter_mut().enumerate() {
                    db.set_now(now_ms);
                    db.evict_sample(index, policy, eviction.samples, &mut eviction.pool);
                }
            }
            // Candidates deleted since they were pooled are skipped.
            while let Some((db, key)) = eviction.pool.pop() {
                let shard = self.shards[self.shape.shard_of(&key)].lock();
                if shard.dbs[db].qualifies(&key, policy.volatile()) {
                    return Some((db, key));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(Dataset::new(Shape::for_threads(2, 16)))
    }

    /// A store holding `k0` .. `k{n-1}` in database 0.
    fn filled(n: usize) -> Store {
        let store = store();
        let mut ks = store.view();
        for i in 0..n {
            ks.set(format!("k{i}").as_bytes(), Value::string("v"));
        }
        drop(ks);
        store
    }

    #[test]
    fn four_shards_per_thread_up_to_sixty_four() {
        let shards = |threads| Shape::for_threads(16, threads).shards();
        assert_eq!(
            [shards(0), shards(1), shards(2), shards(3), shards(16), shards(64)],
            [4, 4, 8, 16, 64, 64]
        );
        assert_eq!(Shape::for_threads(1, 16).all(), u64::MAX);
        assert_eq!(Shape::for_threads(1, 2).all(), 0xff);
        assert_eq!(Shape::new(1, 1).all(), 1);
        assert_eq!(Shape::new(1, 1).shard_of(b"any"), 0);
    }

    #[test]
    fn keys_spread_over_shards_and_route_back() {
        let store = filled(1000);
        let mut ks = store.view();
        assert_eq!(ks.len(), 1000);
        let used = ks.shards().filter(|s| !s.dbs[0].is_empty()).count();
        assert_eq!(store.shape().shards(), MAX_SHARDS);
        assert!(used > MAX_SHARDS / 2, "keys landed in only {used} shards");
        assert!(ks.contains(b"k999"));
        assert_eq!(ks.select(1).len(), 0);
    }

    #[test]
    fn a_view_locks_its_wanted_shards_together_and_releases_them() {
        let store = store();
        let (a, b) = (b"alpha".as_slice(), b"beta".as_slice());
        {
            let mut ks = store.view();
            ks.want_keys([a, b].into_iter());
            ks.set(a, Value::string("1"));
            // Both shards are held from the first access on.
            assert!(store.shards[store.shape.shard_of(b)].try_lock().is_none());
            assert!(store.shards[store.shape.shard_of(a)].try_lock().is_none());
            ks.set(b, Value::string("2"));
        }
        assert!(store.shards.iter().all(|s| s.try_lock().is_some()), "dropping the view unlocks");
    }

    #[test]
    fn out_of_order_locking_never_deadlocks() {
        let store = std::sync::Arc::new(store());
        let keys: Vec<Vec<u8>> = (0..64).map(|i| format!("key{i}").into_bytes()).collect();
        let (done, finished) = std::sync::mpsc::channel();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (store, keys, done) = (store.clone(), keys.clone(), done.clone());
                std::thread::spawn(move || {
                    for round in 0..2000 {
                        // No key specification: keys are locked as met, in any order.
                        let mut ks = store.view();
                        ks.want = 0;
                        for k in 0..3 {
                            let key = &keys[(round * 7 + t * 13 + k * 29) % keys.len()];
                            ks.set(key, Value::string("v"));
                        }
                    }
                    let _ = done.send(());
                })
            })
            .collect();
        // A deadlock fails the test instead of hanging it (the stuck
        // threads are left behind); 8,000 rounds take well under a second.
        for _ in 0..threads.len() {
            let finished = finished.recv_timeout(std::time::Duration::from_secs(60));
            assert!(finished.is_ok(), "deadlock: a thread did not finish its rounds within 60 s");
        }
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(store.view().len(), 64);
    }

    #[test]
    fn scan_visits_every_key_across_shards() {
        let store = filled(500);
        let mut ks = store.view();
        let (mut cursor, mut seen) = (0, std::collections::HashSet::new());
        loop {
            cursor = ks.scan(cursor, 7, |_, key| {
                seen.insert(key);
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 500);
    }

    #[test]
    fn random_key_and_summary() {
        let store = store();
        let mut ks = store.lock_all();
        assert_eq!(ks.random_key(&mut fastrand::Rng::new()), None);
        ks.set_with_deadline(b"a", Value::string("v"), Some(10_000));
        ks.set(b"b", Value::string("v"));
        assert!(ks.random_key(&mut fastrand::Rng::new()).is_some());
        let (keys, volatile, _) = ks.db_summary(0);
        assert_eq!((keys, volatile), (2, 1));
    }

    #[test]
    fn writes_record_their_keys_and_reads_record_nothing() {
        let store = store();
        let mut ks = store.view();
        ks.select(1).set(b"a", Value::string("v"));
        assert!(ks.get(b"a").is_some());
        assert!(ks.get_mut(b"missing").is_none());
        assert!(!ks.delete(b"missing"));
        assert!(!ks.clear_deadline(b"a"), "no deadline to clear");
        ks.select(0).set(b"b", Value::string("v"));
        assert!(ks.remove(b"b").is_some());
        let modified: Vec<_> = ks.effects().modified_keys().collect();
        assert_eq!(modified, [(1, Some(&b"a"[..])), (0, Some(&b"b"[..]))]);
        ks.clear();
        assert_eq!(ks.effects().modified_keys().last(), Some((0, None)), "FLUSHDB: the whole database");
    }

    #[test]
    fn typed_writes_record_their_keys() {
        let store = store();
        let mut ks = store.view();
        ks.set(b"s", Value::string("v"));
        assert!(ks.get_typed_mut::<super::super::Hash>(b"s").is_err(), "WRONGTYPE records nothing");
        assert!(ks.get_typed_mut::<super::super::Hash>(b"missing").unwrap().is_none());
        assert!(ks.get_typed::<super::super::Str>(b"s").unwrap().is_some());
        ks.typed_or_default::<super::super::Hash>(b"h").unwrap();
        assert!(ks.get_typed_mut::<super::super::Hash>(b"h").unwrap().is_some());
        let modified: Vec<_> = ks.effects().modified_keys().collect();
        assert_eq!(modified, [(0, Some(&b"s"[..])), (0, Some(&b"h"[..]))]);
    }
}

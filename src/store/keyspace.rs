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
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use once_cell::sync::Lazy;
use parking_lot::Mutex;

use super::effects::{Effects, ALL_DBS};
use super::evict::{Access, Eviction, Policy};
use super::{scan_step, Db, DbStats, Key, Value};

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
}

impl Dataset {
    pub fn new(shape: Shape) -> Dataset {
        Dataset { shape, shards: (0..shape.shards()).map(|_| Shard::new(shape.databases)).collect() }
    }

    /// Adds a loaded key, unless its deadline has passed.
    pub fn insert(&mut self, db: usize, key: &[u8], value: Value, deadline: Option<u64>, now_ms: u64) {
        if deadline.is_some_and(|d| d <= now_ms) {
            return;
        }
        let db = &mut self.shards[self.shape.shard_of(key)].dbs[db];
        db.set_now(now_ms);
        db.set_with_deadline(key, value, deadline);
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
        let rules = Rules { now: 0, touch: true, track_expired: false };
        Keyspace { store: self, held: 0, want: self.shape.all(), db: 0, rules, effects: Effects::default() }
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

/// What a command sees of the keyspace: the shards it holds, and the
/// database it works on. Key methods route to the key's shard and mirror
/// [`Db`]'s; whole-database methods lock every shard.
pub struct Keyspace<'a> {
    store: &'a Store,
    /// Shards locked by this view (bit `i`: shard `i`).
    held: u64,
    /// Shards to lock together on first use: the command's keys.
    want: u64,
    db: usize,
    rules: Rules,
    /// What the command did (the connection's reusable buffers, lent for
    /// the command).
    effects: Effects,
}

impl Drop for Keyspace<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// Key-routed methods that forward to the key's shard's [`Db`].
macro_rules! by_key {
    ($( $(#[$doc:meta])* fn $name:ident(key $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, key: &[u8] $(, $arg: $ty)*) $(-> $ret)? {
                self.db_for(key).$name(key $(, $arg)*)
            }
        )*
    };
}

/// Key-routed methods that change the key: the key is recorded as
/// modified in the view's [`Effects`] when `$changed` holds for the result.
macro_rules! by_key_recorded {
    ($( $(#[$doc:meta])* fn $name:ident(key $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)? => $changed:expr; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(&mut self, key: &[u8] $(, $arg: $ty)*) $(-> $ret)? {
                let (db, effects, index) = self.db_and_effects(key);
                let result = db.$name(key $(, $arg)*);
                #[allow(clippy::redundant_closure_call)]
                if ($changed)(&result) {
                    effects.modified(index, key);
                }
                result
            }
        )*
    };
}

impl<'a> Keyspace<'a> {
    /// Sets what the current command works with: its database, clock and
    /// access rules.
    pub fn prepare(&mut self, db: usize, now_ms: u64, touch: bool, track_expired: bool) {
        self.db = db;
        self.rules = Rules { now: now_ms, touch, track_expired };
    }

    /// Names the shards of the command's keys, so they are locked together.
    pub fn want_keys<'k>(&mut self, keys: impl Iterator<Item = &'k [u8]>) {
        let shape = self.store.shape;
        self.want = keys.fold(0, |mask, key| mask | 1 << shape.shard_of(key));
    }

    /// Unknown keys: every shard.
    pub fn want_all(&mut self) {
        self.want = self.all();
    }

    /// The lock mask of every shard.
    fn all(&self) -> u64 {
        self.store.shape.all()
    }

    /// Works on database `db` from here on (`MOVE`, `COPY ... DB`).
    pub fn select(&mut self, db: usize) -> &mut Self {
        self.db = db;
        self
    }

    pub fn databases(&self) -> usize {
        self.store.shape.databases
    }

    /// Locks the shards in `need` not yet held. In ascending order when
    /// they all lie above those held (always so for the first lock, which
    /// takes the whole `want` set); otherwise, only if they are free at
    /// once, or else everything is released and relocked in order, so two
    /// views can never wait on each other.
    fn acquire(&mut self, need: u64) {
        let need = if self.held == 0 { need | self.want } else { need };
        let missing = need & !self.held;
        if missing == 0 {
            return;
        }
        debug_assert!(
            self.held == 0 || self.want == 0 || self.want == self.all() || need & !self.want == 0,
            "a command touched a key outside its key specification"
        );
        let above_held = self.held == 0 || missing.trailing_zeros() > 63 - self.held.leading_zeros();
        if !above_held {
            let mut taken = 0u64;
            for i in bits(missing) {
                match self.store.shards[i].try_lock() {
                    Some(guard) => {
                        std::mem::forget(guard);
                        taken |= 1 << i;
                    }
                    None => {
                        self.held |= taken;
                        let all = self.held | missing;
                        self.release();
                        return self.lock_in_order(all);
                    }
                }
            }
            self.held |= taken;
            return;
        }
        self.lock_in_order(missing);
    }

    fn lock_in_order(&mut self, mask: u64) {
        for i in bits(mask) {
            std::mem::forget(self.store.shards[i].lock());
        }
        self.held |= mask;
    }

    fn release(&mut self) {
        for i in bits(self.held) {
            // SAFETY: bit `i` of `held` means this view locked shard `i` and
            // forgot the guard; nothing borrowed from it outlives `&mut self`.
            unsafe { self.store.shards[i].force_unlock() };
        }
        self.held = 0;
    }

    /// Shard `i`, locking it if needed.
    fn shard(&mut self, i: usize) -> &mut Shard {
        self.acquire(1 << i);
        // SAFETY: as in `held_shards`: the view now holds shard `i`'s lock.
        unsafe { &mut *self.store.shards[i].data_ptr() }
    }

    /// Locks every shard not yet held (a consistent picture of everything).
    pub fn hold_all(&mut self) -> &mut Self {
        self.acquire(self.all());
        self
    }

    /// The shards this view holds.
    fn held_shards(&self) -> impl Iterator<Item = &Shard> {
        // SAFETY: bit `i` of `held` means this view holds shard `i`'s lock;
        // shared borrows only, ending before the view can release it.
        bits(self.held).map(|i| unsafe { &*self.store.shards[i].data_ptr() })
    }

    /// The shards this view holds, for changing.
    fn held_shards_mut(&mut self) -> impl Iterator<Item = &mut Shard> {
        // SAFETY: as in `held_shards`, and each `&mut` is to a different shard.
        bits(self.held).map(|i| unsafe { &mut *self.store.shards[i].data_ptr() })
    }

    /// Every shard; the view must hold them all.
    pub fn shards(&self) -> impl Iterator<Item = &Shard> {
        assert_eq!(self.held, self.all(), "the whole keyspace is read only while every shard is held");
        self.held_shards()
    }

    /// Every shard, locking those not yet held.
    pub fn shards_mut(&mut self) -> impl Iterator<Item = &mut Shard> {
        self.hold_all().held_shards_mut()
    }

    /// The current database's part in the shard of `key`.
    fn db_for(&mut self, key: &[u8]) -> &mut Db {
        let (index, rules) = (self.db, self.rules);
        let shard = self.store.shape.shard_of(key);
        rules.apply(&mut self.shard(shard).dbs[index])
    }

    /// As [`Keyspace::db_for`], with the effects beside it and the database's index.
    fn db_and_effects(&mut self, key: &[u8]) -> (&mut Db, &mut Effects, usize) {
        let (index, rules) = (self.db, self.rules);
        let shard = self.store.shape.shard_of(key);
        self.acquire(1 << shard);
        // SAFETY: as in `shard`: the view now holds this shard's lock, and
        // the borrow is disjoint from `self.effects`.
        let shard = unsafe { &mut *self.store.shards[shard].data_ptr() };
        (rules.apply(&mut shard.dbs[index]), &mut self.effects, index)
    }

    /// What the command did so far.
    pub fn effects(&self) -> &Effects {
        &self.effects
    }

    pub fn effects_mut(&mut self) -> &mut Effects {
        &mut self.effects
    }

    /// Lends the view a connection's effect buffers (swapped back by the caller).
    pub fn swap_effects(&mut self, effects: &mut Effects) {
        std::mem::swap(&mut self.effects, effects);
    }

    /// The current database's part in every shard.
    fn db_parts(&mut self) -> impl Iterator<Item = &mut Db> {
        let (index, rules) = (self.db, self.rules);
        self.shards_mut().map(move |shard| rules.apply(&mut shard.dbs[index]))
    }

    by_key! {
        /// The live value at `key`, counting a keyspace hit or miss.
        fn get(key) -> Option<&Value>;
        /// The live value at `key` without counting a hit or touching it.
        fn peek(key) -> Option<&Value>;
        /// The live value at `key`, counting a hit or miss without touching it.
        fn lookup_no_touch(key) -> Option<&Value>;
        /// Updates a live key's access time (`TOUCH`); false when absent.
        fn touch(key) -> bool;
        /// Milliseconds since a live key was last accessed (`OBJECT IDLETIME`).
        fn idle_ms(key) -> Option<u64>;
        /// The decayed LFU counter of a live key (`OBJECT FREQ`).
        fn frequency(key) -> Option<u8>;
        /// Approximate bytes a live key and its value hold (`MEMORY USAGE`).
        fn memory_usage(key) -> Option<usize>;
        /// Whether `key` holds a live value (no hit/miss counted).
        fn contains(key) -> bool;
        /// The string at `key`, `WRONGTYPE` if it holds something else.
        fn get_string(key) -> Result<Option<&super::Str>, crate::protocol::ReplyError>;
        /// The hash at `key`, `WRONGTYPE` if it holds something else.
        fn get_hash(key) -> Result<Option<&super::Hash>, crate::protocol::ReplyError>;
        /// Deletes `key` if it is an empty hash.
        fn remove_if_empty(key);
        /// The deadline of a live key, in Unix ms.
        fn deadline(key) -> Option<u64>;
    }

    by_key_recorded! {
        /// The live value at `key`, for changing it in place.
        fn get_mut(key) -> Option<&mut Value> => |r: &Option<_>| r.is_some();
        /// The hash at `key` for changing, `WRONGTYPE` if it holds something else.
        fn get_hash_mut(key) -> Result<Option<&mut super::Hash>, crate::protocol::ReplyError>
            => |r: &Result<Option<_>, _>| matches!(r, Ok(Some(_)));
        /// The hash at `key`, created empty when absent (see [`Db::hash_or_default`]).
        fn hash_or_default(key) -> Result<&mut super::Hash, crate::protocol::ReplyError>
            => |r: &Result<_, _>| r.is_ok();
        /// Stores `value` at `key` and clears any deadline, as `SET` does.
        fn set(key, value: Value) => |_: &()| true;
        /// Stores `value` at `key` with `deadline` (`None` clears any).
        fn set_with_deadline(key, value: Value, deadline: Option<u64>) => |_: &()| true;
        /// Stores `value` at `key`, keeping a live key's deadline.
        fn set_keep_ttl(key, value: Value) => |_: &()| true;
        /// Deletes `key` (live or not); the value it held, if any.
        fn remove(key) -> Option<Value> => |r: &Option<_>| r.is_some();
        /// Deletes `key` if live; true when it was.
        fn delete(key) -> bool => |deleted: &bool| *deleted;
        /// Sets the deadline of a live key; false when the key is absent.
        fn set_deadline(key, at_ms: u64) -> bool => |set: &bool| *set;
        /// Removes a deadline; true when there was one.
        fn clear_deadline(key) -> bool => |cleared: &bool| *cleared;
    }

    /// Keys in the current database, including expired ones not yet
    /// collected (as `DBSIZE`).
    pub fn len(&mut self) -> usize {
        self.db_parts().map(|db| db.len()).sum()
    }

    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    /// Empties the current database (`FLUSHDB`).
    pub fn clear(&mut self) {
        self.effects.modified_all(self.db);
        self.db_parts().for_each(Db::clear);
    }

    /// Live keys of the current database, shard after shard.
    pub fn keys(&mut self) -> impl Iterator<Item = &[u8]> {
        self.db_parts().flat_map(|db| db.keys())
    }

    /// A random live key (`RANDOMKEY`); expired keys met on the way are deleted.
    pub fn random_key(&mut self) -> Option<Key> {
        loop {
            let lens: Vec<usize> = self.db_parts().map(|db| db.len()).collect();
            let total: usize = lens.iter().sum();
            if total == 0 {
                return None;
            }
            // A shard in proportion to its keys, then a key in it.
            let mut pick = fastrand::usize(..total);
            let mut shard = 0;
            while pick >= lens[shard] {
                pick -= lens[shard];
                shard += 1;
            }
            let index = self.db;
            let db = &mut self.shard(shard).dbs[index];
            if let Some(key) = db.random_key() {
                return Some(key);
            }
        }
    }

    /// One `SCAN` step over the current database: visits `count` slots and
    /// returns the next cursor (0 when done). The
    /// cursor's low bits name the shard, the rest is that shard's
    /// [`scan_step`] cursor; shards are walked in order, so every key present
    /// for the whole iteration is returned at least once.
    pub fn scan(&mut self, cursor: u64, count: usize, mut visit: impl FnMut(&mut Self, Key)) -> u64 {
        let (shards, bits) = (self.store.shape.shards(), self.store.shape.bits);
        let (mut shard, mut local) = ((cursor % shards as u64) as usize, cursor >> bits);
        let count = count.max(1);
        let mut visited = 0;
        loop {
            let index = self.db;
            let len = self.shard(shard).dbs[index].len();
            let mut slots = Vec::new();
            let next = scan_step(len, local, count - visited, |i| {
                slots.push(i);
                true
            });
            visited += slots.len();
            // Downward, so a visit that deletes an expired key only moves an
            // already visited entry into the hole.
            for i in slots {
                let key: Option<Key> = self.shard(shard).dbs[index].key_at(i).map(Into::into);
                if let Some(key) = key {
                    visit(self, key);
                }
            }
            if next != 0 {
                return next << bits | shard as u64;
            }
            shard += 1;
            local = 0;
            if shard == shards {
                return 0;
            }
            if visited >= count {
                return shard as u64;
            }
        }
    }

    /// Keys, keys with a deadline and their mean remaining TTL in database
    /// `index` (for `INFO keyspace`); the view must hold every shard.
    pub fn db_summary(&self, index: usize) -> (usize, usize, u64) {
        let (mut keys, mut volatile, mut live, mut ttl_sum) = (0, 0, 0u64, 0u64);
        for shard in self.shards() {
            let db = &shard.dbs[index];
            keys += db.len();
            volatile += db.volatile_len();
            let (count, sum) = db.ttl_sum();
            live += count;
            ttl_sum = ttl_sum.saturating_add(sum);
        }
        (keys, volatile, ttl_sum.checked_div(live).unwrap_or(0))
    }

    /// Live entries of database `index` with their deadlines (`now` decides
    /// what is live); the view must hold every shard.
    pub fn entries(&self, index: usize) -> impl Iterator<Item = (&[u8], &Value, Option<u64>)> {
        self.shards().flat_map(move |shard| shard.dbs[index].iter())
    }

    /// Bookkeeping bytes of database `index` beyond the data (`MEMORY STATS`).
    pub fn overhead(&self, index: usize) -> (usize, usize) {
        self.shards().map(|s| s.dbs[index].overhead()).fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    }

    /// Summed counters of all databases.
    pub fn stats(&mut self) -> DbStats {
        let mut total = DbStats::default();
        for db in self.shards_mut().flat_map(|shard| &shard.dbs) {
            total.hits += db.stats.hits;
            total.misses += db.stats.misses;
            total.expired += db.stats.expired;
        }
        total
    }

    /// Zeroes the hit/miss/expired/evicted counters (`CONFIG RESETSTAT`).
    pub fn reset_stats(&mut self) {
        self.shards_mut().flat_map(|shard| &mut shard.dbs).for_each(|db| db.stats = DbStats::default());
        self.store.evicted.store(0, Ordering::Relaxed);
    }

    /// Swaps two databases (`SWAPDB`).
    pub fn swap_dbs(&mut self, a: usize, b: usize) {
        self.effects.modified_all(a);
        self.effects.modified_all(b);
        self.shards_mut().for_each(|shard| shard.dbs.swap(a, b));
    }

    /// Empties every database (`FLUSHALL`).
    pub fn clear_all(&mut self) {
        self.effects.modified_all(ALL_DBS as usize);
        self.shards_mut().flat_map(|shard| &mut shard.dbs).for_each(Db::clear);
    }

    /// Replaces the whole dataset with `data` (`LOAD`), keeping counters.
    pub fn replace(&mut self, data: Dataset) {
        assert_eq!(data.shape, self.store.shape, "a replacement dataset is laid out as the store");
        self.effects.modified_all(ALL_DBS as usize);
        let now = self.rules.now;
        for (shard, mut loaded) in self.shards_mut().zip(data.shards) {
            for (db, new) in shard.dbs.iter_mut().zip(&mut loaded.dbs) {
                new.stats = db.stats;
                new.set_access(db.access());
                new.set_now(now);
                std::mem::swap(db, new);
            }
        }
    }

    /// Gives every key a fresh access record as of now.
    pub fn touch_all(&mut self) {
        let now = self.rules.now;
        self.shards_mut().flat_map(|shard| &mut shard.dbs).for_each(|db| {
            db.set_now(now);
            db.touch_all();
        });
    }

    /// Moves the keys expiry deleted in the shards this view holds (when
    /// tracking is on) into the effects.
    pub fn collect_expired(&mut self) {
        for i in bits(self.held) {
            // SAFETY: as in `held_shards_mut`; disjoint from `self.effects`.
            let shard = unsafe { &mut *self.store.shards[i].data_ptr() };
            shard.take_expired(&mut self.effects);
        }
    }
}

/// The command's clock and access rules, applied to each [`Db`] part it reaches.
#[derive(Clone, Copy)]
struct Rules {
    now: u64,
    touch: bool,
    track_expired: bool,
}

impl Rules {
    fn apply(self, db: &mut Db) -> &mut Db {
        db.set_now(self.now);
        db.set_touch(self.touch);
        db.set_track_expired(self.track_expired);
        db
    }
}

/// The set bits of `mask`, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            i
        })
    })
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
        assert_eq!(ks.random_key(), None);
        ks.set_with_deadline(b"a", Value::string("v"), Some(10_000));
        ks.set(b"b", Value::string("v"));
        assert!(ks.random_key().is_some());
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
}

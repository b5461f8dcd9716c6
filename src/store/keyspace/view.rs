//! [`Keyspace`]: the view of the store one command works through.

use std::sync::atomic::Ordering;

use super::{Dataset, Shard, Store};
use crate::store::effects::{Effects, ALL_DBS};
use crate::store::{scan_step, Db, DbStats, Key, Value};

/// What a command sees of the keyspace: the shards it holds, and the
/// database it works on. Key methods route to the key's shard and mirror
/// [`Db`]'s; whole-database methods lock every shard.
pub struct Keyspace<'a> {
    pub(super) store: &'a Store,
    /// Shards locked by this view (bit `i`: shard `i`).
    pub(super) held: u64,
    /// Shards to lock together on first use: the command's keys.
    pub(super) want: u64,
    pub(super) db: usize,
    pub(super) settings: AccessSettings,
    /// What the command did (the connection's reusable buffers, lent for
    /// the command).
    pub(super) effects: Effects,
    /// The last key [`Keyspace::want_keys`] routed, by address and length,
    /// with its shard: the command's own accesses to that argument then
    /// skip hashing it again. Valid while the request's arguments live
    /// (the dispatcher forgets it after the command).
    pub(super) routed: Route,
}

/// A key's shard, remembered by the key's address and length.
#[derive(Clone, Copy, Default)]
pub(super) struct Route {
    address: usize,
    len: usize,
    shard: usize,
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
    /// access settings.
    pub fn prepare(&mut self, db: usize, now_ms: u64, touch: bool, track_expired: bool) {
        self.db = db;
        self.settings = AccessSettings { now: now_ms, touch, track_expired };
    }

    /// Names the shards of the command's keys, so they are locked together.
    pub fn want_keys<'k>(&mut self, keys: impl Iterator<Item = &'k [u8]>) {
        let shape = self.store.shape;
        let mut want = 0;
        for key in keys {
            let shard = shape.shard_of(key);
            want |= 1 << shard;
            self.routed = Route { address: key.as_ptr() as usize, len: key.len(), shard };
        }
        self.want = want;
    }

    /// Forgets the key routed last (its request ends); see [`Keyspace::want_keys`].
    pub fn forget_route(&mut self) {
        self.routed = Route::default();
    }

    /// The shard of `key`; the one routed last is not hashed again (no
    /// key lives at address 0, so an empty route matches nothing).
    #[inline]
    fn shard_of(&self, key: &[u8]) -> usize {
        let routed = self.routed;
        if key.as_ptr() as usize == routed.address && key.len() == routed.len {
            return routed.shard;
        }
        self.store.shape.shard_of(key)
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

    /// Whether the view holds every shard (reading any key locks nothing more).
    pub fn holds_all(&self) -> bool {
        self.held == self.all()
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

    /// The code of every `FUNCTION` library (snapshots, log rewrites).
    pub fn functions(&self) -> Vec<Vec<u8>> {
        self.store.functions()
    }

    /// The limits values are encoded under when written.
    pub fn limits(&self) -> crate::store::Limits {
        self.store.limits()
    }

    /// The `T` at `key`, `WRONGTYPE` if it holds another type.
    pub fn get_typed<T: crate::store::Typed>(
        &mut self,
        key: &[u8],
    ) -> Result<Option<&T>, crate::protocol::ReplyError> {
        self.db_for(key).get_typed(key)
    }

    /// The `T` at `key` for changing, `WRONGTYPE` if it holds another type;
    /// recorded as modified when found.
    pub fn get_typed_mut<T: crate::store::Typed>(
        &mut self,
        key: &[u8],
    ) -> Result<Option<&mut T>, crate::protocol::ReplyError> {
        let (db, effects, index) = self.db_and_effects(key);
        let result = db.get_typed_mut(key);
        if matches!(result, Ok(Some(_))) {
            effects.modified(index, key);
        }
        result
    }

    /// The `T` at `key`, created empty when absent (see
    /// [`Db::typed_or_default`]); recorded as modified.
    pub fn typed_or_default<T: crate::store::Typed + Default>(
        &mut self,
        key: &[u8],
    ) -> Result<&mut T, crate::protocol::ReplyError> {
        let (db, effects, index) = self.db_and_effects(key);
        let result = db.typed_or_default(key);
        if result.is_ok() {
            effects.modified(index, key);
        }
        result
    }

    /// The current database's part in the shard of `key`.
    fn db_for(&mut self, key: &[u8]) -> &mut Db {
        let (index, settings) = (self.db, self.settings);
        let shard = self.shard_of(key);
        settings.apply(&mut self.shard(shard).dbs[index])
    }

    /// As [`Keyspace::db_for`], with the effects beside it and the database's index.
    fn db_and_effects(&mut self, key: &[u8]) -> (&mut Db, &mut Effects, usize) {
        let (index, settings) = (self.db, self.settings);
        let shard = self.shard_of(key);
        self.acquire(1 << shard);
        // SAFETY: as in `shard`: the view now holds this shard's lock, and
        // the borrow is disjoint from `self.effects`.
        let shard = unsafe { &mut *self.store.shards[shard].data_ptr() };
        (settings.apply(&mut shard.dbs[index]), &mut self.effects, index)
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
        let (index, settings) = (self.db, self.settings);
        self.shards_mut().map(move |shard| settings.apply(&mut shard.dbs[index]))
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
        /// Sets a live key's idle time or LFU counter (`RESTORE ... IDLETIME | FREQ`).
        fn set_access_record(key, idle_secs: Option<u64>, freq: Option<u8>);
        /// The decayed LFU counter of a live key (`OBJECT FREQ`).
        fn frequency(key) -> Option<u8>;
        /// Approximate bytes a live key and its value hold (`MEMORY USAGE`).
        fn memory_usage(key) -> Option<usize>;
        /// Whether `key` holds a live value (no hit/miss counted).
        fn contains(key) -> bool;
        /// The string at `key`, `WRONGTYPE` if it holds something else.
        fn get_string(key) -> Result<Option<&crate::store::Str>, crate::protocol::ReplyError>;
        /// The hash at `key`, `WRONGTYPE` if it holds something else.
        fn get_hash(key) -> Result<Option<&crate::store::Hash>, crate::protocol::ReplyError>;
        /// The list at `key`, `WRONGTYPE` if it holds something else.
        fn get_list(key) -> Result<Option<&crate::store::List>, crate::protocol::ReplyError>;
        /// Deletes `key` if it is an empty hash or list.
        fn remove_if_empty(key);
        /// The deadline of a live key, in Unix ms.
        fn deadline(key) -> Option<u64>;
    }

    by_key_recorded! {
        /// The live value at `key`, for changing it in place.
        fn get_mut(key) -> Option<&mut Value> => |r: &Option<_>| r.is_some();
        /// The hash at `key` for changing, `WRONGTYPE` if it holds something else.
        fn get_hash_mut(key) -> Result<Option<&mut crate::store::Hash>, crate::protocol::ReplyError>
            => |r: &Result<Option<_>, _>| matches!(r, Ok(Some(_)));
        /// The hash at `key`, created empty when absent (see [`Db::hash_or_default`]).
        fn hash_or_default(key) -> Result<&mut crate::store::Hash, crate::protocol::ReplyError>
            => |r: &Result<_, _>| r.is_ok();
        /// The list at `key` for changing, `WRONGTYPE` if it holds something else.
        fn get_list_mut(key) -> Result<Option<&mut crate::store::List>, crate::protocol::ReplyError>
            => |r: &Result<Option<_>, _>| matches!(r, Ok(Some(_)));
        /// The list at `key`, created empty when absent (see [`Db::typed_or_default`]).
        fn list_or_default(key) -> Result<&mut crate::store::List, crate::protocol::ReplyError>
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
    pub fn random_key(&mut self, rng: &mut fastrand::Rng) -> Option<Key> {
        loop {
            let lens: Vec<usize> = self.db_parts().map(|db| db.len()).collect();
            let total: usize = lens.iter().sum();
            if total == 0 {
                return None;
            }
            // A shard in proportion to its keys, then a key in it.
            let mut pick = rng.usize(..total);
            let mut shard = 0;
            while pick >= lens[shard] {
                pick -= lens[shard];
                shard += 1;
            }
            let index = self.db;
            let db = &mut self.shard(shard).dbs[index];
            if let Some(key) = db.random_key(rng) {
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
        let now = self.settings.now;
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
        let now = self.settings.now;
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

/// The running command's time and access settings (touch access times,
/// track expired keys), applied to each [`Db`] part the view reaches.
#[derive(Clone, Copy)]
pub(super) struct AccessSettings {
    pub(super) now: u64,
    pub(super) touch: bool,
    pub(super) track_expired: bool,
}

impl AccessSettings {
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

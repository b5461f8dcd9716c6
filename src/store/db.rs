//! [`Db`]: one database's part in one shard: dense entries, a hash index of
//! positions, and a side table of deadlines.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::*;
use crate::protocol::ReplyError;

/// `Entry::deadline_slot` of a key without a deadline.
const NO_DEADLINE: u32 = u32::MAX;

/// One key: 56 bytes, no allocation when key and value are short.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    key: Str,
    value: Value,
    /// Access metadata: a 24-bit clock of the last access (Unix seconds)
    /// and an 8-bit LFU counter above it; see [`evict`].
    atime: u32,
    /// Position in `Db::deadlines`, or `NO_DEADLINE`.
    pub(super) deadline_slot: u32,
}

/// One numbered database.
#[derive(Default)]
pub struct Db {
    pub(super) entries: Vec<Entry>,
    /// Positions in `entries`, found by key hash.
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// (position in `entries`, deadline in Unix ms) of every key with a TTL.
    pub(super) deadlines: Vec<(u32, u64)>,
    /// The current command's time, set by the dispatcher when it hands the db out.
    now: u64,
    /// Where the next active expiry round starts in `deadlines`.
    expire_cursor: usize,
    /// Reads do not update access times (`CLIENT NO-TOUCH`).
    no_touch: bool,
    /// How accesses update `Entry::atime` (LRU clock only, or LFU too).
    access: Access,
    /// Keys deleted by expiry are recorded in `expired` (for the AOF).
    track_expired: bool,
    expired: Vec<Key>,
    pub stats: DbStats,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("keys", &self.entries.len())
            .field("volatile", &self.deadlines.len())
            .finish()
    }
}

impl Db {
    pub fn new() -> Db {
        Db::default()
    }

    /// Fixes the time lazy expiry compares deadlines against.
    pub fn set_now(&mut self, now_ms: u64) {
        self.now = now_ms;
    }

    pub fn now(&self) -> u64 {
        self.now
    }

    /// Whether reads update access times (off for `CLIENT NO-TOUCH` clients).
    pub fn set_touch(&mut self, touch: bool) {
        self.no_touch = !touch;
    }

    fn now_secs(&self) -> u64 {
        self.now / 1000
    }

    /// Sets how accesses are recorded (the LFU settings of `maxmemory-policy`).
    pub fn set_access(&mut self, access: Access) {
        self.access = access;
    }

    /// How accesses are recorded.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Records an access to the entry at `i`.
    #[inline]
    fn bump(&mut self, i: usize) {
        let entry = &mut self.entries[i];
        entry.atime = evict::accessed(entry.atime, self.now, self.access);
    }

    /// Whether keys deleted by expiry are recorded for [`Db::take_expired`].
    pub fn set_track_expired(&mut self, track: bool) {
        self.track_expired = track;
    }

    /// Whether expiry deleted keys since the last [`Db::take_expired`].
    pub fn has_expired(&self) -> bool {
        !self.expired.is_empty()
    }

    /// The keys expiry deleted since the last call (when tracking is on).
    pub fn take_expired(&mut self) -> Vec<Key> {
        std::mem::take(&mut self.expired)
    }

    /// Gives every key a fresh access record as of now (after replaying a
    /// log with a frozen clock).
    pub fn touch_all(&mut self) {
        let fresh = evict::fresh(self.now, self.access);
        self.entries.iter_mut().for_each(|e| e.atime = fresh);
    }

    /// Deletes the due entry at `i`, counting and recording it.
    fn expire_at(&mut self, i: usize) {
        if self.track_expired {
            self.expired.push(self.entries[i].key.as_bytes().into());
        }
        self.remove_at(i);
        self.stats.expired += 1;
    }

    fn find(&self, key: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(key);
        self.index.find(hash, |&i| self.entries[i as usize].key.as_bytes() == key).map(|&i| i as usize)
    }

    pub(super) fn deadline_at(&self, i: usize) -> Option<u64> {
        let slot = self.entries[i].deadline_slot;
        (slot != NO_DEADLINE).then(|| self.deadlines[slot as usize].1)
    }

    fn is_due(&self, i: usize) -> bool {
        self.deadline_at(i).is_some_and(|d| d <= self.now)
    }

    /// The position of `key` if it is live; a due key is deleted on the way.
    fn live(&mut self, key: &[u8]) -> Option<usize> {
        let i = self.find(key)?;
        if self.is_due(i) {
            self.expire_at(i);
            return None;
        }
        Some(i)
    }

    /// Deletes the entry at `i`, moving the last entry into its place.
    fn remove_at(&mut self, i: usize) -> Value {
        let slot = self.entries[i].deadline_slot;
        if slot != NO_DEADLINE {
            self.remove_deadline_slot(slot as usize);
        }
        let hash = self.hasher.hash_one(self.entries[i].key.as_bytes());
        if let Ok(found) = self.index.find_entry(hash, |&j| j as usize == i) {
            found.remove();
        }
        let last = self.entries.len() - 1;
        if i != last {
            let moved = &self.entries[last];
            let hash = self.hasher.hash_one(moved.key.as_bytes());
            if let Some(position) = self.index.find_mut(hash, |&j| j as usize == last) {
                *position = i as u32;
            }
            if moved.deadline_slot != NO_DEADLINE {
                self.deadlines[moved.deadline_slot as usize].0 = i as u32;
            }
        }
        self.entries.swap_remove(i).value
    }

    /// Drops deadline `slot`, moving the last deadline into its place.
    fn remove_deadline_slot(&mut self, slot: usize) {
        let (owner, _) = self.deadlines[slot];
        self.entries[owner as usize].deadline_slot = NO_DEADLINE;
        let last = self.deadlines.len() - 1;
        if slot != last {
            let moved_owner = self.deadlines[last].0;
            self.entries[moved_owner as usize].deadline_slot = slot as u32;
        }
        self.deadlines.swap_remove(slot);
    }

    fn touch_at(&mut self, i: usize) {
        if !self.no_touch {
            self.bump(i);
        }
    }

    /// The live value at `key`, counting a keyspace hit or miss.
    pub fn get(&mut self, key: &[u8]) -> Option<&Value> {
        match self.live(key) {
            Some(i) => {
                self.stats.hits += 1;
                self.touch_at(i);
                Some(&self.entries[i].value)
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// Redis's `lookupKeyReadWithFlags(LOOKUP_NOTOUCH)`: the live value at
    /// `key`, counting a keyspace hit or miss but leaving the access time alone.
    pub fn lookup_no_touch(&mut self, key: &[u8]) -> Option<&Value> {
        let Some(i) = self.live(key) else {
            self.stats.misses += 1;
            return None;
        };
        self.stats.hits += 1;
        Some(&self.entries[i].value)
    }

    /// The live value at `key` without counting a hit or touching it.
    pub fn peek(&mut self, key: &[u8]) -> Option<&Value> {
        let i = self.live(key)?;
        Some(&self.entries[i].value)
    }

    /// The live value at `key`, for changing it in place.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        let i = self.live(key)?;
        self.bump(i);
        Some(&mut self.entries[i].value)
    }

    /// Updates a live key's access time (`TOUCH`, a read lookup: it counts
    /// a keyspace hit or miss); false when absent.
    pub fn touch(&mut self, key: &[u8]) -> bool {
        let Some(i) = self.live(key) else {
            self.stats.misses += 1;
            return false;
        };
        self.stats.hits += 1;
        self.bump(i);
        true
    }

    /// Milliseconds since a live key was last accessed (`OBJECT IDLETIME`).
    pub fn idle_ms(&mut self, key: &[u8]) -> Option<u64> {
        let i = self.live(key)?;
        let secs = evict::idle_secs(self.entries[i].atime, self.now_secs());
        Some(u64::from(secs) * 1000 + self.now % 1000)
    }

    /// Sets a live key's access record as `RESTORE ... IDLETIME | FREQ`
    /// does (Redis's `objectSetLRUOrLFU`): the LFU counter under an LFU
    /// policy, else the idle time; the other one is ignored.
    pub fn set_access_record(&mut self, key: &[u8], idle_secs: Option<u64>, freq: Option<u8>) {
        let Some(i) = self.live(key) else { return };
        let now_secs = (self.now / 1000) as u32;
        let lfu = self.access.lfu;
        let entry = &mut self.entries[i];
        match (lfu, freq, idle_secs) {
            (true, Some(freq), _) => {
                entry.atime = (u32::from(freq) << evict::CLOCK_BITS) | (now_secs & evict::CLOCK_MASK)
            }
            (false, _, Some(idle)) => entry.atime = now_secs.wrapping_sub(idle as u32) & evict::CLOCK_MASK,
            _ => {}
        }
    }

    /// The decayed LFU counter of a live key (`OBJECT FREQ`), not counted as an access.
    pub fn frequency(&mut self, key: &[u8]) -> Option<u8> {
        let i = self.live(key)?;
        Some(evict::decayed(self.entries[i].atime, self.now_secs(), self.access))
    }

    /// Approximate bytes a live key and its value hold (`MEMORY USAGE`):
    /// its entry, its share of the index, its deadline and the heap blocks
    /// of its key and value, each charged as malloc does.
    pub fn memory_usage(&mut self, key: &[u8]) -> Option<usize> {
        let i = self.live(key)?;
        let entry = &self.entries[i];
        let index_share = self.index.capacity() * 5 / self.index.len().max(1);
        let deadline = if entry.deadline_slot == NO_DEADLINE { 0 } else { 16 };
        Some(
            std::mem::size_of::<Entry>()
                + index_share
                + deadline
                + string::str_heap(&entry.key)
                + entry.value.heap_size(),
        )
    }

    /// Bookkeeping bytes beyond the data: the index, unused entry slots and
    /// the deadline table (for `MEMORY STATS`): (main, expires).
    pub fn overhead(&self) -> (usize, usize) {
        let main = self.index.capacity() * 5 + (self.entries.capacity() - self.entries.len()) * 56;
        (main, self.deadlines.capacity() * 16)
    }

    /// Whether `key` holds a live value (no hit/miss counted).
    pub fn contains(&mut self, key: &[u8]) -> bool {
        self.live(key).is_some()
    }

    /// The `T` at `key`, `WRONGTYPE` if it holds another type.
    pub fn get_typed<T: Typed>(&mut self, key: &[u8]) -> Result<Option<&T>, ReplyError> {
        self.get(key).map(|v| T::of(v).ok_or(ReplyError::WRONG_TYPE)).transpose()
    }

    /// The `T` at `key` for changing, `WRONGTYPE` if it holds another type.
    pub fn get_typed_mut<T: Typed>(&mut self, key: &[u8]) -> Result<Option<&mut T>, ReplyError> {
        self.get_mut(key).map(|v| T::of_mut(v).ok_or(ReplyError::WRONG_TYPE)).transpose()
    }

    /// The `T` at `key`, created empty when absent. A caller that may leave
    /// it empty must call [`Db::remove_if_empty`].
    pub fn typed_or_default<T: Typed + Default>(&mut self, key: &[u8]) -> Result<&mut T, ReplyError> {
        let i = match self.live(key) {
            Some(i) => {
                self.bump(i);
                i
            }
            None => self.put(key, T::default().into_value()),
        };
        T::of_mut(&mut self.entries[i].value).ok_or(ReplyError::WRONG_TYPE)
    }

    /// The string at `key`, `WRONGTYPE` if it holds something else.
    pub fn get_string(&mut self, key: &[u8]) -> Result<Option<&Str>, ReplyError> {
        self.get_typed(key)
    }

    /// The hash at `key`, `WRONGTYPE` if it holds something else.
    pub fn get_hash(&mut self, key: &[u8]) -> Result<Option<&Hash>, ReplyError> {
        self.get_typed(key)
    }

    /// The hash at `key` for changing, `WRONGTYPE` if it holds something else.
    pub fn get_hash_mut(&mut self, key: &[u8]) -> Result<Option<&mut Hash>, ReplyError> {
        self.get_typed_mut(key)
    }

    /// The hash at `key`, created empty when absent (see [`Db::typed_or_default`]).
    pub fn hash_or_default(&mut self, key: &[u8]) -> Result<&mut Hash, ReplyError> {
        self.typed_or_default(key)
    }

    /// The list at `key`, `WRONGTYPE` if it holds something else.
    pub fn get_list(&mut self, key: &[u8]) -> Result<Option<&List>, ReplyError> {
        self.get_typed(key)
    }

    /// The list at `key` for changing, `WRONGTYPE` if it holds something else.
    pub fn get_list_mut(&mut self, key: &[u8]) -> Result<Option<&mut List>, ReplyError> {
        self.get_typed_mut(key)
    }

    /// The list at `key`, created empty when absent; the caller pushes to it
    /// (or calls [`Db::remove_if_empty`]).
    pub fn list_or_default(&mut self, key: &[u8]) -> Result<&mut List, ReplyError> {
        self.typed_or_default(key)
    }

    /// Deletes `key` if it holds an empty collection (Redis never keeps empty aggregates).
    pub fn remove_if_empty(&mut self, key: &[u8]) {
        if let Some(i) = self.find(key) {
            if self.entries[i].value.is_empty_collection() {
                self.remove_at(i);
            }
        }
    }

    /// Stores `value` at `key` and clears any deadline, as `SET` does.
    pub fn set(&mut self, key: &[u8], value: Value) {
        self.set_with_deadline(key, value, None);
    }

    /// Stores `value` at `key` with `deadline` (`None` clears any) in one
    /// lookup: `SET k v EX n`.
    pub fn set_with_deadline(&mut self, key: &[u8], value: Value, deadline: Option<u64>) {
        let i = self.put(key, value);
        self.set_deadline_at(i, deadline);
    }

    fn set_deadline_at(&mut self, i: usize, deadline: Option<u64>) {
        match (self.entries[i].deadline_slot, deadline) {
            (NO_DEADLINE, None) => {}
            (NO_DEADLINE, Some(at_ms)) => {
                self.entries[i].deadline_slot = self.deadlines.len() as u32;
                self.deadlines.push((i as u32, at_ms));
            }
            (slot, Some(at_ms)) => self.deadlines[slot as usize].1 = at_ms,
            (slot, None) => self.remove_deadline_slot(slot as usize),
        }
    }

    /// Stores `value` at `key`, keeping a live key's deadline.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value) {
        self.put(key, value);
    }

    /// Stores `value`, returning its position.
    fn put(&mut self, key: &[u8], value: Value) -> usize {
        let atime = evict::fresh(self.now, self.access);
        if let Some(i) = self.live(key) {
            // An overwrite is an access: LFU keeps and grows the counter.
            self.bump(i);
            self.entries[i].value = value;
            return i;
        }
        let i = self.entries.len();
        assert!(i < NO_DEADLINE as usize, "a database holds at most 2^32 - 1 keys");
        self.entries.push(Entry { key: Str::new(key), value, atime, deadline_slot: NO_DEADLINE });
        let Db { index, entries, hasher, .. } = self;
        let hash = hasher.hash_one(key);
        index.insert_unique(hash, i as u32, |&j| hasher.hash_one(entries[j as usize].key.as_bytes()));
        i
    }

    /// Deletes `key` (live or not); the value it held, if any.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let i = self.find(key)?;
        Some(self.remove_at(i))
    }

    /// Deletes `key` if live; true when it was.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        match self.live(key) {
            Some(i) => {
                self.remove_at(i);
                true
            }
            None => false,
        }
    }

    /// The deadline of a live key, in Unix ms.
    pub fn deadline(&mut self, key: &[u8]) -> Option<u64> {
        let i = self.live(key)?;
        self.deadline_at(i)
    }

    /// Sets the deadline of a live key; false when the key is absent.
    pub fn set_deadline(&mut self, key: &[u8], at_ms: u64) -> bool {
        let Some(i) = self.live(key) else { return false };
        self.set_deadline_at(i, Some(at_ms));
        true
    }

    /// Removes a deadline; true when there was one.
    pub fn clear_deadline(&mut self, key: &[u8]) -> bool {
        let Some(i) = self.live(key) else { return false };
        match self.entries[i].deadline_slot {
            NO_DEADLINE => false,
            slot => {
                self.remove_deadline_slot(slot as usize);
                true
            }
        }
    }

    /// Keys stored, including expired ones not yet collected (as `DBSIZE`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keys with a deadline.
    pub fn volatile_len(&self) -> usize {
        self.deadlines.len()
    }

    /// (count, sum) of the remaining TTLs of volatile keys not yet due (for
    /// `INFO keyspace` avg_ttl).
    pub fn ttl_sum(&self) -> (u64, u64) {
        let live = self.deadlines.iter().filter(|(_, d)| *d > self.now);
        live.fold((0u64, 0u64), |(c, s), (_, d)| (c + 1, s.saturating_add(d - self.now)))
    }

    /// Whether `key` is stored (live or not) and, for a volatile policy,
    /// has a deadline: an eviction candidate that still qualifies.
    pub fn qualifies(&self, key: &[u8], volatile: bool) -> bool {
        self.find(key).is_some_and(|i| !volatile || self.deadline_at(i).is_some())
    }

    pub fn clear(&mut self) {
        let stats = self.stats;
        let (track_expired, expired) = (self.track_expired, std::mem::take(&mut self.expired));
        *self = Db {
            stats,
            now: self.now,
            no_touch: self.no_touch,
            access: self.access,
            track_expired,
            expired,
            ..Db::default()
        };
    }

    /// Live entries with their deadlines, in storage order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Value, Option<u64>)> {
        (0..self.entries.len())
            .filter(|&i| !self.is_due(i))
            .map(|i| (self.entries[i].key.as_bytes(), &self.entries[i].value, self.deadline_at(i)))
    }

    /// Live keys, in storage order.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.iter().map(|(k, _, _)| k)
    }

    /// The key stored at `index` (storage order), live or not.
    pub fn key_at(&self, index: usize) -> Option<&[u8]> {
        self.entries.get(index).map(|e| e.key.as_bytes())
    }

    /// One round of active expiry: checks up to `samples` keys with
    /// deadlines, continuing where the last round stopped (as Redis 7 walks
    /// its expires table), so every key is visited within len/samples rounds.
    /// Returns (checked, expired).
    pub fn expire_sample(&mut self, samples: usize) -> (usize, usize) {
        let budget = samples.min(self.deadlines.len());
        let (mut checked, mut expired) = (0, 0);
        while checked < budget && !self.deadlines.is_empty() {
            if self.expire_cursor >= self.deadlines.len() {
                self.expire_cursor = 0;
            }
            let (owner, deadline) = self.deadlines[self.expire_cursor];
            checked += 1;
            if deadline <= self.now {
                // The last deadline moves into this slot: check it next.
                self.expire_at(owner as usize);
                expired += 1;
            } else {
                self.expire_cursor += 1;
            }
        }
        (checked, expired)
    }

    /// Offers up to `samples` random keys (volatile keys only under a
    /// volatile policy) to the eviction pool, scored for `policy`.
    pub fn evict_sample(&self, db: usize, policy: Policy, samples: usize, pool: &mut evict::Pool) {
        let volatile = policy.volatile();
        let population = if volatile { self.deadlines.len() } else { self.entries.len() };
        if population == 0 {
            return;
        }
        for _ in 0..samples.min(population) {
            let i = if volatile {
                self.deadlines[fastrand::usize(..population)].0 as usize
            } else {
                fastrand::usize(..population)
            };
            let entry = &self.entries[i];
            let score = evict::score(policy, entry.atime, self.deadline_at(i), self.now, self.access);
            pool.offer(score, db, entry.key.as_bytes());
        }
    }

    /// A random eviction victim: any key, or one with a TTL when `volatile`.
    pub fn random_victim(&self, volatile: bool) -> Option<Key> {
        let i = if volatile {
            (!self.deadlines.is_empty()).then(|| self.deadlines[fastrand::usize(..self.deadlines.len())].0)?
                as usize
        } else {
            (!self.entries.is_empty()).then(|| fastrand::usize(..self.entries.len()))?
        };
        Some(self.entries[i].key.as_bytes().into())
    }

    /// A random live key (`RANDOMKEY`); expired keys met on the way are deleted.
    pub fn random_key(&mut self, rng: &mut fastrand::Rng) -> Option<Key> {
        while !self.entries.is_empty() {
            let i = rng.usize(..self.entries.len());
            if !self.is_due(i) {
                return Some(self.entries[i].key.as_bytes().into());
            }
            self.expire_at(i);
        }
        None
    }

    /// One `SCAN` step: visits up to `count` live entries and returns the
    /// next cursor (0 when done). See [`scan_step`] for the guarantee.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], &Value)) -> u64 {
        scan_step(self.entries.len(), cursor, count, |i| {
            if self.is_due(i) {
                return false;
            }
            visit(self.entries[i].key.as_bytes(), &self.entries[i].value);
            true
        })
    }
}

//! The keyspace: databases of binary keys holding strings or hashes, each
//! with an optional deadline. Expiry is lazy (an expired key is never
//! returned) and active ([`Shard::active_expire_cycle`]).
//!
//! Layout, chosen for bytes per key: each database is a dense `Vec` of
//! 56-byte entries (key and value inline when short, see [`Str`]) plus a
//! hash index of `u32` positions into it, and a side table of deadlines
//! that only keys with a TTL pay for. Deleting moves the last entry into the
//! hole, which keeps `SCAN`'s guarantee (see [`scan_step`]) and makes random
//! sampling O(1).
//!
//! The keyspace is split into shards by key hash, each with its own lock
//! (see [`keyspace`]); a [`Db`] here is one database's part in one shard.
//! Commands see a [`Keyspace`] view that routes each key to its shard.

pub mod bitmap;
pub mod clock;
pub mod compact;
pub mod effects;
pub mod evict;
pub mod glob;
pub mod hyperloglog;
pub mod keyspace;
pub mod snapshot;

use std::hash::BuildHasher;

use hashbrown::HashTable;
use indexmap::IndexMap;

use crate::protocol::ReplyError;

pub use clock::Clock;
pub use compact::Str;
pub use evict::{Access, Policy};
pub use keyspace::{Dataset, Keyspace, Shape, Shard, Store};

/// An owned key or field name.
pub type Key = Box<[u8]>;

/// A hash's fields in insertion order, as Redis's listpack keeps them.
pub type Fields = IndexMap<Key, Vec<u8>, foldhash::fast::RandomState>;

/// Redis 7's default `hash-max-listpack-entries`: a hash with more fields
/// moves to the `hashtable` encoding.
pub const HASH_MAX_LISTPACK_ENTRIES: usize = 512;
/// Redis 7's default `hash-max-listpack-value`: a longer field or value moves
/// a hash to the `hashtable` encoding.
pub const HASH_MAX_LISTPACK_VALUE: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(Str),
    /// Boxed so a `Value` stays 24 bytes.
    Hash(Box<Hash>),
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Hash(_) => "hash",
        }
    }

    /// A string value.
    pub fn string(bytes: impl Into<Str>) -> Value {
        Value::String(bytes.into())
    }
}

/// A hash value.
#[derive(Debug, Clone, Default)]
pub struct Hash {
    fields: Fields,
    /// Whether Redis would hold this hash as a `hashtable` rather than a
    /// `listpack`: set once it exceeds either listpack limit, and sticky (a
    /// shrinking hash is not converted back), as in Redis.
    hashtable: bool,
}

/// Equal fields make equal hashes, whatever their encoding.
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        self.fields == other.fields
    }
}

impl Hash {
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn get(&self, field: &[u8]) -> Option<&Vec<u8>> {
        self.fields.get(field)
    }

    pub fn get_mut(&mut self, field: &[u8]) -> Option<&mut Vec<u8>> {
        self.fields.get_mut(field)
    }

    /// Sets a field; true when the field is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if field.len() > HASH_MAX_LISTPACK_VALUE || value.len() > HASH_MAX_LISTPACK_VALUE {
            self.hashtable = true;
        }
        match self.fields.get_mut(field) {
            Some(existing) => {
                existing.clear();
                existing.extend_from_slice(value);
                false
            }
            None => {
                self.fields.insert(field.into(), value.to_vec());
                self.hashtable |= self.fields.len() > HASH_MAX_LISTPACK_ENTRIES;
                true
            }
        }
    }

    /// Removes a field; true when it existed. A `listpack` hash keeps its
    /// insertion order, as in Redis; a `hashtable` one deletes in O(1).
    pub fn remove(&mut self, field: &[u8]) -> bool {
        if !self.hashtable {
            self.fields.shift_remove(field).is_some()
        } else {
            self.fields.swap_remove(field).is_some()
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> {
        self.fields.iter().map(|(k, v)| (&k[..], &v[..]))
    }

    /// One `HSCAN` step over the fields; see [`scan_step`].
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], &[u8])) -> u64 {
        scan_step(self.fields.len(), cursor, count, |i| {
            let (field, value) = self.fields.get_index(i).expect("index in range");
            visit(field, value);
            true
        })
    }

    /// The field at `index` in iteration order (for random picks and scans).
    pub fn get_index(&self, index: usize) -> Option<(&[u8], &[u8])> {
        self.fields.get_index(index).map(|(k, v)| (&k[..], &v[..]))
    }

    /// The encoding `OBJECT ENCODING` reports: `listpack` while the hash is
    /// within Redis's listpack limits, `hashtable` once it has exceeded one.
    pub fn encoding(&self) -> &'static str {
        if self.hashtable {
            "hashtable"
        } else {
            "listpack"
        }
    }
}

/// A hash built at once (e.g. when loading) gets the encoding Redis would
/// choose when loading it: `hashtable` only if it exceeds a listpack limit.
impl FromIterator<(Key, Vec<u8>)> for Hash {
    fn from_iter<I: IntoIterator<Item = (Key, Vec<u8>)>>(iter: I) -> Self {
        let fields: Fields = iter.into_iter().collect();
        let hashtable = fields.len() > HASH_MAX_LISTPACK_ENTRIES
            || fields
                .iter()
                .any(|(f, v)| f.len() > HASH_MAX_LISTPACK_VALUE || v.len() > HASH_MAX_LISTPACK_VALUE);
        Hash { fields, hashtable }
    }
}

/// Walks slots `0..len` downward from a cursor, calling `visit(index)` until
/// `count` visits returned true; the next cursor, 0 when done.
///
/// Cursor 0 starts at the top (`len`); cursor `c` resumes at slot `c - 1`.
/// Storage deletes by moving the last slot into the hole and inserts at the
/// end, so slots not yet visited (below the cursor) only ever receive
/// entries from above: every entry present for the whole iteration is
/// returned at least once, as Redis promises for `SCAN`.
pub fn scan_step(len: usize, cursor: u64, count: usize, mut visit: impl FnMut(usize) -> bool) -> u64 {
    let mut next = if cursor == 0 { len } else { (cursor as usize).min(len) };
    let mut visited = 0;
    while next > 0 && visited < count.max(1) {
        next -= 1;
        if visit(next) {
            visited += 1;
        }
    }
    next as u64
}

/// Counters kept per database and summed for `INFO`.
#[derive(Debug, Default, Clone, Copy)]
pub struct DbStats {
    pub hits: u64,
    pub misses: u64,
    pub expired: u64,
}

/// Heap bytes a string owns, as malloc charges them.
fn str_heap(s: &Str) -> usize {
    match s {
        Str::Inline { .. } => 0,
        Str::Boxed(bytes) => crate::alloc::charged(bytes.len()),
        Str::Growable(vec) => {
            crate::alloc::charged(std::mem::size_of::<Vec<u8>>()) + crate::alloc::charged(vec.capacity())
        }
    }
}

/// Heap bytes a value owns, as malloc charges them.
fn value_heap(value: &Value) -> usize {
    use crate::alloc::charged;
    match value {
        Value::String(s) => str_heap(s),
        Value::Hash(h) => {
            // The box, the map's entry vector (field box, value vec, hash)
            // and its index of positions.
            let table = charged(h.fields.capacity() * 56) + charged(h.fields.capacity() * 9);
            let fields: usize = h.fields.iter().map(|(f, v)| charged(f.len()) + charged(v.capacity())).sum();
            charged(std::mem::size_of::<Hash>()) + table + fields
        }
    }
}

/// `Entry::deadline_slot` of a key without a deadline.
const NO_DEADLINE: u32 = u32::MAX;

/// One key: 56 bytes, no allocation when key and value are short.
#[derive(Debug, Clone)]
struct Entry {
    key: Str,
    value: Value,
    /// Access metadata: a 24-bit clock of the last access (Unix seconds)
    /// and an 8-bit LFU counter above it; see [`evict`].
    atime: u32,
    /// Position in `Db::deadlines`, or `NO_DEADLINE`.
    deadline_slot: u32,
}

/// One numbered database.
#[derive(Default)]
pub struct Db {
    entries: Vec<Entry>,
    /// Positions in `entries`, found by key hash.
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// (position in `entries`, deadline in Unix ms) of every key with a TTL.
    deadlines: Vec<(u32, u64)>,
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

    fn deadline_at(&self, i: usize) -> Option<u64> {
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
                + str_heap(&entry.key)
                + value_heap(&entry.value),
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

    /// The string at `key`, `WRONGTYPE` if it holds something else.
    pub fn get_string(&mut self, key: &[u8]) -> Result<Option<&Str>, ReplyError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ReplyError::WRONG_TYPE),
        }
    }

    /// The hash at `key`, `WRONGTYPE` if it holds something else.
    pub fn get_hash(&mut self, key: &[u8]) -> Result<Option<&Hash>, ReplyError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Hash(h)) => Ok(Some(h)),
            Some(_) => Err(ReplyError::WRONG_TYPE),
        }
    }

    /// The hash at `key` for changing, `WRONGTYPE` if it holds something else.
    pub fn get_hash_mut(&mut self, key: &[u8]) -> Result<Option<&mut Hash>, ReplyError> {
        match self.get_mut(key) {
            None => Ok(None),
            Some(Value::Hash(h)) => Ok(Some(h)),
            Some(_) => Err(ReplyError::WRONG_TYPE),
        }
    }

    /// The hash at `key`, created empty when absent. A caller that may leave
    /// it empty must call [`Db::remove_if_empty`].
    pub fn hash_or_default(&mut self, key: &[u8]) -> Result<&mut Hash, ReplyError> {
        if !self.contains(key) {
            self.set_keep_ttl(key, Value::Hash(Box::default()));
        }
        match self.get_mut(key) {
            Some(Value::Hash(h)) => Ok(h),
            _ => Err(ReplyError::WRONG_TYPE),
        }
    }

    /// Deletes `key` if it is an empty hash (Redis never keeps empty aggregates).
    pub fn remove_if_empty(&mut self, key: &[u8]) {
        if let Some(i) = self.find(key) {
            if matches!(&self.entries[i].value, Value::Hash(h) if h.is_empty()) {
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
    pub fn random_key(&mut self) -> Option<Key> {
        while !self.entries.is_empty() {
            let i = fastrand::usize(..self.entries.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn string(s: &str) -> Value {
        Value::string(s)
    }

    #[test]
    fn lazy_expiry_hides_and_deletes_due_keys() {
        let mut db = Db::new();
        db.set_now(1_000);
        db.set(b"k", string("v"));
        assert!(db.set_deadline(b"k", 1_500));
        db.set_now(1_499);
        assert_eq!(db.get(b"k"), Some(&string("v")));
        db.set_now(1_500);
        assert_eq!(db.get(b"k"), None);
        assert_eq!(db.len(), 0, "the expired key is deleted on access");
        assert_eq!(db.stats.expired, 1);
    }

    #[test]
    fn active_cycle_reclaims_without_reads() {
        let store = Store::new(Dataset::new(Shape::for_threads(2, 16)));
        let mut ks = store.view();
        ks.prepare(1, 0, true, false);
        for i in 0..1_000 {
            let key = format!("k{i}");
            ks.set(key.as_bytes(), string("v"));
            ks.set_deadline(key.as_bytes(), if i % 2 == 0 { 10 } else { 1_000_000 });
        }
        drop(ks);
        let mut deleted = 0;
        for _ in 0..100 {
            store.for_each_shard(|shard| deleted += shard.active_expire_cycle(20));
        }
        assert_eq!(deleted, 500, "every expired key is reclaimed by sampling alone");
        let mut ks = store.lock_all();
        assert_eq!(ks.db_summary(1), (500, 500, 1_000_000 - 20));
        assert_eq!(ks.stats().expired, 500);
    }

    #[test]
    fn set_with_deadline_sets_replaces_and_clears() {
        let mut db = Db::new();
        db.set_with_deadline(b"k", string("a"), Some(50));
        assert_eq!((db.deadline(b"k"), db.volatile_len()), (Some(50), 1));
        db.set_with_deadline(b"k", string("b"), Some(70));
        assert_eq!((db.deadline(b"k"), db.volatile_len()), (Some(70), 1));
        db.set_with_deadline(b"k", string("c"), None);
        assert_eq!((db.deadline(b"k"), db.volatile_len()), (None, 0));
        assert_eq!(db.get(b"k"), Some(&string("c")));
    }

    #[test]
    fn set_clears_deadline_and_keep_ttl_keeps_it() {
        let mut db = Db::new();
        db.set(b"k", string("a"));
        db.set_deadline(b"k", 99);
        db.set_keep_ttl(b"k", string("b"));
        assert_eq!(db.deadline(b"k"), Some(99));
        db.set(b"k", string("c"));
        assert_eq!(db.deadline(b"k"), None);
    }

    #[test]
    fn scan_returns_every_key_present_throughout() {
        let mut db = Db::new();
        for i in 0..100 {
            db.set(format!("k{i}").as_bytes(), string("v"));
        }
        let (mut seen, mut cursor, mut step) = (std::collections::HashSet::new(), 0, 0);
        loop {
            cursor = db.scan(cursor, 7, |k, _| {
                seen.insert(k.to_vec());
            });
            // Churn between steps: delete some early keys, add new ones.
            step += 1;
            db.remove(format!("k{}", step * 3).as_bytes());
            db.set(format!("new{step}").as_bytes(), string("v"));
            if cursor == 0 {
                break;
            }
        }
        for i in 0..100 {
            let deleted = (1..=step).any(|s| s * 3 == i);
            if !deleted {
                assert!(seen.contains(format!("k{i}").as_bytes()), "k{i} missed");
            }
        }
    }

    #[test]
    fn reset_stats_zeroes_every_db() {
        let store = Store::new(Dataset::new(Shape::for_threads(2, 1)));
        let mut ks = store.view();
        ks.get(b"missing");
        ks.select(1).set(b"k", string("v"));
        ks.get(b"k");
        assert_eq!((ks.stats().hits, ks.stats().misses), (1, 1));
        ks.reset_stats();
        let stats = ks.stats();
        assert_eq!((stats.hits, stats.misses, stats.expired), (0, 0, 0));
    }

    #[test]
    fn random_key_skips_expired() {
        let mut db = Db::new();
        db.set_now(0);
        assert_eq!(db.random_key(), None);
        db.set(b"dead", string("v"));
        db.set_deadline(b"dead", 5);
        db.set(b"live", string("v"));
        db.set_now(10);
        for _ in 0..10 {
            assert_eq!(db.random_key().as_deref(), Some(&b"live"[..]));
        }
    }

    #[test]
    fn access_time_and_no_touch() {
        let mut db = Db::new();
        db.set_now(1_000);
        db.set(b"k", string("v"));
        db.set_now(11_000);
        assert_eq!(db.idle_ms(b"k"), Some(10_000));
        db.set_touch(false);
        db.get(b"k");
        assert_eq!(db.idle_ms(b"k"), Some(10_000));
        db.set_touch(true);
        db.get(b"k");
        assert_eq!(db.idle_ms(b"k"), Some(0));
    }

    #[test]
    fn index_stays_consistent_under_churn() {
        let mut db = Db::new();
        db.set_now(1_000);
        let mut model = std::collections::HashMap::new();
        for step in 0..5_000u64 {
            let key = format!("k{}", fastrand::u64(..300));
            match fastrand::u8(..4) {
                0 => {
                    db.remove(key.as_bytes());
                    model.remove(&key);
                }
                1 => {
                    if db.set_deadline(key.as_bytes(), 1_000_000 + step) {
                        assert!(model.contains_key(&key));
                    }
                }
                2 => {
                    db.clear_deadline(key.as_bytes());
                }
                _ => {
                    db.set(key.as_bytes(), Value::string(step.to_string().as_bytes()));
                    model.insert(key.clone(), step.to_string());
                }
            }
            assert_eq!(db.len(), model.len());
        }
        for (key, value) in &model {
            assert_eq!(db.get(key.as_bytes()), Some(&Value::string(value.as_bytes())), "{key}");
        }
        let volatile = (0..db.entries.len()).filter(|&i| db.deadline_at(i).is_some()).count();
        assert_eq!(volatile, db.volatile_len());
        for (slot, (owner, _)) in db.deadlines.iter().enumerate() {
            assert_eq!(db.entries[*owner as usize].deadline_slot as usize, slot);
        }
    }

    #[test]
    fn entries_are_compact() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Entry>(), 56);
    }

    #[test]
    fn small_hashes_keep_order_on_delete() {
        let mut h = Hash::default();
        for f in ["a", "b", "c", "d"] {
            assert!(h.insert(f.as_bytes(), b"1"));
        }
        assert!(!h.insert(b"b", b"2"));
        assert!(h.remove(b"b"));
        let order: Vec<&[u8]> = h.iter().map(|(k, _)| k).collect();
        assert_eq!(order, vec![&b"a"[..], b"c", b"d"]);
    }

    #[test]
    fn hash_encoding_is_listpack_until_a_limit_is_exceeded_and_then_sticky() {
        let mut h = Hash::default();
        assert_eq!(h.encoding(), "listpack");
        h.insert(&[b'y'; HASH_MAX_LISTPACK_VALUE], b"v");
        h.remove(&[b'y'; HASH_MAX_LISTPACK_VALUE]);
        for i in 0..HASH_MAX_LISTPACK_ENTRIES {
            h.insert(format!("f{i}").as_bytes(), b"v");
        }
        h.insert(b"f0", &[b'x'; HASH_MAX_LISTPACK_VALUE]);
        assert_eq!(h.encoding(), "listpack", "at the limits exactly");
        h.insert(b"one-more", b"v");
        assert_eq!(h.encoding(), "hashtable", "more than hash-max-listpack-entries fields");
        for i in 0..HASH_MAX_LISTPACK_ENTRIES {
            h.remove(format!("f{i}").as_bytes());
        }
        assert_eq!(h.len(), 1);
        assert_eq!(h.encoding(), "hashtable", "sticky when the hash shrinks");

        let mut long_value = Hash::default();
        long_value.insert(b"f", &[b'x'; HASH_MAX_LISTPACK_VALUE + 1]);
        assert_eq!(long_value.encoding(), "hashtable");
        let mut long_field = Hash::default();
        long_field.insert(&[b'x'; HASH_MAX_LISTPACK_VALUE + 1], b"v");
        assert_eq!(long_field.encoding(), "hashtable");
        assert_eq!(long_field.clone().encoding(), "hashtable", "a copy keeps the encoding");

        let loaded: Hash = long_field.iter().map(|(f, v)| (Key::from(f), v.to_vec())).collect();
        assert_eq!(loaded.encoding(), "hashtable");
        assert_eq!(loaded, long_field);
        let small: Hash = [(Key::from(&b"f"[..]), b"v".to_vec())].into_iter().collect();
        assert_eq!(small.encoding(), "listpack");
    }

    #[test]
    fn listpack_hashes_keep_order_on_delete_beyond_128_fields() {
        let mut h = Hash::default();
        for i in 0..300 {
            h.insert(format!("f{i}").as_bytes(), b"v");
        }
        assert!(h.remove(b"f0"));
        assert_eq!(h.get_index(0).map(|(f, _)| f), Some(&b"f1"[..]));
        assert_eq!(h.get_index(298).map(|(f, _)| f), Some(&b"f299"[..]));
    }

    #[test]
    fn wrong_type_is_reported() {
        let mut db = Db::new();
        db.set(b"s", string("v"));
        assert_eq!(db.get_hash(b"s"), Err(ReplyError::WRONG_TYPE));
        assert_eq!(db.hash_or_default(b"s").err(), Some(ReplyError::WRONG_TYPE));
        db.hash_or_default(b"h").unwrap().insert(b"f", b"v");
        assert_eq!(db.get_string(b"h"), Err(ReplyError::WRONG_TYPE));
    }
}

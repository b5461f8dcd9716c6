//! The keyspace: databases of binary keys holding strings or hashes, each
//! with an optional deadline. Expiry is lazy (an expired key is never
//! returned) and active ([`Keyspace::active_expire_cycle`]).
//!
//! Locking lives in [`Store`]; commands only see `&mut Db` handed out by the
//! dispatcher's context, so the keyspace can later be split into shards
//! without touching commands.

pub mod clock;
pub mod glob;
pub mod snapshot;

use indexmap::IndexMap;
use parking_lot::{Mutex, MutexGuard};

use crate::protocol::ReplyError;

pub use clock::Clock;

/// Keys are bytes: binary-safe, compared exactly.
pub type Key = Box<[u8]>;

/// A hash's fields in insertion order, as Redis's listpack keeps them.
pub type Fields = IndexMap<Key, Vec<u8>>;

/// Hashes up to this many fields keep insertion order across deletes
/// (Redis's listpack encoding); larger ones delete in O(1).
pub const HASH_ORDERED_MAX: usize = 128;

/// Redis's `hash-max-listpack-value`: longer fields or values make a hash
/// leave the listpack encoding.
pub const HASH_MAX_LISTPACK_VALUE: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(Vec<u8>),
    Hash(Hash),
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Hash(_) => "hash",
        }
    }
}

/// A hash value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hash {
    fields: Fields,
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
        match self.fields.get_mut(field) {
            Some(existing) => {
                existing.clear();
                existing.extend_from_slice(value);
                false
            }
            None => {
                self.fields.insert(field.into(), value.to_vec());
                true
            }
        }
    }

    /// Removes a field; true when it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        if self.fields.len() <= HASH_ORDERED_MAX {
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

    /// Whether Redis would keep this hash in its compact listpack encoding
    /// (at most [`HASH_ORDERED_MAX`] fields, every field and value at most
    /// [`HASH_MAX_LISTPACK_VALUE`] bytes), judged on the current contents.
    /// `HSCAN` returns such a hash whole in one call, as Redis does.
    pub fn is_listpack_sized(&self) -> bool {
        self.fields.len() <= HASH_ORDERED_MAX
            && self
                .fields
                .iter()
                .all(|(k, v)| k.len() <= HASH_MAX_LISTPACK_VALUE && v.len() <= HASH_MAX_LISTPACK_VALUE)
    }
}

impl FromIterator<(Key, Vec<u8>)> for Hash {
    fn from_iter<I: IntoIterator<Item = (Key, Vec<u8>)>>(iter: I) -> Self {
        Hash { fields: iter.into_iter().collect() }
    }
}

/// A stored value with its last access time (for `OBJECT IDLETIME` and LRU).
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    value: Value,
    /// Unix seconds of the last access.
    atime: u32,
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

/// One numbered database.
#[derive(Debug, Default)]
pub struct Db {
    entries: IndexMap<Key, Entry>,
    /// Deadlines (Unix ms) of the keys that have one, as Redis's `expires` dict.
    expires: IndexMap<Key, u64>,
    /// The current command's time, set by the dispatcher when it hands the db out.
    now: u64,
    /// Where the next active expiry round starts in `expires`.
    expire_cursor: usize,
    /// Reads do not update access times (`CLIENT NO-TOUCH`).
    no_touch: bool,
    pub stats: DbStats,
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

    fn now_secs(&self) -> u32 {
        (self.now / 1000) as u32
    }

    /// Deletes `key` if its deadline has passed; true when it did.
    fn expire_if_due(&mut self, key: &[u8]) -> bool {
        if self.expires.is_empty() {
            return false;
        }
        match self.expires.get(key) {
            Some(&deadline) if deadline <= self.now => {
                self.remove(key);
                self.stats.expired += 1;
                true
            }
            _ => false,
        }
    }

    /// The live value at `key`, counting a keyspace hit or miss.
    pub fn get(&mut self, key: &[u8]) -> Option<&Value> {
        self.expire_if_due(key);
        let (now, touch) = (self.now_secs(), !self.no_touch);
        match self.entries.get_mut(key) {
            Some(entry) => {
                self.stats.hits += 1;
                if touch {
                    entry.atime = now;
                }
                Some(&entry.value)
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// The live value at `key` without counting a hit or touching it.
    pub fn peek(&mut self, key: &[u8]) -> Option<&Value> {
        self.expire_if_due(key);
        self.entries.get(key).map(|e| &e.value)
    }

    /// The live value at `key`, for changing it in place.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_due(key);
        let now = self.now_secs();
        self.entries.get_mut(key).map(|entry| {
            entry.atime = now;
            &mut entry.value
        })
    }

    /// Updates a live key's access time (`TOUCH`); false when absent.
    pub fn touch(&mut self, key: &[u8]) -> bool {
        self.expire_if_due(key);
        let now = self.now_secs();
        self.entries.get_mut(key).map(|entry| entry.atime = now).is_some()
    }

    /// Milliseconds since a live key was last accessed (`OBJECT IDLETIME`).
    pub fn idle_ms(&mut self, key: &[u8]) -> Option<u64> {
        self.expire_if_due(key);
        let now = self.now;
        self.entries.get(key).map(|entry| now.saturating_sub(u64::from(entry.atime) * 1000))
    }

    /// Whether `key` holds a live value (no hit/miss counted).
    pub fn contains(&mut self, key: &[u8]) -> bool {
        self.expire_if_due(key);
        self.entries.contains_key(key)
    }

    /// The string at `key`, `WRONGTYPE` if it holds something else.
    pub fn get_string(&mut self, key: &[u8]) -> Result<Option<&Vec<u8>>, ReplyError> {
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
            self.set_keep_ttl(key, Value::Hash(Hash::default()));
        }
        match self.get_mut(key) {
            Some(Value::Hash(h)) => Ok(h),
            _ => Err(ReplyError::WRONG_TYPE),
        }
    }

    /// Deletes `key` if it is an empty hash (Redis never keeps empty aggregates).
    pub fn remove_if_empty(&mut self, key: &[u8]) {
        if matches!(self.entries.get(key), Some(Entry { value: Value::Hash(h), .. }) if h.is_empty()) {
            self.remove(key);
        }
    }

    /// Stores `value` at `key` and clears any deadline, as `SET` does.
    pub fn set(&mut self, key: &[u8], value: Value) {
        self.set_keep_ttl(key, value);
        self.clear_deadline(key);
    }

    /// Stores `value` at `key`, keeping a live key's deadline.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value) {
        self.expire_if_due(key);
        let entry = Entry { value, atime: self.now_secs() };
        match self.entries.get_mut(key) {
            Some(slot) => *slot = entry,
            None => {
                self.entries.insert(key.into(), entry);
            }
        }
    }

    /// Deletes `key`; the value it held, if any.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        if !self.expires.is_empty() {
            self.expires.swap_remove(key);
        }
        self.entries.swap_remove(key).map(|e| e.value)
    }

    /// Deletes `key` if live; true when it was.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        self.expire_if_due(key);
        self.remove(key).is_some()
    }

    /// The deadline of a live key, in Unix ms.
    pub fn deadline(&mut self, key: &[u8]) -> Option<u64> {
        self.expire_if_due(key);
        self.expires.get(key).copied()
    }

    /// Sets the deadline of a live key; false when the key is absent.
    pub fn set_deadline(&mut self, key: &[u8], at_ms: u64) -> bool {
        if !self.contains(key) {
            return false;
        }
        match self.expires.get_mut(key) {
            Some(deadline) => *deadline = at_ms,
            None => {
                self.expires.insert(key.into(), at_ms);
            }
        }
        true
    }

    /// Removes a deadline; true when there was one.
    pub fn clear_deadline(&mut self, key: &[u8]) -> bool {
        !self.expires.is_empty() && self.expires.swap_remove(key).is_some()
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
        self.expires.len()
    }

    /// Sum of the remaining TTLs of volatile keys (for `INFO keyspace` avg_ttl).
    pub fn avg_ttl_ms(&self) -> u64 {
        let live: Vec<u64> =
            self.expires.values().filter(|&&d| d > self.now).map(|&d| d - self.now).collect();
        if live.is_empty() {
            0
        } else {
            live.iter().sum::<u64>() / live.len() as u64
        }
    }

    pub fn clear(&mut self) {
        self.entries = IndexMap::new();
        self.expires = IndexMap::new();
    }

    fn is_live(&self, key: &[u8]) -> bool {
        self.expires.get(key).is_none_or(|&d| d > self.now)
    }

    /// Live entries with their deadlines, in storage order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Value, Option<u64>)> {
        self.entries
            .iter()
            .filter(|(k, _)| self.is_live(k))
            .map(|(k, e)| (&k[..], &e.value, self.expires.get(k).copied()))
    }

    /// Live keys, in storage order.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.iter().map(|(k, _, _)| k)
    }

    /// The key stored at `index` (storage order), live or not.
    pub fn key_at(&self, index: usize) -> Option<&[u8]> {
        self.entries.get_index(index).map(|(k, _)| &k[..])
    }

    /// One round of active expiry: checks up to `samples` keys with
    /// deadlines, continuing where the last round stopped (as Redis 7 walks
    /// its expires table), so every key is visited within len/samples rounds.
    /// Returns (checked, expired).
    pub fn expire_sample(&mut self, samples: usize) -> (usize, usize) {
        let budget = samples.min(self.expires.len());
        let (mut checked, mut expired) = (0, 0);
        while checked < budget && !self.expires.is_empty() {
            if self.expire_cursor >= self.expires.len() {
                self.expire_cursor = 0;
            }
            let (key, &deadline) = self.expires.get_index(self.expire_cursor).expect("cursor in range");
            checked += 1;
            if deadline <= self.now {
                // swap_remove moves the last key into this slot: check it next.
                let key = key.clone();
                self.remove(&key);
                self.stats.expired += 1;
                expired += 1;
            } else {
                self.expire_cursor += 1;
            }
        }
        (checked, expired)
    }

    /// Builds a database from loaded entries, dropping those already expired.
    pub fn from_entries(entries: impl IntoIterator<Item = (Key, Value, Option<u64>)>, now: u64) -> Db {
        let mut db = Db::new();
        for (key, value, deadline) in entries {
            if deadline.is_some_and(|d| d <= now) {
                continue;
            }
            if let Some(d) = deadline {
                db.expires.insert(key.clone(), d);
            }
            db.entries.insert(key, Entry { value, atime: (now / 1000) as u32 });
        }
        db
    }

    /// A random live key (`RANDOMKEY`); expired keys met on the way are deleted.
    pub fn random_key(&mut self) -> Option<Key> {
        while !self.entries.is_empty() {
            let index = fastrand::usize(..self.entries.len());
            let key = self.entries.get_index(index).map(|(k, _)| k.clone())?;
            if self.is_live(&key) {
                return Some(key);
            }
            self.remove(&key);
            self.stats.expired += 1;
        }
        None
    }

    /// One `SCAN` step: visits up to `count` live entries and returns the
    /// next cursor (0 when done). See [`scan_step`] for the guarantee.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], &Value)) -> u64 {
        scan_step(self.entries.len(), cursor, count, |i| {
            let (key, entry) = self.entries.get_index(i).expect("index in range");
            if self.is_live(key) {
                visit(key, &entry.value);
                true
            } else {
                false
            }
        })
    }
}

/// All databases. Only reachable through [`Store::lock`].
#[derive(Debug)]
pub struct Keyspace {
    pub dbs: Vec<Db>,
}

/// Keys sampled per round of the active expiry cycle (Redis's default).
pub const EXPIRE_SAMPLES: usize = 20;
/// Rounds per database per cycle at most, so one cycle holds the lock briefly.
pub const EXPIRE_MAX_ROUNDS: usize = 16;

impl Keyspace {
    pub fn new(databases: usize) -> Keyspace {
        Keyspace { dbs: (0..databases).map(|_| Db::new()).collect() }
    }

    /// Sets the time every database compares deadlines against.
    pub fn set_now(&mut self, now_ms: u64) {
        self.dbs.iter_mut().for_each(|db| db.set_now(now_ms));
    }

    /// Redis's active expiry: per database, sample keys with deadlines and
    /// delete the expired ones, repeating while more than a quarter of a
    /// sample was expired. Returns how many keys it deleted.
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

    /// Summed counters of all databases.
    pub fn stats(&self) -> DbStats {
        self.dbs.iter().fold(DbStats::default(), |acc, db| DbStats {
            hits: acc.hits + db.stats.hits,
            misses: acc.misses + db.stats.misses,
            expired: acc.expired + db.stats.expired,
        })
    }
}

/// The shared keyspace behind one lock, held only while a command runs and
/// never across an `.await`.
#[derive(Debug)]
pub struct Store {
    keyspace: Mutex<Keyspace>,
}

impl Store {
    pub fn new(keyspace: Keyspace) -> Store {
        Store { keyspace: Mutex::new(keyspace) }
    }

    pub fn lock(&self) -> MutexGuard<'_, Keyspace> {
        self.keyspace.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(s: &str) -> Value {
        Value::String(s.as_bytes().to_vec())
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
        let mut ks = Keyspace::new(2);
        ks.set_now(0);
        for i in 0..1_000 {
            let key = format!("k{i}");
            ks.dbs[1].set(key.as_bytes(), string("v"));
            ks.dbs[1].set_deadline(key.as_bytes(), if i % 2 == 0 { 10 } else { 1_000_000 });
        }
        let mut deleted = 0;
        for _ in 0..100 {
            deleted += ks.active_expire_cycle(20);
        }
        assert_eq!(deleted, 500, "every expired key is reclaimed by sampling alone");
        assert_eq!(ks.dbs[1].len(), 500);
        assert_eq!(ks.dbs[1].volatile_len(), 500);
        assert_eq!(ks.stats().expired, 500);
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
    fn listpack_sized_hashes() {
        let mut h = Hash::default();
        assert!(h.is_listpack_sized());
        h.insert(&[b'f'; 64], &[b'v'; 64]);
        assert!(h.is_listpack_sized(), "64 bytes still fit");
        h.insert(b"long", &[b'v'; 65]);
        assert!(!h.is_listpack_sized(), "a 65-byte value does not");
        h.remove(b"long");
        for i in 1..HASH_ORDERED_MAX {
            h.insert(format!("f{i}").as_bytes(), b"v");
        }
        assert_eq!(h.len(), HASH_ORDERED_MAX);
        assert!(h.is_listpack_sized());
        h.insert(b"one-more", b"v");
        assert!(!h.is_listpack_sized(), "129 fields do not");
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

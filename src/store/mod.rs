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
mod db;
pub mod effects;
pub mod evict;
pub mod glob;
pub mod hyperloglog;
pub mod keyspace;
pub mod snapshot;

use indexmap::IndexMap;

pub use clock::Clock;
pub use compact::Str;
pub use db::Db;
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

#[cfg(test)]
mod tests {
    use super::db::Entry;
    use super::*;
    use crate::protocol::ReplyError;

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

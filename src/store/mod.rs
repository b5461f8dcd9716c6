//! The keyspace: databases of binary keys holding strings, hashes, lists,
//! sets or sorted sets, each with an optional deadline. Expiry is lazy (an expired key is never
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
pub mod blob;
pub mod clock;
pub mod compact;
mod db;
pub mod effects;
pub mod evict;
pub mod glob;
pub mod hash;
#[cfg(test)]
mod hash_model;
pub mod hyperloglog;
pub mod keyspace;
pub mod list;
#[cfg(test)]
mod list_model;
pub mod packed;
pub mod rdb;
pub mod set;
pub mod snapshot;
pub mod stream;
pub mod string;
pub mod value;
pub mod value_type;
pub mod zset;
mod zset_tree;

pub use clock::Clock;
pub use compact::Str;
pub use db::Db;
pub use evict::{Access, Policy};
pub use hash::Hash;
pub use keyspace::{Dataset, Keyspace, Shape, Shard, Store};
pub use list::{End, List};
pub use packed::Elem;
pub use set::Set;
pub use stream::{Stream, StreamId};
pub use value::{Typed, Value};
pub use value_type::{Limits, ValueType};
pub use zset::ZSet;

/// An owned key or field name.
pub type Key = Box<[u8]>;

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
        assert_eq!(db.random_key(&mut fastrand::Rng::new()), None);
        db.set(b"dead", string("v"));
        db.set_deadline(b"dead", 5);
        db.set(b"live", string("v"));
        db.set_now(10);
        for _ in 0..10 {
            assert_eq!(db.random_key(&mut fastrand::Rng::new()).as_deref(), Some(&b"live"[..]));
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
    fn wrong_type_is_reported() {
        let mut db = Db::new();
        db.set(b"s", string("v"));
        assert_eq!(db.get_hash(b"s"), Err(ReplyError::WRONG_TYPE));
        assert_eq!(db.hash_or_default(b"s").err(), Some(ReplyError::WRONG_TYPE));
        db.hash_or_default(b"h").unwrap().insert(b"f", b"v", &Limits::default());
        assert_eq!(db.get_string(b"h"), Err(ReplyError::WRONG_TYPE));
    }
}

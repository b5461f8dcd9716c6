//! `WATCH`: the keys each client watches, and which clients a change makes
//! "dirty" (their next `EXEC` fails).
//!
//! A change reaches the watchers through the effects a command reports
//! (its modified keys, the keys eviction deleted), handed on by the
//! dispatcher while the command's shards are still held; `WATCH` takes the
//! shards of its keys too, so a watch and a write to the same key are
//! ordered. While nobody watches, a change costs one atomic load; while
//! some do, a change to a key no one watches usually costs a hash of the
//! key and a second load (a 64-bit filter of the watched keys' hashes),
//! and only a possibly watched key takes the registry's lock.
//!
//! Expiry needs no event: `WATCH` notes a key's deadline, and `EXEC` fails
//! once it has passed (a key already expired when watched is ignored, as in
//! Redis). Lazy or active deletion of an expired key changes nothing more.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

use crate::store::effects::{Deletion, Effects, ALL_DBS};
use crate::store::Key;

/// One key a client watches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Watched {
    db: u32,
    key: Key,
    /// The key held a live value when watched (`FLUSHDB` then changes it).
    existed: bool,
    /// Its deadline then, if it had one: `EXEC` fails once it passed.
    deadline: Option<u64>,
}

#[derive(Debug, Default)]
struct Client {
    keys: Vec<Watched>,
    /// A watched key changed since `WATCH`.
    dirty: bool,
}

#[derive(Debug, Default)]
struct Registry {
    clients: HashMap<u64, Client>,
    /// Key -> (database, client id) of each watch of it.
    keys: HashMap<Key, Vec<(u32, u64)>>,
}

impl Registry {
    /// Marks the clients watching `key` of database `db` dirty.
    fn mark(&mut self, db: u32, key: &[u8]) {
        let Some(watchers) = self.keys.get(key) else { return };
        for &(_, id) in watchers.iter().filter(|&&(watched_db, _)| watched_db == db) {
            if let Some(client) = self.clients.get_mut(&id) {
                client.dirty = true;
            }
        }
    }
}

/// Every client's watched keys.
#[derive(Debug, Default)]
pub struct Watches {
    /// Clients watching at least one key: 0 means no change needs the lock.
    watchers: AtomicUsize,
    /// Bit `hash(key) % 64` of every watched key; changed only under the
    /// registry's lock, and emptied when the last watcher goes.
    filter: AtomicU64,
    registry: Mutex<Registry>,
}

/// A watched key's bit in [`Watches::filter`].
fn filter_bit(key: &[u8]) -> u64 {
    // FNV-1a: short keys, no allocation, stable.
    let hash =
        key.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    1 << (hash >> 58)
}

impl Watches {
    /// Whether any client watches a key (one relaxed load).
    #[inline]
    pub fn any(&self) -> bool {
        self.watchers.load(Ordering::Relaxed) != 0
    }

    /// Client `id` watches `key` of database `db`, which now holds a live
    /// value (`existed`) with `deadline`. The caller holds the key's shard.
    pub fn watch(&self, id: u64, db: usize, key: &[u8], existed: bool, deadline: Option<u64>) {
        let mut registry = self.registry.lock();
        let registry = &mut *registry;
        let client = registry.clients.entry(id).or_insert_with(|| {
            self.watchers.fetch_add(1, Ordering::Relaxed);
            Client::default()
        });
        let db = db as u32;
        if client.dirty || client.keys.iter().any(|w| w.db == db && *w.key == *key) {
            return;
        }
        client.keys.push(Watched { db, key: key.into(), existed, deadline });
        registry.keys.entry(key.into()).or_default().push((db, id));
        self.filter.fetch_or(filter_bit(key), Ordering::Relaxed);
    }

    /// Whether a key client `id` watches changed (flag `d`: its EXEC will fail).
    pub fn is_dirty(&self, id: u64) -> bool {
        self.any() && self.registry.lock().clients.get(&id).is_some_and(|c| c.dirty)
    }

    /// Forgets client `id`'s watches (`EXEC`, `DISCARD`, `UNWATCH`,
    /// `RESET`, disconnection).
    pub fn unwatch_all(&self, id: u64) {
        if !self.any() {
            return;
        }
        let mut registry = self.registry.lock();
        let Some(client) = registry.clients.remove(&id) else { return };
        if self.watchers.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.filter.store(0, Ordering::Relaxed);
        }
        for watched in client.keys {
            if let Some(watchers) = registry.keys.get_mut(&watched.key) {
                watchers.retain(|&(_, other)| other != id);
                if watchers.is_empty() {
                    registry.keys.remove(&watched.key);
                }
            }
        }
    }

    /// Whether client `id`'s `EXEC` must fail: a watched key changed, or a
    /// key with a deadline when watched has expired by `now_ms`. The caller
    /// holds every shard, so no change can slip in before the transaction.
    pub fn changed(&self, id: u64, now_ms: u64) -> bool {
        if !self.any() {
            return false;
        }
        let registry = self.registry.lock();
        registry.clients.get(&id).is_some_and(|client| {
            client.dirty || client.keys.iter().any(|w| w.deadline.is_some_and(|d| d <= now_ms))
        })
    }

    /// Marks the watchers of what `effects` changed dirty: each modified
    /// or evicted key's watchers; for a whole database (`FLUSHDB`,
    /// `SWAPDB`, `FLUSHALL`), the watchers of keys that were live when
    /// watched or `exist_now(db, key)`. Called while the command's shards
    /// are held.
    pub fn touch(&self, effects: &Effects, mut exist_now: impl FnMut(u32, &[u8]) -> bool) {
        if !self.any() {
            return;
        }
        let filter = self.filter.load(Ordering::Relaxed);
        let maybe_watched =
            effects.modified_keys().any(|(_, key)| key.is_none_or(|k| filter & filter_bit(k) != 0))
                || effects.deleted_keys().any(|(_, why, _)| why == Deletion::Evicted);
        if !maybe_watched {
            return;
        }
        let mut registry = self.registry.lock();
        for (db, key) in effects.modified_keys() {
            match key {
                Some(key) => registry.mark(db, key),
                None => {
                    for client in registry.clients.values_mut() {
                        let hit = client
                            .keys
                            .iter()
                            .any(|w| (db == ALL_DBS || w.db == db) && (w.existed || exist_now(w.db, &w.key)));
                        client.dirty |= hit;
                    }
                }
            }
        }
        for (db, why, key) in effects.deleted_keys() {
            if why == Deletion::Evicted {
                registry.mark(db, key);
            }
        }
    }

    /// Marks the watchers of `key` dirty: a key deleted outside a command
    /// (eviction after `CONFIG SET maxmemory`). The caller holds its shard.
    pub fn touch_key(&self, db: usize, key: &[u8]) {
        if !self.any() || self.filter.load(Ordering::Relaxed) & filter_bit(key) == 0 {
            return;
        }
        self.registry.lock().mark(db as u32, key);
    }

    /// Keys client `id` watches (tests, introspection).
    pub fn watched_by(&self, id: u64) -> usize {
        self.registry.lock().clients.get(&id).map_or(0, |c| c.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_marks_only_the_watchers_of_its_key() {
        let watches = Watches::default();
        assert!(!watches.any());
        watches.watch(1, 0, b"k", true, None);
        watches.watch(2, 0, b"other", true, None);
        watches.watch(3, 1, b"k", true, None);
        let mut fx = Effects::default();
        fx.modified(0, b"k");
        watches.touch(&fx, |_, _| false);
        assert!(watches.changed(1, 0));
        assert!(!watches.changed(2, 0));
        assert!(!watches.changed(3, 0), "another database's key");
        watches.unwatch_all(1);
        watches.unwatch_all(2);
        watches.unwatch_all(3);
        assert!(!watches.any());
        assert!(watches.registry.lock().keys.is_empty());
        assert_eq!(watches.filter.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn the_filter_spares_the_lock_for_unwatched_keys() {
        let watches = Watches::default();
        watches.watch(1, 0, b"k", true, None);
        let unwatched = (0..).map(|i| format!("x{i}")).find(|x| filter_bit(x.as_bytes()) != filter_bit(b"k"));
        let mut fx = Effects::default();
        fx.modified(0, unwatched.unwrap().as_bytes());
        let registry = watches.registry.lock();
        // Would deadlock if it took the lock held here.
        watches.touch(&fx, |_, _| false);
        drop(registry);
        assert!(!watches.changed(1, 0));
    }

    #[test]
    fn a_flush_marks_watchers_of_keys_that_existed_or_exist() {
        let watches = Watches::default();
        watches.watch(1, 0, b"present", true, None);
        watches.watch(2, 0, b"absent", false, None);
        watches.watch(3, 0, b"swapped-in", false, None);
        let mut fx = Effects::default();
        fx.modified_all(0);
        watches.touch(&fx, |_, key| key == b"swapped-in");
        assert_eq!([1, 2, 3].map(|id| watches.changed(id, 0)), [true, false, true]);
    }

    #[test]
    fn a_deadline_that_passed_fails_exec() {
        let watches = Watches::default();
        watches.watch(1, 0, b"k", true, Some(100));
        assert!(!watches.changed(1, 99));
        assert!(watches.changed(1, 100));
    }
}

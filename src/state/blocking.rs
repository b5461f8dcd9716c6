//! Clients blocked on list keys (`BLPOP` and friends): for each key, the
//! FIFO of client ids waiting on it, and for each blocked client its wake
//! handle.
//!
//! A blocking command that finds every key empty leaves a
//! [`BlockRequest`]; its connection registers here and waits.
//! After any command, if someone is blocked (one atomic load otherwise),
//! the keys its effects name as modified wake the first waiter of each key
//! that is not already woken: O(1) per key. The woken connection re-runs
//! its command. If the command is served, the connection unregisters and
//! its own pop wakes the next waiter (the key may still hold elements);
//! if it finds nothing, it stays at its place in every queue.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::store::effects::{Effects, ALL_DBS};

pub use crate::session::{BlockRequest, Wake};

/// How `CLIENT UNBLOCK` ends a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unblock {
    Timeout,
    Error,
}

/// One blocked connection's wake handle.
#[derive(Default)]
pub struct Waiter {
    notify: Notify,
    /// Woken and not yet re-run (so a second push wakes the next waiter).
    woken: AtomicBool,
    /// The key whose change woke it: only that key's wake-up passes on
    /// when it leaves (another key's next waiter must not run alongside).
    woken_by: Mutex<Option<(usize, Box<[u8]>)>>,
    unblock: Mutex<Option<Unblock>>,
    keys: Vec<(usize, Box<[u8]>)>,
    wake: Wake,
}

impl Waiter {
    /// Waits for a wake-up (a push to one of the keys, or `CLIENT UNBLOCK`).
    pub async fn woken(&self) {
        self.notify.notified().await;
    }

    /// Called before re-running the command: later pushes wake this waiter again.
    pub fn rearm(&self) {
        self.woken.store(false, Ordering::Release);
    }

    /// A pending `CLIENT UNBLOCK`.
    pub fn take_unblock(&self) -> Option<Unblock> {
        self.unblock.lock().take()
    }

    /// The key whose write woke it last (`None` before any wake-up).
    pub fn woken_key(&self) -> Option<Vec<u8>> {
        self.woken_by.lock().as_ref().map(|(_, key)| key.to_vec())
    }

    fn wake(&self, key: &(usize, Box<[u8]>)) -> bool {
        if self.woken.swap(true, Ordering::AcqRel) {
            return false;
        }
        *self.woken_by.lock() = Some(key.clone());
        self.notify.notify_one();
        true
    }
}

#[derive(Default)]
struct Table {
    queues: HashMap<(usize, Box<[u8]>), VecDeque<u64>>,
    waiters: HashMap<u64, Arc<Waiter>>,
    /// Waiters with [`Wake::Every`] (while none, a wake stops at the first).
    every: usize,
}

/// The server's blocked clients.
#[derive(Default)]
pub struct Blocking {
    count: AtomicUsize,
    table: Mutex<Table>,
}

impl std::fmt::Debug for Blocking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocking").field("blocked", &self.blocked()).finish()
    }
}

impl Blocking {
    /// Clients blocked now (`INFO clients`' `blocked_clients`).
    pub fn blocked(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    pub fn is_blocked(&self, id: u64) -> bool {
        self.blocked() > 0 && self.table.lock().waiters.contains_key(&id)
    }

    /// Queues client `id` at the back of every key's FIFO.
    pub fn register(&self, id: u64, db: usize, keys: &[Vec<u8>]) -> Arc<Waiter> {
        self.register_waking(id, db, keys, Wake::First)
    }

    /// [`Blocking::register`], woken as `wake` says.
    pub fn register_waking(&self, id: u64, db: usize, keys: &[Vec<u8>], wake: Wake) -> Arc<Waiter> {
        let mut unique: Vec<(usize, Box<[u8]>)> = Vec::with_capacity(keys.len());
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        for key in keys {
            if seen.insert(&key[..]) {
                unique.push((db, key.as_slice().into()));
            }
        }
        let waiter = Arc::new(Waiter { keys: unique, wake, ..Waiter::default() });
        let mut table = self.table.lock();
        table.every += usize::from(wake == Wake::Every);
        for key in &waiter.keys {
            table.queues.entry(key.clone()).or_default().push_back(id);
        }
        if table.waiters.insert(id, waiter.clone()).is_none() {
            self.count.fetch_add(1, Ordering::Relaxed);
        }
        waiter
    }

    /// Removes client `id` from every queue (served, timed out, unblocked or
    /// gone). A wake-up it received and did not use passes to the next waiter.
    pub fn unregister(&self, id: u64) {
        let mut table = self.table.lock();
        let Some(waiter) = table.waiters.remove(&id) else { return };
        self.count.fetch_sub(1, Ordering::Relaxed);
        table.every -= usize::from(waiter.wake == Wake::Every);
        for key in &waiter.keys {
            if let Some(queue) = table.queues.get_mut(key) {
                if let Some(at) = queue.iter().position(|&w| w == id) {
                    queue.remove(at);
                }
                if queue.is_empty() {
                    table.queues.remove(key);
                }
            }
        }
        if waiter.woken.load(Ordering::Acquire) || waiter.wake == Wake::FirstThenNext {
            match waiter.woken_by.lock().take() {
                Some(key) => wake_first(&table, &key),
                None => waiter.keys.iter().for_each(|key| wake_first(&table, key)),
            }
        }
    }

    /// [`Wake::FirstThenNext`]: client `id` was woken, ran, and stays
    /// blocked (its group had nothing for it): the turn passes to the next
    /// waiter on the key that woke it, so every group's reader gets one.
    pub fn pass_turn(&self, id: u64) {
        let table = self.table.lock();
        let Some(waiter) = table.waiters.get(&id) else { return };
        if waiter.wake != Wake::FirstThenNext {
            return;
        }
        let Some(key) = waiter.woken_by.lock().take() else { return };
        let Some(queue) = table.queues.get(&key) else { return };
        let after = queue.iter().skip_while(|&&w| w != id).skip(1);
        for next in after {
            match table.waiters.get(next) {
                Some(next) if next.wake != Wake::Every && next.wake(&key) => return,
                _ => {}
            }
        }
    }

    /// Wakes, for each key the command modified, the first waiter not yet woken.
    pub fn wake_modified(&self, effects: &Effects) {
        if self.blocked() == 0 {
            return;
        }
        let table = self.table.lock();
        for (db, key) in effects.modified_keys() {
            match key {
                Some(key) => wake_first(&table, &(db as usize, Box::<[u8]>::from(key))),
                // Every key of a database (or of all): wake the first of each queue there.
                None => {
                    for (key, queue) in &table.queues {
                        if db == ALL_DBS || key.0 == db as usize {
                            wake_in(&table, key, queue);
                        }
                    }
                }
            }
        }
    }

    /// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: false when `id` is not blocked.
    pub fn unblock(&self, id: u64, how: Unblock) -> bool {
        let table = self.table.lock();
        let Some(waiter) = table.waiters.get(&id) else { return false };
        *waiter.unblock.lock() = Some(how);
        waiter.notify.notify_one();
        true
    }
}

fn wake_first(table: &Table, key: &(usize, Box<[u8]>)) {
    if let Some(queue) = table.queues.get(key) {
        wake_in(table, key, queue);
    }
}

/// Wakes the first waiter of `queue` not already woken. Woken waiters
/// ahead of it are few: each re-runs at once.
fn wake_in(table: &Table, key: &(usize, Box<[u8]>), queue: &VecDeque<u64>) {
    let mut first_woken = false;
    for id in queue {
        let Some(waiter) = table.waiters.get(id) else { continue };
        if waiter.wake == Wake::Every {
            waiter.wake(key);
        } else if !first_woken && waiter.wake(key) {
            if table.every == 0 {
                return;
            }
            first_woken = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effects_on(key: &[u8]) -> Effects {
        let mut effects = Effects::default();
        effects.modified(0, key);
        effects
    }

    #[test]
    fn wakes_in_fifo_order_one_per_push_and_passes_unused_wakeups_on() {
        let blocking = Blocking::default();
        let first = blocking.register(1, 0, &[b"a".to_vec(), b"k".to_vec()]);
        let second = blocking.register(2, 0, &[b"k".to_vec(), b"k".to_vec()]);
        assert_eq!(blocking.blocked(), 2);
        blocking.wake_modified(&effects_on(b"k"));
        assert!(first.woken.load(Ordering::Acquire));
        assert!(!second.woken.load(Ordering::Acquire), "one push wakes one waiter");
        blocking.wake_modified(&effects_on(b"k"));
        assert!(second.woken.load(Ordering::Acquire), "the next push wakes the next");
        second.rearm();
        // The first leaves (say, killed) without using its wake-up: it passes on.
        blocking.unregister(1);
        assert!(second.woken.load(Ordering::Acquire));
        blocking.unregister(2);
        assert_eq!(blocking.blocked(), 0);
        assert!(blocking.table.lock().queues.is_empty(), "no queue entries leak");
        assert!(!blocking.unblock(2, Unblock::Error));
    }

    #[test]
    fn a_wakeup_passes_on_only_along_the_key_that_woke() {
        let blocking = Blocking::default();
        let first = blocking.register(1, 0, &[b"z".to_vec(), b"other".to_vec()]);
        let second = blocking.register(2, 0, &[b"z".to_vec(), b"other".to_vec()]);
        let third = blocking.register(3, 0, &[b"z".to_vec(), b"other".to_vec()]);
        blocking.wake_modified(&effects_on(b"z"));
        blocking.wake_modified(&effects_on(b"z"));
        assert!(first.woken.load(Ordering::Acquire) && second.woken.load(Ordering::Acquire));
        // The first leaves with its wake-up from `z` unused: the next on `z`
        // not yet woken gets it, and nothing passes along `other`.
        blocking.unregister(1);
        assert!(third.woken.load(Ordering::Acquire));
        third.rearm();
        blocking.unregister(2);
        assert!(third.woken.load(Ordering::Acquire), "the second's wake-up from `z` passes on too");
        third.rearm();
        blocking.unblock(3, Unblock::Timeout);
        blocking.unregister(3);
        assert!(blocking.table.lock().queues.is_empty());
    }

    #[test]
    fn stream_readers_all_wake_and_group_readers_pass_the_turn_on() {
        let blocking = Blocking::default();
        let list = blocking.register(1, 0, &[b"s".to_vec()]);
        let reader = blocking.register_waking(2, 0, &[b"s".to_vec()], Wake::Every);
        let first = blocking.register_waking(3, 0, &[b"s".to_vec()], Wake::FirstThenNext);
        let second = blocking.register_waking(4, 0, &[b"s".to_vec()], Wake::FirstThenNext);
        blocking.wake_modified(&effects_on(b"s"));
        let woken = |w: &Waiter| w.woken.load(Ordering::Acquire);
        assert!(woken(&list) && woken(&reader), "the first waiter and every reader");
        assert!(!woken(&first) && !woken(&second));
        blocking.unregister(1);
        assert!(woken(&first), "the list waiter's unused wake-up passes on");
        first.rearm();
        // Served: the next group reader gets its turn.
        blocking.unregister(3);
        assert!(woken(&second));
        blocking.unregister(2);
        blocking.unregister(4);
        assert_eq!(blocking.table.lock().every, 0);
        assert!(blocking.table.lock().queues.is_empty());
    }

    #[test]
    fn a_group_reader_that_finds_nothing_passes_the_turn_on() {
        let blocking = Blocking::default();
        let readers: Vec<_> = (1..=3)
            .map(|id| blocking.register_waking(id, 0, &[b"s".to_vec()], Wake::FirstThenNext))
            .collect();
        let woken = |w: &Waiter| w.woken.load(Ordering::Acquire);
        blocking.wake_modified(&effects_on(b"s"));
        assert!(woken(&readers[0]) && !woken(&readers[1]));
        readers[0].rearm();
        // It ran and stays blocked: the next reader (another group) gets its turn.
        blocking.pass_turn(1);
        assert!(woken(&readers[1]) && !woken(&readers[2]));
        readers[1].rearm();
        blocking.pass_turn(2);
        assert!(woken(&readers[2]));
        readers[2].rearm();
        blocking.pass_turn(3);
        assert!(!readers.iter().any(|r| woken(r)), "the chain ends at the last reader");
        (1..=3).for_each(|id| blocking.unregister(id));
        assert!(blocking.table.lock().queues.is_empty());
    }

    #[test]
    fn ten_thousand_waiters_cost_one_wake_per_push() {
        let blocking = Blocking::default();
        let waiters: Vec<_> = (0..10_000).map(|id| blocking.register(id, 0, &[b"q".to_vec()])).collect();
        blocking.wake_modified(&effects_on(b"q"));
        assert_eq!(waiters.iter().filter(|w| w.woken.load(Ordering::Acquire)).count(), 1);
        for id in 0..10_000 {
            blocking.unregister(id);
        }
        assert!(blocking.table.lock().queues.is_empty());
    }
}

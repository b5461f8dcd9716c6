//! What a command did, recorded while it runs and handed on by the
//! dispatcher while the command's shards are still held: the keys it
//! modified, the keys expiry or eviction deleted, its keyspace events, and
//! what to propagate to the append-only file (and later replicas).
//!
//! This is what the AOF, and later WATCH, keyspace notifications and
//! blocked-client wake-ups, hang on. It is cheap: the buffers belong to the
//! connection and are reused, so a command that changes nothing touches
//! none of them, and a write appends to buffers that already have room.
//!
//! Keys that lazy expiry deletes are collected only while a consumer needs
//! them (the AOF is on: the dispatcher's `track_expired`); a consumer added
//! later (notifications, WATCH) turns the same switch on.

use std::ops::Range;

use super::Key;

/// Every database (a change that spans them all: `FLUSHALL`, `LOAD`).
pub const ALL_DBS: u32 = u32::MAX;

/// Beyond this many modified keys in one command, the rest are recorded as
/// "the whole database changed" (`DEBUG POPULATE` must not grow the buffers
/// by its million keys).
const MAX_KEYS: usize = 1024;

/// A keyspace event's class, as Redis's `notify-keyspace-events` flags name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClass {
    /// `g`: DEL, EXPIRE, RENAME, ...
    Generic,
    /// `$`
    String,
    /// `h`
    Hash,
    /// `l`
    List,
    /// `s`
    Set,
    /// `z`
    SortedSet,
    /// `t`
    Stream,
    /// `x`
    Expired,
    /// `e`
    Evicted,
    /// `n`: a key was created.
    New,
    /// `m`: a read found no key.
    KeyMiss,
}

/// Why a key was deleted behind the command's back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Expired,
    Evicted,
}

/// One keyspace event: `name` (Redis's event name, `set`, `hset`, `del`)
/// on a key of database `db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub db: u32,
    pub class: EventClass,
    pub name: &'static str,
    key: Range<usize>,
}

/// How the command is propagated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// As received (the default for a successful write).
    #[default]
    AsReceived,
    /// Not at all.
    Nothing,
    /// As the records the command gave instead.
    Rewritten,
}

/// A record to propagate: RESP bytes in [`Effects`]' buffer, in database
/// `db` (`None`: the bytes carry their own `SELECT`s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub db: Option<u32>,
    bytes: Range<usize>,
}

/// What one command did (see the module documentation).
///
/// A handle of one pointer: the connection lends it to each command's
/// keyspace view and takes it back, so lending moves 8 bytes, not the
/// buffers. They are allocated when the first effect is recorded and then
/// kept with the connection.
#[derive(Debug, Default)]
pub struct Effects {
    buffers: Option<Box<Buffers>>,
}

/// The buffers behind [`Effects`].
#[derive(Debug)]
struct Buffers {
    /// Every key named below, back to back.
    keys: Vec<u8>,
    /// Modified keys: (database, key). `None` for the key: the whole
    /// database (or every one, with [`ALL_DBS`]).
    modified: Vec<(u32, Option<Range<usize>>)>,
    deleted: Vec<(u32, Deletion, Range<usize>)>,
    events: Vec<Event>,
    propagation: Propagation,
    /// RESP-encoded records of a rewritten propagation.
    record_bytes: Vec<u8>,
    records: Vec<Record>,
    /// Anything above was recorded since the last clear (one load for
    /// [`Effects::is_empty`]).
    recorded: bool,
}

/// What an [`Effects`] without buffers reads as.
static NOTHING: Buffers = Buffers::EMPTY;

impl Buffers {
    const EMPTY: Buffers = Buffers {
        keys: Vec::new(),
        modified: Vec::new(),
        deleted: Vec::new(),
        events: Vec::new(),
        propagation: Propagation::AsReceived,
        record_bytes: Vec::new(),
        records: Vec::new(),
        recorded: false,
    };

    fn keep(&mut self, key: &[u8]) -> Range<usize> {
        let start = self.keys.len();
        self.keys.extend_from_slice(key);
        start..self.keys.len()
    }
}

impl Effects {
    #[inline]
    fn buffers(&self) -> &Buffers {
        self.buffers.as_deref().unwrap_or(&NOTHING)
    }

    /// The buffers, marked as holding a record.
    #[inline]
    fn buffers_mut(&mut self) -> &mut Buffers {
        let b = self.buffers.get_or_insert_with(|| Box::new(Buffers::EMPTY));
        b.recorded = true;
        b
    }

    /// Whether the command did nothing worth handing on.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buffers.as_ref().is_none_or(|b| !b.recorded)
    }

    /// Forgets everything, keeping the buffers (dropped if one command grew them a lot).
    #[inline]
    pub fn clear(&mut self) {
        match self.buffers.as_deref_mut() {
            Some(b) if b.recorded => b.clear(),
            _ => {}
        }
    }
}

impl Buffers {
    fn clear(&mut self) {
        if self.keys.capacity() > 1 << 16 || self.record_bytes.capacity() > 1 << 20 {
            *self = Buffers::EMPTY;
            return;
        }
        self.keys.clear();
        self.modified.clear();
        self.deleted.clear();
        self.events.clear();
        self.propagation = Propagation::AsReceived;
        self.record_bytes.clear();
        self.records.clear();
        self.recorded = false;
    }
}

impl Effects {
    /// `key` in database `db` was (or may have been) modified.
    #[inline]
    pub fn modified(&mut self, db: usize, key: &[u8]) {
        let b = self.buffers_mut();
        // The first key of a command: nothing to compare with.
        if b.modified.is_empty() {
            let key = b.keep(key);
            b.modified.push((db as u32, Some(key)));
            return;
        }
        self.modified_more(db as u32, key);
    }

    /// [`Effects::modified`] after the command's first key.
    fn modified_more(&mut self, db: u32, key: &[u8]) {
        let b = self.buffers_mut();
        if let Some((last_db, Some(last))) = b.modified.last() {
            // A command that writes one key several times records it once.
            if *last_db == db && b.keys[last.clone()] == *key {
                return;
            }
        }
        if b.modified.len() >= MAX_KEYS {
            if !matches!(b.modified.last(), Some(&(d, None)) if d == db || d == ALL_DBS) {
                self.modified_all(db as usize);
            }
            return;
        }
        let key = b.keep(key);
        b.modified.push((db, Some(key)));
    }

    /// Every key of database `db` may have changed ([`ALL_DBS`]: of every database).
    pub fn modified_all(&mut self, db: usize) {
        let db = if db == ALL_DBS as usize { ALL_DBS } else { db as u32 };
        let b = self.buffers_mut();
        if !b.modified.iter().any(|&(d, ref k)| k.is_none() && (d == db || d == ALL_DBS)) {
            b.modified.push((db, None));
        }
    }

    /// Expiry or eviction deleted `key` in database `db`.
    /// Also records Redis's event for it (`expired`, `evicted`).
    pub fn deleted(&mut self, db: usize, key: &[u8], why: Deletion) {
        let b = self.buffers_mut();
        let key = b.keep(key);
        let (class, name) = match why {
            Deletion::Expired => (EventClass::Expired, "expired"),
            Deletion::Evicted => (EventClass::Evicted, "evicted"),
        };
        b.events.push(Event { db: db as u32, class, name, key: key.clone() });
        b.deleted.push((db as u32, why, key));
    }

    /// A keyspace event on `key` in database `db`.
    pub fn event(&mut self, db: usize, class: EventClass, name: &'static str, key: &[u8]) {
        let b = self.buffers_mut();
        let key = b.keep(key);
        b.events.push(Event { db: db as u32, class, name, key });
    }

    /// A keyspace event put before the `at`-th recorded so far (`new`:
    /// Redis creates a key before it notifies).
    pub fn event_before_others(
        &mut self,
        at: usize,
        db: usize,
        class: EventClass,
        name: &'static str,
        key: &[u8],
    ) {
        let b = self.buffers_mut();
        let key = b.keep(key);
        let at = at.min(b.events.len());
        b.events.insert(at, Event { db: db as u32, class, name, key });
    }

    /// Propagates nothing.
    pub fn propagate_none(&mut self) {
        let b = self.buffers_mut();
        b.propagation = Propagation::Nothing;
        b.records.clear();
        b.record_bytes.clear();
    }

    /// Propagates `parts` in database `db` (after any record given before)
    /// instead of the request.
    pub fn propagate_as(&mut self, db: usize, parts: &[&[u8]]) {
        let b = self.buffers_mut();
        b.propagation = Propagation::Rewritten;
        let start = b.record_bytes.len();
        crate::protocol::encode_command(&mut b.record_bytes, parts);
        b.records.push(Record { db: Some(db as u32), bytes: start..b.record_bytes.len() });
    }

    /// Propagates already encoded records that carry their own `SELECT`s.
    pub fn propagate_encoded(&mut self, bytes: &[u8]) {
        let b = self.buffers_mut();
        b.propagation = Propagation::Rewritten;
        let start = b.record_bytes.len();
        b.record_bytes.extend_from_slice(bytes);
        b.records.push(Record { db: None, bytes: start..b.record_bytes.len() });
    }

    /// Propagates an already encoded record in database `db` (`None`: it
    /// carries its own `SELECT`s): what [`Effects::records`] gave, passed on
    /// (a transaction gathers its commands' records).
    pub fn propagate_record(&mut self, db: Option<u32>, bytes: &[u8]) {
        let b = self.buffers_mut();
        b.propagation = Propagation::Rewritten;
        let start = b.record_bytes.len();
        b.record_bytes.extend_from_slice(bytes);
        b.records.push(Record { db, bytes: start..b.record_bytes.len() });
    }

    /// Modified keys: (database, key); `None`: every key of the database
    /// ([`ALL_DBS`]: of every database).
    pub fn modified_keys(&self) -> impl Iterator<Item = (u32, Option<&[u8]>)> {
        let b = self.buffers();
        b.modified.iter().map(|(db, key)| (*db, key.clone().map(|k| &b.keys[k])))
    }

    /// Keys deleted by expiry or eviction: (database, why, key).
    pub fn deleted_keys(&self) -> impl Iterator<Item = (u32, Deletion, &[u8])> {
        let b = self.buffers();
        b.deleted.iter().map(|(db, why, key)| (*db, *why, &b.keys[key.clone()]))
    }

    /// Keyspace events with their keys.
    pub fn events(&self) -> impl Iterator<Item = (&Event, &[u8])> {
        let b = self.buffers();
        b.events.iter().map(|e| (e, &b.keys[e.key.clone()]))
    }

    pub fn propagation(&self) -> Propagation {
        self.buffers().propagation
    }

    /// The records of a [`Propagation::Rewritten`] command, RESP-encoded.
    pub fn records(&self) -> impl Iterator<Item = (Option<u32>, &[u8])> {
        let b = self.buffers();
        b.records.iter().map(|r| (r.db, &b.record_bytes[r.bytes.clone()]))
    }

    /// Takes the deleted keys of `expired` (the store's per-database lists).
    pub fn take_expired(&mut self, db: usize, expired: Vec<Key>) {
        for key in expired {
            self.deleted(db, &key, Deletion::Expired);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keys_once_and_collapses_past_the_limit() {
        let mut fx = Effects::default();
        assert!(fx.is_empty());
        fx.modified(0, b"k");
        fx.modified(0, b"k");
        fx.modified(1, b"k");
        assert_eq!(fx.modified_keys().collect::<Vec<_>>(), [(0, Some(&b"k"[..])), (1, Some(&b"k"[..]))]);
        for i in 0..MAX_KEYS {
            fx.modified(2, format!("k{i}").as_bytes());
        }
        assert_eq!(fx.modified_keys().last(), Some((2, None)));
        assert_eq!(fx.modified_keys().count(), MAX_KEYS + 1);
        fx.clear();
        assert!(fx.is_empty());
    }

    #[test]
    fn rewritten_records_are_resp() {
        let mut fx = Effects::default();
        fx.propagate_as(3, &[b"DEL", b"k"]);
        assert_eq!(fx.propagation(), Propagation::Rewritten);
        assert_eq!(fx.records().collect::<Vec<_>>(), [(Some(3), &b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"[..])]);
        fx.propagate_none();
        assert_eq!(fx.records().count(), 0);
    }
}

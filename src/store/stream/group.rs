//! Consumer groups: the last delivered ID, the logical read counter
//! (`entries-read`), the pending entries list (PEL) and the consumers, each
//! with its own view of the PEL; and Redis 7.0's lag estimate.

use std::collections::{BTreeMap, BTreeSet};

use super::{Data, StreamId};

/// A delivered, not yet acknowledged entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub consumer: Vec<u8>,
    /// Unix ms of the last delivery.
    pub delivery_time: u64,
    pub delivery_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consumer {
    /// Unix ms of the consumer's last read or claim.
    pub seen_time: u64,
    pub pending: BTreeSet<StreamId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    pub last_id: StreamId,
    /// `None`: not known (Redis's -1).
    pub entries_read: Option<u64>,
    pub pel: BTreeMap<StreamId, Pending>,
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: Option<u64>) -> Group {
        Group { last_id, entries_read, ..Group::default() }
    }

    /// The consumer `name`, created (seen now) if missing; whether it was created.
    pub fn consumer(&mut self, name: &[u8], now_ms: u64) -> (&mut Consumer, bool) {
        let created = !self.consumers.contains_key(name);
        let consumer = self
            .consumers
            .entry(name.to_vec())
            .or_insert_with(|| Consumer { seen_time: now_ms, ..Consumer::default() });
        (consumer, created)
    }

    /// Records the delivery of `id` to `consumer` (moved from another
    /// consumer's list if it was pending there).
    pub fn deliver(&mut self, id: StreamId, consumer: &[u8], now_ms: u64) {
        let pending = Pending { consumer: consumer.to_vec(), delivery_time: now_ms, delivery_count: 1 };
        if let Some(old) = self.pel.insert(id, pending) {
            if let Some(previous) = self.consumers.get_mut(&old.consumer) {
                previous.pending.remove(&id);
            }
        }
        self.consumer(consumer, now_ms).0.pending.insert(id);
    }

    /// Gives pending `id` to `consumer` (`XCLAIM`), keeping its counters.
    pub fn transfer(&mut self, id: StreamId, consumer: &[u8]) {
        let Some(pending) = self.pel.get_mut(&id) else { return };
        if pending.consumer != consumer {
            if let Some(previous) = self.consumers.get_mut(&pending.consumer) {
                previous.pending.remove(&id);
            }
            pending.consumer = consumer.to_vec();
        }
        if let Some(target) = self.consumers.get_mut(consumer) {
            target.pending.insert(id);
        }
    }

    /// Acknowledges `id`; whether it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(pending) = self.pel.remove(&id) else { return false };
        if let Some(consumer) = self.consumers.get_mut(&pending.consumer) {
            consumer.pending.remove(&id);
        }
        true
    }

    /// Removes consumer `name`, acknowledging its entries; how many it had, if it existed.
    pub fn remove_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let consumer = self.consumers.remove(name)?;
        consumer.pending.iter().for_each(|id| {
            self.pel.remove(id);
        });
        Some(consumer.pending.len())
    }
}

impl Data {
    /// Whether an entry at or above `start` (and at or below `end`) was
    /// deleted: Redis's `streamRangeHasTombstones`.
    pub fn has_tombstones(&self, start: Option<StreamId>, end: Option<StreamId>) -> bool {
        if self.is_empty() || self.max_deleted_id == StreamId::MIN {
            return false;
        }
        start.unwrap_or(StreamId::MIN) <= self.max_deleted_id
            && end.unwrap_or(StreamId::MAX) >= self.max_deleted_id
    }

    /// The logical read counter of `id` when it can be known: Redis's
    /// `streamEstimateDistanceFromFirstEverEntry`.
    pub fn estimate_read_counter(&self, id: StreamId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.is_empty() && id <= self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        }
        if id > self.last_id {
            return None;
        }
        let first = self.first_id();
        if self.max_deleted_id == StreamId::MIN || self.max_deleted_id < first {
            if id < first {
                return Some(self.entries_added - self.len());
            }
            if id == first {
                return Some(self.entries_added - self.len() + 1);
            }
        }
        None
    }

    /// The group's lag, when it can be known (`XINFO GROUPS`' `lag`;
    /// negative after `XGROUP SETID … ENTRIESREAD` past the stream, as in Redis).
    pub fn lag(&self, group: &Group) -> Option<i64> {
        let behind = |read: u64| self.entries_added as i64 - read as i64;
        if self.entries_added == 0 {
            return Some(0);
        }
        if let Some(read) = group.entries_read {
            if !self.has_tombstones(Some(group.last_id), None) {
                return Some(behind(read));
            }
        }
        self.estimate_read_counter(group.last_id).map(behind)
    }

    /// Moves the group's read position past `id` as a `>` read does.
    pub fn advance_group(&self, group: &mut Group, id: StreamId) {
        if id <= group.last_id {
            return;
        }
        match group.entries_read {
            Some(read) if !self.has_tombstones(Some(id), None) => group.entries_read = Some(read + 1),
            _ if self.entries_added != 0 => group.entries_read = self.estimate_read_counter(id),
            _ => {}
        }
        group.last_id = id;
    }
}

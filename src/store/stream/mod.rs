//! The stream type: entries in packed [`Node`]s of up to
//! `stream-node-max-entries` entries and `stream-node-max-bytes` bytes,
//! indexed by each node's first ID in a `BTreeMap` (Redis's radix tree of
//! listpacks), with the consumer groups ([`group`]).

pub mod group;
pub mod node;
mod persist;
#[cfg(test)]
mod props;

use std::collections::BTreeMap;

pub use group::{Consumer, Group, Pending};
pub use node::{EntryView, Node};

use super::value_type::Limits;

/// A stream entry ID, `ms-seq`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID up, `None` past the largest.
    pub fn next(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (ms, u64::MAX) => ms.checked_add(1).map(|ms| StreamId { ms, seq: 0 }),
            (ms, seq) => Some(StreamId { ms, seq: seq + 1 }),
        }
    }

    /// The next ID down, `None` below 0-0.
    pub fn prev(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (ms, 0) => ms.checked_sub(1).map(|ms| StreamId { ms, seq: u64::MAX }),
            (ms, seq) => Some(StreamId { ms, seq: seq - 1 }),
        }
    }

    /// The ID as text, `ms-seq`.
    pub fn to_bytes(self) -> Vec<u8> {
        let (mut ms, mut seq) = (itoa::Buffer::new(), itoa::Buffer::new());
        let (ms, seq) = (ms.format(self.ms).as_bytes(), seq.format(self.seq).as_bytes());
        let mut text = Vec::with_capacity(ms.len() + 1 + seq.len());
        text.extend_from_slice(ms);
        text.push(b'-');
        text.extend_from_slice(seq);
        text
    }

    /// Parses `ms-seq` or `ms` (seq 0); `None` if malformed.
    pub fn parse(text: &[u8]) -> Option<StreamId> {
        let text = std::str::from_utf8(text).ok()?;
        let (ms, seq) = match text.split_once('-') {
            Some((ms, seq)) => (ms, Some(seq)),
            None => (text, None),
        };
        let number =
            |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?;
        Some(StreamId { ms: number(ms)?, seq: seq.map_or(Some(0), number)? })
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// How a trim chooses what goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

/// A stream value (boxed: a `Value` stays 24 bytes).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stream(Box<Data>);

/// The stream's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Data {
    nodes: BTreeMap<StreamId, Node>,
    length: u64,
    pub last_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    /// By name, in name order (as Redis's radix tree lists them).
    pub groups: BTreeMap<Vec<u8>, Group>,
}

impl std::ops::Deref for Stream {
    type Target = Data;
    fn deref(&self) -> &Data {
        &self.0
    }
}

impl std::ops::DerefMut for Stream {
    fn deref_mut(&mut self) -> &mut Data {
        &mut self.0
    }
}

impl Data {
    pub fn len(&self) -> u64 {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Nodes in the index (`XINFO STREAM`'s `radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Bytes of the packed nodes.
    pub fn encoded_bytes(&self) -> usize {
        self.nodes.values().map(Node::bytes).sum()
    }

    /// Heap bytes of the entries and their index.
    pub fn entries_heap_size(&self) -> usize {
        use crate::alloc::charged;
        // A B-tree leaf holds up to 11 keys and values.
        let per_node = std::mem::size_of::<StreamId>() + std::mem::size_of::<Node>();
        let leaves = self.nodes.len().div_ceil(8);
        leaves * charged(11 * per_node + 16)
            + self.nodes.values().map(|n| charged(n.capacity())).sum::<usize>()
    }

    /// Appends entry `id`, which must be above `last_id`.
    pub fn append(&mut self, id: StreamId, pairs: &[(&[u8], &[u8])], limits: &Limits) {
        let (max_bytes, max_entries) = (limits.stream_node_max_bytes, limits.stream_node_max_entries);
        let tail = self.nodes.iter_mut().next_back().filter(|(first, node)| {
            (max_entries == 0 || (node.total as usize) < max_entries)
                && (max_bytes == 0 || node.bytes() + Node::entry_size(**first, id, pairs) <= max_bytes)
        });
        match tail {
            Some((&first, node)) => node.append(first, id, pairs),
            None => {
                if let Some((_, full)) = self.nodes.iter_mut().next_back() {
                    full.seal();
                }
                let mut node = Node::new(pairs);
                node.append(id, id, pairs);
                self.nodes.insert(id, node);
            }
        }
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
    }

    /// The first live entry's ID, 0-0 when empty (`recorded-first-entry-id`).
    pub fn first_id(&self) -> StreamId {
        self.first_entry().map_or(StreamId::MIN, |e| e.id)
    }

    pub fn first_entry(&self) -> Option<EntryView<'_>> {
        self.range(StreamId::MIN, StreamId::MAX, false).next()
    }

    /// The last live entry's ID (reading no entry's fields).
    pub fn last_live_id(&self) -> Option<StreamId> {
        self.nodes.iter().next_back().and_then(|(first, node)| node.last_live(*first))
    }

    pub fn last_entry(&self) -> Option<EntryView<'_>> {
        self.range(StreamId::MIN, StreamId::MAX, true).next()
    }

    /// Live entries with `lo <= id <= hi`, ascending or (`rev`) descending.
    pub fn range(&self, lo: StreamId, hi: StreamId, rev: bool) -> Range<'_> {
        let start = self.nodes.range(..=lo).next_back().map_or(lo, |(first, _)| *first);
        let nodes: Box<dyn DoubleEndedIterator<Item = (&StreamId, &Node)>> =
            if lo > hi { Box::new(std::iter::empty()) } else { Box::new(self.nodes.range(start..=hi)) };
        Range { nodes, cursor: None, buffer: Vec::new(), lo, hi, rev }
    }

    /// The entry `id`, if live.
    pub fn get(&self, id: StreamId) -> Option<EntryView<'_>> {
        self.range(id, id, false).next()
    }

    /// Deletes entry `id`; false if there is none.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((&first, node)) = self.nodes.range_mut(..=id).next_back() else { return false };
        if !node.delete(first, id) {
            return false;
        }
        if node.live == 0 {
            self.nodes.remove(&first);
        }
        self.length -= 1;
        self.max_deleted_id = self.max_deleted_id.max(id);
        true
    }

    /// Trims by `how`: whole nodes only when `approx` (as Redis's `~`),
    /// removing at most `limit` entries (0: no limit). The entries removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut removed = 0;
        while let Some(mut entry) = self.nodes.first_entry() {
            let first = *entry.key();
            let node = entry.get_mut();
            let whole = match how {
                Trim::MaxLen(max) => self.length - u64::from(node.live) >= max,
                Trim::MinId(min) => node.last_any(first).is_some_and(|last| last < min),
            };
            if whole {
                if limit != 0 && removed + u64::from(node.live) > limit {
                    break;
                }
                removed += u64::from(node.live);
                self.length -= u64::from(node.live);
                entry.remove();
                continue;
            }
            if approx {
                break;
            }
            // Exact: entry by entry from the front of this node.
            for view in node.entries(first).iter().map(|e| e.id).collect::<Vec<_>>() {
                let goes = match how {
                    Trim::MaxLen(max) => self.length > max,
                    Trim::MinId(min) => view < min,
                };
                if !goes {
                    break;
                }
                node.delete(first, view);
                self.length -= 1;
                removed += 1;
            }
            if node.live == 0 {
                entry.remove();
            }
            break;
        }
        removed
    }

    /// The nodes with their first IDs, in order (RDB saving).
    pub fn nodes(&self) -> impl Iterator<Item = (StreamId, &Node)> + '_ {
        self.nodes.iter().map(|(first, node)| (*first, node))
    }

    /// Adds a loaded node after every other (RDB loading); the caller
    /// checks its IDs are above the last node's.
    pub fn push_node(&mut self, first: StreamId, node: Node) {
        self.length += u64::from(node.live);
        self.nodes.insert(first, node);
    }

    /// Changes the last ID (`XSETID`, replay).
    pub fn set_last_id(&mut self, id: StreamId) {
        self.last_id = id;
    }
}

/// An iterator over a range of entries: forward, entry by entry through
/// each node; backward, a node's entries at a time.
pub struct Range<'a> {
    nodes: Box<dyn DoubleEndedIterator<Item = (&'a StreamId, &'a Node)> + 'a>,
    /// Forward: the node being read.
    cursor: Option<node::Cursor<'a>>,
    /// Backward: the current node's entries in range, last one on top.
    buffer: Vec<EntryView<'a>>,
    lo: StreamId,
    hi: StreamId,
    rev: bool,
}

impl<'a> Iterator for Range<'a> {
    type Item = EntryView<'a>;

    fn next(&mut self) -> Option<EntryView<'a>> {
        let (lo, hi) = (self.lo, self.hi);
        if self.rev {
            loop {
                if let Some(entry) = self.buffer.pop() {
                    return Some(entry);
                }
                let (first, node) = self.nodes.next_back()?;
                self.buffer = node.entries(*first).into_iter().filter(|e| e.id >= lo && e.id <= hi).collect();
            }
        }
        loop {
            let cursor = match &mut self.cursor {
                Some(cursor) => cursor,
                None => {
                    let (first, node) = self.nodes.next()?;
                    self.cursor.insert(node::Cursor::new(node, *first))
                }
            };
            let Some((_, deleted, id)) = cursor.next_header() else {
                self.cursor = None;
                continue;
            };
            if id > hi {
                self.cursor = None;
                self.nodes = Box::new(std::iter::empty());
                return None;
            }
            if deleted || id < lo {
                cursor.skip_body();
                continue;
            }
            return Some(EntryView { id, pairs: cursor.body() });
        }
    }
}

impl Stream {
    pub fn data(&self) -> &Data {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(bytes: usize, entries: usize) -> Limits {
        Limits { stream_node_max_bytes: bytes, stream_node_max_entries: entries, ..Limits::default() }
    }

    #[test]
    fn ids_parse_and_step() {
        assert_eq!(StreamId::parse(b"5-3"), Some(StreamId::new(5, 3)));
        assert_eq!(StreamId::parse(b"5"), Some(StreamId::new(5, 0)));
        assert_eq!(StreamId::parse(b"5-"), None);
        assert_eq!(StreamId::parse(b"-5"), None);
        assert_eq!(StreamId::parse(b"+5"), None);
        assert_eq!(StreamId::parse(b"18446744073709551616"), None);
        assert_eq!(StreamId::new(1, u64::MAX).next(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(StreamId::new(2, 0).prev(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
    }

    #[test]
    fn nodes_split_at_both_limits_and_share_fields() {
        let mut s = Stream::default();
        for i in 0..250u64 {
            let n = i.to_string();
            s.append(
                StreamId::new(1000 + i, 0),
                &[(b"user", n.as_bytes()), (b"action", b"login")],
                &limits(4096, 100),
            );
        }
        assert_eq!((s.len(), s.node_count()), (250, 3));
        let bytes: usize = s.nodes.values().map(Node::bytes).sum();
        assert!(bytes < 250 * 14, "fields are shared with the master: {bytes} bytes");
        let mut t = Stream::default();
        for i in 0..50u64 {
            t.append(StreamId::new(i + 1, 0), &[(b"f", &[b'x'; 100][..])], &limits(512, 0));
        }
        assert!(t.node_count() >= 10, "{} nodes", t.node_count());
        let got: Vec<_> = t.range(StreamId::MIN, StreamId::MAX, false).map(|e| e.id.ms).collect();
        assert_eq!(got, (1..=50).collect::<Vec<_>>());
        let back: Vec<_> =
            t.range(StreamId::new(10, 0), StreamId::new(20, 0), true).map(|e| e.id.ms).collect();
        assert_eq!(back, (10..=20).rev().collect::<Vec<_>>());
    }

    #[test]
    fn trims_whole_nodes_when_approximate() {
        let mut s = Stream::default();
        for i in 1..=250u64 {
            s.append(StreamId::new(i, 0), &[(b"a", b"1")], &limits(4096, 100));
        }
        assert_eq!(s.trim(Trim::MaxLen(120), true, 0), 100);
        assert_eq!(s.len(), 150);
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(s.first_id(), StreamId::new(131, 0));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(200, 0)), true, 0), 0, "node 101-200 ends at 200");
        assert_eq!(s.trim(Trim::MinId(StreamId::new(201, 0)), true, 0), 70);
        assert_eq!(s.trim(Trim::MinId(StreamId::new(240, 0)), false, 0), 39);
        assert_eq!(s.len(), 11);
        assert!(s.delete(StreamId::new(240, 0)));
        assert!(!s.delete(StreamId::new(240, 0)));
        assert_eq!(s.max_deleted_id, StreamId::new(240, 0));
    }
}

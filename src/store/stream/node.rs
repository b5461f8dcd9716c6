//! One packed node of a stream: many entries in one allocation, as Redis
//! keeps a listpack per radix-tree node.
//!
//! Layout: the master field names (`count`, then each name), then the
//! entries in ID order. An entry is a flags byte (deleted, same fields as
//! the master), its ID as deltas from the node's first ID, and either its
//! values alone (same fields) or its count and field/value pairs. Lengths
//! and numbers are LEB128 varints. Deleting flips the flag in place.

use super::StreamId;

const DELETED: u8 = 1;
const SAME_FIELDS: u8 = 2;

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn varint_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

fn get_varint(data: &[u8], at: &mut usize) -> u64 {
    let (mut n, mut shift) = (0u64, 0);
    loop {
        let byte = data[*at];
        *at += 1;
        n |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return n;
        }
        shift += 7;
    }
}

fn get_bytes<'a>(data: &'a [u8], at: &mut usize) -> &'a [u8] {
    let len = get_varint(data, at) as usize;
    let bytes = &data[*at..*at + len];
    *at += len;
    bytes
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// One entry as read from a node; `pairs` borrow the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryView<'a> {
    pub id: StreamId,
    pub pairs: Vec<(&'a [u8], &'a [u8])>,
}

/// A node: its first ID is its key in the stream's index.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Node {
    data: Vec<u8>,
    /// Entries not deleted.
    pub live: u32,
    /// Entries, deleted ones included (Redis's node entry count).
    pub total: u32,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node").field("live", &self.live).field("bytes", &self.data.len()).finish()
    }
}

impl Node {
    /// A node whose master fields are the names of `pairs`.
    pub fn new(pairs: &[(&[u8], &[u8])]) -> Node {
        let mut data = Vec::with_capacity(64);
        put_varint(&mut data, pairs.len() as u64);
        pairs.iter().for_each(|(field, _)| put_bytes(&mut data, field));
        Node { data, live: 0, total: 0 }
    }

    /// Bytes of the encoding (the `stream-node-max-bytes` measure).
    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    /// Allocated bytes.
    pub fn capacity(&self) -> usize {
        self.data.capacity()
    }

    /// Releases spare capacity once the node is full.
    pub fn seal(&mut self) {
        self.data.shrink_to_fit();
    }

    /// The master field names, and where the entries start.
    pub fn master_fields(&self) -> (Vec<&[u8]>, usize) {
        let mut at = 0;
        let count = get_varint(&self.data, &mut at) as usize;
        let fields = (0..count).map(|_| get_bytes(&self.data, &mut at)).collect();
        (fields, at)
    }

    /// Whether `pairs` have the master fields, in order (read in place: no allocation).
    fn has_master_fields(&self, pairs: &[(&[u8], &[u8])]) -> bool {
        let mut at = 0;
        if get_varint(&self.data, &mut at) as usize != pairs.len() {
            return false;
        }
        pairs.iter().all(|(field, _)| get_bytes(&self.data, &mut at) == *field)
    }

    /// Bytes an entry would add (an upper bound: as if its fields differ).
    pub fn entry_size(first: StreamId, id: StreamId, pairs: &[(&[u8], &[u8])]) -> usize {
        let (ms, seq) = deltas(first, id);
        let body: usize = pairs
            .iter()
            .map(|(f, v)| varint_len(f.len() as u64) + f.len() + varint_len(v.len() as u64) + v.len())
            .sum();
        1 + varint_len(ms) + varint_len(seq) + varint_len(pairs.len() as u64) + body
    }

    /// Appends entry `id` (above every ID in the node; `first` is the node's first).
    pub fn append(&mut self, first: StreamId, id: StreamId, pairs: &[(&[u8], &[u8])]) {
        let same = self.has_master_fields(pairs);
        let (ms, seq) = deltas(first, id);
        self.data.push(if same { SAME_FIELDS } else { 0 });
        put_varint(&mut self.data, ms);
        put_varint(&mut self.data, seq);
        if same {
            pairs.iter().for_each(|(_, value)| put_bytes(&mut self.data, value));
        } else {
            put_varint(&mut self.data, pairs.len() as u64);
            for (field, value) in pairs {
                put_bytes(&mut self.data, field);
                put_bytes(&mut self.data, value);
            }
        }
        self.live += 1;
        self.total += 1;
    }

    /// Appends entry `id` already deleted (a tombstone loaded from RDB).
    pub fn append_deleted(&mut self, first: StreamId, id: StreamId, pairs: &[(&[u8], &[u8])]) {
        let flags_at = self.data.len();
        self.append(first, id, pairs);
        self.data[flags_at] |= DELETED;
        self.live -= 1;
    }

    /// Every entry with the offset of its flags byte and whether it is deleted.
    pub fn scan<'a>(&'a self, first: StreamId, mut visit: impl FnMut(usize, bool, EntryView<'a>) -> bool) {
        let mut cursor = Cursor::new(self, first);
        while let Some((flags_at, deleted, id)) = cursor.next_header() {
            let pairs = cursor.body();
            if !visit(flags_at, deleted, EntryView { id, pairs }) {
                return;
            }
        }
    }

    /// The live entries, in order.
    pub fn entries(&self, first: StreamId) -> Vec<EntryView<'_>> {
        let mut out = Vec::with_capacity(self.live as usize);
        self.scan(first, |_, deleted, entry| {
            if !deleted {
                out.push(entry);
            }
            true
        });
        out
    }

    /// Marks entry `id` deleted; false if it is not live here.
    pub fn delete(&mut self, first: StreamId, id: StreamId) -> bool {
        let mut found = None;
        self.scan(first, |at, deleted, entry| {
            if entry.id >= id {
                if entry.id == id && !deleted {
                    found = Some(at);
                }
                return false;
            }
            true
        });
        let Some(at) = found else { return false };
        self.data[at] |= DELETED;
        self.live -= 1;
        true
    }

    /// The last live entry's ID.
    pub fn last_live(&self, first: StreamId) -> Option<StreamId> {
        self.last_where(first, |deleted| !deleted)
    }

    /// The last entry's ID, deleted or not (what approximate `MINID` compares).
    pub fn last_any(&self, first: StreamId) -> Option<StreamId> {
        self.last_where(first, |_| true)
    }

    /// The last ID whose deleted flag `keep` accepts, reading headers only.
    fn last_where(&self, first: StreamId, keep: impl Fn(bool) -> bool) -> Option<StreamId> {
        let mut cursor = Cursor::new(self, first);
        let mut last = None;
        while let Some((_, deleted, id)) = cursor.next_header() {
            cursor.skip_body();
            if keep(deleted) {
                last = Some(id);
            }
        }
        last
    }
}

/// An ID as deltas from the node's first: (ms delta, seq delta when the
/// ms is the same, else the seq itself).
fn deltas(first: StreamId, id: StreamId) -> (u64, u64) {
    if id.ms == first.ms {
        (0, id.seq - first.seq)
    } else {
        (id.ms - first.ms, id.seq)
    }
}

/// Reads a node's entries in order, one at a time: an entry's header (ID,
/// deleted or not) first, then its body read or skipped.
pub struct Cursor<'a> {
    data: &'a [u8],
    first: StreamId,
    master: Vec<&'a [u8]>,
    at: usize,
    /// The flags of the entry whose body is next.
    flags: u8,
}

impl<'a> Cursor<'a> {
    pub fn new(node: &'a Node, first: StreamId) -> Cursor<'a> {
        let (master, at) = node.master_fields();
        Cursor { data: &node.data, first, master, at, flags: 0 }
    }

    /// The next entry's flags offset, deleted flag and ID; its body must be
    /// read ([`Cursor::body`]) or skipped ([`Cursor::skip_body`]) next.
    pub fn next_header(&mut self) -> Option<(usize, bool, StreamId)> {
        if self.at >= self.data.len() {
            return None;
        }
        let flags_at = self.at;
        self.flags = self.data[self.at];
        self.at += 1;
        let ms = get_varint(self.data, &mut self.at);
        let seq = get_varint(self.data, &mut self.at);
        let id = if ms == 0 {
            StreamId { ms: self.first.ms, seq: self.first.seq + seq }
        } else {
            StreamId { ms: self.first.ms + ms, seq }
        };
        Some((flags_at, self.flags & DELETED != 0, id))
    }

    /// The field/value pairs of the entry whose header was just read.
    pub fn body(&mut self) -> Vec<(&'a [u8], &'a [u8])> {
        let (data, at) = (self.data, &mut self.at);
        if self.flags & SAME_FIELDS != 0 {
            self.master.iter().map(|&field| (field, get_bytes(data, at))).collect()
        } else {
            let count = get_varint(data, at) as usize;
            (0..count).map(|_| (get_bytes(data, at), get_bytes(data, at))).collect()
        }
    }

    /// Steps over the body of the entry whose header was just read.
    pub fn skip_body(&mut self) {
        let (data, at) = (self.data, &mut self.at);
        let items =
            if self.flags & SAME_FIELDS != 0 { self.master.len() } else { 2 * get_varint(data, at) as usize };
        for _ in 0..items {
            get_bytes(data, at);
        }
    }
}

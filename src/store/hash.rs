//! The hash type, in one of two encodings as in Redis:
//!
//! - `listpack`: a [`Packed`] run of field, value, field, value... in
//!   insertion order, while the hash has at most `hash-max-listpack-entries`
//!   fields and no field or value longer than `hash-max-listpack-value`;
//! - `hashtable`: a [`Table`], once either limit was passed. The change is
//!   one way (a shrinking hash stays a table), as in Redis.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::blob::{read_blob_pairs, write_blob};
use super::packed::{self, Elem, Packed};
use super::string::str_heap;
use super::value_type::{Limits, ValueType};
use super::{scan_step, Str};
use crate::alloc::charged;

/// A hash value: 16 bytes, and for a small hash one allocation in all.
#[derive(Clone)]
pub enum Hash {
    Packed(Packed),
    Table(Box<Table>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Packed(Packed::new())
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Equal fields make equal hashes, whatever their encoding.
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(f, v)| other.get(&f) == Some(v))
    }
}

/// Field pairs of a packed hash, from the byte offset of a field.
fn packed_pair(packed: &Packed, at: usize) -> (Elem<'_>, Elem<'_>, usize) {
    let (field, value_at) = packed.at(at);
    let (value, next) = packed.at(value_at);
    (field, value, next)
}

impl Hash {
    /// A hash of `pairs` (later duplicates overwrite), encoded for `limits`.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>, limits: &Limits) -> Hash {
        let mut hash = Hash::default();
        pairs.into_iter().for_each(|(f, v)| {
            hash.insert(f, v, limits);
        });
        hash
    }

    pub fn len(&self) -> usize {
        match self {
            Hash::Packed(p) => p.count() / 2,
            Hash::Table(t) => t.entries.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Hash::Packed(p) => p.is_empty(),
            Hash::Table(t) => t.entries.is_empty(),
        }
    }

    pub fn get(&self, field: &[u8]) -> Option<Elem<'_>> {
        match self {
            Hash::Packed(p) => p.find(field, 2).map(|at| p.at(p.next_offset(at)).0),
            Hash::Table(t) => t.find(field).map(|i| Elem::Bytes(&t.entries[i].1)),
        }
    }

    /// Sets a field; true when the field is new. A packed hash becomes a
    /// table when the field or value is longer than the limit, or when it
    /// gets more fields than the limit.
    pub fn insert(&mut self, field: &[u8], value: &[u8], limits: &Limits) -> bool {
        let too_long = field.len().max(value.len()) > limits.hash_max_listpack_value;
        if let Hash::Packed(p) = self {
            // As Redis's `lpSafeToAdd`: a packed hash never nears 1 GB.
            if too_long || p.end() + field.len() + value.len() + 10 > packed::MAX_SIZE {
                self.convert();
            }
        }
        match self {
            Hash::Packed(p) => match p.find(field, 2) {
                Some(at) => {
                    let value_at = p.next_offset(at);
                    p.splice(value_at..p.next_offset(value_at), [value]);
                    // A pair takes at least two bytes, so a short hash needs no count.
                    let entries = limits.hash_max_listpack_entries;
                    if limits.hash_entries_lowered && p.end() > 2 * entries && p.count() / 2 > entries {
                        self.convert();
                    }
                    false
                }
                None => {
                    p.push([field, value]);
                    if p.count() / 2 > limits.hash_max_listpack_entries {
                        self.convert();
                    }
                    true
                }
            },
            Hash::Table(t) => t.insert(field, value),
        }
    }

    /// Removes a field; true when it existed. A packed hash keeps its order.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(p) => match p.find(field, 2) {
                Some(at) => {
                    let end = p.next_offset(p.next_offset(at));
                    p.splice(at..end, []);
                    true
                }
                None => false,
            },
            Hash::Table(t) => t.remove(field),
        }
    }

    /// Moves a packed hash to a table.
    fn convert(&mut self) {
        if let Hash::Packed(p) = self {
            let mut table = Table::default();
            let mut at = 0;
            while at < p.end() {
                let (field, value, next) = packed_pair(p, at);
                table.insert(&field, &value);
                at = next;
            }
            *self = Hash::Table(Box::new(table));
        }
    }

    /// Every (field, value): insertion order when packed.
    pub fn iter(&self) -> impl Iterator<Item = (Elem<'_>, Elem<'_>)> + '_ {
        let (packed, table) = match self {
            Hash::Packed(p) => (Some(p), None),
            Hash::Table(t) => (None, Some(t)),
        };
        let mut at = 0;
        let packed = std::iter::from_fn(move || {
            let p = packed?;
            (at < p.end()).then(|| {
                let (field, value, next) = packed_pair(p, at);
                at = next;
                (field, value)
            })
        });
        let table = table.into_iter().flat_map(|t| &t.entries).map(|(f, v)| (Elem::Bytes(f), Elem::Bytes(v)));
        packed.chain(table)
    }

    /// One `HSCAN` step. A packed hash is returned whole with cursor 0, as
    /// Redis does; a table is walked as [`scan_step`] guarantees.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], &[u8])) -> u64 {
        match self {
            Hash::Packed(_) => {
                self.iter().for_each(|(f, v)| visit(&f, &v));
                0
            }
            Hash::Table(t) => scan_step(t.entries.len(), cursor, count, |i| {
                visit(&t.entries[i].0, &t.entries[i].1);
                true
            }),
        }
    }

    /// Random access to the pairs by position (`HRANDFIELD`): a table is
    /// indexed in place, a packed hash is decoded once.
    pub fn positions(&self) -> Positions<'_> {
        match self {
            Hash::Packed(_) => Positions::Decoded(self.iter().collect()),
            Hash::Table(t) => Positions::Table(t),
        }
    }
}

/// See [`Hash::positions`].
pub enum Positions<'a> {
    Decoded(Vec<(Elem<'a>, Elem<'a>)>),
    Table(&'a Table),
}

impl<'a> Positions<'a> {
    pub fn get(&self, index: usize) -> Option<(Elem<'a>, Elem<'a>)> {
        match self {
            Positions::Decoded(pairs) => pairs.get(index).copied(),
            Positions::Table(t) => t.entries.get(index).map(|(f, v)| (Elem::Bytes(f), Elem::Bytes(v))),
        }
    }
}

impl ValueType for Hash {
    const NAME: &'static str = "hash";

    fn encoding(&self) -> &'static str {
        match self {
            Hash::Packed(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            Hash::Packed(p) if p.is_empty() => 0,
            Hash::Packed(p) => charged(p.encoded_size()),
            Hash::Table(t) => charged(std::mem::size_of::<Table>()) + t.heap_size(),
        }
    }

    fn write_snapshot(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, (field, value)) in self.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"[" } else { b",[" });
            write_blob(out, &field);
            out.push(b',');
            write_blob(out, &value);
            out.push(b']');
        }
        out.push(b']');
    }

    fn read_snapshot(json: &str, limits: &Limits) -> Result<Self, String> {
        let pairs = read_blob_pairs(json)?;
        if pairs.is_empty() {
            return Err("empty hash".into());
        }
        Ok(Hash::from_pairs(pairs.iter().map(|(f, v)| (&f[..], &v[..])), limits))
    }

    fn is_empty_collection(&self) -> bool {
        self.is_empty()
    }

    /// `HSET`s of up to 64 pairs each.
    fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]])) {
        let pairs: Vec<(Elem<'_>, Elem<'_>)> = self.iter().collect();
        for chunk in pairs.chunks(64) {
            let mut args: Vec<&[u8]> = Vec::with_capacity(2 + chunk.len() * 2);
            args.extend([&b"HSET"[..], key]);
            chunk.iter().for_each(|(f, v)| args.extend([&**f, &**v]));
            emit(&args);
        }
    }
}

/// The `hashtable` encoding: a dense vector of (field, value) pairs, each
/// inline when up to 22 bytes (see [`Str`]), found through a table of `u32`
/// positions. 48 bytes a pair plus about 5 to 10 of index, with no
/// allocation per field for short fields and values. Deleting moves the
/// last pair into the hole, so [`scan_step`]'s guarantee holds.
#[derive(Clone, Default)]
pub struct Table {
    entries: Vec<(Str, Str)>,
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl Table {
    fn find(&self, field: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(field);
        self.index.find(hash, |&i| self.entries[i as usize].0.as_bytes() == field).map(|&i| i as usize)
    }

    fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let Some(i) = self.find(field) {
            self.entries[i].1 = Str::new(value);
            return false;
        }
        let i = self.entries.len();
        assert!(i < u32::MAX as usize, "a hash holds at most 2^32 - 1 fields");
        self.entries.push((Str::new(field), Str::new(value)));
        let Table { index, entries, hasher } = self;
        index.insert_unique(hasher.hash_one(field), i as u32, |&j| {
            hasher.hash_one(entries[j as usize].0.as_bytes())
        });
        true
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let hash = self.hasher.hash_one(field);
        let Ok(found) = self.index.find_entry(hash, |&i| self.entries[i as usize].0.as_bytes() == field)
        else {
            return false;
        };
        let i = *found.get() as usize;
        found.remove();
        let last = self.entries.len() - 1;
        if i != last {
            let moved = self.hasher.hash_one(self.entries[last].0.as_bytes());
            if let Some(position) = self.index.find_mut(moved, |&j| j as usize == last) {
                *position = i as u32;
            }
        }
        self.entries.swap_remove(i);
        true
    }

    fn heap_size(&self) -> usize {
        let strings: usize = self.entries.iter().map(|(f, v)| str_heap(f) + str_heap(v)).sum();
        charged(self.entries.capacity() * std::mem::size_of::<(Str, Str)>())
            + charged(self.index.capacity() * 5)
            + strings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(entries: usize, value: usize) -> Limits {
        Limits {
            hash_max_listpack_entries: entries,
            hash_max_listpack_value: value,
            hash_entries_lowered: true,
            ..Limits::default()
        }
    }

    fn fields(h: &Hash) -> Vec<Vec<u8>> {
        h.iter().map(|(f, _)| f.to_vec()).collect()
    }

    #[test]
    fn layout_is_compact() {
        assert_eq!(std::mem::size_of::<Hash>(), 16);
        assert_eq!(std::mem::size_of::<super::super::Value>(), 24);
    }

    #[test]
    fn packed_keeps_order_on_delete_and_update() {
        let l = Limits::default();
        let mut h = Hash::default();
        for f in ["a", "b", "c", "d"] {
            assert!(h.insert(f.as_bytes(), b"1", &l));
        }
        assert!(!h.insert(b"b", b"2", &l));
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        assert_eq!(fields(&h), [b"a", b"c", b"d"].map(|f| f.to_vec()));
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn converts_one_way_past_either_limit() {
        let l = limits(4, 8);
        let mut h = Hash::default();
        h.insert(&[b'y'; 8], b"v", &l);
        h.remove(&[b'y'; 8]);
        for i in 0..4 {
            h.insert(format!("f{i}").as_bytes(), &[b'x'; 8], &l);
        }
        assert_eq!(h.encoding(), "listpack", "at the limits exactly");
        h.insert(b"one-more", b"v", &l);
        assert_eq!(h.encoding(), "hashtable", "more fields than the limit");
        (0..4).for_each(|i| assert!(h.remove(format!("f{i}").as_bytes())));
        assert_eq!(h.len(), 1);
        assert_eq!(h.encoding(), "hashtable", "sticky when the hash shrinks");
        assert_eq!(h.clone().encoding(), "hashtable", "a copy keeps the encoding");

        let mut long = Hash::default();
        long.insert(b"f", b"v", &l);
        long.insert(b"g", &[b'x'; 9], &l);
        assert_eq!(long.encoding(), "hashtable");
        assert_eq!(long.get(b"f").as_deref(), Some(&b"v"[..]));
        let mut long_field = Hash::default();
        long_field.insert(&[b'x'; 9], b"v", &l);
        assert_eq!(long_field.encoding(), "hashtable");

        let loaded = Hash::from_pairs(
            long.iter()
                .map(|(f, v)| (f.to_vec(), v.to_vec()))
                .collect::<Vec<_>>()
                .iter()
                .map(|(f, v)| (&f[..], &v[..])),
            &l,
        );
        assert_eq!(loaded.encoding(), "hashtable");
        assert_eq!(loaded, long);
        assert_eq!(Hash::from_pairs([(&b"f"[..], &b"v"[..])], &l).encoding(), "listpack");
    }

    #[test]
    fn table_scan_and_positions() {
        let l = limits(0, 64);
        let mut h = Hash::default();
        for i in 0..100 {
            h.insert(format!("f{i}").as_bytes(), format!("{i}").as_bytes(), &l);
        }
        assert!(h.remove(b"f0"));
        let positions = h.positions();
        let all: Vec<_> = (0..99).map(|i| positions.get(i).unwrap().0.to_vec()).collect();
        assert_eq!(all.len(), 99);
        assert!(positions.get(99).is_none());
        let (mut cursor, mut seen) = (0, 0);
        loop {
            cursor = h.scan(cursor, 7, |_, _| seen += 1);
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen, 99);
        assert_eq!(h.get(b"f42").as_deref(), Some(&b"42"[..]));
    }
}

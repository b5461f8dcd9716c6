//! The set type, in one of two encodings as in Redis 7.0:
//!
//! - `intset`: while every member is the canonical text of an `i64` and
//!   there are at most `set-max-intset-entries`, a sorted array of
//!   integers in one allocation: a width byte (2, 4 or 8) then the
//!   integers little-endian, widened for all when a wider one arrives
//!   (Redis's upgrade);
//! - `hashtable`: a [`Table`] otherwise. The change is one way.
//!
//! Redis 7.0 has no listpack for sets, so a small set of strings is a table.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::blob::{read_blob_list, write_blob};
use super::packed::{canonical_int, Elem};
use super::string::str_heap;
use super::value_type::{Limits, ValueType};
use super::{scan_step, Str};
use crate::alloc::charged;

/// A set value: 16 bytes.
#[derive(Clone)]
pub enum Set {
    Ints(IntSet),
    Table(Box<Table>),
}

impl Default for Set {
    fn default() -> Self {
        Set::Ints(IntSet::default())
    }
}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Equal members make equal sets, whatever their encoding.
impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|m| other.contains(&m))
    }
}

impl Set {
    /// A set of `members`, encoded for `limits`.
    pub fn from_members<'a>(members: impl IntoIterator<Item = &'a [u8]>, limits: &Limits) -> Set {
        let mut set = Set::default();
        members.into_iter().for_each(|m| {
            set.insert(m, limits);
        });
        set
    }

    pub fn len(&self) -> usize {
        match self {
            Set::Ints(i) => i.len(),
            Set::Table(t) => t.entries.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Ints(i) => canonical_int(member).is_some_and(|n| i.search(n).is_ok()),
            Set::Table(t) => t.find(member).is_some(),
        }
    }

    /// Adds a member; true when it is new.
    pub fn insert(&mut self, member: &[u8], limits: &Limits) -> bool {
        if let Set::Ints(ints) = self {
            match canonical_int(member) {
                Some(n) => {
                    let added = ints.insert(n);
                    if ints.len() > limits.set_max_intset_entries {
                        self.convert();
                    }
                    return added;
                }
                None => self.convert(),
            }
        }
        match self {
            Set::Table(t) => t.insert(member),
            Set::Ints(_) => unreachable!("converted above"),
        }
    }

    /// Removes a member; true when it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Ints(i) => canonical_int(member).is_some_and(|n| i.remove(n)),
            Set::Table(t) => t.remove(member),
        }
    }

    fn convert(&mut self) {
        if let Set::Ints(ints) = self {
            let mut table = Table::default();
            let mut buf = itoa::Buffer::new();
            ints.iter().for_each(|n| {
                table.insert(buf.format(n).as_bytes());
            });
            *self = Set::Table(Box::new(table));
        }
    }

    /// The member at `index` (below [`Set::len`]): ascending for an intset.
    pub fn get(&self, index: usize) -> Elem<'_> {
        match self {
            Set::Ints(i) => Elem::from_int(i.get(index)),
            Set::Table(t) => Elem::Bytes(&t.entries[index]),
        }
    }

    /// Removes and returns the member at `index`.
    pub fn take(&mut self, index: usize) -> Vec<u8> {
        let member = self.get(index).to_vec();
        self.remove(&member);
        member
    }

    /// Every member: ascending for an intset.
    pub fn iter(&self) -> impl Iterator<Item = Elem<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// One `SSCAN` step. An intset is returned whole with cursor 0, as
    /// Redis does; a table is walked as [`scan_step`] guarantees.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8])) -> u64 {
        match self {
            Set::Ints(_) => {
                self.iter().for_each(|m| visit(&m));
                0
            }
            Set::Table(t) => scan_step(t.entries.len(), cursor, count, |i| {
                visit(&t.entries[i]);
                true
            }),
        }
    }
}

impl ValueType for Set {
    const NAME: &'static str = "set";

    fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            Set::Ints(i) => i.heap_size(),
            Set::Table(t) => charged(std::mem::size_of::<Table>()) + t.heap_size(),
        }
    }

    fn write_snapshot(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, member) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_blob(out, &member);
        }
        out.push(b']');
    }

    fn read_snapshot(json: &str, limits: &Limits) -> Result<Self, String> {
        let members = read_blob_list(json)?;
        if members.is_empty() {
            return Err("empty set".into());
        }
        Ok(Set::from_members(members.iter().map(Vec::as_slice), limits))
    }

    fn is_empty_collection(&self) -> bool {
        self.is_empty()
    }

    /// `SADD`s of up to 64 members each.
    fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]])) {
        let members: Vec<Elem<'_>> = self.iter().collect();
        for chunk in members.chunks(64) {
            let mut args: Vec<&[u8]> = vec![b"SADD", key];
            args.extend(chunk.iter().map(|m| &**m));
            emit(&args);
        }
    }
}

/// Redis's intset: sorted integers, all stored at the width of the widest
/// (2, 4 or 8 bytes), after one byte giving that width. Empty: no allocation.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IntSet {
    bytes: Box<[u8]>,
}

fn width_of(n: i64) -> usize {
    if i16::try_from(n).is_ok() {
        2
    } else if i32::try_from(n).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    fn width(&self) -> usize {
        self.bytes.first().map_or(2, |&w| w as usize)
    }

    pub fn len(&self) -> usize {
        self.bytes.len().saturating_sub(1) / self.width()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn get(&self, index: usize) -> i64 {
        let w = self.width();
        let at = 1 + index * w;
        let mut raw = [0u8; 8];
        raw[..w].copy_from_slice(&self.bytes[at..at + w]);
        let shift = 64 - 8 * w as u32;
        (i64::from_le_bytes(raw) << shift) >> shift
    }

    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// `Ok(index)` of `n`, or `Err(where it would go)`.
    fn search(&self, n: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(&n) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    fn insert(&mut self, n: i64) -> bool {
        let Err(at) = self.search(n) else { return false };
        let width = self.width().max(width_of(n));
        let mut out = Vec::with_capacity(1 + (self.len() + 1) * width);
        out.push(width as u8);
        let values = self.iter().take(at).chain([n]).chain(self.iter().skip(at));
        values.for_each(|v| out.extend_from_slice(&v.to_le_bytes()[..width]));
        self.bytes = out.into_boxed_slice();
        true
    }

    fn remove(&mut self, n: i64) -> bool {
        let Ok(at) = self.search(n) else { return false };
        if self.len() == 1 {
            self.bytes = Box::default();
            return true;
        }
        let w = self.width();
        let mut out = self.bytes.to_vec();
        out.drain(1 + at * w..1 + (at + 1) * w);
        self.bytes = out.into_boxed_slice();
        true
    }

    fn heap_size(&self) -> usize {
        if self.bytes.is_empty() {
            0
        } else {
            charged(self.bytes.len())
        }
    }
}

/// The `hashtable` encoding: a dense vector of members, each inline when
/// up to 22 bytes (see [`Str`]), found through a table of `u32` positions.
/// Deleting moves the last member into the hole, so [`scan_step`]'s
/// guarantee holds and a random member is one index away.
#[derive(Clone, Default)]
pub struct Table {
    entries: Vec<Str>,
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl Table {
    fn find(&self, member: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(member);
        self.index.find(hash, |&i| self.entries[i as usize].as_bytes() == member).map(|&i| i as usize)
    }

    fn insert(&mut self, member: &[u8]) -> bool {
        if self.find(member).is_some() {
            return false;
        }
        let i = self.entries.len();
        assert!(i < u32::MAX as usize, "a set holds at most 2^32 - 1 members");
        self.entries.push(Str::new(member));
        let Table { index, entries, hasher } = self;
        index.insert_unique(hasher.hash_one(member), i as u32, |&j| {
            hasher.hash_one(entries[j as usize].as_bytes())
        });
        true
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        let hash = self.hasher.hash_one(member);
        let Ok(found) = self.index.find_entry(hash, |&i| self.entries[i as usize].as_bytes() == member)
        else {
            return false;
        };
        let i = *found.get() as usize;
        found.remove();
        let last = self.entries.len() - 1;
        if i != last {
            let moved = self.hasher.hash_one(self.entries[last].as_bytes());
            if let Some(position) = self.index.find_mut(moved, |&j| j as usize == last) {
                *position = i as u32;
            }
        }
        self.entries.swap_remove(i);
        if self.entries.len() * 4 < self.entries.capacity() {
            self.entries.shrink_to(self.entries.len() * 2);
            self.index.shrink_to(self.entries.len() * 2, |&j| {
                self.hasher.hash_one(self.entries[j as usize].as_bytes())
            });
        }
        true
    }

    fn heap_size(&self) -> usize {
        let strings: usize = self.entries.iter().map(str_heap).sum();
        charged(self.entries.capacity() * std::mem::size_of::<Str>())
            + charged(self.index.capacity() * 5)
            + strings
    }
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len() && self.entries.iter().all(|m| other.find(m).is_some())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::store::packed::EDGE_CASES;

    fn limits(entries: usize) -> Limits {
        Limits { set_max_intset_entries: entries, ..Limits::default() }
    }

    #[test]
    fn layout_is_compact() {
        assert_eq!(std::mem::size_of::<Set>(), 16);
        assert_eq!(std::mem::size_of::<super::super::Value>(), 24);
    }

    #[test]
    fn intset_widens_and_stays_sorted() {
        let l = Limits::default();
        let mut s = Set::default();
        for n in [5i64, -3, 300, 70_000, -9_223_372_036_854_775_808, 9_223_372_036_854_775_807, 5] {
            s.insert(n.to_string().as_bytes(), &l);
        }
        assert_eq!(s.encoding(), "intset");
        let got: Vec<String> = s.iter().map(|m| String::from_utf8(m.to_vec()).unwrap()).collect();
        assert_eq!(got, ["-9223372036854775808", "-3", "5", "300", "70000", "9223372036854775807"]);
        assert!(s.contains(b"300") && !s.contains(b"0300") && !s.contains(b"301"));
        assert!(s.remove(b"70000") && !s.remove(b"70000"));
        assert_eq!(s.len(), 5);
        if let Set::Ints(i) = &s {
            assert_eq!(i.heap_size(), charged(1 + 5 * 8));
        }
        let mut small = Set::default();
        small.insert(b"1", &l);
        small.insert(b"2", &l);
        assert_eq!(small.heap_size(), charged(5), "two 2-byte integers after the width byte");
    }

    /// Every operation on every encoding agrees with a `BTreeSet`, across conversions.
    #[test]
    fn model_agreement_across_conversions() {
        let mut rng = fastrand::Rng::with_seed(7);
        for max in [0, 1, 4, 16] {
            let l = limits(max);
            let mut set = Set::default();
            let mut model = BTreeSet::<Vec<u8>>::new();
            for step in 0..2000 {
                let member: Vec<u8> = match rng.u8(..10) {
                    0 => EDGE_CASES[rng.usize(..EDGE_CASES.len())].to_vec(),
                    1 => format!("m{}", rng.u8(..30)).into_bytes(),
                    _ => rng.i64(-40..40).to_string().into_bytes(),
                };
                match rng.u8(..3) {
                    0 | 1 => assert_eq!(set.insert(&member, &l), model.insert(member.clone()), "step {step}"),
                    _ => assert_eq!(set.remove(&member), model.remove(&member), "step {step}"),
                }
                assert_eq!(set.len(), model.len());
                assert_eq!(set.contains(&member), model.contains(&member));
                if set.encoding() == "intset" {
                    assert!(set.len() <= max);
                    let ints: Vec<Vec<u8>> = set.iter().map(|m| m.to_vec()).collect();
                    let mut sorted: Vec<i64> = model.iter().map(|m| canonical_int(m).unwrap()).collect();
                    sorted.sort();
                    assert_eq!(ints, sorted.iter().map(|n| n.to_string().into_bytes()).collect::<Vec<_>>());
                }
                if step % 97 == 0 && !set.is_empty() {
                    let i = rng.usize(..set.len());
                    let taken = set.take(i);
                    assert!(model.remove(&taken));
                }
            }
            let all: BTreeSet<Vec<u8>> = set.iter().map(|m| m.to_vec()).collect();
            assert_eq!(all, model);
            let mut json = Vec::new();
            set.write_snapshot(&mut json);
            if !set.is_empty() {
                let back = Set::read_snapshot(std::str::from_utf8(&json).unwrap(), &l).unwrap();
                assert_eq!(back, set);
            }
        }
    }

    #[test]
    fn one_way_conversion() {
        let l = limits(3);
        let mut s = Set::from_members([&b"1"[..], b"2", b"3"], &l);
        assert_eq!(s.encoding(), "intset");
        s.insert(b"4", &l);
        assert_eq!(s.encoding(), "hashtable");
        s.remove(b"4");
        assert_eq!(s.encoding(), "hashtable");
        let mut t = Set::from_members([&b"1"[..]], &l);
        t.insert(b"01", &l);
        assert_eq!(t.encoding(), "hashtable");
        assert!(t.contains(b"1") && t.contains(b"01"));
    }

    #[test]
    fn table_scan_visits_all() {
        let l = limits(0);
        let s = Set::from_members(
            (0..100).map(|i| format!("m{i}").into_bytes()).collect::<Vec<_>>().iter().map(Vec::as_slice),
            &l,
        );
        let (mut cursor, mut seen) = (0, 0);
        loop {
            cursor = s.scan(cursor, 7, |_| seen += 1);
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen, 100);
    }
}

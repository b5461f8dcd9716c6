//! `Packed`: the small-collection encoding (Redis's listpack). A sequence
//! of byte strings in one exact-size allocation, each element a one-byte
//! tag followed by its payload:
//!
//! | tag | element |
//! |---|---|
//! | `0x00..=0x7f` | string of `tag` bytes (0–127), the bytes follow |
//! | `0x80..=0xbf` | the integer `tag - 0x80` (0–63), nothing follows |
//! | `0xc1..=0xc8` | an integer in `tag - 0xc0` bytes, little-endian two's complement |
//! | `0xd0` | string whose length follows as a `u32` LE, then the bytes |
//!
//! Only the canonical text of an `i64` (what `itoa` writes back) is stored
//! as an integer, so every element reads back byte for byte. There is no
//! header and no back-length: a collection small enough to be packed is
//! walked from the front, and its element count is cheap to recount. The
//! allocation is 16 bytes inline (pointer and length) in the value.
//!
//! Hashes keep field, value, field, value...; lists and sets can keep
//! plain runs of elements, sorted sets member, score pairs.

use std::fmt;
use std::ops::{Deref, Range};

use crate::protocol::parse::parse_i64;

const STR_SHORT_MAX: usize = 0x7f;
const SMALL_INT: u8 = 0x80;
const SMALL_INT_MAX: i64 = 0x3f;
const INT_BASE: u8 = 0xc0;
const STR_LONG: u8 = 0xd0;

/// The most bytes a packed collection may grow to (Redis's
/// `LISTPACK_MAX_SAFETY_SIZE`); also keeps every length within a `u32`.
pub const MAX_SIZE: usize = 1 << 30;

/// The canonical integer `bytes` spell, if any (`"12"`, not `"012"`, `"+1"` or `"-0"`).
pub fn canonical_int(bytes: &[u8]) -> Option<i64> {
    // Most strings are rejected by their first byte.
    match bytes.first() {
        Some(b'0'..=b'9' | b'-') if bytes.len() <= 20 => {}
        _ => return None,
    }
    let n = parse_i64(bytes)?;
    (itoa::Buffer::new().format(n).as_bytes() == bytes).then_some(n)
}

/// One element read back: borrowed bytes, or an integer's digits.
#[derive(Clone, Copy)]
pub enum Elem<'a> {
    Bytes(&'a [u8]),
    Digits { text: [u8; 20], len: u8 },
}

impl<'a> Elem<'a> {
    /// The digits of `n`.
    pub fn from_int(n: i64) -> Elem<'a> {
        Elem::int(n)
    }

    fn int(n: i64) -> Elem<'a> {
        let mut text = [0; 20];
        let mut buf = itoa::Buffer::new();
        let digits = buf.format(n).as_bytes();
        text[..digits.len()].copy_from_slice(digits);
        Elem::Digits { text, len: digits.len() as u8 }
    }
}

impl Deref for Elem<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Elem::Bytes(bytes) => bytes,
            Elem::Digits { text, len } => &text[..*len as usize],
        }
    }
}

impl AsRef<[u8]> for Elem<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl PartialEq for Elem<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Elem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

/// Bytes one element takes when encoded.
pub fn encoded_len(bytes: &[u8]) -> usize {
    Head::of(bytes).encoded_len(bytes)
}

fn int_len(n: i64) -> usize {
    if (0..=SMALL_INT_MAX).contains(&n) {
        return 1;
    }
    let width = (1..8).find(|&k| {
        let bits = 8 * k as u32;
        n >= -(1i64 << (bits - 1)) && n < (1i64 << (bits - 1))
    });
    1 + width.unwrap_or(8)
}

/// An element's encoding up to its payload: the tag and any length or
/// integer bytes. A string's own bytes follow it.
struct Head {
    bytes: [u8; 9],
    len: u8,
    string: bool,
}

impl Head {
    fn of(item: &[u8]) -> Head {
        let mut bytes = [0; 9];
        let (len, string) = match canonical_int(item) {
            Some(n) if (0..=SMALL_INT_MAX).contains(&n) => {
                bytes[0] = SMALL_INT + n as u8;
                (1, false)
            }
            Some(n) => {
                let width = int_len(n) - 1;
                bytes[0] = INT_BASE + width as u8;
                bytes[1..1 + width].copy_from_slice(&n.to_le_bytes()[..width]);
                (1 + width, false)
            }
            None if item.len() <= STR_SHORT_MAX => {
                bytes[0] = item.len() as u8;
                (1, true)
            }
            None => {
                bytes[0] = STR_LONG;
                bytes[1..5].copy_from_slice(&(item.len() as u32).to_le_bytes());
                (5, true)
            }
        };
        Head { bytes, len: len as u8, string }
    }

    fn encoded_len(&self, item: &[u8]) -> usize {
        self.len as usize + if self.string { item.len() } else { 0 }
    }

    fn head(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// Appends the encoding of `bytes` to `out`.
pub fn encode(out: &mut Vec<u8>, bytes: &[u8]) {
    let head = Head::of(bytes);
    out.extend_from_slice(head.head());
    if head.string {
        out.extend_from_slice(bytes);
    }
}

/// Decodes the element at `at`; the element and where the next one starts.
/// `buf` was written by [`encode`], so it is well formed.
fn decode(buf: &[u8], at: usize) -> (Elem<'_>, usize) {
    let tag = buf[at];
    match tag {
        0..=0x7f => {
            let end = at + 1 + tag as usize;
            (Elem::Bytes(&buf[at + 1..end]), end)
        }
        0x80..=0xbf => (Elem::int(i64::from(tag - SMALL_INT)), at + 1),
        STR_LONG => {
            let len = u32::from_le_bytes(buf[at + 1..at + 5].try_into().expect("4 bytes")) as usize;
            let end = at + 5 + len;
            (Elem::Bytes(&buf[at + 5..end]), end)
        }
        _ => {
            let width = (tag - INT_BASE) as usize;
            let mut raw = [0u8; 8];
            raw[..width].copy_from_slice(&buf[at + 1..at + 1 + width]);
            // Sign-extend from the top byte stored.
            let shift = 64 - 8 * width as u32;
            let n = (i64::from_le_bytes(raw) << shift) >> shift;
            (Elem::int(n), at + 1 + width)
        }
    }
}

/// Where the element at `at` ends, without decoding it.
fn skip(buf: &[u8], at: usize) -> usize {
    let tag = buf[at];
    match tag {
        0..=0x7f => at + 1 + tag as usize,
        0x80..=0xbf => at + 1,
        STR_LONG => at + 5 + u32::from_le_bytes(buf[at + 1..at + 5].try_into().expect("4 bytes")) as usize,
        _ => at + 1 + (tag - INT_BASE) as usize,
    }
}

/// Whether the element at `at` equals `bytes` (`int` is `bytes`' canonical
/// integer, computed once by the caller), and where the next element starts.
fn matches_at(buf: &[u8], at: usize, bytes: &[u8], int: Option<i64>) -> (bool, usize) {
    let tag = buf[at];
    match tag {
        0..=0x7f => {
            let end = at + 1 + tag as usize;
            (int.is_none() && &buf[at + 1..end] == bytes, end)
        }
        0x80..=0xbf => (int == Some(i64::from(tag - SMALL_INT)), at + 1),
        STR_LONG => {
            let (elem, end) = decode(buf, at);
            (int.is_none() && *elem == *bytes, end)
        }
        _ => {
            let (elem, end) = decode(buf, at);
            (int.is_some() && *elem == *bytes, end)
        }
    }
}

/// A packed sequence of byte strings; see the module doc for the layout.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Packed {
    bytes: Box<[u8]>,
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Packed {
    pub fn new() -> Packed {
        Packed::default()
    }

    /// Packs `items` in order.
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Packed {
        let mut out = Vec::new();
        items.into_iter().for_each(|item| encode(&mut out, item));
        Packed { bytes: out.into_boxed_slice() }
    }

    /// Bytes of the encoding (the allocation's size).
    pub fn encoded_size(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Elements held (a walk: packed collections are small).
    pub fn count(&self) -> usize {
        self.offsets().count()
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = Elem<'_>> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            (at < self.bytes.len()).then(|| {
                let (elem, next) = decode(&self.bytes, at);
                at = next;
                elem
            })
        })
    }

    /// The byte offset of every element, in order.
    pub fn offsets(&self) -> impl Iterator<Item = usize> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            (at < self.bytes.len()).then(|| {
                let start = at;
                at = skip(&self.bytes, at);
                start
            })
        })
    }

    /// The element at byte offset `at` and the next element's offset.
    pub fn at(&self, at: usize) -> (Elem<'_>, usize) {
        decode(&self.bytes, at)
    }

    /// The offset where the element at `at` ends.
    pub fn next_offset(&self, at: usize) -> usize {
        skip(&self.bytes, at)
    }

    /// Length in bytes of the packed data (the end offset).
    pub fn end(&self) -> usize {
        self.bytes.len()
    }

    /// The offset of the first element equal to `needle` among every
    /// `stride`-th element (stride 2 finds hash fields).
    pub fn find(&self, needle: &[u8], stride: usize) -> Option<usize> {
        let int = canonical_int(needle);
        let mut at = 0;
        while at < self.bytes.len() {
            let (hit, mut next) = matches_at(&self.bytes, at, needle, int);
            if hit {
                return Some(at);
            }
            for _ in 1..stride {
                next = skip(&self.bytes, next);
            }
            at = next;
        }
        None
    }

    /// Replaces the bytes of `range` (whole elements) by the encodings of
    /// `items`, written in place: a shrink resizes the allocation (`realloc`),
    /// a growth copies into a new exact-size one; no temporary buffer is made.
    pub fn splice<'a, I>(&mut self, range: Range<usize>, items: I)
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        self.splice_growing(range, items, false);
    }

    /// As [`Packed::splice`], but a growth resizes the allocation where it
    /// lies (`realloc`) and moves the tail within it, as Redis's listpack
    /// does. For a large list node, grown one push at a time, a fresh
    /// allocation and copy per push cost more than the memory they save.
    pub fn splice_in_place<'a, I>(&mut self, range: Range<usize>, items: I)
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        self.splice_growing(range, items, true);
    }

    fn splice_growing<'a, I>(&mut self, range: Range<usize>, items: I, in_place: bool)
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        let items = items.into_iter();
        let added: usize = items.clone().map(encoded_len).sum();
        let removed = range.len();
        let mut bytes = std::mem::take(&mut self.bytes).into_vec();
        let old_len = bytes.len();
        if added > removed && in_place {
            let grow = added - removed;
            bytes.reserve_exact(grow);
            bytes.resize(old_len + grow, 0);
            bytes.copy_within(range.end..old_len, range.end + grow);
        } else if added > removed {
            // Growing goes to a new exact-size allocation rather than
            // `realloc`: collections that grow an element at a time (a hash
            // up to its conversion) left glibc's freed chunks behind with
            // realloc, 81 instead of 68 bytes per field of a 1,000-field hash.
            let mut grown = Vec::with_capacity(old_len + added - removed);
            grown.extend_from_slice(&bytes[..range.start]);
            grown.resize(range.start + added, 0);
            grown.extend_from_slice(&bytes[range.end..]);
            bytes = grown;
        } else if added < removed {
            bytes.copy_within(range.end..old_len, range.start + added);
            bytes.truncate(old_len - (removed - added));
        }
        let mut at = range.start;
        for item in items {
            let head = Head::of(item);
            bytes[at..at + head.len as usize].copy_from_slice(head.head());
            at += head.len as usize;
            if head.string {
                bytes[at..at + item.len()].copy_from_slice(item);
                at += item.len();
            }
        }
        self.bytes = bytes.into_boxed_slice();
    }

    /// Appends `items` at the end.
    pub fn push<'a, I>(&mut self, items: I)
    where
        I: IntoIterator<Item = &'a [u8]>,
        I::IntoIter: Clone,
    {
        let end = self.bytes.len();
        self.splice(end..end, items);
    }
}

/// Elements at the encoding's edges: integers at every width and the i64
/// limits, non-canonical numbers, binary and empty (for tests).
#[cfg(test)]
pub const EDGE_CASES: &[&[u8]] = &[
    b"",
    b"0",
    b"63",
    b"64",
    b"-1",
    b"127",
    b"128",
    b"-129",
    b"-32769",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"9223372036854775808",
    b"012",
    b"+1",
    b"-0",
    b" 1",
    b"\x00\xff",
    b"name",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_round_trip_with_compact_integers() {
        let cases: Vec<Vec<u8>> = EDGE_CASES
            .iter()
            .map(|b| b.to_vec())
            .chain([vec![b'x'; 127], vec![b'y'; 128], vec![7; 70_000]])
            .collect();
        let packed = Packed::from_items(cases.iter().map(Vec::as_slice));
        let back: Vec<Vec<u8>> = packed.iter().map(|e| e.to_vec()).collect();
        assert_eq!(back, cases);
        assert_eq!(packed.count(), cases.len());
        let sizes: usize = cases.iter().map(|c| encoded_len(c)).sum();
        assert_eq!(packed.encoded_size(), sizes);
        assert_eq!(encoded_len(b"23"), 1, "a small integer is its tag alone");
        assert_eq!(encoded_len(b"1234"), 3);
        assert_eq!(encoded_len(b"-9223372036854775808"), 9);
        assert_eq!(encoded_len(b"name"), 5);
        for (i, case) in cases.iter().enumerate() {
            let at = packed.find(case, 1).expect("found");
            assert_eq!(packed.offsets().position(|o| o == at), Some(i), "{case:?}");
        }
        assert_eq!(packed.find(b"absent", 1), None);
        assert_eq!(packed.find(b"63 ", 1), None);
    }

    #[test]
    fn splice_in_place_gives_what_splice_gives() {
        for at in [0, 1, 3, 4] {
            let mut copied = Packed::from_items(EDGE_CASES.iter().copied().take(4));
            let mut in_place = copied.clone();
            let offset = copied.offsets().chain([copied.end()]).nth(at).unwrap();
            copied.splice(offset..offset, [&b"x"[..], b"1234567", &[7; 300]]);
            in_place.splice_in_place(offset..offset, [&b"x"[..], b"1234567", &[7; 300]]);
            assert_eq!(
                in_place.iter().map(|e| e.to_vec()).collect::<Vec<_>>(),
                copied.iter().map(|e| e.to_vec()).collect::<Vec<_>>()
            );
            assert_eq!(in_place.encoded_size(), copied.encoded_size());
        }
    }

    #[test]
    fn splice_and_push_edit_in_place() {
        let mut packed = Packed::from_items([&b"a"[..], b"1", b"b", b"2"]);
        let at = packed.find(b"b", 2).unwrap();
        let value = packed.next_offset(at);
        packed.splice(value..packed.next_offset(value), [&b"long value"[..]]);
        packed.push([&b"c"[..], b"-5"]);
        let all: Vec<Vec<u8>> = packed.iter().map(|e| e.to_vec()).collect();
        assert_eq!(all, [&b"a"[..], b"1", b"b", b"long value", b"c", b"-5"].map(<[u8]>::to_vec));
        assert_eq!(packed.find(b"1", 2), None, "stride 2 skips values");
    }
}

//! Reading RDB: a bounds-checked cursor, strings in every encoding, every
//! value type Redis has written since RDB version 1 that MiniRedis has, and
//! whole files. Every length is checked against the bytes that remain, so
//! a lying length fails instead of allocating.

use std::borrow::Cow;

use super::{legacy, listpack, lzf, opcode, types, RdbError};
use crate::protocol::parse::parse_f64;
use crate::store::{Dataset, Hash, Limits, List, Set, Shape, Value, ZSet};

/// A cursor over untrusted RDB bytes.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn corrupt(why: impl Into<String>) -> RdbError {
    RdbError::Corrupt(why.into())
}

const TRUNCATED: &str = "unexpected end of data";

/// An RDB length, or the special string encoding a string length stands for.
enum Len {
    Plain(u64),
    Special(u8),
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        if n > self.remaining() {
            return Err(corrupt(TRUNCATED));
        }
        let bytes = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    pub fn byte(&mut self) -> Result<u8, RdbError> {
        Ok(self.take(1)?[0])
    }

    pub fn u64_le(&mut self) -> Result<u64, RdbError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    fn raw_len(&mut self) -> Result<Len, RdbError> {
        let first = self.byte()?;
        Ok(match first >> 6 {
            0 => Len::Plain(u64::from(first & 0x3f)),
            1 => Len::Plain((u64::from(first & 0x3f) << 8) | u64::from(self.byte()?)),
            2 => match first {
                0x80 => Len::Plain(u64::from(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))),
                0x81 => Len::Plain(u64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes"))),
                _ => return Err(corrupt(format!("unknown length encoding {first:#x}"))),
            },
            _ => Len::Special(first & 0x3f),
        })
    }

    /// A length (never a special encoding).
    pub fn length(&mut self) -> Result<u64, RdbError> {
        match self.raw_len()? {
            Len::Plain(n) => Ok(n),
            Len::Special(_) => Err(corrupt("a string encoding where a length belongs")),
        }
    }

    /// A count of items that each take at least `min_bytes`: refused when
    /// the remaining input could not hold them.
    pub fn count(&mut self, min_bytes: usize) -> Result<usize, RdbError> {
        let n = self.length()?;
        if n.saturating_mul(min_bytes as u64) > self.remaining() as u64 {
            return Err(corrupt(format!("a count of {n} exceeds the data")));
        }
        Ok(n as usize)
    }

    /// A string in any encoding: integer, LZF or raw.
    pub fn string(&mut self) -> Result<Cow<'a, [u8]>, RdbError> {
        match self.raw_len()? {
            Len::Plain(n) => {
                let n = usize::try_from(n).map_err(|_| corrupt(TRUNCATED))?;
                Ok(Cow::Borrowed(self.take(n)?))
            }
            Len::Special(0) => Ok(Cow::Owned((self.byte()? as i8).to_string().into_bytes())),
            Len::Special(1) => {
                let n = i16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes"));
                Ok(Cow::Owned(n.to_string().into_bytes()))
            }
            Len::Special(2) => {
                let n = i32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"));
                Ok(Cow::Owned(n.to_string().into_bytes()))
            }
            Len::Special(3) => {
                let packed_len = usize::try_from(self.length()?).map_err(|_| corrupt(TRUNCATED))?;
                let out_len = usize::try_from(self.length()?).map_err(|_| corrupt(TRUNCATED))?;
                let packed = self.take(packed_len)?;
                lzf::decompress(packed, out_len).map(Cow::Owned).ok_or_else(|| corrupt("invalid LZF data"))
            }
            Len::Special(other) => Err(corrupt(format!("unknown string encoding {other}"))),
        }
    }

    /// An old-style text double (a length byte; 253 nan, 254 inf, 255 -inf).
    fn text_double(&mut self) -> Result<f64, RdbError> {
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            len => {
                let text = self.take(len as usize)?;
                parse_f64(text).ok_or_else(|| corrupt("invalid double"))
            }
        }
    }

    fn binary_double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
}

/// A value's elements, read into one buffer (two allocations, not one per
/// element: loading a million small hashes is mostly this).
#[derive(Default)]
struct Items {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Items {
    fn push(&mut self, item: &[u8]) {
        self.bytes.extend_from_slice(item);
        self.ends.push(self.bytes.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> + Clone + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(start, &end)| &self.bytes[start..end])
    }

    /// `count` strings from the reader.
    fn read(r: &mut Reader<'_>, count: usize) -> Result<Items, RdbError> {
        let mut items = Items { bytes: Vec::new(), ends: Vec::with_capacity(count) };
        for _ in 0..count {
            items.push(&r.string()?);
        }
        Ok(items)
    }

    /// The elements a blob reader (listpack, ziplist, zipmap) passes.
    fn of_blob(
        blob: &[u8],
        read: impl FnOnce(&[u8], &mut dyn FnMut(&[u8]) -> Result<(), String>) -> Result<usize, String>,
    ) -> Result<Items, RdbError> {
        let mut items = Items { bytes: Vec::with_capacity(blob.len()), ends: Vec::new() };
        read(blob, &mut |item| {
            items.push(item);
            Ok(())
        })
        .map_err(RdbError::Corrupt)?;
        Ok(items)
    }

    fn listpack(blob: &[u8]) -> Result<Items, RdbError> {
        Items::of_blob(blob, |b, f| listpack::read(b, f))
    }

    fn ziplist(blob: &[u8]) -> Result<Items, RdbError> {
        Items::of_blob(blob, |b, f| legacy::read_ziplist(b, f))
    }
}

/// Whether `names` holds a name twice.
fn has_duplicates<'a>(names: impl Iterator<Item = &'a [u8]>) -> bool {
    let mut names: Vec<&[u8]> = names.collect();
    names.sort_unstable();
    names.windows(2).any(|w| w[0] == w[1])
}

/// A hash of field, value, field, value... in the encoding `limits` choose.
fn hash_of(items: &Items, limits: &Limits) -> Result<Value, RdbError> {
    if !items.len().is_multiple_of(2) {
        return Err(corrupt("a hash with a field but no value"));
    }
    if has_duplicates(items.iter().step_by(2)) {
        return Err(corrupt("duplicate hash fields"));
    }
    let fits = items.len() / 2 <= limits.hash_max_listpack_entries
        && items.iter().all(|i| i.len() <= limits.hash_max_listpack_value)
        && items.bytes.len() + 10 * items.len() < crate::store::packed::MAX_SIZE;
    let hash = if fits {
        // Packed at once, as it comes (inserting one by one would search
        // and grow the listpack for every field).
        Hash::Packed(crate::store::packed::Packed::from_items(items.iter()))
    } else {
        let mut pairs = items.iter();
        Hash::from_pairs(std::iter::from_fn(|| Some((pairs.next()?, pairs.next()?))), limits)
    };
    Ok(Value::Hash(hash))
}

fn set_of(members: &Items, limits: &Limits) -> Result<Value, RdbError> {
    let set = Set::from_members(members.iter(), limits);
    if set.len() != members.len() {
        return Err(corrupt("duplicate set members"));
    }
    Ok(Value::Set(set))
}

fn zset_of(members: &Items, scores: &[f64], limits: &Limits) -> Result<Value, RdbError> {
    if scores.iter().any(|s| s.is_nan()) {
        return Err(corrupt("a NaN score"));
    }
    let longest = members.iter().map(<[u8]>::len).max().unwrap_or(0);
    let mut zset = ZSet::sized_for(members.len(), longest, limits);
    members.iter().zip(scores).for_each(|(m, s)| zset.insert(m, *s, limits));
    if zset.len() != members.len() {
        return Err(corrupt("duplicate sorted set members"));
    }
    Ok(Value::ZSet(zset))
}

/// A sorted set from member, score, member, score... (scores as text).
fn zset_from_flat(items: &Items, limits: &Limits) -> Result<Value, RdbError> {
    if !items.len().is_multiple_of(2) {
        return Err(corrupt("a sorted set member without a score"));
    }
    let mut members = Items::default();
    let mut scores = Vec::with_capacity(items.len() / 2);
    let mut iter = items.iter();
    while let (Some(member), Some(score)) = (iter.next(), iter.next()) {
        members.push(member);
        scores.push(parse_f64(score).ok_or_else(|| corrupt("invalid score"))?);
    }
    zset_of(&members, &scores, limits)
}

/// Reads the value of RDB type `kind` (after its key). `key` names it in
/// the error for a type MiniRedis does not have.
pub fn read_value(r: &mut Reader<'_>, kind: u8, key: &[u8], limits: &Limits) -> Result<Value, RdbError> {
    let value = match kind {
        types::STRING => Value::string(&r.string()?[..]),
        types::LIST => {
            let n = r.count(1)?;
            Value::List(List::from_items(Items::read(r, n)?.iter(), limits))
        }
        types::SET => {
            let n = r.count(1)?;
            set_of(&Items::read(r, n)?, limits)?
        }
        types::ZSET | types::ZSET_2 => {
            let n = r.count(if kind == types::ZSET { 2 } else { 9 })?;
            let (mut members, mut scores) = (Items::default(), Vec::with_capacity(n));
            for _ in 0..n {
                members.push(&r.string()?);
                scores.push(if kind == types::ZSET { r.text_double()? } else { r.binary_double()? });
            }
            zset_of(&members, &scores, limits)?
        }
        types::HASH => {
            let n = r.count(2)?;
            hash_of(&Items::read(r, 2 * n)?, limits)?
        }
        types::HASH_ZIPMAP => {
            hash_of(&Items::of_blob(&r.string()?, |b, f| legacy::read_zipmap(b, f))?, limits)?
        }
        types::LIST_ZIPLIST => Value::List(List::from_items(Items::ziplist(&r.string()?)?.iter(), limits)),
        types::SET_INTSET => {
            let mut members = Items::default();
            let mut digits = itoa::Buffer::new();
            legacy::read_intset(&r.string()?, |n| {
                members.push(digits.format(n).as_bytes());
                Ok(())
            })
            .map_err(RdbError::Corrupt)?;
            set_of(&members, limits)?
        }
        types::SET_LISTPACK => set_of(&Items::listpack(&r.string()?)?, limits)?,
        types::ZSET_ZIPLIST => zset_from_flat(&Items::ziplist(&r.string()?)?, limits)?,
        types::ZSET_LISTPACK => zset_from_flat(&Items::listpack(&r.string()?)?, limits)?,
        types::HASH_ZIPLIST => hash_of(&Items::ziplist(&r.string()?)?, limits)?,
        types::HASH_LISTPACK => hash_of(&Items::listpack(&r.string()?)?, limits)?,
        types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => {
            let nodes = r.count(1)?;
            let mut items = Items::default();
            for _ in 0..nodes {
                let container = if kind == types::LIST_QUICKLIST_2 { r.length()? } else { 2 };
                let blob = r.string()?;
                let node = match (kind, container) {
                    (types::LIST_QUICKLIST, _) => Items::ziplist(&blob)?,
                    (_, 1) => {
                        // A plain node: one large element.
                        items.push(&blob);
                        continue;
                    }
                    (_, 2) => Items::listpack(&blob)?,
                    _ => return Err(corrupt(format!("unknown quicklist container {container}"))),
                };
                node.iter().for_each(|item| items.push(item));
            }
            Value::List(List::from_items(items.iter(), limits))
        }
        types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2 | types::STREAM_LISTPACKS_3 => {
            super::stream::read_stream(r, kind)?
        }
        types::MODULE | types::MODULE_2 => {
            return Err(RdbError::Unsupported { type_name: "module", key: key.to_vec() })
        }
        other => return Err(corrupt(format!("unknown value type {other}"))),
    };
    Ok(value)
}

/// Parses an RDB file into a dataset of `shape`, dropping keys already
/// expired; values get the encodings `limits` choose. Loads nothing on
/// any error.
pub fn read_file(bytes: &[u8], shape: Shape, now_ms: u64, limits: &Limits) -> Result<Dataset, RdbError> {
    let mut r = Reader::new(bytes);
    let magic = r.take(9).map_err(|_| corrupt("too short for an RDB file"))?;
    if &magic[..5] != b"REDIS" {
        return Err(corrupt("not an RDB file (no REDIS signature)"));
    }
    let version: u32 = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| corrupt("invalid RDB version"))?;
    if !(1..=super::MAX_READ_VERSION).contains(&version) {
        return Err(corrupt(format!("can't handle RDB format version {version}")));
    }
    let mut data = Dataset::new(shape);
    let mut db = 0;
    let mut deadline: Option<u64> = None;
    loop {
        let kind = r.byte()?;
        match kind {
            opcode::EOF => break,
            opcode::SELECTDB => {
                let index = r.length()?;
                if index >= shape.databases as u64 {
                    return Err(corrupt(format!(
                        "database {index} is out of range (databases is {})",
                        shape.databases
                    )));
                }
                db = index as usize;
            }
            opcode::RESIZEDB => {
                r.length()?;
                r.length()?;
            }
            opcode::AUX => {
                r.string()?;
                r.string()?;
            }
            opcode::EXPIRETIME => {
                let secs = u32::from_le_bytes(r.take(4)?.try_into().expect("4 bytes"));
                deadline = Some(u64::from(secs) * 1000);
            }
            opcode::EXPIRETIME_MS => deadline = Some(r.u64_le()?),
            opcode::FREQ => {
                r.byte()?;
            }
            opcode::IDLE => {
                r.length()?;
            }
            opcode::MODULE_AUX => {
                return Err(corrupt("the file holds module data, which MiniRedis does not support"))
            }
            // A library's code; it is compiled when the dataset is installed.
            opcode::FUNCTION2 => data.functions.push(r.string()?.to_vec()),
            opcode::FUNCTION => return Err(corrupt("Pre-release function format not supported.")),
            kind => {
                let key = r.string()?;
                let value = read_value(&mut r, kind, &key, limits)?;
                // Redis refuses a file holding a key twice.
                if !value.is_empty_collection() && !data.insert(db, &key, value, deadline, now_ms) {
                    let key = String::from_utf8_lossy(&key);
                    return Err(corrupt(format!("RDB has duplicated key '{key}' in DB {db}")));
                }
                deadline = None;
            }
        }
    }
    let body_end = r.position();
    if version >= 5 {
        let stored = r.u64_le().map_err(|_| corrupt("the checksum is missing"))?;
        let computed = super::crc64::crc64(0, &bytes[..body_end]);
        if stored != 0 && stored != computed {
            return Err(corrupt(format!("wrong checksum (stored {stored:016x}, computed {computed:016x})")));
        }
    }
    // As Redis, whatever follows the checksum is not read.
    Ok(data)
}

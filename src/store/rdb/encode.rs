//! Writing RDB: lengths, strings (integer, LZF, raw), every value type in
//! the encoding Redis 7.0 writes for it, and whole files.

use std::io::{self, Write};

use super::listpack::Builder;
use super::{crc64::crc64, legacy, lzf, opcode, types, VERSION};
use crate::protocol::reply::format_double;
use crate::store::packed::canonical_int;
use crate::store::{Hash, Keyspace, Limits, List, Set, Value, ZSet};

/// Appends an RDB length: 6 bits, 14 bits, 32 bits or 64 bits (big-endian).
pub fn write_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
    } else if len <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// Appends a string as `rdbSaveRawString` does: a short integer's text as
/// the integer, a string over 20 bytes LZF-compressed when that saves at
/// least 4 bytes, else length and bytes.
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 11 {
        if let Some(n) = canonical_int(s) {
            if let Ok(n8) = i8::try_from(n) {
                out.extend_from_slice(&[0xc0, n8 as u8]);
                return;
            } else if let Ok(n16) = i16::try_from(n) {
                out.push(0xc1);
                out.extend_from_slice(&n16.to_le_bytes());
                return;
            } else if let Ok(n32) = i32::try_from(n) {
                out.push(0xc2);
                out.extend_from_slice(&n32.to_le_bytes());
                return;
            }
        }
    }
    if s.len() > 20 {
        if let Some(packed) = lzf::compress(s, s.len() - 4) {
            out.push(0xc3);
            write_len(out, packed.len() as u64);
            write_len(out, s.len() as u64);
            out.extend_from_slice(&packed);
            return;
        }
    }
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends the value's type byte and its encoding (`rdbSaveObjectType` +
/// `rdbSaveObject`).
pub fn write_value(out: &mut Vec<u8>, value: &Value, limits: &Limits) {
    let type_at = out.len();
    out.push(0);
    out[type_at] = write_body(out, value, limits);
}

/// Appends the value's encoding; returns its type byte.
pub fn write_body(out: &mut Vec<u8>, value: &Value, limits: &Limits) -> u8 {
    match value {
        Value::String(s) => {
            write_string(out, s);
            types::STRING
        }
        Value::Hash(hash) => write_hash(out, hash),
        Value::List(list) => write_list(out, list, limits),
        Value::Set(set) => write_set(out, set),
        Value::ZSet(zset) => write_zset(out, zset),
        Value::Stream(stream) => super::stream::write_stream(out, stream),
    }
}

fn write_hash(out: &mut Vec<u8>, hash: &Hash) -> u8 {
    match hash {
        Hash::Packed(_) => {
            let mut lp = Builder::new();
            for (field, value) in hash.iter() {
                lp.push(&field);
                lp.push(&value);
            }
            write_string(out, &lp.finish());
            types::HASH_LISTPACK
        }
        Hash::Table(_) => {
            write_len(out, hash.len() as u64);
            for (field, value) in hash.iter() {
                write_string(out, &field);
                write_string(out, &value);
            }
            types::HASH
        }
    }
}

/// Whether Redis 7.0's quicklist lets an element of `size` bytes join a
/// node of `node_bytes` bytes and `count` elements (`_quicklistNodeAllowInsert`).
fn node_takes(node_bytes: usize, count: usize, size: usize, fill: i64) -> bool {
    let overhead = if size < 254 { 1 } else { 5 }
        + match size {
            0..64 => 1,
            64..16384 => 2,
            _ => 5,
        };
    let new_size = node_bytes + size + overhead;
    if fill < 0 {
        let level = [4096, 8192, 16384, 32768, 65536].get(fill.unsigned_abs() as usize - 1);
        if level.is_some_and(|&limit| new_size <= limit) {
            return true;
        }
    }
    new_size <= 8192 && (count as i64) < fill
}

fn write_list(out: &mut Vec<u8>, list: &List, limits: &Limits) -> u8 {
    // Nodes as Redis fills them when the elements are pushed at the tail.
    let mut nodes = Vec::new();
    let mut node = Builder::new();
    for item in list.iter() {
        if node.count() > 0
            && !node_takes(node.size(), node.count(), item.len(), limits.list_max_listpack_size)
        {
            nodes.push(std::mem::replace(&mut node, Builder::new()).finish());
        }
        node.push(&item);
    }
    if node.count() > 0 {
        nodes.push(node.finish());
    }
    write_len(out, nodes.len() as u64);
    for node in nodes {
        write_len(out, 2); // QUICKLIST_NODE_CONTAINER_PACKED
        write_string(out, &node);
    }
    types::LIST_QUICKLIST_2
}

fn write_set(out: &mut Vec<u8>, set: &Set) -> u8 {
    match set {
        Set::Ints(ints) => {
            let mut sorted: Vec<i64> = ints.iter().collect();
            sorted.sort_unstable();
            write_string(out, &legacy::write_intset(&sorted));
            types::SET_INTSET
        }
        Set::Table(_) => {
            write_len(out, set.len() as u64);
            set.iter().for_each(|member| write_string(out, &member));
            types::SET
        }
    }
}

fn write_zset(out: &mut Vec<u8>, zset: &ZSet) -> u8 {
    let view = zset.view();
    match zset {
        ZSet::Packed(_) => {
            let mut lp = Builder::new();
            for (member, score) in view.range(0, view.len()) {
                lp.push(&member);
                lp.push(format_double(score).as_bytes());
            }
            write_string(out, &lp.finish());
            types::ZSET_LISTPACK
        }
        ZSet::Tree(_) => {
            write_len(out, view.len() as u64);
            // Highest first, as Redis saves a skiplist (it loads faster so).
            for (member, score) in view.range(0, view.len()).into_iter().rev() {
                write_string(out, &member);
                out.extend_from_slice(&score.to_le_bytes());
            }
            types::ZSET_2
        }
    }
}

/// The bytes the value's encoding takes (`DEBUG OBJECT`'s `serializedlength`).
pub fn serialized_len(value: &Value, limits: &Limits) -> usize {
    let mut out = Vec::new();
    write_body(&mut out, value, limits);
    out.len()
}

/// `DUMP`'s payload: the value, the RDB version (2 bytes LE) and the
/// CRC64 of both (8 bytes LE).
pub fn dump_payload(value: &Value, limits: &Limits) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value, limits);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// A writer that keeps the CRC64 of what passed through it.
struct Summed<'w, W: Write> {
    inner: &'w mut W,
    crc: u64,
}

impl<W: Write> Summed<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.crc = crc64(self.crc, bytes);
        self.inner.write_all(bytes)
    }
}

fn aux(buf: &mut Vec<u8>, name: &str, value: &[u8]) {
    buf.push(opcode::AUX);
    write_string(buf, name.as_bytes());
    write_string(buf, value);
}

/// Streams an RDB file (version 10) of every live key to `out`; the caller
/// holds every shard. Keys whose deadline passed by `now_ms` are left out.
pub fn write_file(
    keyspace: &Keyspace,
    now_ms: u64,
    used_memory: u64,
    out: &mut impl Write,
) -> io::Result<()> {
    let limits = keyspace.limits();
    let mut sink = Summed { inner: out, crc: 0 };
    let mut buf = Vec::with_capacity(64 * 1024);
    buf.extend_from_slice(format!("REDIS{VERSION:04}").as_bytes());
    aux(&mut buf, "redis-ver", super::COMPATIBLE_REDIS_VERSION.as_bytes());
    aux(&mut buf, "redis-bits", b"64");
    aux(&mut buf, "ctime", (now_ms / 1000).to_string().as_bytes());
    aux(&mut buf, "used-mem", used_memory.to_string().as_bytes());
    aux(&mut buf, "miniredis-ver", env!("CARGO_PKG_VERSION").as_bytes());
    aux(&mut buf, "aof-base", b"0");
    // Each `FUNCTION` library as its code, before the keys, as Redis 7.0 writes them.
    for code in keyspace.functions() {
        buf.push(opcode::FUNCTION2);
        write_string(&mut buf, &code);
    }
    for index in 0..keyspace.databases() {
        let (keys, volatile, _) = keyspace.db_summary(index);
        if keys == 0 {
            continue;
        }
        buf.push(opcode::SELECTDB);
        write_len(&mut buf, index as u64);
        buf.push(opcode::RESIZEDB);
        write_len(&mut buf, keys as u64);
        write_len(&mut buf, volatile as u64);
        for (key, value, deadline) in keyspace.entries(index) {
            if deadline.is_some_and(|d| d <= now_ms) {
                continue;
            }
            if let Some(at) = deadline {
                buf.push(opcode::EXPIRETIME_MS);
                buf.extend_from_slice(&at.to_le_bytes());
            }
            // The type byte goes before the key.
            let type_at = buf.len();
            buf.push(0);
            write_string(&mut buf, key);
            buf[type_at] = write_body(&mut buf, value, &limits);
            if buf.len() >= 48 * 1024 {
                sink.put(&buf)?;
                buf.clear();
            }
        }
    }
    buf.push(opcode::EOF);
    sink.put(&buf)?;
    let crc = sink.crc;
    sink.inner.write_all(&crc.to_le_bytes())
}

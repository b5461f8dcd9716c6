//! Streams in RDB: Redis 7.0's `RDB_TYPE_STREAM_LISTPACKS_2` written, and
//! types 15 (Redis 5-6), 19 and 21 (Redis 7.2: consumers' active time) read.
//!
//! Each node is a listpack as `t_stream.c` lays it out: the master entry
//! (live count, deleted count, field count, the field names, a 0), then
//! per entry its flags, ms and seq deltas from the node's first ID, its
//! values alone (same fields as the master) or its field count and pairs,
//! and its `lp-count` (the elements it took).

use std::collections::BTreeSet;

use super::decode::Reader;
use super::encode::{write_len, write_string};
use super::listpack::{self, Builder};
use super::{types, RdbError};
use crate::store::stream::{Consumer, Group, Node, Pending, Stream, StreamId};
use crate::store::Value;

const DELETED: i64 = 1;
const SAME_FIELDS: i64 = 2;

fn corrupt(why: impl Into<String>) -> RdbError {
    RdbError::Corrupt(format!("stream: {}", why.into()))
}

/// A radix-tree key / PEL ID: 16 bytes, big-endian ms then seq.
fn id_bytes(id: StreamId) -> [u8; 16] {
    let mut raw = [0; 16];
    raw[..8].copy_from_slice(&id.ms.to_be_bytes());
    raw[8..].copy_from_slice(&id.seq.to_be_bytes());
    raw
}

fn id_of_bytes(raw: &[u8]) -> Result<StreamId, RdbError> {
    if raw.len() != 16 {
        return Err(corrupt(format!("an ID of {} bytes", raw.len())));
    }
    let half = |r: &[u8]| u64::from_be_bytes(r.try_into().expect("8 bytes"));
    Ok(StreamId::new(half(&raw[..8]), half(&raw[8..])))
}

fn write_id(out: &mut Vec<u8>, id: StreamId) {
    write_len(out, id.ms);
    write_len(out, id.seq);
}

/// A node as the listpack Redis would hold for it.
fn node_listpack(first: StreamId, node: &Node) -> Vec<u8> {
    let (master, _) = node.master_fields();
    let mut lp = Builder::new();
    lp.push_integer(i64::from(node.live));
    lp.push_integer(i64::from(node.total - node.live));
    lp.push_integer(master.len() as i64);
    master.iter().for_each(|field| lp.push(field));
    lp.push_integer(0);
    node.scan(first, |_, deleted, entry| {
        let same =
            entry.pairs.len() == master.len() && entry.pairs.iter().zip(&master).all(|((f, _), m)| f == m);
        let flags = if deleted { DELETED } else { 0 } | if same { SAME_FIELDS } else { 0 };
        lp.push_integer(flags);
        lp.push_integer(entry.id.ms.wrapping_sub(first.ms) as i64);
        lp.push_integer(entry.id.seq.wrapping_sub(first.seq) as i64);
        let n = entry.pairs.len() as i64;
        if same {
            entry.pairs.iter().for_each(|(_, value)| lp.push(value));
            lp.push_integer(n + 3);
        } else {
            lp.push_integer(n);
            for (field, value) in &entry.pairs {
                lp.push(field);
                lp.push(value);
            }
            lp.push_integer(2 * n + 4);
        }
        true
    });
    lp.finish()
}

/// Appends a stream as `rdbSaveObject` does; returns its type byte.
pub fn write_stream(out: &mut Vec<u8>, stream: &Stream) -> u8 {
    write_len(out, stream.node_count() as u64);
    for (first, node) in stream.nodes() {
        write_string(out, &id_bytes(first));
        write_string(out, &node_listpack(first, node));
    }
    write_len(out, stream.len());
    write_id(out, stream.last_id);
    write_id(out, stream.first_id());
    write_id(out, stream.max_deleted_id);
    write_len(out, stream.entries_added);
    write_len(out, stream.groups.len() as u64);
    for (name, group) in &stream.groups {
        write_string(out, name);
        write_id(out, group.last_id);
        // Redis's -1 (unknown) is saved as a length: all ones.
        write_len(out, group.entries_read.unwrap_or(u64::MAX));
        write_len(out, group.pel.len() as u64);
        for (id, pending) in &group.pel {
            out.extend_from_slice(&id_bytes(*id));
            out.extend_from_slice(&pending.delivery_time.to_le_bytes());
            write_len(out, pending.delivery_count);
        }
        write_len(out, group.consumers.len() as u64);
        for (name, consumer) in &group.consumers {
            write_string(out, name);
            out.extend_from_slice(&consumer.seen_time.to_le_bytes());
            write_len(out, consumer.pending.len() as u64);
            consumer.pending.iter().for_each(|id| out.extend_from_slice(&id_bytes(*id)));
        }
    }
    types::STREAM_LISTPACKS_2
}

/// A node's listpack elements (integers as text), read one at a time.
struct Elements<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
    at: std::cell::Cell<usize>,
}

impl<'a> Elements<'a> {
    fn next(&self) -> Result<&'a [u8], RdbError> {
        let at = self.at.get();
        let end = *self.ends.get(at).ok_or_else(|| corrupt("a node ends mid-entry"))?;
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        self.at.set(at + 1);
        Ok(&self.bytes[start..end])
    }

    fn done(&self) -> bool {
        self.at.get() >= self.ends.len()
    }
}

fn int(item: &[u8]) -> Result<i64, RdbError> {
    std::str::from_utf8(item).ok().and_then(|s| s.parse().ok()).ok_or_else(|| corrupt("an integer expected"))
}

/// Reads one node's listpack into a [`Node`] keyed by `first`; every ID
/// must be above `floor` and ascending.
fn read_node(first: StreamId, blob: &[u8], floor: Option<StreamId>) -> Result<(Node, StreamId), RdbError> {
    let (mut bytes, mut ends) = (Vec::with_capacity(blob.len()), Vec::new());
    listpack::read(blob, |item| {
        bytes.extend_from_slice(item);
        ends.push(bytes.len());
        Ok(())
    })
    .map_err(RdbError::Corrupt)?;
    let items = Elements { bytes: &bytes, ends: &ends, at: std::cell::Cell::new(0) };
    let next = || items.next();
    let live = int(next()?)?;
    let deleted = int(next()?)?;
    let master_count = usize::try_from(int(next()?)?).map_err(|_| corrupt("a negative field count"))?;
    if master_count == 0 || master_count > blob.len() {
        return Err(corrupt("a bad master field count"));
    }
    let master: Vec<&[u8]> = (0..master_count).map(|_| next()).collect::<Result<_, _>>()?;
    if int(next()?)? != 0 {
        return Err(corrupt("no master entry terminator"));
    }
    let master_pairs: Vec<(&[u8], &[u8])> = master.iter().map(|f| (*f, &b""[..])).collect();
    let mut node = Node::new(&master_pairs);
    let mut last = floor;
    while !items.done() {
        let flags = int(next()?)?;
        if flags & !(DELETED | SAME_FIELDS) != 0 {
            return Err(corrupt("unknown entry flags"));
        }
        let ms = first.ms.wrapping_add(int(next()?)? as u64);
        let seq = first.seq.wrapping_add(int(next()?)? as u64);
        let id = StreamId::new(ms, seq);
        if id < first || last.is_some_and(|l| id <= l) {
            return Err(corrupt("entry IDs out of order"));
        }
        last = Some(id);
        let mut pairs: Vec<(&[u8], &[u8])> = Vec::new();
        let elements = if flags & SAME_FIELDS != 0 {
            for field in &master {
                pairs.push((field, next()?));
            }
            master_count as i64 + 3
        } else {
            let n = int(next()?)?;
            if n <= 0 || n as u64 > blob.len() as u64 {
                return Err(corrupt("a bad entry field count"));
            }
            for _ in 0..n {
                pairs.push((next()?, next()?));
            }
            2 * n + 4
        };
        if int(next()?)? != elements {
            return Err(corrupt("a wrong lp-count"));
        }
        if flags & DELETED != 0 {
            node.append_deleted(first, id, &pairs);
        } else {
            node.append(first, id, &pairs);
        }
    }
    if node.total == 0 {
        return Err(corrupt("an empty node"));
    }
    if i64::from(node.live) != live || i64::from(node.total - node.live) != deleted {
        return Err(corrupt("a node's master counts are wrong"));
    }
    Ok((node, last.expect("a node with entries")))
}

fn read_id(r: &mut Reader<'_>) -> Result<StreamId, RdbError> {
    Ok(StreamId::new(r.length()?, r.length()?))
}

/// Reads a stream of RDB type `kind` (15, 19 or 21).
pub fn read_stream(r: &mut Reader<'_>, kind: u8) -> Result<Value, RdbError> {
    let mut stream = Stream::default();
    let nodes = r.count(2)?;
    let mut floor = None;
    for _ in 0..nodes {
        let first = id_of_bytes(&r.string()?)?;
        let blob = r.string()?;
        if floor.is_some_and(|f| first <= f) {
            return Err(corrupt("nodes out of order"));
        }
        let (node, last) = read_node(first, &blob, floor)?;
        floor = Some(last);
        stream.push_node(first, node);
    }
    if r.length()? != stream.len() {
        return Err(corrupt("the length disagrees with the entries"));
    }
    stream.last_id = read_id(r)?;
    if floor.is_some_and(|f| f > stream.last_id) {
        return Err(corrupt("an entry above the last ID"));
    }
    if kind >= types::STREAM_LISTPACKS_2 {
        read_id(r)?; // The first ID: known from the entries.
        stream.max_deleted_id = read_id(r)?;
        stream.entries_added = r.length()?;
        if stream.entries_added < stream.len() {
            return Err(corrupt("fewer entries added than the stream holds"));
        }
    } else {
        stream.entries_added = stream.len();
    }
    let groups = r.count(4)?;
    for _ in 0..groups {
        let name = r.string()?.into_owned();
        let last_id = read_id(r)?;
        let entries_read = if kind >= types::STREAM_LISTPACKS_2 {
            Some(r.length()?).filter(|&n| n != u64::MAX)
        } else {
            stream.estimate_read_counter(last_id)
        };
        let mut group = Group::new(last_id, entries_read);
        let group_start = r.position();
        // Each pending entry holds its consumer's name: the copies may
        // not outgrow the input that claims them.
        let mut name_copies = 0usize;
        let pending = r.count(16 + 8 + 1)?;
        for _ in 0..pending {
            let id = id_of_bytes(r.take(16)?)?;
            let delivery_time = r.u64_le()?;
            let delivery_count = r.length()?;
            let entry = Pending { consumer: Vec::new(), delivery_time, delivery_count };
            if group.pel.insert(id, entry).is_some() {
                return Err(corrupt("a duplicate PEL entry"));
            }
        }
        let mut owned_ids = BTreeSet::new();
        let consumers = r.count(1 + 8 + 1)?;
        for _ in 0..consumers {
            let cname = r.string()?.into_owned();
            let seen_time = r.u64_le()?;
            if kind == types::STREAM_LISTPACKS_3 {
                r.u64_le()?; // Redis 7.2's active time, which 7.0 has not.
            }
            let owned = r.count(16)?;
            name_copies = name_copies.saturating_add(owned.saturating_mul(cname.len()));
            if name_copies > 32 * (r.position() - group_start + 16 * owned) {
                return Err(corrupt("consumer names too long for their pending entries"));
            }
            let mut ids = BTreeSet::new();
            for _ in 0..owned {
                let id = id_of_bytes(r.take(16)?)?;
                let entry = group
                    .pel
                    .get_mut(&id)
                    .ok_or_else(|| corrupt("a consumer PEL entry not in the group's"))?;
                if !owned_ids.insert(id) {
                    return Err(corrupt("a PEL entry owned twice"));
                }
                entry.consumer = cname.clone();
                ids.insert(id);
            }
            let consumer = Consumer { seen_time, pending: ids };
            if group.consumers.insert(cname, consumer).is_some() {
                return Err(corrupt("a duplicate consumer"));
            }
        }
        if owned_ids.len() != group.pel.len() {
            return Err(corrupt("a PEL entry without a consumer"));
        }
        if stream.groups.insert(name, group).is_some() {
            return Err(corrupt("a duplicate group"));
        }
    }
    Ok(Value::Stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rdb::{dump_payload, restore_payload, PayloadError};
    use crate::store::Limits;

    /// redis-server 7.0.15: XADD s 1-1 a 1 b hello, 1-2 a 2 b x, 2-0 c 3,
    /// 3-5 a -7 b 300000; XDEL s 1-2; XGROUP CREATE s g 0; XREADGROUP
    /// alice COUNT 2, bob COUNT 1; XGROUP CREATE s g2 $; then DUMP s.
    const REDIS_DUMP: &str = "130110000000000000000100000000000000014053530000001f00030101010201816102816202000102010001000101018568656c6c6f0605010301000101010201817802050100010101dfff02010181630203010601020102010401dff902f2e09304040501ff030305010101020402016703050403000000000000000100000000000000015a0ca14aa201000001000000000000000200000000000000005a0ca14aa201000001000000000000000300000000000000055d0ca14aa2010000010205616c6963655a0ca14aa201000002000000000000000100000000000000010000000000000002000000000000000003626f625d0ca14aa20100000100000000000000030000000000000005026732030581ffffffffffffffff00000a00523ced466347aa9c";

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }

    fn restored() -> Stream {
        match restore_payload(&unhex(REDIS_DUMP), &Limits::default()).unwrap() {
            Value::Stream(stream) => stream,
            other => panic!("not a stream: {other:?}"),
        }
    }

    #[test]
    fn a_redis_payload_restores_with_groups_and_dumps_back_byte_identical() {
        let s = restored();
        let ids: Vec<String> =
            s.range(StreamId::MIN, StreamId::MAX, false).map(|e| e.id.to_string()).collect();
        assert_eq!(ids, ["1-1", "2-0", "3-5"]);
        let last = s.last_entry().unwrap();
        assert_eq!(last.pairs, vec![(&b"a"[..], &b"-7"[..]), (b"b", b"300000")]);
        assert_eq!((s.len(), s.node_count(), s.entries_added), (3, 1, 4));
        assert_eq!((s.last_id, s.max_deleted_id), (StreamId::new(3, 5), StreamId::new(1, 2)));
        let g = &s.groups[&b"g"[..]];
        assert_eq!((g.last_id, g.entries_read), (StreamId::new(3, 5), Some(4)));
        assert_eq!(g.pel.len(), 3);
        assert_eq!(g.pel[&StreamId::new(3, 5)].consumer, b"bob");
        assert_eq!(g.pel[&StreamId::new(3, 5)].delivery_count, 1);
        let alice: Vec<_> = g.consumers[&b"alice"[..]].pending.iter().copied().collect();
        assert_eq!(alice, [StreamId::new(1, 1), StreamId::new(2, 0)]);
        assert_eq!(s.groups[&b"g2"[..]].entries_read, None);
        assert_eq!(dump_payload(&Value::Stream(s), &Limits::default()), unhex(REDIS_DUMP));
    }

    #[test]
    fn hostile_stream_payloads_fail_cleanly() {
        let payload = unhex(REDIS_DUMP);
        let body_end = payload.len() - 10;
        let body = &payload[..body_end];
        let reader_of = |bytes: &[u8]| {
            let mut r = Reader::new(&bytes[1..]);
            read_stream(&mut r, types::STREAM_LISTPACKS_2).map(|_| r.remaining())
        };
        assert_eq!(reader_of(body), Ok(0));
        for cut in 1..body.len() {
            assert!(reader_of(&body[..cut]).is_err(), "cut at {cut}");
        }
        for at in 1..body.len() {
            for bit in 0..8 {
                let mut bad = body.to_vec();
                bad[at] ^= 1 << bit;
                let _ = reader_of(&bad); // Never a panic.
            }
        }
        let mut wrong_sum = payload.clone();
        wrong_sum[5] ^= 1;
        assert!(matches!(
            restore_payload(&wrong_sum, &Limits::default()),
            Err(PayloadError::VersionOrChecksum)
        ));
    }

    /// An empty stream with one group whose `pending` entries belong to
    /// one consumer named `name`.
    fn one_consumer_payload(name: &[u8], pending: u64) -> Vec<u8> {
        let mut out = vec![types::STREAM_LISTPACKS_2];
        write_len(&mut out, 0);
        write_len(&mut out, 0);
        for id in [StreamId::new(pending, 0), StreamId::MIN, StreamId::MIN] {
            write_id(&mut out, id);
        }
        write_len(&mut out, pending);
        write_len(&mut out, 1);
        write_string(&mut out, b"g");
        write_id(&mut out, StreamId::new(pending, 0));
        write_len(&mut out, pending);
        write_len(&mut out, pending);
        for i in 1..=pending {
            out.extend_from_slice(&id_bytes(StreamId::new(i, 0)));
            out.extend_from_slice(&7u64.to_le_bytes());
            write_len(&mut out, 1);
        }
        write_len(&mut out, 1);
        write_string(&mut out, name);
        out.extend_from_slice(&9u64.to_le_bytes());
        write_len(&mut out, pending);
        (1..=pending).for_each(|i| out.extend_from_slice(&id_bytes(StreamId::new(i, 0))));
        out
    }

    #[test]
    fn consumer_names_cannot_multiply_allocation() {
        let read = |payload: &[u8]| read_stream(&mut Reader::new(&payload[1..]), payload[0]);
        let Value::Stream(ok) = read(&one_consumer_payload(b"alice", 50)).unwrap() else { panic!() };
        assert_eq!(ok.groups[&b"g"[..]].consumers[&b"alice"[..]].pending.len(), 50);
        assert!(read(&one_consumer_payload(&[b'n'; 100_000], 1000)).is_err());
    }

    #[test]
    fn a_redis_6_stream_loads_with_computed_counters() {
        // Type 15: no first ID, tombstone ID, entries-added or entries-read.
        let s = restored();
        let mut out = vec![types::STREAM_LISTPACKS];
        write_len(&mut out, 1);
        let (first, node) = s.nodes().next().unwrap();
        write_string(&mut out, &id_bytes(first));
        write_string(&mut out, &node_listpack(first, node));
        write_len(&mut out, 3);
        write_id(&mut out, StreamId::new(3, 5));
        write_len(&mut out, 1);
        write_string(&mut out, b"g");
        write_id(&mut out, StreamId::new(1, 1));
        write_len(&mut out, 0);
        write_len(&mut out, 0);
        let mut r = Reader::new(&out[1..]);
        let Value::Stream(old) = read_stream(&mut r, types::STREAM_LISTPACKS).unwrap() else { panic!() };
        assert_eq!((old.len(), old.entries_added, old.max_deleted_id), (3, 3, StreamId::MIN));
        assert_eq!(old.groups[&b"g"[..]].entries_read, Some(1));
    }
}

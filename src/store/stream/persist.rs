//! A stream's `dump.json` form and the commands that rebuild it (AOF rewrite).
//!
//! ```json
//! {"last_id":"5-0","entries_added":3,"max_deleted_id":"2-0",
//!  "entries":[["1-0",["f","v"]],["5-0",["f","w"]]],
//!  "groups":[{"name":"g","last_id":"1-0","entries_read":1,
//!    "consumers":[{"name":"alice","seen_time":1700000000000}],
//!    "pending":[["1-0","alice",1700000000000,1]]}]}
//! ```

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Consumer, Group, Pending, Stream, StreamId};
use crate::store::blob::{read_blob, write_blob};
use crate::store::value_type::{Limits, ValueType};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DumpStream<'a> {
    last_id: &'a str,
    entries_added: u64,
    max_deleted_id: &'a str,
    #[serde(borrow)]
    entries: Vec<(&'a str, Vec<&'a RawValue>)>,
    #[serde(borrow)]
    groups: Vec<DumpGroup<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DumpGroup<'a> {
    #[serde(borrow)]
    name: &'a RawValue,
    last_id: &'a str,
    entries_read: Option<u64>,
    #[serde(borrow)]
    consumers: Vec<DumpConsumer<'a>>,
    #[serde(borrow)]
    pending: Vec<(&'a str, &'a RawValue, u64, u64)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DumpConsumer<'a> {
    #[serde(borrow)]
    name: &'a RawValue,
    seen_time: u64,
}

fn id_of(text: &str) -> Result<StreamId, String> {
    StreamId::parse(text.as_bytes()).ok_or_else(|| format!("bad stream ID {text:?}"))
}

fn write_id(out: &mut Vec<u8>, id: StreamId) {
    out.push(b'"');
    out.extend_from_slice(&id.to_bytes());
    out.push(b'"');
}

impl ValueType for Stream {
    const NAME: &'static str = "stream";

    fn encoding(&self) -> &'static str {
        "stream"
    }

    fn heap_size(&self) -> usize {
        use crate::alloc::charged;
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                charged(name.len())
                    + 64
                    + g.pel.len() * 64
                    + g.consumers.keys().map(|c| charged(c.len()) + 64).sum::<usize>()
            })
            .sum();
        charged(std::mem::size_of::<super::Data>()) + self.entries_heap_size() + groups
    }

    fn write_snapshot(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"last_id\":");
        write_id(out, self.last_id);
        out.extend_from_slice(
            format!(",\"entries_added\":{},\"max_deleted_id\":", self.entries_added).as_bytes(),
        );
        write_id(out, self.max_deleted_id);
        out.extend_from_slice(b",\"entries\":[");
        for (i, entry) in self.range(StreamId::MIN, StreamId::MAX, false).enumerate() {
            out.extend_from_slice(if i == 0 { b"[" } else { b",[" });
            write_id(out, entry.id);
            out.extend_from_slice(b",[");
            for (j, (field, value)) in entry.pairs.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                write_blob(out, field);
                out.push(b',');
                write_blob(out, value);
            }
            out.extend_from_slice(b"]]");
        }
        out.extend_from_slice(b"],\"groups\":[");
        for (i, (name, group)) in self.groups.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"{\"name\":" } else { b",{\"name\":" });
            write_blob(out, name);
            out.extend_from_slice(b",\"last_id\":");
            write_id(out, group.last_id);
            let read = group.entries_read.map_or("null".to_string(), |n| n.to_string());
            out.extend_from_slice(format!(",\"entries_read\":{read},\"consumers\":[").as_bytes());
            for (j, (name, consumer)) in group.consumers.iter().enumerate() {
                out.extend_from_slice(if j == 0 { b"{\"name\":" } else { b",{\"name\":" });
                write_blob(out, name);
                out.extend_from_slice(format!(",\"seen_time\":{}}}", consumer.seen_time).as_bytes());
            }
            out.extend_from_slice(b"],\"pending\":[");
            for (j, (id, pending)) in group.pel.iter().enumerate() {
                out.extend_from_slice(if j == 0 { b"[" } else { b",[" });
                write_id(out, *id);
                out.push(b',');
                write_blob(out, &pending.consumer);
                out.extend_from_slice(
                    format!(",{},{}]", pending.delivery_time, pending.delivery_count).as_bytes(),
                );
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
    }

    fn read_snapshot(json: &str, limits: &Limits) -> Result<Self, String> {
        let dump: DumpStream = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut stream = Stream::default();
        for (id, flat) in &dump.entries {
            let id = id_of(id)?;
            if !flat.len().is_multiple_of(2) || flat.is_empty() {
                return Err(format!("entry {id} has an odd or empty field list"));
            }
            if stream.entries_added > 0 && id <= stream.last_id {
                return Err(format!("entry {id} is out of order"));
            }
            let blobs: Vec<Vec<u8>> =
                flat.iter().map(|raw| read_blob(raw.get())).collect::<Result<_, _>>()?;
            let pairs: Vec<(&[u8], &[u8])> = blobs.chunks(2).map(|p| (&p[0][..], &p[1][..])).collect();
            stream.append(id, &pairs, limits);
        }
        stream.last_id = id_of(dump.last_id)?;
        stream.entries_added = dump.entries_added;
        stream.max_deleted_id = id_of(dump.max_deleted_id)?;
        for dumped in dump.groups {
            let mut group = Group::new(id_of(dumped.last_id)?, dumped.entries_read);
            for consumer in dumped.consumers {
                let name = read_blob(consumer.name.get())?;
                group
                    .consumers
                    .insert(name, Consumer { seen_time: consumer.seen_time, ..Consumer::default() });
            }
            for (id, consumer, delivery_time, delivery_count) in dumped.pending {
                let (id, consumer) = (id_of(id)?, read_blob(consumer.get())?);
                let owner =
                    group.consumers.get_mut(&consumer).ok_or("a pending entry's consumer is missing")?;
                owner.pending.insert(id);
                group.pel.insert(id, Pending { consumer, delivery_time, delivery_count });
            }
            stream.groups.insert(read_blob(dumped.name.get())?, group);
        }
        Ok(stream)
    }

    /// `XADD` per entry, `XSETID` for the counters, then per group
    /// `XGROUP CREATE`, `XGROUP CREATECONSUMER` and an `XCLAIM` per pending entry.
    fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]])) {
        let last = self.last_id.to_bytes();
        if self.is_empty() {
            // The empty stream: created by an entry trimmed at once, then `XSETID`.
            emit(&[b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]);
        }
        for entry in self.range(StreamId::MIN, StreamId::MAX, false) {
            let id = entry.id.to_bytes();
            let mut args: Vec<&[u8]> = vec![b"XADD", key, &id];
            entry.pairs.iter().for_each(|(f, v)| args.extend([*f, *v]));
            emit(&args);
        }
        let added = self.entries_added.to_string();
        let deleted = self.max_deleted_id.to_bytes();
        emit(&[b"XSETID", key, &last, b"ENTRIESADDED", added.as_bytes(), b"MAXDELETEDID", &deleted]);
        for (name, group) in &self.groups {
            let group_last = group.last_id.to_bytes();
            let read = group.entries_read.map_or("-1".to_string(), |n| n.to_string());
            emit(&[b"XGROUP", b"CREATE", key, name, &group_last, b"ENTRIESREAD", read.as_bytes()]);
            for consumer in group.consumers.keys() {
                emit(&[b"XGROUP", b"CREATECONSUMER", key, name, consumer]);
            }
            for (id, pending) in &group.pel {
                let (id, time, count) =
                    (id.to_bytes(), pending.delivery_time.to_string(), pending.delivery_count.to_string());
                emit(&[
                    b"XCLAIM",
                    key,
                    name,
                    &pending.consumer,
                    b"0",
                    &id,
                    b"TIME",
                    time.as_bytes(),
                    b"RETRYCOUNT",
                    count.as_bytes(),
                    b"JUSTID",
                    b"FORCE",
                ]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Limits, Stream, Value, ValueType};
    use crate::testing::Harness;

    /// A stream with deleted entries, a trimmed front, two groups, pending
    /// entries of several consumers and one consumer with none.
    fn busy() -> Harness {
        let mut h = Harness::new();
        for line in [
            "CONFIG SET stream-node-max-entries 3",
            "XADD s 1-1 a 1 b 2",
            "XADD s 1-2 a 3 b 4",
            "XADD s 2-0 other \"\\xff\\x00\"",
            "XADD s 3-0 a 5 b 6",
            "XADD s 4-0 a 7",
            "XDEL s 2-0",
            "XTRIM s MINID 1-2",
            "XGROUP CREATE s g 0",
            "XGROUP CREATE s idle $ ENTRIESREAD 3",
            "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
            "XREADGROUP GROUP g bob STREAMS s >",
            "XGROUP CREATECONSUMER s g carol",
            "XCLAIM s g bob 0 1-2 RETRYCOUNT 5",
        ] {
            assert!(!h.run(line).is_error(), "{line}");
        }
        h
    }

    fn stream_of(h: &Harness) -> Stream {
        match h.keyspace().get(b"s") {
            Some(Value::Stream(s)) => s.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_dump_form_reads_back_equal() {
        let h = busy();
        let stream = stream_of(&h);
        let mut json = Vec::new();
        stream.write_snapshot(&mut json);
        let back = Stream::read_snapshot(std::str::from_utf8(&json).unwrap(), &Limits::default()).unwrap();
        assert_eq!(back.len(), stream.len());
        assert_eq!(back.groups, stream.groups);
        assert_eq!(
            (back.last_id, back.entries_added, back.max_deleted_id),
            (stream.last_id, stream.entries_added, stream.max_deleted_id)
        );
        let ids = |s: &Stream| {
            s.range(super::StreamId::MIN, super::StreamId::MAX, false)
                .map(|e| (e.id, e.pairs.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&back), ids(&stream));
        assert!(Stream::read_snapshot(r#"{"last_id":"x"}"#, &Limits::default()).is_err());
    }

    /// `XINFO` output without the node counts, which depend on the history.
    fn without_nodes(info: String) -> String {
        info.split("\r\n")
            .scan(false, |skip, line| {
                let out = if *skip { ":_" } else { line };
                *skip = line.starts_with("radix-tree-");
                Some(out.to_string())
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    }

    #[test]
    fn the_rewrite_rebuilds_the_same_state() {
        let mut h = busy();
        let full = without_nodes(h.wire("XINFO STREAM s FULL COUNT 0"));
        let mut commands = Vec::new();
        stream_of(&h)
            .rewrite(b"s", &mut |args| commands.push(args.iter().map(|a| a.to_vec()).collect::<Vec<_>>()));
        let mut fresh = Harness::new();
        fresh.run("CONFIG SET stream-node-max-entries 3");
        for command in &commands {
            assert!(!fresh.run_args(command).is_error(), "{command:?}");
        }
        assert_eq!(without_nodes(fresh.wire("XINFO STREAM s FULL COUNT 0")), full);
        // An empty stream keeps its last ID and counters.
        h.run("XTRIM s MAXLEN 0");
        let mut commands = Vec::new();
        stream_of(&h)
            .rewrite(b"s", &mut |args| commands.push(args.iter().map(|a| a.to_vec()).collect::<Vec<_>>()));
        let mut fresh = Harness::new();
        for command in &commands {
            assert!(!fresh.run_args(command).is_error(), "{command:?}");
        }
        assert_eq!(fresh.wire("XINFO STREAM s"), h.wire("XINFO STREAM s"));
    }
}

//! Property test: the node encoding against a `BTreeMap` model under add,
//! delete and trim, with small node limits so nodes split often.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{Stream, StreamId, Trim};
use crate::store::Limits;

#[derive(Debug, Clone)]
enum Op {
    Add { gap_ms: u64, seq: u64, fields: Vec<(u8, Vec<u8>)> },
    Delete(usize),
    MaxLen(u64, bool),
    MinId(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3u64, 0..3u64, prop::collection::vec((0..3u8, prop::collection::vec(any::<u8>(), 0..12)), 1..4))
            .prop_map(|(gap_ms, seq, fields)| Op::Add { gap_ms, seq, fields }),
        2 => any::<prop::sample::Index>().prop_map(|i| Op::Delete(i.index(1 << 16))),
        1 => (0..40u64, any::<bool>()).prop_map(|(n, approx)| Op::MaxLen(n, approx)),
        1 => (any::<prop::sample::Index>(), any::<bool>()).prop_map(|(i, approx)| Op::MinId(i.index(1 << 16), approx)),
    ]
}

type Model = BTreeMap<StreamId, Vec<(Vec<u8>, Vec<u8>)>>;

fn check(stream: &Stream, model: &Model) {
    assert_eq!(stream.len() as usize, model.len());
    let got: Vec<_> = stream
        .range(StreamId::MIN, StreamId::MAX, false)
        .map(|e| (e.id, e.pairs.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect::<Vec<_>>()))
        .collect();
    let want: Vec<_> = model.iter().map(|(id, pairs)| (*id, pairs.clone())).collect();
    assert_eq!(got, want);
    assert_eq!(stream.last_live_id(), model.keys().next_back().copied());
    assert_eq!(stream.first_id(), model.keys().next().copied().unwrap_or(StreamId::MIN));
    let inner = (model.keys().nth(1), model.keys().nth(model.len().saturating_sub(2)));
    if let (Some(&lo), Some(&hi)) = inner {
        let got: Vec<_> = stream.range(lo, hi, false).map(|e| e.id).collect();
        let want: Vec<_> = if lo <= hi { model.range(lo..=hi).map(|(id, _)| *id).collect() } else { vec![] };
        assert_eq!(got, want);
    }
    let back: Vec<_> = stream.range(StreamId::MIN, StreamId::MAX, true).map(|e| e.id).collect();
    assert_eq!(back, model.keys().rev().copied().collect::<Vec<_>>());
}

fn run(ops: Vec<Op>, limits: Limits) {
    let mut stream = Stream::default();
    let mut model = Model::new();
    let mut last = StreamId::new(1, 0);
    for op in ops {
        match op {
            Op::Add { gap_ms, seq, fields } => {
                let id =
                    if gap_ms == 0 { last.next().unwrap() } else { StreamId::new(last.ms + gap_ms, seq) };
                let pairs: Vec<(Vec<u8>, Vec<u8>)> =
                    fields.into_iter().map(|(f, v)| (vec![b'f', f], v)).collect();
                let borrowed: Vec<(&[u8], &[u8])> = pairs.iter().map(|(f, v)| (&f[..], &v[..])).collect();
                stream.append(id, &borrowed, &limits);
                model.insert(id, pairs);
                last = id;
            }
            Op::Delete(i) => {
                let Some(&id) = model.keys().nth(i % model.len().max(1)) else { continue };
                assert!(stream.delete(id));
                model.remove(&id);
                assert!(!stream.delete(id));
            }
            Op::MaxLen(max, approx) => {
                let removed = stream.trim(Trim::MaxLen(max), approx, 0);
                let before = model.len();
                if approx {
                    while model.len() > before - removed as usize {
                        model.pop_first();
                    }
                    assert!(model.len() as u64 >= max.min(before as u64));
                } else {
                    while model.len() as u64 > max {
                        model.pop_first();
                    }
                    assert_eq!(removed as usize, before - model.len());
                }
            }
            Op::MinId(i, approx) => {
                let min = model.keys().nth(i % model.len().max(1)).copied().unwrap_or(last);
                let before = model.len();
                let removed = stream.trim(Trim::MinId(min), approx, 0);
                if approx {
                    for _ in 0..removed {
                        let (id, _) = model.pop_first().unwrap();
                        assert!(id < min, "approximate MINID removes only entries below it");
                    }
                } else {
                    model.retain(|id, _| *id >= min);
                    assert_eq!(removed as usize, before - model.len());
                }
            }
        }
        check(&stream, &model);
    }
}

proptest! {
    #[test]
    fn nodes_match_a_btreemap(ops in prop::collection::vec(op(), 1..120), bytes in 0..200usize, entries in 0..6usize) {
        run(ops, Limits { stream_node_max_bytes: bytes, stream_node_max_entries: entries, ..Limits::default() });
    }
}

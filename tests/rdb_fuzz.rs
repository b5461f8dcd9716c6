//! Hostile RDB input: real `DUMP` payloads and `dump.rdb` files, mutated
//! (bytes flipped, lengths made to lie, cut, spliced) and re-sealed with a
//! valid checksum so the decoder itself is reached, never panic, never
//! allocate much beyond their size, and finish quickly. `PROPTEST_CASES`
//! changes the number of cases.

use std::sync::Mutex;

#[global_allocator]
static GLOBAL: miniredis::alloc::Counting = miniredis::alloc::Counting;

use miniredis::store::rdb::{self, crc64::crc64};
use miniredis::store::stream::{Group, Stream, StreamId};
use miniredis::store::{Dataset, Hash, Limits, List, Set, Shape, Store, Value, ZSet};
use proptest::prelude::*;

/// One test at a time, so the allocation count is this test's.
static SERIAL: Mutex<()> = Mutex::new(());

fn sample_values() -> Vec<Value> {
    let l = Limits::default();
    let long = "compressible text, compressible text, compressible text ".repeat(4);
    let items: Vec<String> = (0..300).map(|i| format!("item-{i}")).collect();
    vec![
        Value::string("hello"),
        Value::string("123456"),
        Value::string(long.as_bytes()),
        Value::Hash(Hash::from_pairs([(&b"f"[..], &b"v"[..]), (b"n", b"-77")], &l)),
        Value::Hash(Hash::from_pairs(items.iter().map(|i| (i.as_bytes(), long.as_bytes())), &l)),
        Value::List(List::from_items(items.iter().map(|i| i.as_bytes()), &l)),
        Value::Set(Set::from_members([&b"1"[..], b"-70000", b"5000000000"], &l)),
        Value::Set(Set::from_members([&b"a"[..], b"b", long.as_bytes()], &l)),
        Value::ZSet(ZSet::from_pairs([(&b"a"[..], 1.5), (b"b", -2.0)], &l)),
        Value::ZSet(ZSet::from_pairs(
            items.iter().enumerate().map(|(i, m)| (m.as_bytes(), i as f64 / 3.0)),
            &l,
        )),
        Value::Stream(sample_stream(&l)),
    ]
}

/// Two nodes, a tombstone, a group with pending entries of two consumers.
fn sample_stream(l: &Limits) -> Stream {
    let mut stream = Stream::default();
    for i in 1..=120u64 {
        let n = i.to_string();
        let pairs: Vec<(&[u8], &[u8])> = if i % 5 == 0 {
            vec![(b"other", b"x")]
        } else {
            vec![(b"user", n.as_bytes()), (b"action", b"login")]
        };
        stream.append(StreamId::new(i, i % 3), &pairs, l);
    }
    stream.delete(StreamId::new(7, 1));
    let mut group = Group::new(StreamId::new(20, 2), Some(20));
    for i in 1..=20u64 {
        group.deliver(
            StreamId::new(i, i % 3),
            if i % 2 == 0 { b"alice" } else { b"bob" },
            1_700_000_000_000 + i,
        );
    }
    stream.groups.insert(b"workers".to_vec(), group);
    stream.groups.insert(b"idle".to_vec(), Group::new(StreamId::MIN, None));
    stream
}

fn sample_file() -> Vec<u8> {
    let shape = Shape::for_threads(16, 1);
    let store = Store::new(Dataset::new(shape));
    let mut view = store.view();
    view.prepare(0, 1_000, true, false);
    for (i, value) in sample_values().into_iter().enumerate() {
        view.set(format!("key:{i}").as_bytes(), value);
    }
    view.set_deadline(b"key:0", 9_000_000_000_000);
    view.select(2).set(b"other", Value::string("db2"));
    let mut file = Vec::new();
    rdb::write_file(view.hold_all(), 1_000, 0, &mut file).unwrap();
    file
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    /// A length-like run of 0xff or 0x80 0xff...: a huge claimed size.
    Lie(usize, bool),
    Cut(usize),
    Remove(usize, usize),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (any::<usize>(), any::<bool>()).prop_map(|(at, wide)| Mutation::Lie(at, wide)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), 1..64usize).prop_map(|(at, n)| Mutation::Remove(at, n)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let at = |i: usize| i % bytes.len();
    match m {
        Mutation::Flip(i, bits) => {
            let i = at(*i);
            bytes[i] ^= bits;
        }
        Mutation::Set(i, b) => {
            let i = at(*i);
            bytes[i] = *b;
        }
        Mutation::Lie(i, wide) => {
            let i = at(*i);
            let lie: &[u8] = if *wide {
                &[0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
            } else {
                &[0x80, 0xff, 0xff, 0xff, 0xf0]
            };
            for (k, b) in lie.iter().enumerate() {
                if i + k < bytes.len() {
                    bytes[i + k] = *b;
                }
            }
        }
        Mutation::Cut(i) => bytes.truncate(at(*i)),
        Mutation::Remove(i, n) => {
            let i = at(*i);
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Insert(i, extra) => {
            let i = at(*i);
            bytes.splice(i..i, extra.iter().copied());
        }
    }
}

/// Replaces a payload's footer: version 10 and the CRC64 of the rest.
fn seal_payload(body: &mut Vec<u8>) {
    body.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64(0, body);
    body.extend_from_slice(&crc.to_le_bytes());
}

/// Decodes `input` with `decode`, checking what stays allocated afterwards.
fn bounded<T>(input_len: usize, decode: impl FnOnce() -> T) -> T {
    let before = miniredis::alloc::allocated();
    let result = decode();
    let held = miniredis::alloc::allocated().saturating_sub(before);
    assert!(held <= 64 * input_len + (1 << 20), "{held} bytes held for {input_len} bytes of input");
    result
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn mutated_restore_payloads_are_refused_or_decoded(
        pick in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let values = sample_values();
        let payload = rdb::dump_payload(&values[pick % values.len()], &Limits::default());
        let mut body = payload[..payload.len() - 10].to_vec();
        mutations.iter().for_each(|m| apply(&mut body, m));
        seal_payload(&mut body);
        let started = std::time::Instant::now();
        let _ = bounded(body.len(), || rdb::restore_payload(&body, &Limits::default()));
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // Unsealed, the checksum refuses it (unless no mutation changed anything).
        let mut unsealed = payload.clone();
        mutations.iter().for_each(|m| apply(&mut unsealed, m));
        if unsealed != payload {
            prop_assert!(rdb::restore_payload(&unsealed, &Limits::default()).is_err());
        }
    }

    #[test]
    fn mutated_rdb_files_are_refused_or_loaded(mutations in prop::collection::vec(mutation(), 1..4)) {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let file = sample_file();
        let mut body = file[..file.len() - 8].to_vec();
        mutations.iter().for_each(|m| apply(&mut body, m));
        // A zero checksum means "not computed": the loader reads on.
        body.extend_from_slice(&[0; 8]);
        let shape = Shape::for_threads(16, 1);
        let started = std::time::Instant::now();
        let _ = bounded(body.len(), || rdb::read_file(&body, shape, 0, &Limits::default()).map(|d| d.len()));
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}

#[test]
fn the_unmutated_samples_decode() {
    let l = Limits::default();
    for value in sample_values() {
        assert_eq!(rdb::restore_payload(&rdb::dump_payload(&value, &l), &l).unwrap(), value);
    }
    let data = rdb::read_file(&sample_file(), Shape::for_threads(16, 1), 0, &l).unwrap();
    assert_eq!(data.len(), sample_values().len() + 1);
}

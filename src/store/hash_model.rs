//! Property tests: a hash in either encoding behaves as a plain map in
//! insertion order, and its encoding is the one Redis would report.

use indexmap::IndexMap;
use proptest::prelude::*;

use super::hash::Hash;
use super::value_type::{Limits, ValueType};

#[derive(Debug, Clone)]
enum Op {
    Set(Vec<u8>, Vec<u8>),
    SetNx(Vec<u8>, Vec<u8>),
    Del(Vec<u8>),
    IncrBy(Vec<u8>, i64),
    IncrByFloat(Vec<u8>, f64),
    RandField(usize),
    Limits(usize, usize),
}

/// Bytes that stress the packed encoding: integers at every width and the
/// i64 limits, non-canonical numbers, binary, empty, and lengths around
/// the value limit.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    let special: Vec<Vec<u8>> = super::packed::EDGE_CASES.iter().map(|b| b.to_vec()).collect();
    prop_oneof![
        4 => proptest::sample::select(special),
        2 => proptest::collection::vec(any::<u8>(), 0..6),
        1 => (7usize..10).prop_map(|n| vec![b'x'; n]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (bytes(), bytes()).prop_map(|(f, v)| Op::Set(f, v)),
        1 => (bytes(), bytes()).prop_map(|(f, v)| Op::SetNx(f, v)),
        3 => bytes().prop_map(Op::Del),
        1 => (bytes(), prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(1i64), -70i64..70]).prop_map(|(f, n)| Op::IncrBy(f, n)),
        1 => (bytes(), -10.0f64..10.0).prop_map(|(f, n)| Op::IncrByFloat(f, n)),
        1 => any::<usize>().prop_map(Op::RandField),
        1 => (0usize..10, 0usize..10).prop_map(|(e, v)| Op::Limits(e, v)),
    ]
}

/// Applies `op` to both; the model tracks whether the hash must be a table.
fn apply(
    op: &Op,
    hash: &mut Hash,
    model: &mut IndexMap<Vec<u8>, Vec<u8>>,
    limits: &mut Limits,
    table: &mut bool,
) {
    let mut write = |hash: &mut Hash, model: &mut IndexMap<Vec<u8>, Vec<u8>>, f: &[u8], v: &[u8]| {
        let new = hash.insert(f, v, limits);
        assert_eq!(new, model.insert(f.to_vec(), v.to_vec()).is_none());
        *table |= f.len().max(v.len()) > limits.hash_max_listpack_value
            || model.len() > limits.hash_max_listpack_entries;
    };
    match op {
        Op::Set(f, v) => write(hash, model, f, v),
        Op::SetNx(f, v) => {
            if hash.get(f).is_none() {
                write(hash, model, f, v);
            }
        }
        Op::Del(f) => assert_eq!(hash.remove(f), model.shift_remove(f).is_some()),
        Op::IncrBy(f, n) => {
            let current = hash.get(f).map(|v| v.to_vec());
            assert_eq!(current.as_ref(), model.get(f));
            let base = match current {
                None => Some(0),
                Some(text) => crate::protocol::parse::parse_i64(&text),
            };
            if let Some(sum) = base.and_then(|b| b.checked_add(*n)) {
                write(hash, model, f, sum.to_string().as_bytes());
            }
        }
        Op::IncrByFloat(f, n) => {
            let current = hash.get(f).map(|v| v.to_vec());
            let base = current.map_or(Some(0.0), |t| std::str::from_utf8(&t).ok()?.parse::<f64>().ok());
            if let Some(sum) = base.map(|b| b + n).filter(|s| s.is_finite()) {
                write(hash, model, f, sum.to_string().as_bytes());
            }
        }
        Op::RandField(i) if !model.is_empty() => {
            let index = i % model.len();
            let (f, v) = hash.positions().get(index).expect("in range");
            assert_eq!(model.get(&*f).map(Vec::as_slice), Some(&*v));
            if !*table {
                let (mf, _) = model.get_index(index).unwrap();
                assert_eq!(&*f, mf.as_slice(), "a listpack is indexed in insertion order");
            }
        }
        Op::RandField(_) => assert!(hash.positions().get(0).is_none()),
        Op::Limits(e, v) => {
            *limits = Limits {
                hash_max_listpack_entries: *e,
                hash_max_listpack_value: *v,
                hash_entries_lowered: true,
                ..Limits::default()
            }
        }
    }
}

/// Applies `ops` to a hash and to a plain map model, checking after each
/// step that they agree (contents, encoding, snapshot round trip) and at the
/// end that a scan returns every field.
fn check_ops(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut limits = Limits {
        hash_max_listpack_entries: 6,
        hash_max_listpack_value: 8,
        hash_entries_lowered: true,
        ..Limits::default()
    };
    let (mut hash, mut model, mut table) = (Hash::default(), IndexMap::new(), false);
    for op in ops {
        apply(op, &mut hash, &mut model, &mut limits, &mut table);
        prop_assert_eq!(hash.len(), model.len());
        prop_assert_eq!(hash.is_empty(), model.is_empty());
        prop_assert_eq!(hash.encoding(), if table { "hashtable" } else { "listpack" });
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = hash.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
        if table {
            let mut sorted = pairs.clone();
            sorted.sort();
            let mut expected: Vec<_> = model.clone().into_iter().collect();
            expected.sort();
            prop_assert_eq!(sorted, expected);
        } else {
            prop_assert_eq!(pairs, model.clone().into_iter().collect::<Vec<_>>());
        }
        for (f, v) in &model {
            prop_assert_eq!(hash.get(f).map(|e| e.to_vec()), Some(v.clone()));
        }
        let mut snapshot = Vec::new();
        hash.write_snapshot(&mut snapshot);
        let back = Hash::read_snapshot(std::str::from_utf8(&snapshot).unwrap(), &limits);
        if model.is_empty() {
            prop_assert!(back.is_err());
        } else {
            prop_assert_eq!(&back.unwrap(), &hash);
        }
    }
    let mut scanned = std::collections::HashSet::new();
    let mut cursor = 0;
    loop {
        cursor = hash.scan(cursor, 3, |f, _| {
            scanned.insert(f.to_vec());
        });
        if cursor == 0 {
            break;
        }
    }
    prop_assert_eq!(scanned.len(), model.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn packed_and_table_hashes_match_a_map(ops in proptest::collection::vec(op(), 1..80)) {
        check_ops(&ops)?;
    }
}

/// Cases the property test found (an update after the entry limit was
/// lowered must convert), kept as plain tests.
#[test]
fn earlier_failures_stay_fixed() {
    let set = |f: &[u8], v: &[u8]| Op::Set(f.to_vec(), v.to_vec());
    for ops in [
        vec![set(&[54, 51], &[]), set(&[], &[]), Op::Limits(3, 2), set(&[45, 48], &[])],
        vec![set(&[45, 48], &[]), set(&[], &[]), set(&[0], &[]), Op::Limits(0, 2), set(&[45, 48], &[])],
        vec![set(&[], &[]), set(&[48], &[]), Op::Limits(0, 4), set(&[], &[48, 49, 50])],
    ] {
        check_ops(&ops).unwrap();
    }
}

//! Tests of the list encoding: layout, chain growth, and a property test
//! against a `VecDeque` model.

use std::collections::VecDeque;

use proptest::prelude::*;

use super::list::{End, List};
use super::Limits;

fn limits(fill: i64) -> Limits {
    Limits { list_max_listpack_size: fill, ..Limits::default() }
}

fn items(list: &List) -> Vec<Vec<u8>> {
    list.iter().map(|e| e.to_vec()).collect()
}

#[test]
fn layout_is_compact() {
    assert_eq!(std::mem::size_of::<List>(), 16);
    assert_eq!(std::mem::size_of::<super::Value>(), 24);
}

#[test]
fn grows_into_a_chain_and_back() {
    let l = limits(3);
    let mut list = List::default();
    for i in 0..10 {
        list.push(End::Right, i.to_string().as_bytes(), &l);
    }
    assert_eq!(list.node_count(), 4);
    assert_eq!(list.len(), 10);
    assert_eq!(list.get(7).as_deref(), Some(&b"7"[..]));
    list.remove_range(2, 7, &l);
    assert_eq!(items(&list), [b"0", b"1", b"9"].map(|b| b.to_vec()));
    assert!(matches!(list, List::One(_)) || list.node_count() == 2);
    assert_eq!(list.pop_many(End::Right, 5, &l), [b"9", b"1", b"0"].map(|b| b.to_vec()));
    assert!(list.is_empty());
}

#[derive(Debug, Clone)]
enum Op {
    Push(bool, Vec<u8>),
    Pop(bool),
    Set(usize, Vec<u8>),
    Insert(Vec<u8>, bool, Vec<u8>),
    Remove(i64, Vec<u8>),
    RemoveRange(usize, usize),
    PopMany(bool, usize),
}

fn item() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            b"a".to_vec(),
            b"b".to_vec(),
            b"12".to_vec(),
            b"-9223372036854775808".to_vec(),
            vec![]
        ]),
        prop::collection::vec(any::<u8>(), 0..40),
        Just(vec![b'x'; 300]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), item()).prop_map(|(l, i)| Op::Push(l, i)),
        1 => any::<bool>().prop_map(Op::Pop),
        1 => (0..40usize, item()).prop_map(|(i, v)| Op::Set(i, v)),
        1 => (item(), any::<bool>(), item()).prop_map(|(p, a, v)| Op::Insert(p, a, v)),
        1 => (-3..3i64, item()).prop_map(|(c, v)| Op::Remove(c, v)),
        1 => (0..40usize, 0..10usize).prop_map(|(s, c)| Op::RemoveRange(s, c)),
        1 => (any::<bool>(), 0..8usize).prop_map(|(l, c)| Op::PopMany(l, c)),
    ]
}

proptest! {
    #[test]
    fn matches_a_vecdeque(fill in prop::sample::select(vec![-1i64, -2, 1, 2, 5]), ops in prop::collection::vec(op(), 0..200)) {
        let l = limits(fill);
        let mut list = List::default();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for op in ops {
            match op {
                Op::Push(left, v) => {
                    list.push(if left { End::Left } else { End::Right }, &v, &l);
                    if left { model.push_front(v) } else { model.push_back(v) }
                }
                Op::Pop(left) => {
                    let got = list.pop(if left { End::Left } else { End::Right });
                    let want = if left { model.pop_front() } else { model.pop_back() };
                    prop_assert_eq!(got, want);
                }
                Op::Set(i, v) => {
                    let ok = list.set(i, &v, &l);
                    prop_assert_eq!(ok, i < model.len());
                    if ok { model[i] = v; }
                }
                Op::Insert(p, after, v) => {
                    let at = model.iter().position(|e| *e == p);
                    prop_assert_eq!(list.insert(&p, after, &v, &l), at.is_some());
                    if let Some(i) = at { model.insert(i + usize::from(after), v); }
                }
                Op::Remove(count, v) => {
                    let mut want = 0;
                    let limit = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
                    if count >= 0 {
                        let mut i = 0;
                        while i < model.len() {
                            if want < limit && model[i] == v { model.remove(i); want += 1; } else { i += 1; }
                        }
                    } else {
                        let mut i = model.len();
                        while i > 0 {
                            i -= 1;
                            if want < limit && model[i] == v { model.remove(i); want += 1; }
                        }
                    }
                    prop_assert_eq!(list.remove(count, &v, &l), want);
                }
                Op::RemoveRange(start, count) => {
                    list.remove_range(start, count, &l);
                    let end = (start + count).min(model.len());
                    if start < end { model.drain(start..end); }
                }
                Op::PopMany(left, count) => {
                    let got = list.pop_many(if left { End::Left } else { End::Right }, count, &l);
                    let n = count.min(model.len());
                    let want: Vec<Vec<u8>> = (0..n).map(|_| if left { model.pop_front().unwrap() } else { model.pop_back().unwrap() }).collect();
                    prop_assert_eq!(got, want);
                }
            }
            prop_assert_eq!(list.len(), model.len());
            prop_assert_eq!(items(&list), model.iter().cloned().collect::<Vec<_>>());
            let rev: Vec<Vec<u8>> = list.iter_rev().map(|e| e.to_vec()).collect();
            prop_assert_eq!(rev, model.iter().rev().cloned().collect::<Vec<_>>());
            list.check_invariants();
            if !model.is_empty() {
                prop_assert_eq!(list.get(model.len() - 1).map(|e| e.to_vec()), model.back().cloned());
            }
        }
    }
}

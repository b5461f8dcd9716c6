//! Model tests of the `skiplist` encoding: ranks, ranges, pops, tied
//! scores, and the slab's holes under scans.

use std::collections::BTreeSet;

use super::*;

impl Tree {
    /// Checks the fences, the Fenwick tree, the slab's holes and the index against the blocks.
    fn assert_consistent(&self) {
        assert_eq!(self.fences.len(), self.blocks.len());
        for (i, block) in self.blocks.iter().enumerate() {
            assert_eq!(self.fences[i].to_bits(), block.last().map_or(f64::NEG_INFINITY, |e| e.0).to_bits());
            assert_eq!(self.before(i + 1) - self.before(i), block.len());
            assert!(i < self.head || !block.is_empty(), "only popped front blocks are empty");
        }
        let entries: Vec<(f64, u32)> = self.blocks.iter().flatten().copied().collect();
        assert_eq!(entries.len(), self.len());
        assert!(entries.windows(2).all(|w| order(
            (w[0].0, self.member(w[0].1)),
            (w[1].0, self.member(w[1].1))
        )
        .is_lt()));
        for &(score, id) in &entries {
            assert_eq!(self.slab[id as usize].1.to_bits(), score.to_bits());
            assert_eq!(self.find(self.member(id)), Some(id as usize));
        }
        assert_eq!(self.index.len(), self.len());
        assert!(self.free.iter().all(|&id| self.slab[id as usize].1.is_nan()));
        assert_eq!(self.slab.iter().filter(|e| e.1.is_nan()).count(), self.free.len());
    }
}

#[test]
fn ranks_and_ranges_match_a_model() {
    let mut rng = fastrand::Rng::with_seed(3);
    let mut tree = Tree::default();
    let mut model = BTreeSet::new();
    let mut scores = std::collections::HashMap::new();
    for step in 0..20_000 {
        let member = format!("m{}", rng.u32(..3000)).into_bytes();
        if rng.u8(..3) > 0 {
            let score = f64::from(rng.i32(-50..50)) / 2.0;
            if let Some(old) = scores.insert(member.clone(), score) {
                model.remove(&Key(old, member.clone()));
            }
            model.insert(Key(score, member.clone()));
            tree.insert(&member, score);
        } else {
            let removed = tree.remove(&member);
            assert_eq!(removed, scores.remove(&member), "step {step}");
            if let Some(old) = removed {
                model.remove(&Key(old, member.clone()));
            }
        }
        assert_eq!(tree.len(), model.len());
        if step % 500 == 0 {
            tree.assert_consistent();
            let all: Vec<(Vec<u8>, f64)> = model.iter().map(|k| (k.1.clone(), k.0)).collect();
            for (rank, (m, s)) in all.iter().enumerate() {
                assert_eq!(tree.get(rank), (&m[..], *s));
                assert_eq!(tree.rank(m), Some(rank));
            }
            let got: Vec<(Vec<u8>, f64)> = tree.range(10, 400).map(|(m, s)| (m.to_vec(), s)).collect();
            assert_eq!(got, all[10.min(all.len())..400.min(all.len())]);
            let below = tree.count_below(|s, _| s < 3.0);
            assert_eq!(below, all.iter().filter(|(_, s)| *s < 3.0).count());
        }
    }
}

#[test]
fn pops_from_both_ends_match_a_model() {
    pops_match_a_model(11, |rng| f64::from(rng.i32(-300..300)) / 4.0);
}

/// Most scores tie, so blocks are searched by member, and removed entries
/// are found past the id scan of their score's ties.
#[test]
fn tied_scores_match_a_model() {
    pops_match_a_model(7, |rng| [0.0, 0.0, 0.0, 1.0, -0.0, f64::INFINITY][rng.usize(..6)]);
}

/// Pops from both ends, removals and rescores against a model, with the
/// slab's holes and compactions; `score` draws the scores.
fn pops_match_a_model(seed: u64, score: impl Fn(&mut fastrand::Rng) -> f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tree = Tree::default();
    let mut model = BTreeSet::new();
    let mut scores = std::collections::HashMap::new();
    for step in 0..30_000 {
        let member = format!("m{}", rng.u32(..5000)).into_bytes();
        match rng.u8(..8) {
            0 | 1 => {
                let from_back = rng.bool();
                let count = if rng.u8(..4) == 0 { rng.usize(..300) } else { 1 };
                let popped = tree.pop(count, from_back);
                let expected: Vec<Key> = (0..count.min(model.len()))
                    .map(|_| if from_back { model.pop_last() } else { model.pop_first() }.unwrap())
                    .collect();
                for Key(_, m) in &expected {
                    scores.remove(m);
                }
                let expected: Vec<(Vec<u8>, f64)> = expected.into_iter().map(|k| (k.1, k.0)).collect();
                assert_eq!(popped, expected, "step {step}");
            }
            2 => {
                let removed = tree.remove(&member);
                assert_eq!(removed, scores.remove(&member), "step {step}");
                if let Some(old) = removed {
                    model.remove(&Key(old, member.clone()));
                }
            }
            _ => {
                let score = score(&mut rng);
                if let Some(old) = scores.insert(member.clone(), score) {
                    model.remove(&Key(old, member.clone()));
                }
                model.insert(Key(score, member.clone()));
                tree.insert(&member, score);
            }
        }
        assert_eq!(tree.len(), model.len());
        if step % 250 == 0 {
            tree.assert_consistent();
            let all: Vec<(Vec<u8>, f64)> = model.iter().map(|k| (k.1.clone(), k.0)).collect();
            for (rank, (m, s)) in all.iter().enumerate() {
                assert_eq!(tree.get(rank), (&m[..], *s), "step {step}");
                assert_eq!(tree.rank(m), Some(rank), "step {step}");
                assert_eq!(tree.score(m), Some(*s));
            }
            let got: Vec<(Vec<u8>, f64)> = tree.range(0, all.len()).map(|(m, s)| (m.to_vec(), s)).collect();
            assert_eq!(got, all);
            assert_eq!(tree.count_below(|s, _| s < 0.0), all.iter().filter(|(_, s)| *s < 0.0).count());
        }
    }
}

#[test]
fn popping_a_sequential_load_empties_it() {
    let mut tree = Tree::default();
    for i in 0..2000 {
        tree.insert(format!("member:{i}").as_bytes(), f64::from(i));
    }
    for i in 0..1000 {
        assert_eq!(tree.pop(1, false), vec![(format!("member:{i}").into_bytes(), f64::from(i))]);
        assert_eq!(tree.get(0).1, f64::from(i + 1));
        assert_eq!(tree.rank(b"member:1999"), Some(1998 - i as usize));
    }
    assert_eq!(tree.pop(1, true), vec![(b"member:1999".to_vec(), 1999.0)]);
    assert_eq!(tree.pop(5000, false).len(), 999);
    assert_eq!(tree.len(), 0);
    tree.insert(b"again", 1.0);
    assert_eq!(tree.rank(b"again"), Some(0));
}

#[test]
fn sequential_loads_stay_dense_and_ranked() {
    let mut tree = Tree::default();
    for i in 0..1000 {
        tree.insert(format!("member:{i}").as_bytes(), f64::from(i));
    }
    let slots: usize = tree.blocks.iter().map(Vec::capacity).sum();
    assert!(slots < 1100, "appends fill blocks: {slots} slots for 1000");
    for i in (0..1000).step_by(3) {
        assert_eq!(tree.remove(format!("member:{i}").as_bytes()), Some(f64::from(i)));
    }
    let left: Vec<i32> = (0..1000).filter(|i| i % 3 != 0).collect();
    assert_eq!(tree.len(), left.len());
    for (rank, i) in left.iter().enumerate() {
        let member = format!("member:{i}");
        assert_eq!(tree.rank(member.as_bytes()), Some(rank));
        assert_eq!(tree.get(rank), (member.as_bytes(), f64::from(*i)));
    }
    for i in (0..1000).rev().step_by(7) {
        tree.insert(format!("member:{i}").as_bytes(), -f64::from(i));
    }
    assert_eq!(tree.get(0).1, -999.0);
}

/// Removals leave holes that inserts reuse; once holes outnumber the
/// members the slab is compacted, and a scan still returns every member
/// present throughout.
#[test]
fn holes_are_reused_compacted_and_scanned() {
    let mut tree = Tree::default();
    for i in 0..1000 {
        tree.insert(format!("m{i}").as_bytes(), f64::from(i % 7));
    }
    let full = tree.heap_size();
    for i in 0..100 {
        tree.remove(format!("m{i}").as_bytes());
    }
    assert_eq!((tree.slab.len(), tree.free.len()), (1000, 100));
    for i in 0..50 {
        tree.insert(format!("n{i}").as_bytes(), 3.0);
    }
    assert_eq!((tree.slab.len(), tree.free.len()), (1000, 50), "inserts fill holes first");
    tree.assert_consistent();

    // A scan with removals (enough to compact) and inserts between its steps.
    let lasting: BTreeSet<Vec<u8>> = (700..1000).map(|i| format!("m{i}").into_bytes()).collect();
    let (mut seen, mut cursor, mut step) = (BTreeSet::new(), 0, 0);
    loop {
        cursor = tree.scan(cursor, 20, |m, _| {
            seen.insert(m.to_vec());
        });
        for i in (100 + step * 40..140 + step * 40).filter(|&i| i < 700) {
            tree.remove(format!("m{i}").as_bytes());
            tree.remove(format!("n{}", i % 50).as_bytes());
        }
        tree.insert(format!("late{step}").as_bytes(), 1.0);
        step += 1;
        if cursor == 0 {
            break;
        }
    }
    assert!(lasting.is_subset(&seen), "every member present throughout is returned");
    tree.assert_consistent();
    assert!(tree.free.len() * 2 <= tree.slab.len(), "compacted: {} holes", tree.free.len());
    assert!(tree.heap_size() < full, "{} bytes after compaction, {full} full", tree.heap_size());
    let popped = tree.pop(usize::MAX, false);
    assert_eq!(popped.len(), 300 + step);
    assert_eq!((tree.len(), tree.slab.len()), (0, 0));
    tree.insert(b"again", 2.0);
    tree.assert_consistent();
    assert_eq!(tree.rank(b"again"), Some(0));
}

//! The `skiplist` encoding of a sorted set: entries ordered by (score,
//! member) in blocks of at most [`BLOCK`] (a B-tree's leaves, found by
//! binary search over the blocks' last entries), with a Fenwick tree of the
//! block sizes for rank in O(log n), and a hash index member → score
//! (through a slab that holds each member once).
//! Redis uses a skiplist with spans for the same operations.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::string::str_heap;
use super::Str;
use crate::alloc::charged;

/// Entries a block holds before it splits in two.
const BLOCK: usize = 128;

/// (score, member) order; scores are never NaN.
pub fn order(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal).then_with(|| a.1.cmp(b.1))
}

/// Members and scores live once, in `slab`; the ordered blocks hold
/// (score, slab position) and the index holds slab positions, so a member
/// costs its 32-byte slab entry, 16 bytes in a block and about 5 of index.
#[derive(Clone, Default)]
pub struct Tree {
    blocks: Vec<Vec<(f64, u32)>>,
    /// Fenwick tree over `blocks[i].len()`, 1-based.
    sizes: Vec<usize>,
    slab: Vec<(Str, f64)>,
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// Blocks at the front emptied by pops, dropped at the next rebuild
    /// (so popping the minimum does not shift the block vector each time).
    head: usize,
}

impl Tree {
    pub fn len(&self) -> usize {
        self.slab.len()
    }

    fn find(&self, member: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(member);
        self.index.find(hash, |&i| self.slab[i as usize].0.as_bytes() == member).map(|&i| i as usize)
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|i| self.slab[i].1)
    }

    /// Adds or rescores `member`.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let id = match self.find(member) {
            Some(id) => {
                let old = self.slab[id].1;
                if old.to_bits() == score.to_bits() {
                    return;
                }
                self.remove_entry(old, member);
                self.slab[id].1 = score;
                id
            }
            None => {
                let id = self.slab.len();
                assert!(id < u32::MAX as usize, "a sorted set holds at most 2^32 - 1 members");
                self.slab.push((Str::new(member), score));
                let Tree { index, hasher, slab, .. } = self;
                index.insert_unique(hasher.hash_one(member), id as u32, |&j| {
                    hasher.hash_one(slab[j as usize].0.as_bytes())
                });
                id
            }
        };
        self.insert_entry(score, member, id as u32);
    }

    /// Removes `member`; its score when it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let hash = self.hasher.hash_one(member);
        let found = self.index.find_entry(hash, |&i| self.slab[i as usize].0.as_bytes() == member).ok()?;
        let id = *found.get() as usize;
        found.remove();
        let score = self.slab[id].1;
        self.remove_entry(score, member);
        self.release(id);
        Some(score)
    }

    /// Removes up to `count` entries from the low end (`from_back`: the
    /// high end), in pop order, without searching for them.
    pub fn pop(&mut self, count: usize, from_back: bool) -> Vec<(Vec<u8>, f64)> {
        let count = count.min(self.len());
        let mut popped = Vec::with_capacity(count);
        for _ in 0..count {
            let (score, id) = self.take_end(from_back);
            let member = self.member(id);
            let hash = self.hasher.hash_one(member);
            popped.push((member.to_vec(), score));
            if let Ok(found) = self.index.find_entry(hash, |&j| j == id) {
                found.remove();
            }
            self.release(id as usize);
        }
        popped
    }

    /// Unlinks the first (`from_back`: last) block entry; the tree is not empty.
    fn take_end(&mut self, from_back: bool) -> (f64, u32) {
        let block = if from_back { self.blocks.len() - 1 } else { self.head };
        let taken = if from_back { self.blocks[block].pop() } else { Some(self.blocks[block].remove(0)) };
        let taken = taken.expect("trailing blocks are never empty");
        self.add_size(block, -1);
        if self.blocks[block].is_empty() {
            if from_back {
                // The last Fenwick node covers only itself: truncating keeps the rest valid.
                self.blocks.pop();
                self.sizes.truncate(self.blocks.len() + 1);
            } else {
                self.head += 1;
            }
            if self.head == self.blocks.len() || self.head * 2 > self.blocks.len() {
                self.rebuild_sizes();
            }
        }
        taken
    }

    /// Drops slab entry `id`, already out of the blocks and the index: the
    /// last slab entry moves into the hole, so its index and block entries are repointed.
    fn release(&mut self, id: usize) {
        let last = self.slab.len() - 1;
        if id != last {
            let moved = self.member(last as u32);
            let moved_hash = self.hasher.hash_one(moved);
            let (block, position) = self.locate(self.slab[last].1, moved);
            if let Some(position) = self.index.find_mut(moved_hash, |&j| j as usize == last) {
                *position = id as u32;
            }
            self.blocks[block][position].1 = id as u32;
        }
        self.slab.swap_remove(id);
    }

    fn member(&self, id: u32) -> &[u8] {
        self.slab[id as usize].0.as_bytes()
    }

    /// The block and position of the first entry not below (score, member).
    fn locate(&self, score: f64, member: &[u8]) -> (usize, usize) {
        // The member is fetched only on a score tie: most comparisons skip the slab.
        let below = |&(s, id): &(f64, u32)| match s.partial_cmp(&score) {
            Some(Ordering::Less) => true,
            Some(Ordering::Greater) => false,
            _ => self.member(id) < member,
        };
        let block = self.blocks.partition_point(|b| b.last().is_none_or(below));
        let position = self.blocks.get(block).map_or(0, |b| b.partition_point(below));
        (block, position)
    }

    fn insert_entry(&mut self, score: f64, member: &[u8], id: u32) {
        if self.blocks.is_empty() {
            self.blocks.push(Vec::with_capacity(4));
            self.rebuild_sizes();
        }
        let (mut block, mut position) = self.locate(score, member);
        if block == self.blocks.len() {
            block -= 1;
            position = self.blocks[block].len();
        }
        if self.blocks[block].len() < BLOCK {
            self.blocks[block].insert(position, (score, id));
            self.add_size(block, 1);
            return;
        }
        // A full block: an append past the end starts a new block (keeping
        // sequential loads dense); otherwise the block splits in halves.
        if block + 1 == self.blocks.len() && position == BLOCK {
            let mut tail = Vec::with_capacity(4);
            tail.push((score, id));
            self.blocks.push(tail);
        } else {
            let mut tail = self.blocks[block].split_off(BLOCK / 2);
            tail.reserve_exact(BLOCK / 2);
            self.blocks[block].shrink_to(BLOCK / 2 + 1);
            if position <= BLOCK / 2 {
                self.blocks[block].insert(position, (score, id));
            } else {
                tail.insert(position - BLOCK / 2, (score, id));
            }
            self.blocks.insert(block + 1, tail);
        }
        self.rebuild_sizes();
    }

    fn remove_entry(&mut self, score: f64, member: &[u8]) {
        let (block, position) = self.locate(score, member);
        self.blocks[block].remove(position);
        if self.blocks[block].is_empty() {
            self.blocks.remove(block);
            self.rebuild_sizes();
        } else {
            self.add_size(block, -1);
        }
    }

    /// Drops the emptied front blocks and recomputes the Fenwick tree.
    fn rebuild_sizes(&mut self) {
        self.blocks.drain(..self.head);
        self.head = 0;
        let n = self.blocks.len();
        self.sizes = vec![0; n + 1];
        for i in 1..=n {
            self.sizes[i] += self.blocks[i - 1].len();
            let parent = i + (i & i.wrapping_neg());
            if parent <= n {
                self.sizes[parent] += self.sizes[i];
            }
        }
    }

    fn add_size(&mut self, block: usize, delta: isize) {
        let mut i = block + 1;
        while i < self.sizes.len() {
            self.sizes[i] = self.sizes[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// Entries in the blocks before `block`.
    fn before(&self, block: usize) -> usize {
        let (mut i, mut sum) = (block, 0);
        while i > 0 {
            sum += self.sizes[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }

    /// The block holding rank `rank` and the rank of its first entry.
    fn block_of_rank(&self, rank: usize) -> (usize, usize) {
        let (mut position, mut remaining) = (0, rank);
        let mut step = self.sizes.len().next_power_of_two() / 2;
        while step > 0 {
            let next = position + step;
            if next < self.sizes.len() && self.sizes[next] <= remaining {
                position = next;
                remaining -= self.sizes[next];
            }
            step /= 2;
        }
        (position, rank - remaining)
    }

    /// The entry of rank `rank` (below `len`).
    pub fn get(&self, rank: usize) -> (&[u8], f64) {
        let (block, first) = self.block_of_rank(rank);
        let (score, id) = self.blocks[block][rank - first];
        (self.member(id), score)
    }

    /// The rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        let (block, position) = self.locate(score, member);
        Some(self.before(block) + position)
    }

    /// The number of entries for which `below` holds; `below` holds for a
    /// prefix of the order.
    pub fn count_below(&self, below: impl Fn(f64, &[u8]) -> bool) -> usize {
        let test = |&(s, id): &(f64, u32)| below(s, self.member(id));
        let block = self.blocks.partition_point(|b| b.last().is_none_or(test));
        match self.blocks.get(block) {
            Some(b) => self.before(block) + b.partition_point(test),
            None => self.len(),
        }
    }

    /// Entries of ranks `start..end`, in order.
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        let (block, first) = if start < end { self.block_of_rank(start) } else { (self.blocks.len(), 0) };
        let skip = start.saturating_sub(first);
        self.blocks
            .get(block..)
            .unwrap_or(&[])
            .iter()
            .flatten()
            .skip(skip)
            .take(end.saturating_sub(start))
            .map(|&(s, id)| (self.member(id), s))
    }

    /// One `ZSCAN` step over the slab, which inserts at the end and deletes
    /// by moving the last entry into the hole: [`super::scan_step`]'s guarantee.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        super::scan_step(self.slab.len(), cursor, count, |i| {
            visit(&self.slab[i].0, self.slab[i].1);
            true
        })
    }

    pub fn heap_size(&self) -> usize {
        let members: usize = self.slab.iter().map(|(m, _)| str_heap(m)).sum();
        let blocks: usize =
            self.blocks.iter().map(|b| charged(b.capacity() * std::mem::size_of::<(f64, u32)>())).sum();
        blocks
            + charged(self.blocks.capacity() * std::mem::size_of::<Vec<(f64, u32)>>())
            + charged(self.sizes.capacity() * std::mem::size_of::<usize>())
            + charged(self.slab.capacity() * std::mem::size_of::<(Str, f64)>())
            + charged(self.index.capacity() * 5)
            + members
    }
}

/// A (score, member) in the sorted sets' order, for model tests.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq)]
pub struct Key(pub f64, pub Vec<u8>);

#[cfg(test)]
impl Eq for Key {}

#[cfg(test)]
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        order((self.0, &self.1), (other.0, &other.1))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

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
        let mut rng = fastrand::Rng::with_seed(11);
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
                    let score = f64::from(rng.i32(-300..300)) / 4.0;
                    if let Some(old) = scores.insert(member.clone(), score) {
                        model.remove(&Key(old, member.clone()));
                    }
                    model.insert(Key(score, member.clone()));
                    tree.insert(&member, score);
                }
            }
            assert_eq!(tree.len(), model.len());
            if step % 250 == 0 {
                let all: Vec<(Vec<u8>, f64)> = model.iter().map(|k| (k.1.clone(), k.0)).collect();
                for (rank, (m, s)) in all.iter().enumerate() {
                    assert_eq!(tree.get(rank), (&m[..], *s), "step {step}");
                    assert_eq!(tree.rank(m), Some(rank), "step {step}");
                    assert_eq!(tree.score(m), Some(*s));
                }
                let got: Vec<(Vec<u8>, f64)> =
                    tree.range(0, all.len()).map(|(m, s)| (m.to_vec(), s)).collect();
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
}

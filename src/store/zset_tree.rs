//! The `skiplist` encoding of a sorted set: entries ordered by (score,
//! member) in blocks of at most [`BLOCK`] (a B-tree's leaves, found by
//! binary search over the blocks' last scores, kept apart in `fences` so the
//! search stays in one small array), with a Fenwick tree of the block sizes
//! for rank in O(log n), and a hash index member → score (through a slab
//! that holds each member once).
//! Redis uses a skiplist with spans for the same operations.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::string::str_heap;
use super::Str;
use crate::alloc::charged;

/// Entries a block holds before it splits in two.
const BLOCK: usize = 128;

/// Entries of one score scanned for an id before searching by member.
const TIE_SCAN: usize = 8;

/// Free slab slots below which the slab is never compacted.
const COMPACT_MIN: usize = 64;

/// (score, member) order; scores are never NaN.
pub fn order(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal).then_with(|| a.1.cmp(b.1))
}

/// The first index in `0..len` for which `below` is false (`below` holds for a prefix).
fn partition_index(len: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let middle = low + (high - low) / 2;
        if below(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

/// Asks the CPU to start loading `address` into its cache; only a hint.
#[inline]
fn prefetch<T>(address: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults, whatever the
    // address, and changes no memory.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

/// Starts loading all of `items` at once: a binary search over a block
/// then waits for about one cache miss instead of one per step.
fn prefetch_all<T>(items: &[T]) {
    let bytes = std::mem::size_of_val(items);
    for offset in (0..bytes).step_by(64) {
        prefetch(items.as_ptr().cast::<u8>().wrapping_add(offset));
    }
}

/// Members and scores live once, in `slab`; the ordered blocks hold
/// (score, slab position) and the index holds slab positions, so a member
/// costs its 32-byte slab entry, 16 bytes in a block and about 5 of index.
/// A removal leaves a hole in the slab (score NaN, listed in `free`) rather
/// than moving another entry, which would cost a search for its block entry.
#[derive(Clone, Default)]
pub struct Tree {
    blocks: Vec<Vec<(f64, u32)>>,
    /// The last score of each block (-inf for an empty one).
    fences: Vec<f64>,
    /// Fenwick tree over `blocks[i].len()`, 1-based.
    sizes: Vec<usize>,
    slab: Vec<(Str, f64)>,
    /// Holes in `slab`, reused by inserts; compacted once they outnumber the members.
    free: Vec<u32>,
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// Blocks at the front emptied by pops, dropped at the next rebuild
    /// (so popping the minimum does not shift the block vector each time).
    head: usize,
}

impl Tree {
    pub fn len(&self) -> usize {
        self.slab.len() - self.free.len()
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
                self.remove_entry(old, id as u32, member);
                self.slab[id].1 = score;
                id
            }
            None => {
                let entry = (Str::new(member), score);
                let id = match self.free.pop() {
                    Some(id) => {
                        self.slab[id as usize] = entry;
                        id as usize
                    }
                    None => {
                        assert!(
                            self.slab.len() < u32::MAX as usize,
                            "a sorted set holds at most 2^32 - 1 members"
                        );
                        self.slab.push(entry);
                        self.slab.len() - 1
                    }
                };
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
        self.remove_entry(score, id as u32, member);
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
        // The next pop reads the new end's slab entry first, and that cache
        // miss was half of a pop's time: start the load now, while the
        // reply is written and the next request parsed.
        let end = if from_back {
            self.blocks.last().and_then(|b| b.last())
        } else {
            self.blocks.get(self.head).and_then(|b| b.first())
        };
        if let Some(&(_, id)) = end {
            prefetch(&self.slab[id as usize]);
        }
        popped
    }

    /// Unlinks the first (`from_back`: last) block entry; the tree is not empty.
    fn take_end(&mut self, from_back: bool) -> (f64, u32) {
        let block = if from_back { self.blocks.len() - 1 } else { self.head };
        let taken = if from_back { self.blocks[block].pop() } else { Some(self.blocks[block].remove(0)) };
        let taken = taken.expect("trailing blocks are never empty");
        self.add_size(block, -1);
        self.refresh_fence(block);
        if self.blocks[block].is_empty() {
            if from_back {
                // The last Fenwick node covers only itself: truncating keeps the rest valid.
                self.blocks.pop();
                self.fences.pop();
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

    /// Frees slab entry `id`, already out of the blocks and the index.
    fn release(&mut self, id: usize) {
        self.slab[id] = (Str::default(), f64::NAN);
        self.free.push(id as u32);
        if self.free.len() == self.slab.len() {
            (self.slab, self.free) = (Vec::new(), Vec::new());
        } else if self.free.len() >= COMPACT_MIN && self.free.len() * 2 > self.slab.len() {
            self.compact();
        }
    }

    /// Fills the slab's holes with its last entries (only ever moving an
    /// entry down, which keeps [`Tree::scan`]'s guarantee), then repoints
    /// the blocks and the index in one pass each.
    fn compact(&mut self) {
        let live = self.len();
        let mut moved_to: Vec<u32> = (0..self.slab.len() as u32).collect();
        let (mut hole, mut top) = (0, self.slab.len());
        loop {
            while hole < top && !self.slab[hole].1.is_nan() {
                hole += 1;
            }
            while top > hole && self.slab[top - 1].1.is_nan() {
                top -= 1;
            }
            if top <= hole {
                break;
            }
            top -= 1;
            self.slab.swap(hole, top);
            moved_to[top] = hole as u32;
            hole += 1;
        }
        self.slab.truncate(live);
        self.slab.shrink_to(live + live / 4);
        self.free = Vec::new();
        self.blocks.iter_mut().flatten().for_each(|e| e.1 = moved_to[e.1 as usize]);
        self.index.iter_mut().for_each(|id| *id = moved_to[*id as usize]);
    }

    fn member(&self, id: u32) -> &[u8] {
        self.slab[id as usize].0.as_bytes()
    }

    fn refresh_fence(&mut self, block: usize) {
        self.fences[block] = self.blocks[block].last().map_or(f64::NEG_INFINITY, |e| e.0);
    }

    /// The block and position of the first entry not below (score, member).
    fn locate(&self, score: f64, member: &[u8]) -> (usize, usize) {
        // The member is fetched only on a score tie: most comparisons skip the slab.
        let below = |&(s, id): &(f64, u32)| match s.partial_cmp(&score) {
            Some(Ordering::Less) => true,
            Some(Ordering::Greater) => false,
            _ => self.member(id) < member,
        };
        // A block is read only when its fence ties with `score`.
        let block = partition_index(self.fences.len(), |i| match self.fences[i].partial_cmp(&score) {
            Some(Ordering::Less) => true,
            Some(Ordering::Greater) => false,
            _ => self.blocks[i].last().is_none_or(below),
        });
        let position = self.blocks.get(block).map_or(0, |b| {
            prefetch_all(b);
            b.partition_point(below)
        });
        (block, position)
    }

    fn insert_entry(&mut self, score: f64, member: &[u8], id: u32) {
        if self.blocks.is_empty() {
            self.blocks.push(Vec::with_capacity(4));
            self.fences.push(f64::NEG_INFINITY);
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
            self.refresh_fence(block);
            return;
        }
        // A full block: an append past the end starts a new block (keeping
        // sequential loads dense); otherwise the block splits in halves.
        if block + 1 == self.blocks.len() && position == BLOCK {
            let mut tail = Vec::with_capacity(4);
            tail.push((score, id));
            self.blocks.push(tail);
            self.fences.push(score);
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
            self.fences.insert(block + 1, f64::NEG_INFINITY);
            self.refresh_fence(block);
            self.refresh_fence(block + 1);
        }
        self.rebuild_sizes();
    }

    /// The block and position of entry `id` (`score`, `member`): among a
    /// few entries of its score it is found by its id, without reading
    /// their members (each a cache miss); past [`TIE_SCAN`], by member.
    fn locate_entry(&self, score: f64, id: u32, member: &[u8]) -> (usize, usize) {
        let block = partition_index(self.fences.len(), |i| self.fences[i] < score);
        let position = self.blocks.get(block).map_or(0, |b| {
            prefetch_all(b);
            b.partition_point(|e| e.0 < score)
        });
        let mut at = (block, position);
        for _ in 0..TIE_SCAN {
            match self.blocks.get(at.0).map(|b| b.get(at.1)) {
                Some(Some(&(_, i))) if i == id => return at,
                Some(Some(_)) => at.1 += 1,
                Some(None) => at = (at.0 + 1, 0),
                None => break,
            }
        }
        self.locate(score, member)
    }

    fn remove_entry(&mut self, score: f64, id: u32, member: &[u8]) {
        let (block, position) = self.locate_entry(score, id, member);
        self.blocks[block].remove(position);
        if self.blocks[block].is_empty() {
            self.blocks.remove(block);
            self.fences.remove(block);
            self.rebuild_sizes();
        } else {
            self.add_size(block, -1);
            self.refresh_fence(block);
        }
    }

    /// Drops the emptied front blocks and recomputes the Fenwick tree.
    fn rebuild_sizes(&mut self) {
        self.blocks.drain(..self.head);
        self.fences.drain(..self.head);
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

    /// One `ZSCAN` step over the slab, skipping its holes: entries only
    /// ever move down it (see [`Tree::compact`]), [`super::scan_step`]'s guarantee.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        super::scan_step(self.slab.len(), cursor, count, |i| {
            let (member, score) = &self.slab[i];
            let live = !score.is_nan();
            if live {
                visit(member, *score);
            }
            live
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
            + charged(self.free.capacity() * std::mem::size_of::<u32>())
            + charged(self.fences.capacity() * std::mem::size_of::<f64>())
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
#[path = "zset_tree_tests.rs"]
mod tests;

//! The sorted-set type, in one of two encodings as in Redis:
//!
//! - `listpack`: a [`Packed`] run of member, score, member, score... sorted
//!   by (score, member), while there are at most `zset-max-listpack-entries`
//!   members and none is longer than `zset-max-listpack-value`. A score is
//!   kept as its integer when it is one (so `-0` becomes `0`, as Redis's
//!   listpack does), else as the shortest text that reads back exactly;
//! - `skiplist`: a [`Tree`] (ordered blocks with ranks, plus a member index).
//!
//! The change is one way. Reads go through [`ZSet::view`], which offers
//! rank-based access for either encoding.

use super::blob::write_blob;
use super::packed::{Elem, Packed};
use super::value_type::{Limits, ValueType};
use super::zset_tree::{order, Tree};
use crate::alloc::charged;
use crate::protocol::parse::parse_f64;

#[derive(Clone)]
pub enum ZSet {
    Packed(Packed),
    Tree(Box<Tree>),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Packed(Packed::new())
    }
}

impl std::fmt::Debug for ZSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let view = self.view();
        f.debug_list().entries((0..view.len()).map(|i| view.get(i))).finish()
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.view(), other.view());
        a.len() == b.len() && (0..a.len()).all(|i| a.get(i) == b.get(i))
    }
}

/// The text a packed score is stored as.
fn score_text(score: f64) -> String {
    if score.fract() == 0.0 && score.abs() < 9.0e15 {
        (score as i64).to_string()
    } else {
        format!("{score:e}")
    }
}

fn read_score(bytes: &[u8]) -> f64 {
    parse_f64(bytes).unwrap_or(0.0)
}

/// The decoded entries of a packed set: (member, score, byte offset).
fn decode(packed: &Packed) -> Vec<(Elem<'_>, f64, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < packed.end() {
        let (member, score_at) = packed.at(at);
        let (score, next) = packed.at(score_at);
        out.push((member, read_score(&score), at));
        at = next;
    }
    out
}

/// Rank-based read access to either encoding.
pub enum View<'a> {
    Packed(Vec<(Elem<'a>, f64, usize)>),
    Tree(&'a Tree),
}

impl<'a> View<'a> {
    pub fn len(&self) -> usize {
        match self {
            View::Packed(entries) => entries.len(),
            View::Tree(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (member, score) of rank `rank` (below `len`).
    pub fn get(&self, rank: usize) -> (Elem<'a>, f64) {
        match self {
            View::Packed(entries) => (entries[rank].0, entries[rank].1),
            View::Tree(t) => {
                let (m, s) = t.get(rank);
                (Elem::Bytes(m), s)
            }
        }
    }

    /// The number of entries for which `below` holds (a prefix of the order).
    pub fn count_below(&self, below: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self {
            View::Packed(entries) => entries.partition_point(|(m, s, _)| below(*s, m)),
            View::Tree(t) => t.count_below(below),
        }
    }

    /// Entries of ranks `start..end`, ascending.
    pub fn range(&self, start: usize, end: usize) -> Vec<(Elem<'a>, f64)> {
        let end = end.min(self.len());
        match self {
            View::Packed(entries) => {
                entries.get(start..end).unwrap_or(&[]).iter().map(|e| (e.0, e.1)).collect()
            }
            View::Tree(t) => t.range(start, end).map(|(m, s)| (Elem::Bytes(m), s)).collect(),
        }
    }
}

impl ZSet {
    pub fn view(&self) -> View<'_> {
        match self {
            ZSet::Packed(p) => View::Packed(decode(p)),
            ZSet::Tree(t) => View::Tree(t),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ZSet::Packed(p) => p.count() / 2,
            ZSet::Tree(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Packed(p) => p.find(member, 2).map(|at| read_score(&p.at(p.next_offset(at)).0)),
            ZSet::Tree(t) => t.score(member),
        }
    }

    /// The ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            ZSet::Packed(p) => {
                let at = p.find(member, 2)?;
                decode(p).iter().position(|e| e.2 == at)
            }
            ZSet::Tree(t) => t.rank(member),
        }
    }

    /// Sets `member`'s score (adding it when new), converting past `limits`.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: &Limits) {
        if let ZSet::Packed(p) = self {
            let exists = p.find(member, 2).is_some();
            let count = p.count() / 2 + usize::from(!exists);
            if member.len() > limits.zset_max_listpack_value || count > limits.zset_max_listpack_entries {
                self.convert();
            }
        }
        match self {
            ZSet::Packed(p) => {
                if let Some(at) = p.find(member, 2) {
                    let end = p.next_offset(p.next_offset(at));
                    p.splice(at..end, []);
                }
                let entries = decode(p);
                let position = entries.partition_point(|(m, s, _)| order((*s, m), (score, member)).is_lt());
                let at = entries.get(position).map_or(p.end(), |e| e.2);
                let text = score_text(score);
                p.splice(at..at, [member, text.as_bytes()]);
            }
            ZSet::Tree(t) => t.insert(member, score),
        }
    }

    /// Removes `member`; its score when it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Packed(p) => {
                let at = p.find(member, 2)?;
                let score_at = p.next_offset(at);
                let score = read_score(&p.at(score_at).0);
                p.splice(at..p.next_offset(score_at), []);
                Some(score)
            }
            ZSet::Tree(t) => t.remove(member),
        }
    }

    /// Removes the entries of ranks `start..end`; they are returned in order.
    pub fn remove_range(&mut self, start: usize, end: usize) -> Vec<(Vec<u8>, f64)> {
        let taken: Vec<(Vec<u8>, f64)> =
            self.view().range(start, end).into_iter().map(|(m, s)| (m.to_vec(), s)).collect();
        match self {
            ZSet::Packed(p) => {
                let entries = decode(p);
                if let Some(first) = entries.get(start) {
                    let (from, to) = (first.2, entries.get(end).map_or(p.end(), |e| e.2));
                    p.splice(from..to, []);
                }
            }
            ZSet::Tree(t) => taken.iter().for_each(|(m, _)| {
                t.remove(m);
            }),
        }
        taken
    }

    /// Removes up to `count` members from the low end (`from_back`: the
    /// high end), in pop order.
    pub fn pop(&mut self, count: usize, from_back: bool) -> Vec<(Vec<u8>, f64)> {
        match self {
            ZSet::Tree(t) => t.pop(count, from_back),
            ZSet::Packed(_) => {
                let len = self.len();
                let count = count.min(len);
                let mut popped =
                    if from_back { self.remove_range(len - count, len) } else { self.remove_range(0, count) };
                if from_back {
                    popped.reverse();
                }
                popped
            }
        }
    }

    fn convert(&mut self) {
        if let ZSet::Packed(p) = self {
            let mut tree = Tree::default();
            decode(p).iter().for_each(|(m, s, _)| tree.insert(m, *s));
            *self = ZSet::Tree(Box::new(tree));
        }
    }

    /// An empty sorted set in the encoding Redis picks for `count` members
    /// of at most `longest` bytes.
    pub fn sized_for(count: usize, longest: usize, limits: &Limits) -> ZSet {
        if count > limits.zset_max_listpack_entries || longest > limits.zset_max_listpack_value {
            ZSet::Tree(Box::default())
        } else {
            ZSet::default()
        }
    }

    /// A sorted set of `pairs`, encoded for `limits` (as Redis sizes a new one).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a [u8], f64)>, limits: &Limits) -> ZSet {
        let mut zset = ZSet::default();
        pairs.into_iter().for_each(|(m, s)| zset.insert(m, s, limits));
        zset
    }

    /// One `ZSCAN` step: a listpack whole with cursor 0 (as Redis); a tree
    /// by its slab, with `SCAN`'s guarantee.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        match self {
            ZSet::Packed(p) => {
                decode(p).iter().for_each(|(m, s, _)| visit(m, *s));
                0
            }
            ZSet::Tree(t) => t.scan(cursor, count, visit),
        }
    }
}

impl ValueType for ZSet {
    const NAME: &'static str = "zset";

    fn encoding(&self) -> &'static str {
        match self {
            ZSet::Packed(_) => "listpack",
            ZSet::Tree(_) => "skiplist",
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            ZSet::Packed(p) if p.is_empty() => 0,
            ZSet::Packed(p) => charged(p.encoded_size()),
            ZSet::Tree(t) => charged(std::mem::size_of::<Tree>()) + t.heap_size(),
        }
    }

    /// `[[member, "score"], ...]` in order; the score as text that reads
    /// back exactly (`inf`, `-inf`, `-0` included).
    fn write_snapshot(&self, out: &mut Vec<u8>) {
        let view = self.view();
        out.push(b'[');
        for (i, (member, score)) in view.range(0, view.len()).into_iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"[" } else { b",[" });
            write_blob(out, &member);
            out.push(b',');
            write_blob(out, snapshot_score(score).as_bytes());
            out.push(b']');
        }
        out.push(b']');
    }

    fn read_snapshot(json: &str, limits: &Limits) -> Result<Self, String> {
        let pairs = super::blob::read_blob_pairs(json)?;
        if pairs.is_empty() {
            return Err("empty zset".into());
        }
        // Sized first, so a skiplist keeps a -0 a listpack would make 0.
        let longest = pairs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let mut zset = ZSet::sized_for(pairs.len(), longest, limits);
        for (member, score) in &pairs {
            let score =
                parse_f64(score).ok_or_else(|| format!("bad score {:?}", String::from_utf8_lossy(score)))?;
            zset.insert(member, score, limits);
        }
        Ok(zset)
    }

    fn is_empty_collection(&self) -> bool {
        self.is_empty()
    }

    /// `ZADD`s of up to 64 pairs each.
    fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]])) {
        let view = self.view();
        let entries: Vec<(Elem<'_>, String)> =
            view.range(0, view.len()).into_iter().map(|(m, s)| (m, snapshot_score(s))).collect();
        for chunk in entries.chunks(64) {
            let mut args: Vec<&[u8]> = vec![b"ZADD", key];
            chunk.iter().for_each(|(m, s)| args.extend([s.as_bytes(), &**m]));
            emit(&args);
        }
    }
}

/// (score, member) order of owned (member, score) pairs.
pub fn order_of(a: &(Vec<u8>, f64), b: &(Vec<u8>, f64)) -> std::cmp::Ordering {
    order((a.1, &a.0), (b.1, &b.0))
}

/// A score as text that reads back to the same bits.
pub fn snapshot_score(score: f64) -> String {
    if score.is_infinite() {
        return if score > 0.0 { "inf".into() } else { "-inf".into() };
    }
    format!("{score:?}")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;

    fn limits(entries: usize, value: usize) -> Limits {
        Limits { zset_max_listpack_entries: entries, zset_max_listpack_value: value, ..Limits::default() }
    }

    #[test]
    fn layout_is_compact() {
        assert_eq!(std::mem::size_of::<ZSet>(), 16);
    }

    /// Both encodings agree with a `BTreeSet` of (score, member), across conversions.
    #[test]
    fn model_agreement_across_conversions() {
        use super::super::zset_tree::Key;
        let mut rng = fastrand::Rng::with_seed(11);
        for (entries, value) in [(0, 64), (3, 64), (16, 4), (128, 64)] {
            let l = limits(entries, value);
            let (mut zset, mut model, mut scores) = (ZSet::default(), BTreeSet::new(), HashMap::new());
            for step in 0..3000 {
                let member = match rng.u8(..6) {
                    0 => b"longer-member".to_vec(),
                    1 => rng.i32(-5..5).to_string().into_bytes(),
                    _ => format!("m{}", rng.u8(..40)).into_bytes(),
                };
                let score = match rng.u8(..8) {
                    0 => f64::INFINITY,
                    1 => f64::NEG_INFINITY,
                    2 => 0.1 * f64::from(rng.i32(-9..9)),
                    3 => 1e300,
                    _ => f64::from(rng.i32(-20..20)),
                };
                if rng.u8(..3) > 0 {
                    if let Some(old) = scores.insert(member.clone(), score) {
                        model.remove(&Key(old, member.clone()));
                    }
                    model.insert(Key(score, member.clone()));
                    zset.insert(&member, score, &l);
                } else {
                    let removed = zset.remove(&member);
                    assert_eq!(removed, scores.remove(&member), "step {step}");
                    if let Some(old) = removed {
                        model.remove(&Key(old, member.clone()));
                    }
                }
                if step % 50 == 0 && zset.len() > 4 {
                    let taken = zset.remove_range(1, 3);
                    for (m, s) in taken {
                        assert!(model.remove(&Key(s, m.clone())));
                        scores.remove(&m);
                    }
                }
                assert_eq!(zset.len(), model.len());
                if zset.encoding() == "listpack" {
                    assert!(zset.len() <= entries);
                }
                let view = zset.view();
                let all: Vec<(Vec<u8>, f64)> =
                    view.range(0, view.len()).iter().map(|(m, s)| (m.to_vec(), *s)).collect();
                let expected: Vec<(Vec<u8>, f64)> = model.iter().map(|k| (k.1.clone(), k.0)).collect();
                assert_eq!(all, expected, "step {step}");
                assert_eq!(zset.score(&member), scores.get(&member).copied());
                if let Some(rank) = zset.rank(&member) {
                    assert_eq!(expected[rank].0, member);
                }
            }
            let mut json = Vec::new();
            zset.write_snapshot(&mut json);
            if !zset.is_empty() {
                let back = ZSet::read_snapshot(std::str::from_utf8(&json).unwrap(), &l).unwrap();
                assert_eq!(back, zset);
                assert_eq!(back.encoding(), zset.encoding());
            }
        }
    }

    #[test]
    fn scores_round_trip_exactly() {
        let l = limits(0, 64);
        for score in
            [f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.1, 1e300, 5e-324, 1.0 / 3.0, 9007199254740993.0]
        {
            assert_eq!(parse_f64(snapshot_score(score).as_bytes()).unwrap().to_bits(), score.to_bits());
            let z = ZSet::from_pairs([(&b"m"[..], score)], &l);
            assert_eq!(z.score(b"m").unwrap().to_bits(), score.to_bits(), "{score}");
        }
        let packed = ZSet::from_pairs([(&b"m"[..], -0.0)], &Limits::default());
        assert_eq!(
            packed.score(b"m").unwrap().to_bits(),
            0.0f64.to_bits(),
            "a listpack keeps -0 as 0, as Redis's"
        );
        for score in [0.1, 1e300, 1.0 / 3.0, -2.5e-10] {
            let z = ZSet::from_pairs([(&b"m"[..], score)], &Limits::default());
            assert_eq!(z.score(b"m").unwrap().to_bits(), score.to_bits());
        }
    }
}

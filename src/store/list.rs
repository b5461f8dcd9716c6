//! The list type: a chain of [`Packed`] nodes, as Redis's quicklist is.
//!
//! A list whose elements fit one node (`list-max-listpack-size`: negative =
//! bytes per node, -2 = 8 KB; positive = elements per node) is that node
//! alone, 16 bytes in the value and one allocation in all. A longer list is a
//! boxed [`Chain`] of nodes, each knowing its element count so an index finds
//! its node without decoding the others. Redis 7.0 reports both as
//! `quicklist` (its small lists are a one-node quicklist too).

use std::collections::VecDeque;

use super::blob::{read_blob, write_blob};
use super::packed::{encoded_len, Elem, Packed};
use super::value_type::{Limits, ValueType};
use crate::alloc::charged;

/// Bytes a node may hold for `list-max-listpack-size` -1 to -5 (Redis's
/// `optimization_level`), and the safety cap for a positive (count) size.
const NODE_BYTES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
const SAFETY_BYTES: usize = 8192;

/// From this size on a node grows in place (`realloc`) rather than into a
/// fresh exact-size allocation: smaller chunks come from malloc's
/// per-thread cache, larger ones cost a search and a copy of the node per push.
const GROW_IN_PLACE_FROM: usize = 1024;

/// Adds `item` at `end` of a node's bytes.
fn push_into(packed: &mut Packed, end: End, item: &[u8]) {
    let at = match end {
        End::Left => 0,
        End::Right => packed.encoded_size(),
    };
    if packed.encoded_size() >= GROW_IN_PLACE_FROM {
        packed.splice_in_place(at..at, [item]);
    } else {
        packed.splice(at..at, [item]);
    }
}

/// Whether a node of `bytes` bytes and `count` elements is within the limit.
fn node_fits(bytes: usize, count: usize, fill: i64) -> bool {
    if fill < 0 {
        bytes <= NODE_BYTES[(fill.unsigned_abs() as usize).min(5) - 1]
    } else {
        bytes <= SAFETY_BYTES && count <= (fill as usize).max(1)
    }
}

/// The end a push or pop works at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

/// A list value.
#[derive(Clone)]
pub enum List {
    /// One node (every list starts so).
    One(Packed),
    Chain(Box<Chain>),
}

/// A node with its element count.
#[derive(Clone, Default)]
pub struct Node {
    packed: Packed,
    count: u32,
}

impl Node {
    fn of_items<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Node {
        let packed = Packed::from_items(items);
        let count = packed.count() as u32;
        Node { packed, count }
    }
}

/// The nodes of a long list.
#[derive(Clone, Default)]
pub struct Chain {
    nodes: VecDeque<Node>,
    len: usize,
}

impl Default for List {
    fn default() -> Self {
        List::One(Packed::new())
    }
}

impl std::fmt::Debug for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

/// Offset of the last element of a non-empty node.
fn last_offset(packed: &Packed) -> usize {
    packed.offsets().last().expect("a node is never empty")
}

/// Splits `items` into nodes within the limit, in order.
fn chunk_nodes(items: &[Vec<u8>], fill: i64) -> Vec<Node> {
    let mut nodes = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let size = encoded_len(item);
        if i > start && !node_fits(bytes + size, i - start + 1, fill) {
            nodes.push(Node::of_items(items[start..i].iter().map(Vec::as_slice)));
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < items.len() {
        nodes.push(Node::of_items(items[start..].iter().map(Vec::as_slice)));
    }
    nodes
}

impl List {
    /// A list of `items` in order.
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a [u8]>, limits: &Limits) -> List {
        let mut list = List::default();
        items.into_iter().for_each(|item| list.push(End::Right, item, limits));
        list
    }

    pub fn len(&self) -> usize {
        match self {
            List::One(p) => p.count(),
            List::Chain(c) => c.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            List::One(p) => p.is_empty(),
            List::Chain(c) => c.len == 0,
        }
    }

    /// Nodes in the list (for `DEBUG OBJECT`'s `ql_nodes`).
    pub fn node_count(&self) -> usize {
        match self {
            List::One(p) => usize::from(!p.is_empty()),
            List::Chain(c) => c.nodes.len(),
        }
    }

    /// Adds `item` at `end`. A full single node becomes a chain.
    pub fn push(&mut self, end: End, item: &[u8], limits: &Limits) {
        let fill = limits.list_max_listpack_size;
        let size = encoded_len(item);
        if let List::One(p) = self {
            let fits = p.is_empty()
                || node_fits(p.encoded_size() + size, if fill < 0 { 0 } else { p.count() + 1 }, fill);
            if fits {
                push_into(p, end, item);
                return;
            }
            let node = std::mem::take(p);
            let count = node.count() as u32;
            let mut chain = Chain { len: count as usize, ..Chain::default() };
            chain.nodes.push_back(Node { packed: node, count });
            *self = List::Chain(Box::new(chain));
        }
        let List::Chain(chain) = self else { unreachable!("a chain from here") };
        chain.len += 1;
        let edge = match end {
            End::Left => chain.nodes.front_mut(),
            End::Right => chain.nodes.back_mut(),
        };
        if let Some(node) =
            edge.filter(|n| node_fits(n.packed.encoded_size() + size, n.count as usize + 1, fill))
        {
            push_into(&mut node.packed, end, item);
            node.count += 1;
            return;
        }
        let node = Node::of_items([item]);
        match end {
            End::Left => chain.nodes.push_front(node),
            End::Right => chain.nodes.push_back(node),
        }
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        self.pop_with(end, <[u8]>::to_vec)
    }

    /// Removes the element at `end`, handing it to `take` first (a reply
    /// copies it once, straight from the node).
    pub fn pop_with<R>(&mut self, end: End, take: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let packed = match self {
            List::One(p) => p,
            List::Chain(c) => {
                let node = match end {
                    End::Left => c.nodes.front_mut()?,
                    End::Right => c.nodes.back_mut()?,
                };
                node.count -= 1;
                c.len -= 1;
                &mut node.packed
            }
        };
        if packed.is_empty() {
            return None;
        }
        let at = match end {
            End::Left => 0,
            End::Right => last_offset(packed),
        };
        let (elem, next) = packed.at(at);
        let item = take(&elem);
        packed.splice(at..next, []);
        self.drop_empty_edge(end);
        Some(item)
    }

    /// After a pop: only the node at `end` can have emptied, so only it is
    /// looked at (not every node of the chain).
    fn drop_empty_edge(&mut self, end: End) {
        if let List::Chain(c) = self {
            let edge = match end {
                End::Left => c.nodes.front(),
                End::Right => c.nodes.back(),
            };
            if edge.is_some_and(|n| n.count == 0) {
                self.drop_empty_nodes();
            }
        }
    }

    /// After a removal: no empty node stays in a chain, and a chain of one
    /// node goes back to being that node.
    fn drop_empty_nodes(&mut self) {
        if let List::Chain(c) = self {
            c.nodes.retain(|n| n.count > 0);
            if c.nodes.len() <= 1 {
                *self = List::One(c.nodes.pop_front().map(|n| n.packed).unwrap_or_default());
            }
        }
    }

    /// The node holding `index` and the index within it.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        match self {
            List::One(_) => Some((0, index)),
            List::Chain(c) => {
                if index >= c.len {
                    return None;
                }
                // Walk from the nearer end.
                if index < c.len / 2 {
                    let mut rest = index;
                    for (n, node) in c.nodes.iter().enumerate() {
                        if rest < node.count as usize {
                            return Some((n, rest));
                        }
                        rest -= node.count as usize;
                    }
                } else {
                    let mut from_end = c.len - index;
                    for (n, node) in c.nodes.iter().enumerate().rev() {
                        if from_end <= node.count as usize {
                            return Some((n, node.count as usize - from_end));
                        }
                        from_end -= node.count as usize;
                    }
                }
                None
            }
        }
    }

    /// Panics unless a chain has two nodes or more, none empty, each with
    /// its true count, adding up to the length.
    #[cfg(test)]
    pub fn check_invariants(&self) {
        if let List::Chain(c) = self {
            assert!(c.nodes.len() >= 2, "a one-node chain is a single node");
            assert!(c.nodes.iter().all(|n| n.count > 0 && n.count as usize == n.packed.count()));
            assert_eq!(c.nodes.iter().map(|n| n.count as usize).sum::<usize>(), c.len);
        }
    }

    /// The nodes in order (`DEBUG OBJECT`).
    pub fn nodes(&self) -> impl Iterator<Item = &Packed> + '_ {
        (0..self.node_count()).map(|n| self.node(n))
    }

    fn node(&self, n: usize) -> &Packed {
        match self {
            List::One(p) => p,
            List::Chain(c) => &c.nodes[n].packed,
        }
    }

    /// The element at `index` (from the left).
    pub fn get(&self, index: usize) -> Option<Elem<'_>> {
        let (n, within) = self.locate(index)?;
        self.node(n).iter().nth(within)
    }

    /// Resolves Redis's signed index (negative from the right).
    pub fn resolve(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let index = if index < 0 { len.checked_add(index)? } else { index };
        (0..len).contains(&index).then_some(index as usize)
    }

    /// The elements from `start`, in order.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = Elem<'_>> + '_ {
        let (first, within) = self.locate(start).unwrap_or((usize::MAX, 0));
        let nodes: Box<dyn Iterator<Item = &Packed>> = match self {
            List::One(p) => Box::new(std::iter::once(p).skip(first)),
            List::Chain(c) => Box::new(c.nodes.iter().skip(first).map(|n| &n.packed)),
        };
        nodes.enumerate().flat_map(move |(i, p)| p.iter().skip(if i == 0 { within } else { 0 }))
    }

    pub fn iter(&self) -> impl Iterator<Item = Elem<'_>> + '_ {
        self.iter_from(0)
    }

    /// The elements from the right end leftward (a node at a time).
    pub fn iter_rev(&self) -> impl Iterator<Item = Elem<'_>> + '_ {
        let nodes: Box<dyn Iterator<Item = &Packed>> = match self {
            List::One(p) => Box::new(std::iter::once(p)),
            List::Chain(c) => Box::new(c.nodes.iter().rev().map(|n| &n.packed)),
        };
        nodes.flat_map(|p| p.iter().collect::<Vec<_>>().into_iter().rev())
    }

    /// Rewrites node `n` through `edit` on its decoded items, splitting it
    /// when it grows past the limit and dropping it when emptied.
    fn edit_node(&mut self, n: usize, limits: &Limits, edit: impl FnOnce(&mut Vec<Vec<u8>>)) {
        let mut items: Vec<Vec<u8>> = self.node(n).iter().map(|e| e.to_vec()).collect();
        let before = items.len();
        edit(&mut items);
        let mut nodes = chunk_nodes(&items, limits.list_max_listpack_size);
        match self {
            List::One(p) if nodes.len() <= 1 => *p = nodes.pop().map(|n| n.packed).unwrap_or_default(),
            List::One(_) => {
                let chain = Chain { len: items.len(), nodes: nodes.into() };
                *self = List::Chain(Box::new(chain));
            }
            List::Chain(c) => {
                c.len = c.len - before + items.len();
                c.nodes.remove(n);
                for (i, node) in nodes.into_iter().enumerate() {
                    c.nodes.insert(n + i, node);
                }
            }
        }
        self.drop_empty_nodes();
    }

    /// Replaces the element at `index`; false when out of range.
    pub fn set(&mut self, index: usize, item: &[u8], limits: &Limits) -> bool {
        let Some((n, within)) = self.locate(index).filter(|_| index < self.len()) else {
            return false;
        };
        self.edit_node(n, limits, |items| items[within] = item.to_vec());
        true
    }

    /// Inserts `item` before or after the first `pivot`; false without one.
    pub fn insert(&mut self, pivot: &[u8], after: bool, item: &[u8], limits: &Limits) -> bool {
        let mut index = None;
        for n in 0..self.node_count() {
            if let Some(i) = self.node(n).iter().position(|e| *e == *pivot) {
                index = Some((n, i));
                break;
            }
        }
        let Some((n, i)) = index else {
            return false;
        };
        self.edit_node(n, limits, |items| items.insert(i + usize::from(after), item.to_vec()));
        true
    }

    /// Removes up to `count` elements equal to `item` (all when 0; from the
    /// right when negative); the number removed.
    pub fn remove(&mut self, count: i64, item: &[u8], limits: &Limits) -> usize {
        let limit =
            if count == 0 { usize::MAX } else { count.unsigned_abs().min(usize::MAX as u64) as usize };
        let from_right = count < 0;
        let mut removed = 0;
        let mut n = if from_right { self.node_count() } else { 0 };
        loop {
            if removed == limit {
                break;
            }
            if from_right {
                if n == 0 {
                    break;
                }
                n -= 1;
            } else if n >= self.node_count() {
                break;
            }
            let hits = self.node(n).iter().filter(|e| **e == *item).count();
            if hits == 0 {
                n += usize::from(!from_right);
                continue;
            }
            let nodes_before = self.node_count();
            let mut take = (limit - removed).min(hits);
            removed += take;
            self.edit_node(n, limits, |items| {
                if from_right {
                    let mut i = items.len();
                    while take > 0 && i > 0 {
                        i -= 1;
                        if items[i].as_slice() == item {
                            items.remove(i);
                            take -= 1;
                        }
                    }
                } else {
                    items.retain(|e| {
                        let drop = take > 0 && e.as_slice() == item;
                        take -= usize::from(drop);
                        !drop
                    });
                }
            });
            if !from_right && self.node_count() == nodes_before {
                n += 1;
            }
        }
        removed
    }

    /// Removes `count` elements starting at `start` (clamped to the list).
    pub fn remove_range(&mut self, start: usize, count: usize, limits: &Limits) {
        let mut count = count.min(self.len().saturating_sub(start));
        while count > 0 {
            let (n, within) = self.locate(start).expect("start is in range");
            let node_len = match self {
                List::One(p) => p.count(),
                List::Chain(c) => c.nodes[n].count as usize,
            };
            if within == 0 && count >= node_len {
                match self {
                    List::One(p) => *p = Packed::new(),
                    List::Chain(c) => {
                        c.nodes.remove(n);
                        c.len -= node_len;
                    }
                }
                count -= node_len;
                self.drop_empty_nodes();
                continue;
            }
            let here = count.min(node_len - within);
            self.edit_node(n, limits, |items| {
                items.drain(within..within + here);
            });
            count -= here;
        }
    }

    /// Removes and returns up to `count` elements from `end`, in pop order.
    pub fn pop_many(&mut self, end: End, count: usize, limits: &Limits) -> Vec<Vec<u8>> {
        let mut items = Vec::new();
        self.pop_many_with(end, count, limits, |item| items.push(item.to_vec()));
        items
    }

    /// Removes up to `count` elements from `end`, handing each to `take` in
    /// pop order (straight from the nodes, so a reply copies each once).
    pub fn pop_many_with(&mut self, end: End, count: usize, limits: &Limits, mut take: impl FnMut(&[u8])) {
        let count = count.min(self.len());
        match end {
            End::Left => {
                self.iter().take(count).for_each(|e| take(&e));
                self.remove_range(0, count, limits);
            }
            End::Right => {
                self.iter_rev().take(count).for_each(|e| take(&e));
                let len = self.len();
                self.remove_range(len - count, count, limits);
            }
        }
    }
}

impl ValueType for List {
    const NAME: &'static str = "list";

    fn encoding(&self) -> &'static str {
        "quicklist"
    }

    fn heap_size(&self) -> usize {
        match self {
            List::One(p) if p.is_empty() => 0,
            List::One(p) => charged(p.encoded_size()),
            List::Chain(c) => {
                charged(std::mem::size_of::<Chain>())
                    + charged(c.nodes.capacity() * std::mem::size_of::<Node>())
                    + c.nodes.iter().map(|n| charged(n.packed.encoded_size())).sum::<usize>()
            }
        }
    }

    fn write_snapshot(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_blob(out, &item);
        }
        out.push(b']');
    }

    fn read_snapshot(json: &str, limits: &Limits) -> Result<Self, String> {
        let raw: Vec<&serde_json::value::RawValue> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if raw.is_empty() {
            return Err("empty list".into());
        }
        let items = raw.iter().map(|r| read_blob(r.get())).collect::<Result<Vec<_>, _>>()?;
        Ok(List::from_items(items.iter().map(Vec::as_slice), limits))
    }

    fn is_empty_collection(&self) -> bool {
        self.is_empty()
    }

    /// `RPUSH`es of up to 64 elements each.
    fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]])) {
        let items: Vec<Elem<'_>> = self.iter().collect();
        for chunk in items.chunks(64) {
            let mut args: Vec<&[u8]> = Vec::with_capacity(2 + chunk.len());
            args.extend([&b"RPUSH"[..], key]);
            args.extend(chunk.iter().map(|e| &**e));
            emit(&args);
        }
    }
}

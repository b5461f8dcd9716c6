//! HyperLogLog strings in Redis's exact representation, so that a value
//! moves between MiniRedis and redis-server with `GET`/`SET` and counts the
//! same on both.
//!
//! Layout: a 16-byte header (`HYLL`, encoding byte, 3 unused bytes, cached
//! cardinality as 8 little-endian bytes whose top bit marks it stale), then
//! 16384 registers. Dense: 6 bits per register, least significant bits
//! first. Sparse: run-length opcodes, `ZERO` (`00xxxxxx`: 1..64 zero
//! registers), `XZERO` (`01xxxxxx yyyyyyyy`: 1..16384 zero registers) and
//! `VAL` (`1vvvvvxx`: 1..4 registers of value 1..32).
//!
//! Every byte of a stored value is untrusted: corrupt values give
//! [`Corrupt`], never a panic, and nothing here allocates more than a dense
//! HLL (12 KB) whatever the input.

/// Header bytes.
pub const HEADER: usize = 16;
/// Registers (2^14): the low 14 bits of an element's hash pick one.
pub const REGISTERS: usize = 1 << 14;
const INDEX_BITS: u32 = 14;
const REGISTER_BITS: usize = 6;
const REGISTER_MAX: u8 = (1 << REGISTER_BITS) - 1;
/// Bytes of a dense HLL, header included.
pub const DENSE_SIZE: usize = HEADER + REGISTERS * REGISTER_BITS / 8;
/// `hll-sparse-max-bytes`'s default.
pub const DEFAULT_SPARSE_MAX_BYTES: u64 = 3000;

const ENCODING_DENSE: u8 = 0;
const ENCODING_SPARSE: u8 = 1;
const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
const ZERO_MAX_LEN: usize = 64;

/// Redis's error for a string that is not an HLL.
pub const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
/// Redis's error for an HLL whose registers do not decode.
pub const CORRUPTED: &str = "INVALIDOBJ Corrupted HLL object detected";

/// An HLL whose sparse opcodes do not cover exactly 16384 registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// Register values of a raw (decoded) HLL.
pub type Raw = [u8; REGISTERS];

/// A new, empty HLL as Redis creates it: sparse, one `XZERO` covering all
/// registers, cached cardinality 0.
pub fn new_sparse() -> Vec<u8> {
    let mut hll = header(ENCODING_SPARSE);
    hll.extend_from_slice(&[0x40 | ((REGISTERS - 1) >> 8) as u8, ((REGISTERS - 1) & 0xff) as u8]);
    hll
}

fn header(encoding: u8) -> Vec<u8> {
    let mut hll = Vec::with_capacity(HEADER + 2);
    hll.extend_from_slice(b"HYLL");
    hll.extend_from_slice(&[encoding, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    hll
}

/// Whether `bytes` looks like an HLL, as Redis's `isHLLObjectOrReply`
/// checks: magic, a known encoding, and the exact size when dense.
pub fn is_hll(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER
        && &bytes[..4] == b"HYLL"
        && bytes[4] <= ENCODING_SPARSE
        && (bytes[4] != ENCODING_DENSE || bytes.len() == DENSE_SIZE)
}

/// Whether a valid HLL is sparse.
pub fn is_sparse(hll: &[u8]) -> bool {
    hll[4] == ENCODING_SPARSE
}

/// The cached cardinality, if still valid.
pub fn cached_count(hll: &[u8]) -> Option<u64> {
    (hll[15] & 0x80 == 0).then(|| u64::from_le_bytes(hll[8..16].try_into().expect("8 bytes")))
}

/// Stores `count` as the cached cardinality.
pub fn set_cached_count(hll: &mut [u8], count: u64) {
    hll[8..16].copy_from_slice(&count.to_le_bytes());
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(hll: &mut [u8]) {
    hll[15] |= 0x80;
}

/// Austin Appleby's MurmurHash64A, as Redis uses it (little-endian reads).
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4a7935bd1e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element updates and the value it offers: one more than
/// the trailing zeros of the hash bits above the index (at most 51).
pub fn register_and_rank(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, 0xadc83b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> INDEX_BITS) | (1 << (64 - INDEX_BITS));
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Register `index` of dense `registers`.
pub fn dense_get(registers: &[u8], index: usize) -> u8 {
    let bit = index * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let low = u16::from(registers[byte]);
    let high = u16::from(registers.get(byte + 1).copied().unwrap_or(0));
    (((low | high << 8) >> shift) as u8) & REGISTER_MAX
}

/// Sets register `index` of dense `registers` to `value` (at most 63).
pub fn dense_set(registers: &mut [u8], index: usize, value: u8) {
    let bit = index * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let mask = u16::from(REGISTER_MAX) << shift;
    let word = u16::from(value) << shift;
    registers[byte] = (registers[byte] & !(mask as u8)) | word as u8;
    if let Some(next) = registers.get_mut(byte + 1) {
        *next = (*next & !((mask >> 8) as u8)) | (word >> 8) as u8;
    }
}

/// Raises register `index` to `value`; true when it changed.
fn dense_raise(registers: &mut [u8], index: usize, value: u8) -> bool {
    if value > dense_get(registers, index) {
        dense_set(registers, index, value);
        return true;
    }
    false
}

/// One sparse opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// `ZERO` or `XZERO`: `len` zero registers, `size` bytes.
    Zeros { len: usize, size: usize },
    /// `VAL`: `len` registers of `value`.
    Val { value: u8, len: usize },
}

impl Opcode {
    /// The opcode at `sparse[at]`; a cut-off `XZERO` reads a zero byte, as
    /// Redis reads the string's terminator.
    pub fn at(sparse: &[u8], at: usize) -> Opcode {
        let byte = sparse[at];
        match byte & 0xc0 {
            0x00 => Opcode::Zeros { len: usize::from(byte & 0x3f) + 1, size: 1 },
            0x40 => {
                let low = sparse.get(at + 1).copied().unwrap_or(0);
                Opcode::Zeros { len: (usize::from(byte & 0x3f) << 8 | usize::from(low)) + 1, size: 2 }
            }
            _ => Opcode::Val { value: ((byte >> 2) & 0x1f) + 1, len: usize::from(byte & 0x03) + 1 },
        }
    }

    fn len(self) -> usize {
        match self {
            Opcode::Zeros { len, .. } | Opcode::Val { len, .. } => len,
        }
    }

    fn size(self) -> usize {
        match self {
            Opcode::Zeros { size, .. } => size,
            Opcode::Val { .. } => 1,
        }
    }
}

fn val_byte(value: u8, len: usize) -> u8 {
    0x80 | (value - 1) << 2 | (len - 1) as u8
}

/// Appends the opcode for `len` zero registers.
fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        seq.extend_from_slice(&[0x40 | ((len - 1) >> 8) as u8, ((len - 1) & 0xff) as u8]);
    } else {
        seq.push((len - 1) as u8);
    }
}

/// Walks a sparse body (after the header): `visit(first register, opcode)`
/// for each opcode; the number of registers covered.
fn walk(sparse: &[u8], mut visit: impl FnMut(usize, Opcode) -> bool) -> usize {
    let (mut at, mut index) = (0, 0usize);
    while at < sparse.len() {
        let op = Opcode::at(sparse, at);
        if !visit(index, op) {
            break;
        }
        index = index.saturating_add(op.len());
        at += op.size();
    }
    index
}

/// Rewrites a sparse HLL as dense, keeping the header's other bytes.
pub fn to_dense(hll: &mut Vec<u8>) -> Result<(), Corrupt> {
    if !is_sparse(hll) {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HEADER].copy_from_slice(&hll[..HEADER]);
    dense[4] = ENCODING_DENSE;
    let covered = walk(&hll[HEADER..], |first, op| match op {
        Opcode::Val { value, len } if first + len <= REGISTERS => {
            (first..first + len).for_each(|i| dense_set(&mut dense[HEADER..], i, value));
            true
        }
        Opcode::Val { .. } => false,
        Opcode::Zeros { .. } => true,
    });
    if covered != REGISTERS {
        return Err(Corrupt);
    }
    *hll = dense;
    Ok(())
}

/// Adds `element`; true when a register changed.
pub fn add(hll: &mut Vec<u8>, element: &[u8], sparse_max_bytes: u64) -> Result<bool, Corrupt> {
    let (index, rank) = register_and_rank(element);
    set_register(hll, index, rank, sparse_max_bytes)
}

/// Raises register `index` to `value` in either encoding, promoting a
/// sparse HLL to dense when it would grow past `sparse_max_bytes` or hold
/// a value above 32; true when it changed.
pub fn set_register(
    hll: &mut Vec<u8>,
    index: usize,
    value: u8,
    sparse_max_bytes: u64,
) -> Result<bool, Corrupt> {
    if !is_sparse(hll) {
        return Ok(dense_raise(&mut hll[HEADER..], index, value));
    }
    if value > VAL_MAX_VALUE {
        return promote_and_set(hll, index, value);
    }
    // Find the opcode covering `index`, and the one before it.
    let (mut at, mut first, mut prev) = (HEADER, 0usize, None);
    let mut found = None;
    while at < hll.len() {
        let op = Opcode::at(hll, at);
        if index < first + op.len() {
            found = Some(op);
            break;
        }
        prev = Some(at);
        at += op.size();
        first += op.len();
    }
    let Some(op) = found else { return Err(Corrupt) };
    match op {
        Opcode::Val { value: old, .. } if old >= value => return Ok(false),
        // A single register: updated in place.
        Opcode::Val { len: 1, .. } | Opcode::Zeros { len: 1, size: 1 } => hll[at] = val_byte(value, 1),
        _ => {
            // Split the run into up to three opcodes.
            let last = first + op.len() - 1;
            let mut seq = Vec::with_capacity(5);
            match op {
                Opcode::Zeros { .. } => {
                    if index != first {
                        push_zeros(&mut seq, index - first);
                    }
                    seq.push(val_byte(value, 1));
                    if index != last {
                        push_zeros(&mut seq, last - index);
                    }
                }
                Opcode::Val { value: old, .. } => {
                    if index != first {
                        seq.push(val_byte(old, index - first));
                    }
                    seq.push(val_byte(value, 1));
                    if index != last {
                        seq.push(val_byte(old, last - index));
                    }
                }
            }
            let grows = seq.len().saturating_sub(op.size()) as u64;
            if grows > 0 && hll.len() as u64 + grows > sparse_max_bytes {
                return promote_and_set(hll, index, value);
            }
            // An `XZERO` cut off by the end of the string loses the new
            // sequence's last byte, as Redis's length arithmetic does.
            let missing = (at + op.size()).saturating_sub(hll.len());
            hll.splice(at..(at + op.size()).min(hll.len()), seq);
            hll.truncate(hll.len() - missing);
        }
    }
    merge_adjacent_values(hll, prev.unwrap_or(HEADER));
    invalidate_cache(hll);
    Ok(true)
}

fn promote_and_set(hll: &mut Vec<u8>, index: usize, value: u8) -> Result<bool, Corrupt> {
    to_dense(hll)?;
    dense_raise(&mut hll[HEADER..], index, value);
    Ok(true)
}

/// Joins neighbouring `VAL` opcodes of equal value (up to 4 registers),
/// looking at most 5 opcodes from `at`, as Redis does after an update.
fn merge_adjacent_values(hll: &mut Vec<u8>, mut at: usize) {
    let mut budget = 5;
    while at < hll.len() && budget > 0 {
        budget -= 1;
        let Opcode::Val { value, len } = Opcode::at(hll, at) else {
            at += Opcode::at(hll, at).size();
            continue;
        };
        if let Some(Opcode::Val { value: next_value, len: next_len }) =
            hll.get(at + 1).map(|_| Opcode::at(hll, at + 1))
        {
            if next_value == value && len + next_len <= VAL_MAX_LEN {
                hll[at + 1] = val_byte(value, len + next_len);
                hll.remove(at);
                continue;
            }
        }
        at += 1;
    }
}

/// Raises `max`'s registers to those of `hll` (`PFMERGE`, `PFCOUNT` of
/// several keys).
pub fn merge_into(max: &mut Raw, hll: &[u8]) -> Result<(), Corrupt> {
    if !is_sparse(hll) {
        for (i, slot) in max.iter_mut().enumerate() {
            *slot = (*slot).max(dense_get(&hll[HEADER..], i));
        }
        return Ok(());
    }
    let covered = walk(&hll[HEADER..], |first, op| match op {
        Opcode::Val { value, len } if first + len <= REGISTERS => {
            max[first..first + len].iter_mut().for_each(|slot| *slot = (*slot).max(value));
            true
        }
        Opcode::Val { .. } => false,
        Opcode::Zeros { .. } => true,
    });
    if covered == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// The estimated cardinality of `hll`, ignoring its cache.
pub fn count(hll: &[u8]) -> Result<u64, Corrupt> {
    let mut histogram = [0u64; 64];
    if is_sparse(hll) {
        let covered = walk(&hll[HEADER..], |_, op| {
            match op {
                Opcode::Zeros { len, .. } => histogram[0] += len as u64,
                Opcode::Val { value, len } => histogram[usize::from(value)] += len as u64,
            }
            true
        });
        if covered != REGISTERS {
            return Err(Corrupt);
        }
    } else {
        (0..REGISTERS).for_each(|i| histogram[usize::from(dense_get(&hll[HEADER..], i))] += 1);
    }
    Ok(estimate(&histogram))
}

/// The estimated cardinality of raw registers.
pub fn count_raw(registers: &Raw) -> u64 {
    let mut histogram = [0u64; 64];
    registers.iter().for_each(|&r| histogram[usize::from(r & 63)] += 1);
    estimate(&histogram)
}

/// Otmar Ertl's improved estimator ("New cardinality estimation algorithms
/// for HyperLogLog sketches", arXiv:1702.01284), as Redis 7 computes it,
/// over a histogram of register values.
fn estimate(histogram: &[u64; 64]) -> u64 {
    const ALPHA_INF: f64 = 0.721_347_520_444_481_7; // 0.5 / ln 2
    const Q: usize = 64 - INDEX_BITS as usize;
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histogram[Q + 1] as f64) / m);
    for &registers in histogram[1..=Q].iter().rev() {
        z += registers as f64;
        z *= 0.5;
    }
    z += m * sigma(histogram[0] as f64 / m);
    let estimate = (ALPHA_INF * m * m / z).round();
    // C's llround answers LLONG_MIN for what does not fit.
    if estimate.is_finite() && estimate < 9.2e18 {
        estimate as u64
    } else {
        1 << 63
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let (mut y, mut z) = (1.0, x);
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if z == before {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let (mut y, mut z) = (1.0, 1.0 - x);
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if z == before {
            return z / 3.0;
        }
    }
}

/// `PFDEBUG DECODE`'s text for a sparse HLL: `z:len`, `Z:len`, `v:value,len`.
pub fn decode(hll: &[u8]) -> String {
    let mut parts = Vec::new();
    walk(&hll[HEADER..], |_, op| {
        parts.push(match op {
            Opcode::Zeros { len, size: 1 } => format!("z:{len}"),
            Opcode::Zeros { len, .. } => format!("Z:{len}"),
            Opcode::Val { value, len } => format!("v:{value},{len}"),
        });
        true
    });
    parts.join(" ")
}

/// The value of register `index` (for checking whether an add would change
/// anything without writing).
pub fn register(hll: &[u8], index: usize) -> Result<u8, Corrupt> {
    if !is_sparse(hll) {
        return Ok(dense_get(&hll[HEADER..], index));
    }
    let mut found = None;
    walk(&hll[HEADER..], |first, op| {
        if index < first + op.len() {
            found = Some(match op {
                Opcode::Zeros { .. } => 0,
                Opcode::Val { value, .. } => value,
            });
            return false;
        }
        true
    });
    found.ok_or(Corrupt)
}

/// A key's string as an HLL: `None` when the key is missing, Redis's
/// `WRONGTYPE` text for a string that is not one.
pub fn as_hll(value: Option<&super::Str>) -> Result<Option<&[u8]>, crate::protocol::ReplyError> {
    match value {
        None => Ok(None),
        Some(text) if is_hll(text) => Ok(Some(text)),
        Some(_) => Err(crate::protocol::ReplyError::from_static(NOT_HLL)),
    }
}

impl From<Corrupt> for crate::protocol::ReplyError {
    fn from(_: Corrupt) -> Self {
        crate::protocol::ReplyError::from_static(CORRUPTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hll() {
        let hll = new_sparse();
        assert_eq!(hll, b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff");
        assert!(is_hll(&hll) && is_sparse(&hll));
        assert_eq!(cached_count(&hll), Some(0));
        assert_eq!(count(&hll), Ok(0));
        assert_eq!(decode(&hll), "Z:16384");
        assert!(!is_hll(b"HYLL\x00\0\0\0\0\0\0\0\0\0\0\0"), "dense must be 12304 bytes");
        assert!(!is_hll(b"HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"));
    }

    #[test]
    fn dense_registers_pack_six_bits() {
        let mut registers = vec![0u8; DENSE_SIZE - HEADER];
        for (i, value) in [(0, 63), (1, 1), (2, 42), (REGISTERS - 1, 51), (REGISTERS - 2, 7)] {
            dense_set(&mut registers, i, value);
        }
        assert_eq!(&registers[..3], &[0x7f, 0xa0, 0x02]);
        assert_eq!(dense_get(&registers, 2), 42);
        assert_eq!(dense_get(&registers, REGISTERS - 1), 51);
        assert_eq!(dense_get(&registers, REGISTERS - 2), 7);
        assert_eq!(dense_get(&registers, 3), 0);
    }

    #[test]
    fn sparse_updates_split_and_merge() {
        let mut hll = new_sparse();
        assert_eq!(set_register(&mut hll, 5, 3, 3000), Ok(true));
        assert_eq!(decode(&hll), "z:5 v:3,1 Z:16378");
        assert_eq!(set_register(&mut hll, 5, 2, 3000), Ok(false));
        assert_eq!(set_register(&mut hll, 6, 3, 3000), Ok(true));
        assert_eq!(decode(&hll), "z:5 v:3,2 Z:16377", "equal neighbours merge");
        assert_eq!(set_register(&mut hll, 6, 4, 3000), Ok(true));
        assert_eq!(decode(&hll), "z:5 v:3,1 v:4,1 Z:16377");
        assert_eq!(cached_count(&hll), None, "an update invalidates the cache");
        assert_eq!(set_register(&mut hll, 100, 33, 3000), Ok(true), "above 32 needs dense");
        assert!(!is_sparse(&hll));
        assert_eq!(hll.len(), DENSE_SIZE);
        assert_eq!(register(&hll, 100), Ok(33));
        assert_eq!(register(&hll, 6), Ok(4));
    }

    #[test]
    fn corrupt_sparse_values() {
        let mut short = new_sparse();
        short[HEADER + 1] = 0xfe; // covers 16383 registers
        assert_eq!(count(&short), Err(Corrupt));
        assert_eq!(to_dense(&mut short.clone()), Err(Corrupt));
        assert_eq!(merge_into(&mut [0; REGISTERS], &short), Err(Corrupt));
        assert_eq!(set_register(&mut short, REGISTERS - 1, 1, 3000), Err(Corrupt));
        let mut empty = new_sparse();
        empty.truncate(HEADER);
        assert_eq!(add(&mut empty, b"x", 3000), Err(Corrupt));
    }
}

//! Bit-level operations on string values, as Redis's bitops.c defines them:
//! bit 0 is the most significant bit of byte 0, and a string reads as if
//! followed by infinitely many zero bits.

/// Redis's `bit offset` error, for offsets that are not integers, negative,
/// or past `proto-max-bulk-len` bytes.
pub const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";

/// Redis's error for a `BITFIELD` type other than `i1`..`i64`, `u1`..`u63`.
pub const BAD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/// Parses a bit offset as Redis's `getBitOffsetFromArgument`: `#N` means
/// `N * bits` when `hash_bits` is given (BITFIELD). `max_bytes` is
/// `proto-max-bulk-len`.
pub fn parse_offset(arg: &[u8], hash_bits: Option<u32>, max_bytes: u64) -> Result<u64, &'static str> {
    let (digits, multiplier) = match hash_bits {
        Some(bits) if arg.len() > 1 && arg[0] == b'#' => (&arg[1..], i64::from(bits)),
        _ => (arg, 1),
    };
    let offset = parse_strict_i64(digits).ok_or(BAD_OFFSET)?.wrapping_mul(multiplier);
    if offset < 0 || (offset as u64 >> 3) >= max_bytes {
        return Err(BAD_OFFSET);
    }
    Ok(offset as u64)
}

/// Redis's `string2ll`: optional `-`, digits, no leading zeros or spaces.
pub fn parse_strict_i64(bytes: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(bytes).ok()?;
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty()
        || (digits.len() > 1 && digits.starts_with('0'))
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if text == "-0" {
        return None;
    }
    text.parse().ok()
}

/// The bit at `offset` (0 past the end).
pub fn get_bit(bytes: &[u8], offset: u64) -> bool {
    let byte = (offset >> 3) as usize;
    byte < bytes.len() && bytes[byte] & (0x80 >> (offset & 7)) != 0
}

/// Sets the bit at `offset`, which must be inside `bytes`; the old bit.
pub fn set_bit(bytes: &mut [u8], offset: u64, on: bool) -> bool {
    let byte = &mut bytes[(offset >> 3) as usize];
    let mask = 0x80 >> (offset & 7);
    let old = *byte & mask != 0;
    if on {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
    old
}

/// Grows `bytes` with zero bytes so that bit `offset` is inside it; true
/// when it grew.
pub fn grow_for_bit(bytes: &mut Vec<u8>, offset: u64) -> bool {
    let needed = (offset >> 3) as usize + 1;
    if bytes.len() < needed {
        bytes.resize(needed, 0);
        return true;
    }
    false
}

/// Set bits in `bytes`, eight bytes at a time.
pub fn popcount(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut count: u64 = 0;
    for chunk in &mut chunks {
        count += u64::from(u64::from_ne_bytes(chunk.try_into().expect("8 bytes")).count_ones());
    }
    count + chunks.remainder().iter().map(|b| u64::from(b.count_ones())).sum::<u64>()
}

/// Whether a range's `start`/`end` count bytes or bits (`BITCOUNT`, `BITPOS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Byte,
    Bit,
}

/// Resolves Redis's inclusive `start`/`end` (negative from the end) over
/// `len` units: the clamped bounds, `None` when the range is empty.
pub fn clamp_range(start: i64, end: i64, len: i64) -> Option<(i64, i64)> {
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { (len + end).max(0) } else { end }.min(len - 1);
    (start <= end).then_some((start, end))
}

/// Set bits between bit `first` and bit `last`, both inclusive.
pub fn count_bits(bytes: &[u8], first: u64, last: u64) -> u64 {
    let (first_byte, last_byte) = ((first >> 3) as usize, (last >> 3) as usize);
    let mut count = popcount(&bytes[first_byte..=last_byte]);
    // Take off the bits of the edge bytes that fall outside the range.
    let before = bytes[first_byte] & !(0xffu8 >> (first & 7));
    let after = bytes[last_byte] & (0x7fu8 >> (last & 7));
    count -= u64::from(before.count_ones() + after.count_ones());
    count
}

/// The first bit equal to `bit` between bit `first` and bit `last`, both
/// inclusive.
pub fn find_bit(bytes: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    let mut offset = first;
    // Bit by bit up to a byte boundary, then skip whole bytes.
    while offset <= last {
        if offset & 7 == 0 {
            let skip = if bit { 0x00 } else { 0xff };
            let byte = (offset >> 3) as usize;
            let whole = ((last + 1 - offset) >> 3) as usize;
            if let Some(found) = bytes[byte..byte + whole].iter().position(|&b| b != skip) {
                offset += found as u64 * 8;
            } else {
                offset += whole as u64 * 8;
                if whole > 0 {
                    continue;
                }
            }
        }
        if offset > last {
            break;
        }
        if get_bit(bytes, offset) == bit {
            return Some(offset);
        }
        offset += 1;
    }
    None
}

/// `BITOP`'s operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

impl BitOp {
    pub fn parse(name: &[u8]) -> Option<BitOp> {
        Some(match name.to_ascii_lowercase().as_slice() {
            b"and" => BitOp::And,
            b"or" => BitOp::Or,
            b"xor" => BitOp::Xor,
            b"not" => BitOp::Not,
            _ => return None,
        })
    }

    /// Combines `sources` (missing keys are empty) into a string as long as
    /// the longest, shorter ones read as zero-padded.
    pub fn apply(self, sources: &[&[u8]]) -> Vec<u8> {
        let len = sources.iter().map(|s| s.len()).max().unwrap_or(0);
        let byte = |source: &[u8], i: usize| source.get(i).copied().unwrap_or(0);
        if self == BitOp::Not {
            return sources[0].iter().map(|b| !b).collect();
        }
        let mut out = sources.first().map(|s| s.to_vec()).unwrap_or_default();
        out.resize(len, 0);
        for source in &sources[1..] {
            for (i, slot) in out.iter_mut().enumerate() {
                let b = byte(source, i);
                match self {
                    BitOp::And => *slot &= b,
                    BitOp::Or => *slot |= b,
                    BitOp::Xor => *slot ^= b,
                    BitOp::Not => unreachable!("handled above"),
                }
            }
        }
        out
    }
}

/// A `BITFIELD` integer type: `i1`..`i64` or `u1`..`u63`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldType {
    pub signed: bool,
    pub bits: u32,
}

impl FieldType {
    pub fn parse(arg: &[u8]) -> Result<FieldType, &'static str> {
        // C reads the type as a NUL-terminated string.
        let arg = arg.split(|&b| b == 0).next().unwrap_or_default();
        let signed = match arg.first() {
            Some(b'i') => true,
            Some(b'u') => false,
            _ => return Err(BAD_TYPE),
        };
        match parse_strict_i64(&arg[1..]) {
            Some(bits) if bits >= 1 && bits <= if signed { 64 } else { 63 } => {
                Ok(FieldType { signed, bits: bits as u32 })
            }
            _ => Err(BAD_TYPE),
        }
    }
}

/// What `BITFIELD` does when a value does not fit its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// Reads `bits` bits from bit `offset`, most significant first, past the
/// end as zeros.
pub fn get_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    (0..u64::from(bits)).fold(0, |value, i| (value << 1) | u64::from(get_bit(bytes, offset + i)))
}

/// Reads a two's complement field of `bits` bits.
pub fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let value = get_unsigned(bytes, offset, bits);
    if bits < 64 && value & (1 << (bits - 1)) != 0 {
        (value | (u64::MAX << bits)) as i64
    } else {
        value as i64
    }
}

/// Writes the low `bits` bits of `value` at bit `offset` (inside `bytes`).
pub fn set_field(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..u64::from(bits) {
        set_bit(bytes, offset + i, (value >> (u64::from(bits) - 1 - i)) & 1 == 1);
    }
}

/// Wraps `value` into a field of type `ty`, as two's complement.
fn wrap(value: u64, ty: FieldType) -> u64 {
    if ty.bits == 64 {
        return value;
    }
    let mask = u64::MAX << ty.bits;
    if ty.signed && value & (1 << (ty.bits - 1)) != 0 {
        value | mask
    } else {
        value & !mask
    }
}

/// `old + incr` stored in a field of type `ty` under `overflow`: the value
/// to store (as the field's bits sign-extended to 64), or `None` when it
/// overflows under `FAIL`. SET passes the new value as `old` and 0 as `incr`.
pub fn add_checked(old: i64, incr: i64, ty: FieldType, overflow: Overflow) -> Option<i64> {
    let signed_max = if ty.bits == 64 { i64::MAX } else { (1i64 << (ty.bits - 1)) - 1 };
    let (too_big, too_small) = if ty.signed {
        let sum = i128::from(old) + i128::from(incr);
        (sum > i128::from(signed_max), sum < i128::from(-signed_max - 1))
    } else {
        // Redis's unsigned check treats the old value as unsigned.
        let max = (1u64 << ty.bits) - 1;
        let value = old as u64;
        let too_big = value > max || (incr > 0 && incr > (max - value.min(max)) as i64);
        (too_big, !too_big && incr < 0 && incr < (value as i64).wrapping_neg())
    };
    if !too_big && !too_small {
        return Some(old.wrapping_add(incr));
    }
    match overflow {
        Overflow::Fail => None,
        Overflow::Wrap => Some(wrap((old as u64).wrapping_add(incr as u64), ty) as i64),
        Overflow::Sat if ty.signed && too_big => Some(signed_max),
        Overflow::Sat if ty.signed => Some(-signed_max - 1),
        Overflow::Sat if too_big => Some(((1u64 << ty.bits) - 1) as i64),
        Overflow::Sat => Some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        let max = 512 * 1024 * 1024;
        assert_eq!(parse_offset(b"4294967295", None, max), Ok(4294967295));
        assert_eq!(parse_offset(b"4294967296", None, max), Err(BAD_OFFSET));
        assert_eq!(parse_offset(b"-1", None, max), Err(BAD_OFFSET));
        assert_eq!(parse_offset(b"#2", None, max), Err(BAD_OFFSET));
        assert_eq!(parse_offset(b"#2", Some(8), max), Ok(16));
        assert_eq!(parse_offset(b"#", Some(8), max), Err(BAD_OFFSET));
        assert_eq!(parse_offset(b"01", None, max), Err(BAD_OFFSET));
    }

    #[test]
    fn counting_and_finding() {
        let bytes = [0xff, 0x0f, 0x00, 0x80];
        assert_eq!(popcount(&bytes), 13);
        assert_eq!(popcount(&[0xff; 19]), 152);
        assert_eq!(count_bits(&bytes, 4, 11), 4);
        assert_eq!(count_bits(&bytes, 12, 12), 1);
        assert_eq!(find_bit(&bytes, false, 0, 31), Some(8));
        assert_eq!(find_bit(&bytes, true, 16, 31), Some(24));
        assert_eq!(find_bit(&bytes, true, 25, 31), None);
        assert_eq!(find_bit(&[0xff; 20], false, 3, 159), None);
    }

    #[test]
    fn fields() {
        let mut bytes = vec![0u8; 9];
        set_field(&mut bytes, 3, 64, u64::MAX - 1);
        assert_eq!(get_signed(&bytes, 3, 64), -2);
        assert_eq!(get_unsigned(&bytes, 3, 8), 255);
        let i8t = FieldType { signed: true, bits: 8 };
        let u8t = FieldType { signed: false, bits: 8 };
        assert_eq!(add_checked(127, 1, i8t, Overflow::Wrap), Some(-128));
        assert_eq!(add_checked(127, 1, i8t, Overflow::Sat), Some(127));
        assert_eq!(add_checked(-128, -1, i8t, Overflow::Sat), Some(-128));
        assert_eq!(add_checked(127, 1, i8t, Overflow::Fail), None);
        assert_eq!(add_checked(255, 1, u8t, Overflow::Wrap), Some(0));
        assert_eq!(add_checked(0, -1, u8t, Overflow::Sat), Some(0));
        assert_eq!(add_checked(-1, 0, u8t, Overflow::Sat), Some(255));
        assert_eq!(FieldType::parse(b"u64"), Err(BAD_TYPE));
        assert_eq!(FieldType::parse(b"i64"), Ok(FieldType { signed: true, bits: 64 }));
        assert_eq!(FieldType::parse(b"I64"), Err(BAD_TYPE), "lowercase only, as Redis 7.0");
    }
}

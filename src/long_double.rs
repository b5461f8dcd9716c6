//! A software model of the C `long double` Redis uses for `INCRBYFLOAT` and
//! `HINCRBYFLOAT` on x86-64 Linux: the x87 80-bit extended format (64-bit
//! mantissa, exponents down to subnormal 2^-16445, largest finite value just
//! under 2^16384).
//!
//! Three operations are modelled exactly, because their results are visible
//! byte for byte in replies:
//! - [`LongDouble::parse`]: glibc's `strtold` (decimal and hexadecimal
//!   forms, `inf`/`infinity`, correctly rounded to nearest-even) with the
//!   checks of Redis's `string2ld` (no leading space, whole string used, no
//!   overflow, no underflow to zero, no NaN, shorter than 5120 bytes);
//! - [`LongDouble::checked_add`]: one correctly rounded x87 addition;
//! - [`LongDouble::to_fixed`]: glibc's `printf("%.*Lf")`, exact decimal
//!   expansion rounded half-to-even.
//!
//! Values are `mantissa * 2^exponent`; the arithmetic runs on a small
//! big-integer type, so there is no dependency on the host's `long double`.

use std::cmp::Ordering;

/// Exponent of the smallest subnormal (and of every subnormal): 2^-16445.
const MIN_EXP: i64 = -16445;
/// Largest exponent of a normalised mantissa: values stay below 2^16384.
const MAX_EXP: i64 = 16320;
/// Redis's `MAX_LONG_DOUBLE_CHARS`: longer inputs are refused.
const MAX_CHARS: usize = 5 * 1024;

/// An x87 extended-precision value (never NaN: nothing here produces one
/// except [`LongDouble::checked_add`] of opposite infinities, reported as `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongDouble {
    /// `mantissa * 2^exponent`; a non-zero mantissa has its top bit set
    /// unless the exponent is [`MIN_EXP`] (a subnormal).
    Finite {
        negative: bool,
        mantissa: u64,
        exponent: i64,
    },
    Infinite {
        negative: bool,
    },
}

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble::Finite { negative: false, mantissa: 0, exponent: 0 };

    /// Redis's `string2ld`: the value of `text` as `strtold` reads it, or
    /// `None` when Redis would answer "not a valid float".
    pub fn parse(text: &[u8]) -> Option<LongDouble> {
        if text.is_empty() || text.len() >= MAX_CHARS {
            return None;
        }
        let (negative, body) = match text[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let lower = body.to_ascii_lowercase();
        if lower == b"inf" || lower == b"infinity" {
            return Some(LongDouble::Infinite { negative });
        }
        if lower.starts_with(b"0x") {
            parse_hex(negative, &body[2..])
        } else {
            parse_decimal(negative, body)
        }
    }

    pub fn is_finite(&self) -> bool {
        matches!(self, LongDouble::Finite { .. })
    }

    /// `self + other` rounded to nearest-even; `None` for `inf + -inf` (NaN).
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        let (a_neg, a_mant, a_exp, b_neg, b_mant, b_exp) = match (self, other) {
            (LongDouble::Infinite { negative: a }, LongDouble::Infinite { negative: b }) => {
                return (a == b).then_some(self);
            }
            (LongDouble::Infinite { .. }, _) => return Some(self),
            (_, LongDouble::Infinite { .. }) => return Some(other),
            (
                LongDouble::Finite { negative: a_neg, mantissa: a_mant, exponent: a_exp },
                LongDouble::Finite { negative: b_neg, mantissa: b_mant, exponent: b_exp },
            ) => (a_neg, a_mant, a_exp, b_neg, b_mant, b_exp),
        };
        if a_mant == 0 && b_mant == 0 {
            // IEEE: -0 + -0 = -0, any other sum of zeros is +0.
            return Some(LongDouble::Finite { negative: a_neg && b_neg, mantissa: 0, exponent: 0 });
        }
        if a_mant == 0 {
            return Some(other);
        }
        if b_mant == 0 {
            return Some(self);
        }
        let low = a_exp.min(b_exp);
        let a = Big::from_u64(a_mant).shl((a_exp - low) as u64);
        let b = Big::from_u64(b_mant).shl((b_exp - low) as u64);
        let (negative, sum) = if a_neg == b_neg {
            (a_neg, a.add(&b))
        } else {
            match a.cmp(&b) {
                Ordering::Equal => return Some(LongDouble::ZERO),
                Ordering::Greater => (a_neg, a.sub(&b)),
                Ordering::Less => (b_neg, b.sub(&a)),
            }
        };
        Some(round(negative, &sum, low, false))
    }

    /// `printf("%.{decimals}Lf", self)` as glibc prints it: the exact value
    /// rounded half-to-even at the last decimal, `-` kept on negative values
    /// (even those that round to zero), `inf`/`-inf` for infinities.
    pub fn to_fixed(&self, decimals: u32) -> String {
        let (negative, mantissa, exponent) = match *self {
            LongDouble::Infinite { negative } => return if negative { "-inf" } else { "inf" }.into(),
            LongDouble::Finite { negative, mantissa, exponent } => (negative, mantissa, exponent),
        };
        // scaled = value * 10^decimals, rounded to an integer.
        let mut scaled = Big::from_u64(mantissa);
        scaled.mul_pow10(decimals);
        if exponent >= 0 {
            scaled = scaled.shl(exponent as u64);
        } else {
            let shift = exponent.unsigned_abs();
            let half = scaled.bit(shift - 1);
            let rest = scaled.any_below(shift - 1);
            scaled = scaled.shr(shift);
            let odd = scaled.bit(0);
            if half && (rest || odd) {
                scaled.add_small(1);
            }
        }
        let mut digits = scaled.to_decimal();
        let width = decimals as usize + 1;
        if digits.len() < width {
            digits.insert_str(0, &"0".repeat(width - digits.len()));
        }
        if decimals > 0 {
            digits.insert(digits.len() - decimals as usize, '.');
        }
        if negative {
            digits.insert(0, '-');
        }
        digits
    }
}

/// Rounds `n * 2^exponent` (plus something below its last bit when `sticky`)
/// to the nearest long double, ties to even; subnormals and overflow to
/// infinity included.
fn round(negative: bool, n: &Big, exponent: i64, sticky: bool) -> LongDouble {
    let len = n.bit_len() as i64;
    if len == 0 {
        return LongDouble::Finite { negative, mantissa: 0, exponent: 0 };
    }
    // Keep 64 significant bits, but never go below the subnormal exponent.
    let shift = (len - 64).max(MIN_EXP - exponent);
    let mut exp = exponent + shift;
    let mantissa = if shift <= 0 {
        // Callers pass `sticky` only with at least 66 bits, so shift > 0 then.
        debug_assert!(!sticky);
        n.low_u64() << (-shift)
    } else {
        let shift = shift as u64;
        let truncated = n.shr(shift).low_u64();
        let half = n.bit(shift - 1);
        let rest = sticky || n.any_below(shift - 1);
        if half && (rest || truncated & 1 == 1) {
            truncated.checked_add(1).unwrap_or_else(|| {
                exp += 1;
                1 << 63
            })
        } else {
            truncated
        }
    };
    if mantissa == 0 {
        return LongDouble::Finite { negative, mantissa: 0, exponent: 0 };
    }
    if exp > MAX_EXP {
        return LongDouble::Infinite { negative };
    }
    LongDouble::Finite { negative, mantissa, exponent: exp }
}

/// Digits `[0-9]*` from `text[at..]`; the index after them.
fn digits_end(text: &[u8], at: usize, hex: bool) -> usize {
    let ok = |b: u8| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() };
    at + text[at..].iter().take_while(|&&b| ok(b)).count()
}

/// The mantissa part of a number: digits with an optional point, at least
/// one digit. Returns (all digits, digits after the point, index after).
fn mantissa_digits(text: &[u8], hex: bool) -> Option<(Vec<u8>, i64, usize)> {
    let int_end = digits_end(text, 0, hex);
    let mut digits = text[..int_end].to_vec();
    let (mut fraction, mut end) = (0, int_end);
    if text.get(int_end) == Some(&b'.') {
        end = digits_end(text, int_end + 1, hex);
        fraction = (end - int_end - 1) as i64;
        digits.extend_from_slice(&text[int_end + 1..end]);
    }
    (!digits.is_empty()).then_some((digits, fraction, end))
}

/// The exponent after `e`/`p`: `[+-]?[0-9]+`, the whole rest of the input,
/// saturated far beyond any representable magnitude.
fn exponent_part(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0i64, |acc, &d| (acc * 10 + i64::from(d - b'0')).min(1 << 40));
    Some(if negative { -value } else { value })
}

fn parse_decimal(negative: bool, text: &[u8]) -> Option<LongDouble> {
    let (digits, fraction, end) = mantissa_digits(text, false)?;
    let exp10 = match text.get(end) {
        None => 0,
        Some(b'e' | b'E') => exponent_part(&text[end + 1..])?,
        Some(_) => return None,
    };
    let significant = digits.iter().position(|&d| d != b'0').map_or(&[][..], |i| &digits[i..]);
    if significant.is_empty() {
        return Some(LongDouble::Finite { negative, mantissa: 0, exponent: 0 });
    }
    let exp10 = exp10 - fraction;
    // The value lies in [10^(magnitude-1), 10^magnitude).
    let magnitude = significant.len() as i64 + exp10;
    if !(-4952..=4934).contains(&magnitude) {
        return None;
    }
    let mut n = Big::from_decimal(significant);
    if exp10 >= 0 {
        n.mul_pow10(exp10 as u32);
        return in_range(round(negative, &n, 0, false));
    }
    // n / 10^p: a quotient of 66 or 67 bits plus a sticky remainder.
    let mut divisor = Big::from_u64(1);
    divisor.mul_pow10(exp10.unsigned_abs() as u32);
    let k = 66 + divisor.bit_len() as i64 - n.bit_len() as i64;
    if k >= 0 {
        n = n.shl(k as u64);
    } else {
        divisor = divisor.shl(k.unsigned_abs());
    }
    let (quotient, remainder) = n.div_short_quotient(&divisor, 67);
    in_range(round(negative, &Big::from_u128(quotient), -k, !remainder.is_zero()))
}

fn parse_hex(negative: bool, text: &[u8]) -> Option<LongDouble> {
    let (digits, fraction, end) = mantissa_digits(text, true)?;
    let exp2 = match text.get(end) {
        None => 0,
        Some(b'p' | b'P') => exponent_part(&text[end + 1..])?,
        Some(_) => return None,
    };
    let n = Big::from_hex(&digits);
    if n.is_zero() {
        return Some(LongDouble::Finite { negative, mantissa: 0, exponent: 0 });
    }
    let exp2 = exp2 - 4 * fraction;
    let top = n.bit_len() as i64 + exp2;
    if !(MIN_EXP - 2..=16385).contains(&top) {
        return None;
    }
    in_range(round(negative, &n, exp2, false))
}

/// A rounded non-zero input, unless strtold reports `ERANGE` for it and
/// Redis refuses it: overflow to infinity, or underflow to zero.
fn in_range(value: LongDouble) -> Option<LongDouble> {
    match value {
        LongDouble::Infinite { .. } | LongDouble::Finite { mantissa: 0, .. } => None,
        finite => Some(finite),
    }
}

/// An unsigned big integer: little-endian 32-bit limbs, no high zero limbs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(value: u64) -> Big {
        let mut big = Big(vec![value as u32, (value >> 32) as u32]);
        big.trim();
        big
    }

    fn from_u128(value: u128) -> Big {
        let mut big = Big((0..4).map(|i| (value >> (32 * i)) as u32).collect());
        big.trim();
        big
    }

    fn from_decimal(digits: &[u8]) -> Big {
        let mut big = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let value = chunk.iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
            big.mul_small(10u32.pow(chunk.len() as u32));
            big.add_small(value);
        }
        big
    }

    fn from_hex(digits: &[u8]) -> Big {
        let mut big = Big(Vec::new());
        for &d in digits {
            big.mul_small(16);
            big.add_small((d as char).to_digit(16).unwrap_or(0));
        }
        big
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => 32 * (self.0.len() as u64 - 1) + u64::from(32 - top.leading_zeros()),
        }
    }

    fn bit(&self, index: u64) -> bool {
        let limb = (index / 32) as usize;
        limb < self.0.len() && self.0[limb] >> (index % 32) & 1 == 1
    }

    /// Whether any bit below `index` is set.
    fn any_below(&self, index: u64) -> bool {
        let full = ((index / 32) as usize).min(self.0.len());
        if self.0[..full].iter().any(|&l| l != 0) {
            return true;
        }
        let bits = index % 32;
        full < self.0.len() && bits > 0 && self.0[full] & ((1u32 << bits) - 1) != 0
    }

    fn low_u64(&self) -> u64 {
        let limb = |i: usize| u64::from(self.0.get(i).copied().unwrap_or(0));
        limb(0) | limb(1) << 32
    }

    fn shl(&self, bits: u64) -> Big {
        if self.is_zero() {
            return self.clone();
        }
        let (limbs, bits) = ((bits / 32) as usize, bits % 32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push(l << bits | carry);
                carry = l >> (32 - bits);
            }
        }
        out.push(carry);
        let mut big = Big(out);
        big.trim();
        big
    }

    fn shr(&self, bits: u64) -> Big {
        let limbs = (bits / 32) as usize;
        if limbs >= self.0.len() {
            return Big(Vec::new());
        }
        let bits = bits % 32;
        let src = &self.0[limbs..];
        let out = (0..src.len())
            .map(|i| {
                let high = src.get(i + 1).copied().unwrap_or(0);
                if bits == 0 {
                    src[i]
                } else {
                    src[i] >> bits | high << (32 - bits)
                }
            })
            .collect();
        let mut big = Big(out);
        big.trim();
        big
    }

    fn mul_small(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow10(&mut self, mut power: u32) {
        while power >= 9 {
            self.mul_small(1_000_000_000);
            power -= 9;
        }
        self.mul_small(10u32.pow(power));
    }

    fn add_small(&mut self, value: u32) {
        let mut carry = u64::from(value);
        for limb in &mut self.0 {
            if carry == 0 {
                return;
            }
            let sum = u64::from(*limb) + carry;
            *limb = sum as u32;
            carry = sum >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn add(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len().max(other.0.len()) + 1);
        let mut carry = 0u64;
        for i in 0..self.0.len().max(other.0.len()) {
            let sum = u64::from(self.0.get(i).copied().unwrap_or(0))
                + u64::from(other.0.get(i).copied().unwrap_or(0))
                + carry;
            out.push(sum as u32);
            carry = sum >> 32;
        }
        out.push(carry as u32);
        let mut big = Big(out);
        big.trim();
        big
    }

    /// `self - other`; `self >= other` is required.
    fn sub(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for (i, &l) in self.0.iter().enumerate() {
            let mut diff = i64::from(l) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(diff < 0);
            if diff < 0 {
                diff += 1 << 32;
            }
            out.push(diff as u32);
        }
        let mut big = Big(out);
        big.trim();
        big
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self / divisor` when the quotient is known to fit in `bits` bits
    /// (at most 128): binary long division; (quotient, remainder).
    fn div_short_quotient(&self, divisor: &Big, bits: u32) -> (u128, Big) {
        let mut remainder = self.clone();
        let mut quotient = 0u128;
        for i in (0..bits.min(128)).rev() {
            let shifted = divisor.shl(u64::from(i));
            if remainder.cmp(&shifted) != Ordering::Less {
                remainder = remainder.sub(&shifted);
                quotient |= 1 << i;
            }
        }
        (quotient, remainder)
    }

    /// Divides in place by a small divisor; the remainder.
    fn div_small(&mut self, divisor: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let cur = rem << 32 | u64::from(*limb);
            *limb = (cur / u64::from(divisor)) as u32;
            rem = cur % u64::from(divisor);
        }
        self.trim();
        rem as u32
    }

    fn to_decimal(&self) -> String {
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_small(1_000_000_000));
        }
        let mut out = chunks.pop().map_or_else(|| "0".to_string(), |top| top.to_string());
        for chunk in chunks.iter().rev() {
            out.push_str(&format!("{chunk:09}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn human(text: &str) -> String {
        let value = LongDouble::parse(text.as_bytes()).expect("valid");
        value.to_fixed(17)
    }

    fn sum(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).unwrap();
        let b = LongDouble::parse(b.as_bytes()).unwrap();
        a.checked_add(b).unwrap().to_fixed(17)
    }

    #[test]
    fn parses_like_string2ld() {
        for bad in [
            "",
            " 1",
            "1 ",
            "abc",
            ".",
            "-",
            "+",
            "1e",
            "1e+",
            "0x",
            "0x1p",
            "nan",
            "-nan",
            "infin",
            "1e5000",
            "-1e5000",
            "1e-5000",
            "0x1p16384",
            "0x1p-16500",
            "1\0",
            "--1",
            "1..2",
            "1.2.3",
        ] {
            assert_eq!(LongDouble::parse(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(LongDouble::parse(&vec![b'1'; 5120]), None, "too long");
        assert!(LongDouble::parse(&vec![b'1'; 5119]).is_none(), "5119 digits overflow");
        let underflow = "0.".to_string() + &"0".repeat(5000) + "1";
        assert_eq!(LongDouble::parse(underflow.as_bytes()), None, "1e-5001 underflows to zero");
        let fine = "0.".to_string() + &"0".repeat(4000) + "1";
        assert!(LongDouble::parse(fine.as_bytes()).is_some(), "1e-4001 is a normal long double");
        assert!(LongDouble::parse(b"0e-99999").is_some(), "an exact zero is no underflow");
    }

    #[test]
    fn infinities_parse() {
        for text in ["inf", "INF", "-Infinity", "+inf"] {
            assert!(!LongDouble::parse(text.as_bytes()).unwrap().is_finite(), "{text}");
        }
    }

    #[test]
    fn fixed_formatting_matches_glibc() {
        assert_eq!(human("0"), "0.00000000000000000");
        assert_eq!(human("-0"), "-0.00000000000000000");
        assert_eq!(human("10.5"), "10.50000000000000000");
        assert_eq!(human("1.23456789012345678901234"), "1.23456789012345679");
        assert_eq!(human("0x1p-3"), "0.12500000000000000");
        // 2^-18 has exactly 18 decimals ending in 5: a tie, rounded to even.
        assert_eq!(human("0x1p-18"), "0.00000381469726562");
        assert_eq!(human("0x3p-18"), "0.00001144409179688");
        assert_eq!(human("1e-30"), "0.00000000000000000");
        assert_eq!(human("-1e-30"), "-0.00000000000000000");
        assert_eq!(human("3.5e5"), "350000.00000000000000000");
        assert_eq!(human("0x10"), "16.00000000000000000");
    }

    #[test]
    fn sums_match_redis() {
        // Replies of redis-server 7.0.15 on x86-64.
        assert_eq!(sum("0.1", "0.2"), "0.30000000000000000");
        assert_eq!(sum("10", "0.1"), "10.10000000000000000");
        assert_eq!(sum("1.5", "0.1"), "1.60000000000000000");
        assert_eq!(sum("1e5", "1"), "100001.00000000000000000");
        assert_eq!(
            sum("1e400", "0"),
            "1000000000000000000028188068394758651458645343362905203862591069353968553400862986203936399484832416\
             0522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778\
             9438243915933380474706750262466844013592375136038303437354855052449559649790218250382800910684149474\
             02456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880.00000000000000000"
        );
        let max = sum("1.18e4932", "0");
        assert_eq!(max.len(), 4933 + 18);
        assert!(
            max.starts_with(
                "11800000000000000000006528129180936992026904371401604717298312400618365277284469960120"
            ),
            "{max}"
        );
        assert!(
            max.ends_with("1782383555351070887222606896512585853888628785152.00000000000000000"),
            "{max}"
        );
        let a = LongDouble::parse(b"1.18e4932").unwrap();
        assert!(!a.checked_add(a).unwrap().is_finite(), "overflow to infinity");
        let huge = sum("1e4000", "1");
        assert_eq!(huge.len(), 4000 + 18);
        assert!(huge.starts_with("99999999999999999999654638730996237849324925835069576313015083330432619433063423554818216418"), "{huge}");
        assert!(huge.ends_with("72729951206648276349901340672.00000000000000000"), "{huge}");
        assert_eq!(sum("-2e-30", "0"), "-0.00000000000000000");
        assert_eq!(sum("1", "-1"), "0.00000000000000000");
    }

    #[test]
    fn infinity_arithmetic() {
        let inf = LongDouble::parse(b"inf").unwrap();
        let ninf = LongDouble::parse(b"-inf").unwrap();
        let one = LongDouble::parse(b"1").unwrap();
        assert_eq!(inf.checked_add(one), Some(inf));
        assert_eq!(one.checked_add(ninf), Some(ninf));
        assert_eq!(inf.checked_add(ninf), None);
    }

    #[test]
    fn subnormals_round_trip() {
        let tiny = LongDouble::parse(b"0x1p-16445").unwrap();
        assert_eq!(tiny, LongDouble::Finite { negative: false, mantissa: 1, exponent: MIN_EXP });
        assert_eq!(LongDouble::parse(b"1e-4940").unwrap().to_fixed(17), "0.00000000000000000");
        // Half the smallest subnormal rounds to even (zero): refused as underflow.
        assert_eq!(LongDouble::parse(b"0x1p-16446"), None);
        assert!(LongDouble::parse(b"0x3p-16447").is_some(), "1.5 x half rounds up");
    }

    proptest! {
        /// Every f64 is exactly representable in 80 bits: parsing its
        /// shortest decimal form and printing with 17 decimals must agree
        /// with exact f64 formatting whenever the f64 is the nearest value.
        #[test]
        fn integers_are_exact(n in any::<i64>()) {
            let parsed = LongDouble::parse(n.to_string().as_bytes()).unwrap();
            prop_assert_eq!(parsed.to_fixed(0), n.to_string());
        }

        #[test]
        fn integer_sums_are_exact(a in -(1i64 << 62)..(1i64 << 62), b in -(1i64 << 62)..(1i64 << 62)) {
            let x = LongDouble::parse(a.to_string().as_bytes()).unwrap();
            let y = LongDouble::parse(b.to_string().as_bytes()).unwrap();
            let expected = (a + b).to_string();
            let got = x.checked_add(y).unwrap().to_fixed(0);
            prop_assert!(got == expected || (a + b == 0 && got == "0"), "{} + {} = {}", a, b, got);
        }

        /// Decimal parsing agrees with Rust's correctly rounded f64 parser:
        /// the shortest decimal form of an f64, read to 64 bits and rounded
        /// again to 53, gives the f64 back (barring exact 53-bit midpoints,
        /// which random inputs do not hit).
        #[test]
        fn parse_agrees_with_f64(x in any::<f64>().prop_filter("moderate", |x| (1e-250..1e250).contains(&x.abs()))) {
            let text = format!("{x:e}");
            let parsed = LongDouble::parse(text.as_bytes()).unwrap();
            let LongDouble::Finite { negative, mantissa, exponent } = parsed else {
                return Err(TestCaseError::fail("not finite"));
            };
            prop_assert_eq!(negative, x < 0.0);
            let half = (exponent / 2) as i32;
            let value = (mantissa as f64) * 2f64.powi(half) * 2f64.powi(exponent as i32 - half);
            prop_assert_eq!(value, x.abs());
        }
    }
}

//! Redis's `long double` arithmetic for `INCRBYFLOAT` (and `HINCRBYFLOAT`),
//! emulated exactly as on x86-64 Linux: 80-bit extended precision (64-bit
//! significand, 15-bit exponent, gradual underflow), round to nearest even.
//!
//! Redis reads a value with `strtold` (`string2ld`), adds with `+=`, and
//! prints with `%.17Lf` minus trailing zeros (`ld2string` in
//! `LD_STR_HUMAN` mode). An `f64` cannot reproduce those replies (Redis
//! answers `0.3` to `0.1 + 0.2` and `100000000000000000.1015625` to
//! `1e17 + 0.1`), so parsing, addition and printing are done exactly here
//! with a small big-integer helper; every result is correctly rounded, as
//! glibc and the x87 FPU round.

mod big;

use std::cmp::Ordering;

use big::Big;

/// Bit position of the least significant bit of the smallest denormal: 2^-16445.
const MIN_LSB: i64 = -16445;
/// Bit position of the least significant bit of the largest finite values.
const MAX_LSB: i64 = 16383 - 63;
/// Redis's `MAX_LONG_DOUBLE_CHARS`: longer inputs are refused by `string2ld`.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;
/// Decimal places `%.17Lf` prints.
const DECIMALS: u32 = 17;
const TEN_POW_DECIMALS: u128 = 100_000_000_000_000_000;

/// An extended-precision value: zero, `mantissa × 2^exponent`, or infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongDouble {
    negative: bool,
    magnitude: Magnitude,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magnitude {
    Zero,
    /// `mantissa × 2^exponent`; the mantissa has its top bit set unless the
    /// value is denormal (then `exponent == MIN_LSB`).
    Finite {
        mantissa: u64,
        exponent: i64,
    },
    Infinite,
}

/// The outcome of rounding an exact value to extended precision.
enum Rounded {
    Underflow,
    Finite(u64, i64),
    Overflow,
}

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble { negative: false, magnitude: Magnitude::Zero };

    /// Reads a value as Redis's `string2ld` does: `strtold` over the whole
    /// string (decimal, hexadecimal `0x1p-2`, `inf`/`infinity`), refusing
    /// NaN, a leading space, trailing characters, values that overflow or
    /// underflow to zero, and strings of 5120 bytes or more. A NUL byte
    /// is refused too (`strtold` would stop before the end).
    pub fn parse(text: &[u8]) -> Option<LongDouble> {
        if text.is_empty()
            || text.len() >= MAX_LONG_DOUBLE_CHARS
            || matches!(text[0], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
        {
            return None;
        }
        let (negative, body) = match text[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let magnitude = if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            Magnitude::Infinite
        } else if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
            parse_hex(&body[2..])?
        } else {
            parse_decimal(body)?
        };
        Some(LongDouble { negative, magnitude })
    }

    /// The exact value of an `f64`.
    pub fn from_f64(value: f64) -> LongDouble {
        let negative = value.is_sign_negative();
        let magnitude = if value.is_infinite() {
            Magnitude::Infinite
        } else if value == 0.0 || value.is_nan() {
            Magnitude::Zero
        } else {
            let bits = value.to_bits();
            let biased = ((bits >> 52) & 0x7ff) as i64;
            let fraction = bits & ((1 << 52) - 1);
            let (significand, lsb) =
                if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
            // Normalise: extended precision keeps the top bit explicit.
            let shift = significand.leading_zeros() as i64;
            Magnitude::Finite { mantissa: significand << shift, exponent: lsb - shift }
        };
        LongDouble { negative, magnitude }
    }

    /// True unless infinite (NaN cannot be represented: addition yields infinity instead).
    pub fn is_finite(&self) -> bool {
        self.magnitude != Magnitude::Infinite
    }

    /// Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` (exact, ties to
    /// even), trailing zeros and a trailing dot removed, `-0` written `0`,
    /// `inf`/`-inf` for infinities.
    pub fn to_human(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let text = match self.magnitude {
            Magnitude::Infinite => return format!("{sign}inf"),
            Magnitude::Zero => format!("{sign}0"),
            Magnitude::Finite { mantissa, exponent } if exponent >= 0 => {
                format!("{sign}{}", Big::from_u128(mantissa.into()).shl(exponent as u64).to_decimal())
            }
            Magnitude::Finite { mantissa, exponent } => {
                let scaled = fixed_point(mantissa, exponent.unsigned_abs());
                let (int, frac) = (scaled / TEN_POW_DECIMALS, scaled % TEN_POW_DECIMALS);
                let frac = format!("{frac:0width$}", width = DECIMALS as usize);
                let frac = frac.trim_end_matches('0');
                if frac.is_empty() {
                    format!("{sign}{int}")
                } else {
                    format!("{sign}{int}.{frac}")
                }
            }
        };
        if text == "-0" {
            "0".into()
        } else {
            text
        }
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    /// The correctly rounded sum, as the x87 `fadd` computes it. Infinity
    /// (also for `inf + -inf`, which would be NaN) when the result is not
    /// finite: Redis rejects both alike.
    fn add(self, other: LongDouble) -> LongDouble {
        let infinite = LongDouble { negative: self.negative, magnitude: Magnitude::Infinite };
        let ((ma, ea), (mb, eb)) = match (self.magnitude, other.magnitude) {
            (Magnitude::Infinite, _) => return infinite,
            (_, Magnitude::Infinite) => return LongDouble { magnitude: Magnitude::Infinite, ..other },
            (Magnitude::Zero, _) if other.magnitude != Magnitude::Zero => return other,
            (Magnitude::Zero, _) => {
                return LongDouble { negative: self.negative && other.negative, magnitude: Magnitude::Zero }
            }
            (_, Magnitude::Zero) => return self,
            (
                Magnitude::Finite { mantissa: ma, exponent: ea },
                Magnitude::Finite { mantissa: mb, exponent: eb },
            ) => ((ma, ea), (mb, eb)),
        };
        let low = ea.min(eb);
        let a = Big::from_u128(ma.into()).shl((ea - low) as u64);
        let b = Big::from_u128(mb.into()).shl((eb - low) as u64);
        let (negative, sum) = if self.negative == other.negative {
            (self.negative, a.add(&b))
        } else {
            match a.cmp(&b) {
                Ordering::Equal => return LongDouble::ZERO,
                Ordering::Greater => (self.negative, a.sub(&b)),
                Ordering::Less => (other.negative, b.sub(&a)),
            }
        };
        let magnitude = match round(sum, Big::one(), low) {
            Rounded::Underflow => Magnitude::Zero,
            Rounded::Finite(mantissa, exponent) => Magnitude::Finite { mantissa, exponent },
            Rounded::Overflow => Magnitude::Infinite,
        };
        LongDouble { negative, magnitude }
    }
}

/// `mantissa × 2^-shift × 10^17`, rounded to an integer with ties to even.
fn fixed_point(mantissa: u64, shift: u64) -> u128 {
    // mantissa × 10^17 < 2^121: from a shift of 122 the result is below ½.
    let product = u128::from(mantissa) * TEN_POW_DECIMALS;
    if shift >= 122 {
        return 0;
    }
    let quotient = product >> shift;
    let remainder = product & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    match remainder.cmp(&half) {
        Ordering::Greater => quotient + 1,
        Ordering::Equal => quotient + (quotient & 1),
        Ordering::Less => quotient,
    }
}

/// Leading decimal (or hex) digits of `text`: (digits, rest).
fn take_digits(text: &[u8], hex: bool) -> (&[u8], &[u8]) {
    let end = text.iter().position(|b| !(if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() }));
    text.split_at(end.unwrap_or(text.len()))
}

/// `[digits][.digits]` with at least one digit: (integer part, fraction, rest).
fn take_mantissa(text: &[u8], hex: bool) -> Option<(&[u8], &[u8], &[u8])> {
    let (int, rest) = take_digits(text, hex);
    let (frac, rest) = match rest.split_first() {
        Some((b'.', after)) => take_digits(after, hex),
        _ => (&[][..], rest),
    };
    (!int.is_empty() || !frac.is_empty()).then_some((int, frac, rest))
}

/// An exponent `[+-]digits` that must be all of `text`, saturated far
/// beyond any representable range.
fn parse_exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0i64, |acc, &d| (acc * 10 + i64::from(d - b'0')).min(1 << 40));
    Some(if negative { -value } else { value })
}

/// A decimal number without its sign; `None` unless it is all of `text`
/// and in range.
fn parse_decimal(text: &[u8]) -> Option<Magnitude> {
    let (int, frac, rest) = take_mantissa(text, false)?;
    let exponent = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', after)) => parse_exponent(after)?,
        Some(_) => return None,
    };
    let digits: Vec<u8> = int.iter().chain(frac).copied().collect();
    let start = digits.iter().position(|&d| d != b'0');
    let Some(start) = start else { return Some(Magnitude::Zero) };
    let end = digits.iter().rposition(|&d| d != b'0').expect("a nonzero digit") + 1;
    let significant = &digits[start..end];
    // value = significant × 10^scale
    let scale = exponent - frac.len() as i64 + (digits.len() - end) as i64;
    let count = significant.len() as i64;
    // 10^(count-1+scale) <= value < 10^(count+scale); the largest finite
    // value is about 1.19e4932 and half the smallest denormal 1.8e-4951.
    if count - 1 + scale >= 4933 || count + scale <= -4952 {
        return None;
    }
    let mut num = Big::from_decimal(significant);
    let mut den = Big::one();
    if scale >= 0 {
        num = num.mul(&Big::pow10(scale as u32));
    } else {
        den = Big::pow10(scale.unsigned_abs() as u32);
    }
    finite(round(num, den, 0))
}

/// A hexadecimal float after its `0x`; `None` unless it is all of `text`
/// and in range.
fn parse_hex(text: &[u8]) -> Option<Magnitude> {
    let (int, frac, rest) = take_mantissa(text, true)?;
    let exponent = match rest.split_first() {
        None => 0,
        Some((b'p' | b'P', after)) => parse_exponent(after)?,
        Some(_) => return None,
    };
    let mut num = Big::default();
    for &d in int.iter().chain(frac) {
        num.mul_add_small(16, (d as char).to_digit(16).expect("hex digit"));
    }
    if num.is_zero() {
        return Some(Magnitude::Zero);
    }
    let lsb = exponent - 4 * frac.len() as i64;
    let top = num.bits() as i64 - 1 + lsb;
    if !(MIN_LSB - 1..=16383).contains(&top) {
        return None;
    }
    finite(round(num, Big::one(), lsb))
}

/// `strtold` sets `ERANGE` on overflow and on underflow; `string2ld`
/// refuses a result that became infinite or zero (denormals are kept).
fn finite(rounded: Rounded) -> Option<Magnitude> {
    match rounded {
        Rounded::Finite(mantissa, exponent) => Some(Magnitude::Finite { mantissa, exponent }),
        Rounded::Underflow | Rounded::Overflow => None,
    }
}

/// `num / den × 2^k` (both positive) rounded to extended precision, ties to even.
fn round(num: Big, den: Big, k: i64) -> Rounded {
    // top = floor(log2(num / den)) + k
    let diff = num.bits() as i64 - den.bits() as i64;
    let at_least = if diff >= 0 {
        num.cmp(&den.shl(diff as u64)) != Ordering::Less
    } else {
        num.shl(diff.unsigned_abs()).cmp(&den) != Ordering::Less
    };
    let top = if at_least { diff } else { diff - 1 } + k;
    if top > MAX_LSB + 63 {
        return Rounded::Overflow;
    }
    if top < MIN_LSB - 1 {
        // Below half the smallest denormal.
        return Rounded::Underflow;
    }
    let mut lsb = (top - 63).max(MIN_LSB);
    let shift = k - lsb;
    let (mut num, den) =
        if shift >= 0 { (num.shl(shift as u64), den) } else { (num, den.shl(shift.unsigned_abs())) };
    let mut quotient = num.div_rem(&den);
    match num.shl(1).cmp(&den) {
        Ordering::Greater => quotient += 1,
        Ordering::Equal => quotient += quotient & 1,
        Ordering::Less => {}
    }
    if quotient == 1 << 64 {
        quotient = 1 << 63;
        lsb += 1;
    }
    if quotient == 0 {
        Rounded::Underflow
    } else if lsb > MAX_LSB {
        Rounded::Overflow
    } else {
        Rounded::Finite(quotient as u64, lsb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn human(text: &str) -> String {
        LongDouble::parse(text.as_bytes()).expect("valid").to_human()
    }

    fn sum(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).expect("valid a");
        let b = LongDouble::parse(b.as_bytes()).expect("valid b");
        (a + b).to_human()
    }

    /// Rust's exact `{:.17}` (ties to even), trimmed as `ld2string` trims.
    fn reference_format(value: f64) -> String {
        let text = format!("{value:.17}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" {
            "0".into()
        } else {
            text.into()
        }
    }

    #[test]
    fn values_checked_against_redis_7_0() {
        // Replies of a real redis-server 7.0.15 on x86-64.
        assert_eq!(sum("10.5", "0.1"), "10.6");
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("5.0e3", "2.0e2"), "5200");
        assert_eq!(sum("3.0e3", "0"), "3000");
        assert_eq!(sum("1e17", "0.1"), "100000000000000000.1015625");
        assert_eq!(sum("0", "1e-20"), "0");
        assert_eq!(sum("9007199254740993", "0"), "9007199254740993");
        assert_eq!(sum("-1", "1"), "0");
        assert_eq!(sum("0", "-0.000000000000000001"), "0");
        assert_eq!(sum("17", "0x1p-2"), "17.25");
        assert_eq!(sum("1", "0x10"), "17");
        assert!(
            sum("0", "1e400").starts_with("10000000000000000000281880683947586514586453433629052038625910")
        );
        assert!(sum("1.7976931348623157e308", "1.7976931348623157e308").starts_with("3595386269724631399918"));
    }

    #[test]
    fn parse_refusals_match_string2ld() {
        for bad in [
            "",
            " 1",
            "1 ",
            "abc",
            "nan",
            "-nan",
            "NaN(1)",
            "1e",
            "1e+",
            ".",
            "-",
            "0x",
            "0x.p1",
            "infin",
            "1e5000",
            "-1e5000",
            "1e-5000",
            "0x1p16384",
            "0x1p-16500",
            "1..2",
            "++1",
            "1\n",
            "1\0junk",
            "\0",
            "1\0",
        ] {
            assert_eq!(LongDouble::parse(bad.as_bytes()), None, "{bad:?}");
        }
        let long = format!("0.{}", "0".repeat(MAX_LONG_DOUBLE_CHARS - 2));
        assert_eq!(LongDouble::parse(long.as_bytes()), None, "5120 bytes is too long");
        assert_eq!(human(&long[..MAX_LONG_DOUBLE_CHARS - 1]), "0");
        for (good, expect) in [
            ("+5", "5"),
            ("1.", "1"),
            (".5", "0.5"),
            ("-.5e1", "-5"),
            ("1E2", "100"),
            ("0x1.8P1", "3"),
            ("0X.8", "0.5"),
            ("0e99999999999999999999", "0"),
            ("-0", "0"),
            ("0.000003814697265625", "0.00000381469726562"),
            ("0.000011444091796875", "0.00001144409179688"),
        ] {
            assert_eq!(human(good), expect, "{good:?}");
        }
        for inf in ["inf", "-INF", "Infinity", "+infinity"] {
            assert!(!LongDouble::parse(inf.as_bytes()).unwrap().is_finite(), "{inf}");
        }
    }

    #[test]
    fn extremes_and_denormals() {
        // The largest finite value and the smallest denormal are accepted.
        let max = LongDouble::parse(b"1.18973149535723176502e4932").unwrap();
        assert_eq!(
            max,
            LongDouble {
                negative: false,
                magnitude: Magnitude::Finite { mantissa: u64::MAX, exponent: MAX_LSB }
            }
        );
        assert!(!(max + max).is_finite(), "overflow gives infinity");
        let tiny = LongDouble::parse(b"3.6452e-4951").unwrap();
        assert_eq!(tiny.magnitude, Magnitude::Finite { mantissa: 1, exponent: MIN_LSB });
        assert_eq!(tiny.to_human(), "0");
        assert_eq!(LongDouble::parse(b"1e-4952"), None, "rounds to zero");
        assert_eq!(tiny + LongDouble { negative: true, ..tiny }, LongDouble::ZERO);
        assert_eq!(human("-1e-30"), "0");
        assert!(!(LongDouble::parse(b"inf").unwrap() + LongDouble::ZERO).is_finite());
    }

    #[test]
    fn big_integer_helpers() {
        let big = Big::from_decimal(b"123456789012345678901234567890");
        assert_eq!(big.to_decimal(), "123456789012345678901234567890");
        assert_eq!(Big::pow10(20).to_decimal(), "100000000000000000000");
        assert_eq!(big.shl(100).bits(), big.bits() + 100);
        let mut num = Big::from_u128(1_000_007);
        assert_eq!(num.div_rem(&Big::from_u128(1000)), 1000);
        assert_eq!(num, Big::from_u128(7));
        assert_eq!(big.add(&big).sub(&big), big);
        assert_eq!(Big::from_u128(3).mul(&Big::from_u128(5)), Big::from_u128(15));
    }

    proptest! {
        #[test]
        fn formatting_matches_exact_decimal_expansion(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite());
            let text = LongDouble::from_f64(value).to_human();
            prop_assert_eq!(&text, &reference_format(value));
            // No exponent, no trailing zeros or dot, no "-0", at most 17 decimals.
            prop_assert!(!text.contains(['e', 'E']));
            prop_assert!(text != "-0");
            if let Some((_, frac)) = text.split_once('.') {
                prop_assert!(!frac.is_empty() && !frac.ends_with('0') && frac.len() <= 17);
            }
        }

        #[test]
        fn parsing_an_exact_expansion_gives_the_same_value(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite() && value != 0.0);
            // Every f64 is an extended value, and its full expansion is exact.
            let exact = format!("{value:.1100}");
            let text = exact.trim_end_matches('0');
            prop_assume!(text.len() < MAX_LONG_DOUBLE_CHARS);
            prop_assert_eq!(LongDouble::parse(text.as_bytes()), Some(LongDouble::from_f64(value)));
            prop_assert_eq!(LongDouble::parse(format!("{value:e}").as_bytes()).map(|v| v.is_finite()), Some(true));
        }

        #[test]
        fn human_text_parses_back_when_precision_allows(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite() && value.abs() >= 128.0);
            // From 128 up the extended spacing exceeds 1e-17: 17 decimals round-trip.
            let ld = LongDouble::from_f64(value);
            prop_assert_eq!(LongDouble::parse(ld.to_human().as_bytes()), Some(ld));
        }

        #[test]
        fn integer_sums_are_exact(a in -(1i64 << 62)..(1i64 << 62), b in -(1i64 << 62)..(1i64 << 62)) {
            let got = sum(&a.to_string(), &b.to_string());
            prop_assert_eq!(got, (a + b).to_string());
        }

        #[test]
        fn sums_of_doubles_match_f64_when_exact(a in -1e6f64..1e6, b in -1e6f64..1e6) {
            // TwoSum: when the f64 sum has no rounding error, the extended sum is the same.
            let s = a + b;
            let bb = s - a;
            prop_assume!((a - (s - bb)) + (b - bb) == 0.0);
            let got = LongDouble::from_f64(a) + LongDouble::from_f64(b);
            prop_assert_eq!(got.to_human(), LongDouble::from_f64(s).to_human());
        }
    }
}

//! What arguments mean as text: inline command lines split as
//! `redis-cli` and Redis split them, and integer and float arguments read
//! as Redis reads them.

use super::error::ParseError;

/// Splits an inline command line as Redis's `sdssplitargs` does: spaces
/// separate words, "double quotes" take escapes (`\n`, `\xHH`, ...), 'single
/// quotes' take only `\'`, and a closing quote must end the word.
pub fn split_inline(line: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
    let unbalanced = || ParseError::new("unbalanced quotes in request");
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        // A NUL ends the line, as in C.
        if i >= line.len() || line[i] == 0 {
            return Ok(args);
        }
        let mut word = Vec::new();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let c = line.get(i).copied();
            if in_double {
                match c {
                    None | Some(0) => return Err(unbalanced()),
                    Some(b'\\')
                        if line.get(i + 1) == Some(&b'x')
                            && line.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
                            && line.get(i + 3).is_some_and(u8::is_ascii_hexdigit) =>
                    {
                        word.push(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                        i += 3;
                    }
                    Some(b'\\') if i + 1 < line.len() => {
                        i += 1;
                        word.push(match line[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                    }
                    Some(b'"') => {
                        if line.get(i + 1).is_some_and(|&b| !is_space(b)) {
                            return Err(unbalanced());
                        }
                        i += 1;
                        break;
                    }
                    Some(other) => word.push(other),
                }
            } else if in_single {
                match c {
                    None | Some(0) => return Err(unbalanced()),
                    Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                        word.push(b'\'');
                        i += 1;
                    }
                    Some(b'\'') => {
                        if line.get(i + 1).is_some_and(|&b| !is_space(b)) {
                            return Err(unbalanced());
                        }
                        i += 1;
                        break;
                    }
                    Some(other) => word.push(other),
                }
            } else {
                match c {
                    None | Some(b' ' | b'\n' | b'\r' | b'\t' | 0) => break,
                    Some(b'"') => in_double = true,
                    Some(b'\'') => in_single = true,
                    Some(other) => word.push(other),
                }
            }
            i += 1;
        }
        args.push(word);
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex(b: u8) -> u8 {
    (b as char).to_digit(16).unwrap_or(0) as u8
}

/// Strict decimal `i64` as Redis's `string2ll`: optional `-`, no `+`, no
/// spaces, no leading zeros.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    match digits {
        [] => return None,
        [b'0'] => return if negative { None } else { Some(0) },
        [b'0', ..] => return None,
        _ => {}
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        if value <= i64::MAX as u64 + 1 {
            Some((value as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(value).ok()
    }
}

/// A float argument as Redis reads one (`strtod`, whole string, no spaces,
/// `inf` allowed, NaN refused).
pub fn parse_f64(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned.starts_with("nan")
        || (unsigned.starts_with("in") && unsigned != "inf" && unsigned != "infinity")
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| !v.is_nan())
}

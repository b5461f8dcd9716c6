//! Redis's glob patterns (`KEYS`, `SCAN MATCH`, `CONFIG GET`): `*`, `?`,
//! `[abc]`, `[^a]`, `[a-z]` and `\` escapes. Greedy matching with one
//! backtrack point, so no pattern can take exponential time.

/// One pattern element that matches a single byte (everything but `*`).
enum Token<'p> {
    Star,
    Any,
    Set { body: &'p [u8] },
    Literal(u8),
}

/// Reads the token at `p`, returning it and the index after it.
fn token(pattern: &[u8], p: usize) -> (Token<'_>, usize) {
    match pattern[p] {
        b'*' => (Token::Star, p + 1),
        b'?' => (Token::Any, p + 1),
        b'[' => {
            let start = p + 1;
            let mut q = start;
            while q < pattern.len() && pattern[q] != b']' {
                q += if pattern[q] == b'\\' && q + 1 < pattern.len() { 2 } else { 1 };
            }
            (Token::Set { body: &pattern[start..q.min(pattern.len())] }, (q + 1).min(pattern.len()))
        }
        b'\\' if p + 1 < pattern.len() => (Token::Literal(pattern[p + 1]), p + 2),
        other => (Token::Literal(other), p + 1),
    }
}

fn fold(b: u8, nocase: bool) -> u8 {
    if nocase {
        b.to_ascii_lowercase()
    } else {
        b
    }
}

fn set_matches(body: &[u8], c: u8, nocase: bool) -> bool {
    let (negate, body) = match body {
        [b'^', rest @ ..] => (true, rest),
        _ => (false, body),
    };
    let c = fold(c, nocase);
    let mut found = false;
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && i + 1 < body.len() {
            found |= fold(body[i + 1], nocase) == c;
            i += 2;
        } else if i + 2 < body.len() && body[i + 1] == b'-' {
            let (mut lo, mut hi) = (fold(body[i], nocase), fold(body[i + 2], nocase));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            found |= (lo..=hi).contains(&c);
            i += 3;
        } else {
            found |= fold(body[i], nocase) == c;
            i += 1;
        }
    }
    found != negate
}

/// Whether `string` matches the glob `pattern`.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut unlimited = u64::MAX;
    glob_match_within(pattern, string, nocase, &mut unlimited).unwrap_or(false)
}

/// [`glob_match`] in at most `steps` steps (one per pattern token tried);
/// `None` once they run out. It never needs more than about
/// `(pattern.len() + 1) * (string.len() + 1)`: one `*` is backtracked at a time.
fn glob_match_within(pattern: &[u8], string: &[u8], nocase: bool, steps: &mut u64) -> Option<bool> {
    let (mut p, mut s) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, string index).
    let mut backtrack: Option<(usize, usize)> = None;
    while s < string.len() {
        *steps = steps.checked_sub(1)?;
        if p < pattern.len() {
            let (tok, next) = token(pattern, p);
            let matched = match tok {
                Token::Star => {
                    backtrack = Some((next, s));
                    p = next;
                    continue;
                }
                Token::Any => true,
                Token::Set { body } => set_matches(body, string[s], nocase),
                Token::Literal(b) => fold(b, nocase) == fold(string[s], nocase),
            };
            if matched {
                p = next;
                s += 1;
                continue;
            }
        }
        match backtrack {
            Some((bp, bs)) => {
                p = bp;
                s = bs + 1;
                backtrack = Some((bp, bs + 1));
            }
            None => return Some(false),
        }
    }
    Some(pattern[p..].iter().all(|&b| b == b'*'))
}

#[cfg(test)]
mod tests {
    use super::{glob_match, glob_match_within};
    use proptest::prelude::*;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn redis_glob_rules() {
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("[\\]]", "]"));
        assert!(m("user:*:name", "user:1:name"));
        assert!(!m("user:*:name", "user:1:age"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(glob_match(b"HE*", b"hello", true));
    }

    #[test]
    fn adversarial_pattern_is_fast() {
        let pattern = "a*".repeat(50) + "b";
        let subject = "a".repeat(10_000);
        // Bounded by an operation count, not by time: a matcher that
        // backtracked over every `*` would need exponentially many steps.
        let bound = (pattern.len() as u64 + 1) * (subject.len() as u64 + 1);
        let mut steps = bound;
        assert_eq!(glob_match_within(pattern.as_bytes(), subject.as_bytes(), false, &mut steps), Some(false));
        assert!(bound - steps <= 2 * subject.len() as u64 * 50, "{} steps", bound - steps);
        assert_eq!(glob_match_within(b"*b", b"aaaa", false, &mut 3), None, "an exhausted budget says so");
        assert!(!m(&pattern, &subject));
    }

    /// Reference: naive recursive matcher over patterns without sets/escapes.
    fn naive(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, _) => s.is_empty(),
            (Some(b'*'), _) => naive(&p[1..], s) || (!s.is_empty() && naive(p, &s[1..])),
            (Some(b'?'), Some(_)) => naive(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => naive(&p[1..], &s[1..]),
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn agrees_with_naive_matcher(p in "[ab*?]{0,8}", s in "[ab]{0,10}") {
            prop_assert_eq!(m(&p, &s), naive(p.as_bytes(), s.as_bytes()));
        }

        #[test]
        fn literal_patterns_match_themselves(s in "[a-z0-9:]{0,20}") {
            prop_assert!(m(&s, &s));
        }
    }
}

//! Request parsing: RESP multibulk arrays and inline commands, resumable
//! across reads. Arguments are spans of the read buffer, never copies, and a
//! declared length never reserves memory: the buffer only grows as bytes arrive.

use std::fmt;

pub use super::error::ParseError;
pub use super::inline::{parse_f64, parse_i64, split_inline};

/// Redis's limits on what one request may declare.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `proto-max-bulk-len`.
    pub max_bulk_len: usize,
    /// The largest multibulk count.
    pub max_args: usize,
    /// The longest inline line, and the longest length header.
    pub max_inline: usize,
    /// The client has not authenticated: Redis allows it at most
    /// [`UNAUTH_MAX_ARGS`] arguments of at most [`UNAUTH_MAX_BULK_LEN`] bytes.
    pub unauthenticated: bool,
}

/// The largest multibulk count an unauthenticated client may send.
pub const UNAUTH_MAX_ARGS: i64 = 10;
/// The longest bulk string an unauthenticated client may send.
pub const UNAUTH_MAX_BULK_LEN: i64 = 16384;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_args: 1024 * 1024,
            max_inline: 64 * 1024,
            unauthenticated: false,
        }
    }
}

/// The outcome of one [`RequestParser::parse`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed; call again with the same frame start.
    Incomplete,
    /// A frame with no arguments (empty line, `*0`, `*-1`): no reply is due.
    Empty { consumed: usize },
    /// A whole request; its arguments are in [`RequestParser::argv`].
    Request { consumed: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Multibulk,
    Inline,
}

/// A request's arguments, borrowed from the read buffer or the parser.
#[derive(Clone, Copy)]
pub enum Argv<'a> {
    Spans { buf: &'a [u8], spans: &'a [(usize, usize)] },
    Owned(&'a [Vec<u8>]),
}

impl<'a> Argv<'a> {
    pub fn len(&self) -> usize {
        match self {
            Argv::Spans { spans, .. } => spans.len(),
            Argv::Owned(args) => args.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> &'a [u8] {
        match *self {
            Argv::Spans { buf, spans } => &buf[spans[index].0..spans[index].1],
            Argv::Owned(args) => &args[index],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl fmt::Debug for Argv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(String::from_utf8_lossy)).finish()
    }
}

/// Parses requests from the front of a connection's read buffer.
#[derive(Debug)]
pub struct RequestParser {
    limits: Limits,
    kind: Kind,
    /// Arguments a multibulk in progress declared; 0 when none is.
    expected: usize,
    /// Bytes of the current frame already parsed.
    offset: usize,
    spans: Vec<(usize, usize)>,
    inline: Vec<Vec<u8>>,
}

impl RequestParser {
    pub fn new(limits: Limits) -> Self {
        RequestParser {
            limits,
            kind: Kind::Multibulk,
            expected: 0,
            offset: 0,
            spans: Vec::new(),
            inline: Vec::new(),
        }
    }

    /// The limits the next frames are parsed with.
    pub fn limits_mut(&mut self) -> &mut Limits {
        &mut self.limits
    }

    /// Parses the frame at the start of `buf`. After `Incomplete`, call again
    /// with a buffer that starts at the same frame and holds more bytes.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Parsed, ParseError> {
        if self.expected == 0 && buf.first() == Some(&b'*') {
            if let Some(consumed) = self.whole_multibulk(buf) {
                return Ok(Parsed::Request { consumed });
            }
        }
        self.parse_general(buf)
    }

    /// [`RequestParser::parse`] for every frame, whole or not.
    fn parse_general(&mut self, buf: &[u8]) -> Result<Parsed, ParseError> {
        if self.expected == 0 {
            match buf.first() {
                None => return Ok(Parsed::Incomplete),
                Some(b'*') => {
                    let Some((end, count)) = self.header(buf, "too big mbulk count string")? else {
                        return Ok(Parsed::Incomplete);
                    };
                    let count = count
                        .filter(|&n| n <= self.limits.max_args as i64)
                        .ok_or_else(|| ParseError::new("invalid multibulk length"))?;
                    if count > UNAUTH_MAX_ARGS && self.limits.unauthenticated {
                        return Err(ParseError::new("unauthenticated multibulk length"));
                    }
                    if count <= 0 {
                        return Ok(Parsed::Empty { consumed: end + 2 });
                    }
                    self.kind = Kind::Multibulk;
                    self.expected = count as usize;
                    self.offset = end + 2;
                    self.spans.clear();
                }
                Some(_) => return self.parse_inline(buf),
            }
        }
        while self.spans.len() < self.expected {
            let rest = &buf[self.offset..];
            // As Redis, the header line must be complete before its `$` is checked.
            let Some((end, len)) = self.header(rest, "too big bulk count string")? else {
                return Ok(Parsed::Incomplete);
            };
            if rest[0] != b'$' {
                return Err(ParseError(format!("expected '$', got '{}'", rest[0] as char)));
            }
            let len = len
                .filter(|&n| n >= 0 && n as u64 <= self.limits.max_bulk_len as u64)
                .ok_or_else(|| ParseError::new("invalid bulk length"))?;
            if len > UNAUTH_MAX_BULK_LEN && self.limits.unauthenticated {
                return Err(ParseError::new("unauthenticated bulk length"));
            }
            let len = len as usize;
            let start = self.offset + end + 2;
            if buf.len() < start + len + 2 {
                return Ok(Parsed::Incomplete);
            }
            self.spans.push((start, start + len));
            self.offset = start + len + 2;
        }
        let consumed = self.offset;
        self.expected = 0;
        self.offset = 0;
        Ok(Parsed::Request { consumed })
    }

    /// The usual request in one pass, with nothing kept between calls: a
    /// multibulk that arrived whole, with short headers, within the limits.
    /// `None` for anything else (incomplete, an error, an unusual header),
    /// which the general path then parses from the start of the frame. When
    /// this succeeds, the general path would return the same request.
    #[inline(always)]
    fn whole_multibulk(&mut self, buf: &[u8]) -> Option<usize> {
        let limits = self.limits;
        let (end, count) = short_header(buf)?;
        if count == 0
            || count as u64 > limits.max_args as u64
            || (count > UNAUTH_MAX_ARGS && limits.unauthenticated)
        {
            return None;
        }
        let mut offset = end + 2;
        self.spans.clear();
        for _ in 0..count {
            let rest = buf.get(offset..)?;
            if rest.first() != Some(&b'$') {
                return None;
            }
            let (end, len) = short_header(rest)?;
            if len as u64 > limits.max_bulk_len as u64
                || (len > UNAUTH_MAX_BULK_LEN && limits.unauthenticated)
            {
                return None;
            }
            let start = offset + end + 2;
            let stop = start + len as usize;
            if buf.len() < stop + 2 {
                return None;
            }
            self.spans.push((start, stop));
            offset = stop + 2;
        }
        self.kind = Kind::Multibulk;
        Some(offset)
    }

    /// The arguments of the request the last `parse` returned.
    pub fn argv<'a>(&'a self, buf: &'a [u8]) -> Argv<'a> {
        match self.kind {
            Kind::Multibulk => Argv::Spans { buf, spans: &self.spans },
            Kind::Inline => Argv::Owned(&self.inline),
        }
    }

    /// Bytes the request in progress has declared so far (for limits).
    pub fn in_progress(&self) -> bool {
        self.expected != 0
    }

    /// A `*N` / `$N` header that arrived: where its `\r\n` starts, and N
    /// as [`parse_i64`] reads it. The usual header (a few digits, then `\r`
    /// and one more byte) is read in one pass; anything else goes through
    /// [`RequestParser::header_end`], with the same results.
    #[inline(always)]
    fn header(&self, buf: &[u8], too_big: &str) -> Result<Option<(usize, Option<i64>)>, ParseError> {
        match short_header(buf) {
            Some((end, n)) => Ok(Some((end, Some(n)))),
            None => self.any_header(buf, too_big),
        }
    }

    /// [`RequestParser::header`] for the headers `short_header` leaves.
    #[cold]
    #[inline(never)]
    fn any_header(&self, buf: &[u8], too_big: &str) -> Result<Option<(usize, Option<i64>)>, ParseError> {
        // A line ending at once (`\r\n` where `$N` belongs) has no number:
        // the caller rejects its first byte.
        Ok(self.header_end(buf, too_big)?.map(|end| (end, buf.get(1..end).and_then(parse_i64))))
    }

    /// Where the `\r\n` ending a `*N` / `$N` header starts, if it arrived.
    fn header_end(&self, buf: &[u8], too_big: &str) -> Result<Option<usize>, ParseError> {
        // As Redis's strchr, a NUL hides the `\r` after it.
        match memchr::memchr2(b'\r', 0, buf).filter(|&at| buf[at] == b'\r') {
            Some(end) if end + 1 < buf.len() => Ok(Some(end)),
            Some(_) => Ok(None),
            None if buf.len() > self.limits.max_inline => Err(ParseError::new(too_big)),
            None => Ok(None),
        }
    }

    fn parse_inline(&mut self, buf: &[u8]) -> Result<Parsed, ParseError> {
        // Redis finds the line's end with strchr, which stops at a NUL: a
        // NUL before the newline leaves the request incomplete.
        let newline = memchr::memchr2(b'\n', 0, buf).filter(|&at| buf[at] == b'\n');
        let Some(newline) = newline else {
            if buf.len() > self.limits.max_inline {
                return Err(ParseError::new("too big inline request"));
            }
            return Ok(Parsed::Incomplete);
        };
        if newline > self.limits.max_inline {
            return Err(ParseError::new("too big inline request"));
        }
        let line = buf[..newline].strip_suffix(b"\r").unwrap_or(&buf[..newline]);
        self.kind = Kind::Inline;
        self.inline = split_inline(line)?;
        let consumed = newline + 1;
        if self.inline.is_empty() {
            Ok(Parsed::Empty { consumed })
        } else {
            Ok(Parsed::Request { consumed })
        }
    }
}

/// The fast path of [`RequestParser::header`]: after the type byte, 1 to
/// 18 digits without a leading zero (so no overflow), then `\r` and at least
/// one more byte. Where the slow path would find the same `\r` (no `\r` or
/// NUL comes before it) and `parse_i64` the same value; `None` otherwise.
#[inline(always)]
fn short_header(buf: &[u8]) -> Option<(usize, i64)> {
    const MAX_DIGITS: usize = 18;
    let mut value: i64 = 0;
    let mut end = 1;
    while end <= MAX_DIGITS {
        let digit = buf.get(end)?.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value * 10 + i64::from(digit);
        end += 1;
    }
    let digits = end - 1;
    if digits == 0 || (digits > 1 && buf[1] == b'0') || buf.get(end) != Some(&b'\r') || end + 1 >= buf.len() {
        return None;
    }
    Some((end, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<String>>, ParseError> {
        let mut parser = RequestParser::new(Limits::default());
        let mut pos = 0;
        let mut out = Vec::new();
        loop {
            match parser.parse(&input[pos..])? {
                Parsed::Incomplete => return Ok(out),
                Parsed::Empty { consumed } => pos += consumed,
                Parsed::Request { consumed } => {
                    let argv = parser.argv(&input[pos..]);
                    out.push(argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect());
                    pos += consumed;
                }
            }
        }
    }

    #[test]
    fn multibulk_and_inline_mix() {
        let got = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nSET a 'b c'\n\r\n*0\r\n").unwrap();
        assert_eq!(got, vec![vec!["GET", "k"], vec!["PING"], vec!["SET", "a", "b c"]]);
    }

    #[test]
    fn resumes_across_reads() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut parser = RequestParser::new(Limits::default());
        for cut in 0..input.len() {
            assert_eq!(parser.parse(&input[..cut]).unwrap(), Parsed::Incomplete, "cut {cut}");
        }
        assert_eq!(parser.parse(input).unwrap(), Parsed::Request { consumed: input.len() });
        let argv = parser.argv(input);
        assert_eq!(argv.get(2), b"value");
    }

    #[test]
    fn protocol_errors_match_redis() {
        let err = |input: &[u8]| parse_all(input).unwrap_err().to_string();
        assert_eq!(err(b"*abc\r\n"), "ERR Protocol error: invalid multibulk length");
        assert_eq!(err(b"*1048577\r\n"), "ERR Protocol error: invalid multibulk length");
        assert_eq!(err(b"*1\r\n$abc\r\n"), "ERR Protocol error: invalid bulk length");
        assert_eq!(err(b"*1\r\n$-1\r\n"), "ERR Protocol error: invalid bulk length");
        assert_eq!(err(b"*1\r\n$536870913\r\n"), "ERR Protocol error: invalid bulk length");
        assert_eq!(err(b"*1\r\nfoo\r\n"), "ERR Protocol error: expected '$', got 'f'");
        assert_eq!(err(b"*1\r\n\r\n"), "ERR Protocol error: expected '$', got '\r'");
        assert_eq!(err(b"*2\r\n$4\r\nECHO\r\n\r\n"), "ERR Protocol error: expected '$', got '\r'");
        assert_eq!(err(b"SET \"a b\r\n"), "ERR Protocol error: unbalanced quotes in request");
        assert_eq!(err(&vec![b'a'; 70_000]), "ERR Protocol error: too big inline request");
        let mut star = b"*".to_vec();
        star.extend(vec![b'1'; 70_000]);
        assert_eq!(err(&star), "ERR Protocol error: too big mbulk count string");
    }

    #[test]
    fn short_headers_read_as_the_general_path_does() {
        let parser = RequestParser::new(Limits::default());
        let check = |header: &[u8]| {
            let general = parser
                .header_end(header, "too big")
                .ok()
                .flatten()
                .map(|end| (end, parse_i64(&header[1..end])));
            if let Some((end, n)) = short_header(header) {
                assert_eq!(general, Some((end, Some(n))), "{:?}", String::from_utf8_lossy(header));
            }
        };
        // Every string of up to 6 bytes from an alphabet of the interesting ones.
        let alphabet = b"0159\r\n\0-a$";
        let mut tails: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..6 {
            tails =
                tails.iter().flat_map(|t| alphabet.iter().map(move |&b| [&t[..], &[b]].concat())).collect();
            for tail in &tails {
                check(&[&b"$"[..], tail].concat());
            }
        }
        for digits in
            ["1".repeat(18), "9".repeat(18), "1".repeat(19), "9223372036854775807".into(), "0".into()]
        {
            for end in [&b"\r\n"[..], b"\r", b"\rx", b"\0\r\n"] {
                check(&[b"$", digits.as_bytes(), end].concat());
            }
        }
        assert_eq!(short_header(b"$16\r\nkey"), Some((3, 16)));
        assert_eq!(short_header(b"*3\r\n"), Some((2, 3)));
        assert_eq!(short_header(b"$16\r"), None, "waits for the byte after the \\r");
        assert_eq!(short_header(b"$01\r\n"), None);
        assert_eq!(short_header(b"$-1\r\n"), None);
        assert_eq!(short_header(&[b"$", "1".repeat(19).as_bytes(), b"\r\n"].concat()), None);
    }

    #[test]
    fn whole_requests_read_as_the_general_path_does() {
        let frames: Vec<Vec<u8>> = vec![
            b"*2\r\n$3\r\nGET\r\n$16\r\nkey:000000012345\r\n".to_vec(),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n".to_vec(),
            b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n".to_vec(),
            b"*0\r\n".to_vec(),
            b"*-1\r\n".to_vec(),
            b"*2\r\n$3\r\nGET\r\n:1\r\n".to_vec(),
            b"*1\r\n$01\r\nx\r\n".to_vec(),
            b"*11\r\n".to_vec(),
            [&b"*11\r\n"[..], &b"$1\r\nx\r\n".repeat(11)].concat(),
            [&b"*1\r\n$20000\r\n"[..], &[b'x'; 20000], b"\r\n"].concat(),
            [&b"*1\r\n$20\r\n"[..], &[b'x'; 20], b"\r\n"].concat(),
            b"*1\r\n$1\r\nx\r\n".to_vec(),
            b"*2\r\n$3\r\nGET\r\n$1\r\nk".to_vec(),
        ];
        for frame in &frames {
            for unauthenticated in [false, true] {
                for max_bulk_len in [512 * 1024 * 1024, 16, 0] {
                    let limits = Limits { unauthenticated, max_bulk_len, max_args: 10, ..Limits::default() };
                    for cut in 0..=frame.len() {
                        let input = &frame[..cut];
                        let mut fast = RequestParser::new(limits);
                        let mut general = RequestParser::new(limits);
                        let expected = general.parse_general(input);
                        if let Some(consumed) = fast.whole_multibulk(input) {
                            assert_eq!(
                                expected,
                                Ok(Parsed::Request { consumed }),
                                "{:?}",
                                String::from_utf8_lossy(input)
                            );
                            let args = |p: &RequestParser| {
                                p.argv(input).iter().map(<[u8]>::to_vec).collect::<Vec<_>>()
                            };
                            assert_eq!(args(&fast), args(&general));
                        }
                        assert_eq!(RequestParser::new(limits).parse(input), expected);
                    }
                }
            }
        }
    }

    #[test]
    fn huge_declared_bulk_waits_without_failing() {
        assert_eq!(parse_all(b"*1\r\n$536870912\r\nabc").unwrap(), Vec::<Vec<String>>::new());
    }

    #[test]
    fn nul_bytes_in_inline_requests() {
        // Found by the malformed-input test: a NUL once made split_inline
        // loop forever, pushing empty words.
        assert_eq!(split_inline(b"\x00").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(split_inline(b"PING\x00x").unwrap(), vec![b"PING".to_vec()]);
        assert!(split_inline(b"\"a\x00\"").is_err());
        let mut p = RequestParser::new(Limits::default());
        // As Redis (strchr stops at the NUL), the line never ends.
        assert_eq!(p.parse(b"\x00\r\n"), Ok(Parsed::Incomplete));
        assert_eq!(p.parse(b"PING\x00\r\nPING\r\n"), Ok(Parsed::Incomplete));
        let long = [&b"a\x00"[..], &[b'b'; 70 * 1024][..], b"\r\n"].concat();
        assert_eq!(p.parse(&long), Err(ParseError::new("too big inline request")));
    }

    #[test]
    fn inline_quoting_like_sdssplitargs() {
        let split = |s: &[u8]| split_inline(s).unwrap();
        assert_eq!(split(b"  a  b "), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(split(b"\"a\\x41\\n\" 'it\\'s'"), vec![b"aA\n".to_vec(), b"it's".to_vec()]);
        assert_eq!(split(b"\"\""), vec![Vec::<u8>::new()]);
        assert!(split_inline(b"\"a\"b").is_err());
        assert!(split_inline(b"'abc").is_err());
    }

    #[test]
    fn floats_like_strtod() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        for bad in [&b"nan"[..], b" 1", b"1 ", b"", b"abc", b"1.2.3"] {
            assert_eq!(parse_f64(bad), None);
        }
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        for bad in [&b"9223372036854775808"[..], b"01", b"+1", b" 1", b"", b"-", b"-0", b"1a"] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}

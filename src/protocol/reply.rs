//! Reply values and their encodings: RESP2, RESP3 (after `HELLO 3`) and the
//! plain text the human `nc` session sees.

use std::borrow::Cow;
use std::fmt;

/// Buffers of written bulk replies, kept per thread for the next ones
/// (see [`Reply::recycle`]): at most this many, of at most this capacity.
const SPARE_BUFFERS: usize = 32;
const SPARE_CAPACITY: usize = 512;

thread_local! {
    static SPARE: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Keeps `buffer` for a later [`Reply::bulk`] when it is small and there is room.
fn keep_spare(mut buffer: Vec<u8>) {
    if (1..=SPARE_CAPACITY).contains(&buffer.capacity()) {
        buffer.clear();
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_BUFFERS {
                spare.push(buffer);
            }
        });
    }
}

/// An error reply: the full text including its code, e.g. `ERR syntax error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyError(pub Cow<'static, str>);

impl ReplyError {
    pub const SYNTAX: ReplyError = ReplyError::from_static("ERR syntax error");
    pub const NOT_INTEGER: ReplyError =
        ReplyError::from_static("ERR value is not an integer or out of range");
    pub const NOT_FLOAT: ReplyError = ReplyError::from_static("ERR value is not a valid float");
    pub const WRONG_TYPE: ReplyError =
        ReplyError::from_static("WRONGTYPE Operation against a key holding the wrong kind of value");
    pub const OVERFLOW: ReplyError = ReplyError::from_static("ERR increment or decrement would overflow");
    pub const NO_SUCH_KEY: ReplyError = ReplyError::from_static("ERR no such key");
    pub const NOAUTH: ReplyError = ReplyError::from_static("NOAUTH Authentication required.");
    pub const DB_INDEX: ReplyError = ReplyError::from_static("ERR DB index is out of range");
    pub const OOM: ReplyError =
        ReplyError::from_static("OOM command not allowed when used memory > 'maxmemory'.");

    pub const fn from_static(text: &'static str) -> Self {
        ReplyError(Cow::Borrowed(text))
    }

    /// An `ERR`-coded error with a formatted message.
    pub fn err(message: impl fmt::Display) -> Self {
        ReplyError(Cow::Owned(format!("ERR {message}")))
    }

    /// Redis's arity error for a command or `container|subcommand`.
    pub fn wrong_arity(name: &str) -> Self {
        Self::err(format_args!("wrong number of arguments for '{name}' command"))
    }

    /// `ERR invalid expire time in 'set' command`.
    pub fn invalid_expire(name: &str) -> Self {
        Self::err(format_args!("invalid expire time in '{name}' command"))
    }

    pub fn text(&self) -> &str {
        &self.0
    }
}

impl From<&'static str> for ReplyError {
    fn from(text: &'static str) -> Self {
        ReplyError(Cow::Borrowed(text))
    }
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An array of bulk strings encoded as its elements are read (list ranges
/// and pops): one buffer however many elements, written out in one copy.
/// RESP2 and RESP3 encode an array of bulk strings alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodedBulks {
    count: usize,
    resp: Vec<u8>,
}

impl EncodedBulks {
    /// Room for `count` elements of about `typical_len` bytes each.
    pub fn with_capacity(count: usize, typical_len: usize) -> Self {
        // `$` + digits + CRLF + bytes + CRLF; capped so a huge count reserves
        // no more than its elements will fill.
        let bytes = count.min(1 << 16).saturating_mul(typical_len + 8);
        EncodedBulks { count: 0, resp: Vec::with_capacity(bytes) }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        bulk(&mut self.resp, b'$', bytes);
        self.count += 1;
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The elements decoded back (the human session, tests).
    pub fn items(&self) -> Vec<Reply> {
        let mut items = Vec::with_capacity(self.count);
        let mut rest = &self.resp[..];
        while let Some(digits_end) = rest.iter().position(|&b| b == b'\r') {
            let len: usize = std::str::from_utf8(&rest[1..digits_end])
                .ok()
                .and_then(|digits| digits.parse().ok())
                .expect("written by push");
            let start = digits_end + 2;
            items.push(Reply::Bulk(rest[start..start + len].to_vec()));
            rest = &rest[start + len + 2..];
        }
        items
    }
}

impl<B: AsRef<[u8]>> FromIterator<B> for EncodedBulks {
    fn from_iter<I: IntoIterator<Item = B>>(items: I) -> Self {
        let items = items.into_iter();
        let mut bulks = EncodedBulks::with_capacity(items.size_hint().0, 8);
        items.for_each(|item| bulks.push(item.as_ref()));
        bulks
    }
}

/// What a command answers. Commands build these; the connection encodes them.
#[derive(Debug, Clone)]
pub enum Reply {
    /// `+OK`-style status line.
    Simple(Cow<'static, str>),
    Error(ReplyError),
    Integer(i64),
    Bulk(Vec<u8>),
    /// A missing value: `$-1` in RESP2, `_` in RESP3.
    Null,
    /// A missing aggregate: `*-1` in RESP2, `_` in RESP3.
    NullArray,
    Array(Vec<Reply>),
    /// An array of bulk strings, already encoded; equal to the `Array` of
    /// the same `Bulk`s.
    EncodedBulks(EncodedBulks),
    /// A map in RESP3; a flat array of key, value, ... in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// A set in RESP3; an array in RESP2.
    Set(Vec<Reply>),
    /// A double in RESP3; a bulk string in RESP2.
    Double(f64),
    /// A boolean in RESP3; the integer 1 or 0 in RESP2.
    Bool(bool),
    /// Verbatim text (`=` with format `txt`) in RESP3; a bulk string in RESP2.
    Verbatim(Vec<u8>),
    /// Nothing is written (e.g. `CLIENT REPLY OFF`, a successful `SHUTDOWN`).
    None,
    /// Pub/sub: a push frame (`>`) in RESP3; an array in RESP2.
    Push(Vec<Reply>),
    /// Pub/sub: several replies to one request (`SUBSCRIBE a b`), one after another.
    Sequence(Vec<Reply>),
}

impl PartialEq for Reply {
    fn eq(&self, other: &Self) -> bool {
        use Reply::*;
        match (self, other) {
            (Simple(a), Simple(b)) => a == b,
            (Error(a), Error(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (Bulk(a), Bulk(b)) | (Verbatim(a), Verbatim(b)) => a == b,
            (Null, Null) | (NullArray, NullArray) | (None, None) => true,
            (Array(a), Array(b)) | (Set(a), Set(b)) | (Push(a), Push(b)) | (Sequence(a), Sequence(b)) => {
                a == b
            }
            (EncodedBulks(a), EncodedBulks(b)) => a == b,
            (EncodedBulks(encoded), Array(items)) | (Array(items), EncodedBulks(encoded)) => {
                encoded.items() == *items
            }
            (Map(a), Map(b)) => a == b,
            (Double(a), Double(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl Reply {
    pub const OK: Reply = Reply::Simple(Cow::Borrowed("OK"));

    pub fn simple(text: &'static str) -> Reply {
        Reply::Simple(Cow::Borrowed(text))
    }

    pub fn bulk(bytes: impl AsRef<[u8]>) -> Reply {
        let bytes = bytes.as_ref();
        if bytes.len() <= SPARE_CAPACITY {
            if let Some(mut buffer) = SPARE.try_with(|spare| spare.borrow_mut().pop()).ok().flatten() {
                buffer.extend_from_slice(bytes);
                return Reply::Bulk(buffer);
            }
        }
        Reply::Bulk(bytes.to_vec())
    }

    /// Done with a reply (it was written): a short bulk string's buffer
    /// is kept for this thread's next [`Reply::bulk`], which then costs no
    /// allocation.
    #[inline]
    pub fn recycle(self) {
        if let Reply::Bulk(buffer) = self {
            keep_spare(buffer);
        }
    }

    pub fn error(text: &'static str) -> Reply {
        Reply::Error(ReplyError::from_static(text))
    }

    /// A bulk string, or `Null` when absent.
    pub fn bulk_or_null(value: Option<impl AsRef<[u8]>>) -> Reply {
        value.map_or(Reply::Null, Reply::bulk)
    }

    /// An array of bulk strings.
    pub fn bulks<I, B>(items: I) -> Reply
    where
        I: IntoIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        Reply::Array(items.into_iter().map(Reply::bulk).collect())
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// Appends the wire encoding of this reply to `out`.
    pub fn write_resp(&self, out: &mut Vec<u8>, resp3: bool) {
        match self {
            // Most writes' reply, in one append.
            Reply::Simple(text) if text == "OK" => out.extend_from_slice(b"+OK\r\n"),
            Reply::Simple(text) => line(out, b'+', text.as_bytes()),
            Reply::Error(err) => line(out, b'-', &sanitize(err.text())),
            Reply::Integer(n) => header(out, b':', *n),
            Reply::Bulk(bytes) => bulk(out, b'$', bytes),
            Reply::Null if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::Null => out.extend_from_slice(b"$-1\r\n"),
            Reply::NullArray if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::NullArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Array(items) => {
                header(out, b'*', items.len() as i64);
                items.iter().for_each(|item| item.write_resp(out, resp3));
            }
            Reply::EncodedBulks(bulks) => {
                header(out, b'*', bulks.count as i64);
                out.extend_from_slice(&bulks.resp);
            }
            Reply::Set(items) => {
                header(out, if resp3 { b'~' } else { b'*' }, items.len() as i64);
                items.iter().for_each(|item| item.write_resp(out, resp3));
            }
            Reply::Map(pairs) => {
                if resp3 {
                    header(out, b'%', pairs.len() as i64);
                } else {
                    header(out, b'*', 2 * pairs.len() as i64);
                }
                for (key, value) in pairs {
                    key.write_resp(out, resp3);
                    value.write_resp(out, resp3);
                }
            }
            Reply::Double(value) if resp3 => line(out, b',', format_double(*value).as_bytes()),
            Reply::Double(value) => bulk(out, b'$', format_double(*value).as_bytes()),
            Reply::Bool(value) if resp3 => out.extend_from_slice(if *value { b"#t\r\n" } else { b"#f\r\n" }),
            Reply::Bool(value) => header(out, b':', *value as i64),
            Reply::Verbatim(text) if resp3 => {
                header(out, b'=', text.len() as i64 + 4);
                out.extend_from_slice(b"txt:");
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Verbatim(text) => bulk(out, b'$', text),
            Reply::None => {}
            Reply::Push(items) => {
                header(out, if resp3 { b'>' } else { b'*' }, items.len() as i64);
                items.iter().for_each(|item| item.write_resp(out, resp3));
            }
            Reply::Sequence(replies) => replies.iter().for_each(|reply| reply.write_resp(out, resp3)),
        }
    }

    /// Appends the plain-text form shown in the human session, as redis-cli
    /// would print it but with top-level strings unquoted. No trailing newline.
    pub fn write_human(&self, out: &mut Vec<u8>) {
        self.human(out, 0, true);
    }

    fn human(&self, out: &mut Vec<u8>, indent: usize, top: bool) {
        match self {
            Reply::Simple(text) => out.extend_from_slice(text.as_bytes()),
            Reply::Error(err) => {
                out.extend_from_slice(b"(error) ");
                out.extend_from_slice(err.text().as_bytes());
            }
            Reply::Integer(n) => out.extend_from_slice(format!("(integer) {n}").as_bytes()),
            Reply::Bulk(bytes) | Reply::Verbatim(bytes) if top => out.extend_from_slice(bytes),
            Reply::Bulk(bytes) | Reply::Verbatim(bytes) => quote(out, bytes),
            Reply::Null | Reply::NullArray => out.extend_from_slice(b"(nil)"),
            Reply::Double(value) => {
                out.extend_from_slice(format!("(double) {}", format_double(*value)).as_bytes())
            }
            Reply::Bool(value) => out.extend_from_slice(if *value { b"(true)" } else { b"(false)" }),
            Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
                human_list(out, items.iter(), indent)
            }
            Reply::Sequence(replies) => {
                for (i, reply) in replies.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b"\r\n");
                    }
                    reply.human(out, indent, top);
                }
            }
            Reply::EncodedBulks(bulks) => human_list(out, bulks.items().iter(), indent),
            Reply::Map(pairs) => {
                let flat: Vec<&Reply> = pairs.iter().flat_map(|(k, v)| [k, v]).collect();
                human_list(out, flat.into_iter(), indent)
            }
            Reply::None => {}
        }
    }
}

fn human_list<'a>(out: &mut Vec<u8>, items: impl ExactSizeIterator<Item = &'a Reply>, indent: usize) {
    let count = items.len();
    if count == 0 {
        out.extend_from_slice(b"(empty array)");
        return;
    }
    let width = count.to_string().len();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
            out.resize(out.len() + indent, b' ');
        }
        let label = format!("{:>width$}) ", i + 1);
        out.extend_from_slice(label.as_bytes());
        item.human(out, indent + label.len(), false);
    }
}

/// redis-cli's quoting: printable bytes as-is, the rest escaped.
fn quote(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// Error text must stay on one line, as Redis guarantees.
fn sanitize(text: &str) -> Cow<'_, [u8]> {
    if text.bytes().any(|b| b == b'\r' || b == b'\n') {
        Cow::Owned(text.bytes().map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect())
    } else {
        Cow::Borrowed(text.as_bytes())
    }
}

fn line(out: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    out.push(prefix);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, prefix: u8, n: i64) {
    // One store for the usual small lengths and counts.
    if (0..10).contains(&n) {
        out.extend_from_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']);
        return;
    }
    out.push(prefix);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, prefix: u8, bytes: &[u8]) {
    header(out, prefix, bytes.len() as i64);
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Formats a double as Redis 7.0's `addReplyDouble` does: `inf`, `-inf`,
/// `nan`, otherwise C's `%.17g` (17 significant digits, trailing zeros
/// dropped, exponent form below 1e-4 and from 1e17).
pub fn format_double(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Whole numbers below 1e17 (leaderboard scores): `%.17g` prints them as
    // integers, exactly, so skip the decimal expansion.
    if value.fract() == 0.0 && value.abs() < 1e17 {
        return itoa::Buffer::new().format(value as i64).to_string();
    }
    let scientific = format!("{value:.16e}");
    let (mantissa, exponent) = scientific.split_once('e').expect("an exponent");
    let exponent: i32 = exponent.parse().expect("a decimal exponent");
    let strip = |text: &str| -> String {
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text.to_string()
        }
    };
    if !(-4..17).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip(mantissa), exponent.abs())
    } else {
        strip(&format!("{value:.*}", (16 - exponent) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(reply: &Reply, resp3: bool) -> String {
        let mut out = Vec::new();
        reply.write_resp(&mut out, resp3);
        String::from_utf8(out).unwrap()
    }

    fn human(reply: &Reply) -> String {
        let mut out = Vec::new();
        reply.write_human(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn resp2_and_resp3_encodings() {
        assert_eq!(resp(&Reply::OK, false), "+OK\r\n");
        assert_eq!(resp(&Reply::simple("QUEUED"), false), "+QUEUED\r\n");
        assert_eq!(resp(&Reply::Simple("OK".to_string().into()), true), "+OK\r\n");
        assert_eq!(resp(&Reply::Integer(-3), false), ":-3\r\n");
        assert_eq!(resp(&Reply::bulk("hi"), false), "$2\r\nhi\r\n");
        assert_eq!(resp(&Reply::bulk(""), false), "$0\r\n\r\n");
        assert_eq!(resp(&Reply::bulk("0123456789"), false), "$10\r\n0123456789\r\n");
        assert_eq!(resp(&Reply::Integer(9), false), ":9\r\n");
        assert_eq!(resp(&Reply::Integer(10), false), ":10\r\n");
        assert_eq!(resp(&Reply::Integer(-1), false), ":-1\r\n");
        assert_eq!(resp(&Reply::Null, false), "$-1\r\n");
        assert_eq!(resp(&Reply::Null, true), "_\r\n");
        assert_eq!(resp(&Reply::NullArray, false), "*-1\r\n");
        let map = Reply::Map(vec![(Reply::bulk("a"), Reply::Integer(1))]);
        assert_eq!(resp(&map, false), "*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(resp(&map, true), "%1\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(resp(&Reply::Set(vec![]), true), "~0\r\n");
        assert_eq!(resp(&Reply::Bool(true), true), "#t\r\n");
        assert_eq!(resp(&Reply::Bool(false), false), ":0\r\n");
        assert_eq!(resp(&Reply::Double(1.5), true), ",1.5\r\n");
        assert_eq!(resp(&Reply::Double(1.5), false), "$3\r\n1.5\r\n");
        assert_eq!(resp(&Reply::Verbatim(b"x".to_vec()), true), "=5\r\ntxt:x\r\n");
        assert_eq!(resp(&Reply::error("ERR a\r\nb"), false), "-ERR a  b\r\n");
    }

    #[test]
    fn encoded_bulks_match_an_array_of_bulks() {
        let items: [&[u8]; 4] = [b"a", b"", b"0123456789", b"x\r\ny"];
        let encoded = Reply::EncodedBulks(items.iter().collect());
        let array = Reply::bulks(items);
        for resp3 in [false, true] {
            assert_eq!(resp(&encoded, resp3), resp(&array, resp3));
        }
        assert_eq!(resp(&encoded, false), "*4\r\n$1\r\na\r\n$0\r\n\r\n$10\r\n0123456789\r\n$4\r\nx\r\ny\r\n");
        assert_eq!(encoded, array);
        assert_eq!(array, encoded);
        assert_ne!(encoded, Reply::bulks(["a"]));
        assert_eq!(human(&encoded), human(&array));
        let empty = Reply::EncodedBulks(EncodedBulks::default());
        assert_eq!(resp(&empty, true), "*0\r\n");
        assert_eq!(human(&empty), "(empty array)");
    }

    #[test]
    fn human_forms() {
        assert_eq!(human(&Reply::OK), "OK");
        assert_eq!(human(&Reply::bulk("Alice")), "Alice");
        assert_eq!(human(&Reply::Null), "(nil)");
        assert_eq!(human(&Reply::Integer(2)), "(integer) 2");
        assert_eq!(human(&Reply::error("ERR x")), "(error) ERR x");
        assert_eq!(human(&Reply::Array(vec![])), "(empty array)");
        let list = Reply::Array(vec![Reply::bulk("a b"), Reply::Integer(1), Reply::Null]);
        assert_eq!(human(&list), "1) \"a b\"\r\n2) (integer) 1\r\n3) (nil)");
        let nested = Reply::Array(vec![Reply::Array(vec![Reply::bulk("x"), Reply::bulk("y")])]);
        assert_eq!(human(&nested), "1) 1) \"x\"\r\n   2) \"y\"");
    }

    #[test]
    fn doubles_format_like_redis() {
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(-42.0), "-42");
        assert_eq!(format_double(99_999_999_999_999_990.0), "99999999999999984");
        assert_eq!(format_double(1e17), "1e+17");
        assert_eq!(format_double(9007199254740993.0), "9007199254740992");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(1.1), "1.1000000000000001");
        assert_eq!(format_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double(1e300), "1.0000000000000001e+300");
        assert_eq!(format_double(1e22), "1e+22");
        assert_eq!(format_double(1e17), "1e+17");
        assert_eq!(format_double(1.5e16), "15000000000000000");
        assert_eq!(format_double(1e-5), "1.0000000000000001e-05");
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(format_double(-0.0), "-0");
        assert_eq!(format_double(-2.5), "-2.5");
        assert_eq!(format_double(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
    }
}

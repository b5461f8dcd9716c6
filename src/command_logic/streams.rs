//! Logic the stream commands share: ID parsing with Redis's rules and
//! error texts, entry replies, trimming options (`XADD`, `XTRIM`).

use crate::prelude::*;
use crate::store::stream::{EntryView, Stream, StreamId, Trim};

pub const INVALID_ID: ReplyError =
    ReplyError::from_static("ERR Invalid stream ID specified as stream command argument");

/// One part of an ID as Redis's `string2ull` reads it: digits, optionally
/// after leading spaces and a `+`, within 64 bits.
fn parse_part(part: &[u8]) -> Option<u64> {
    let trimmed = part.trim_ascii_start();
    let digits = trimmed.strip_prefix(b"+").unwrap_or(trimmed);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// `ms-seq`, `ms` (seq `missing_seq`) or, when `star_seq`, `ms-*` (seq
/// `None`); with `extremes`, `-` and `+` too.
fn parse_any(arg: &[u8], missing_seq: u64, extremes: bool) -> Result<(StreamId, bool), ReplyError> {
    if arg.len() > 127 {
        return Err(INVALID_ID);
    }
    if extremes && arg == b"-" {
        return Ok((StreamId::MIN, true));
    }
    if extremes && arg == b"+" {
        return Ok((StreamId::MAX, true));
    }
    match arg.iter().position(|&b| b == b'-') {
        None => Ok((StreamId::new(parse_part(arg).ok_or(INVALID_ID)?, missing_seq), true)),
        Some(dash) => {
            let ms = parse_part(&arg[..dash]).ok_or(INVALID_ID)?;
            let seq = &arg[dash + 1..];
            if seq == b"*" {
                return Ok((StreamId::new(ms, 0), false));
            }
            Ok((StreamId::new(ms, parse_part(seq).ok_or(INVALID_ID)?), true))
        }
    }
}

/// An ID where `-` and `+` are allowed (`XRANGE`, `XGROUP CREATE`, ...).
pub fn parse_id(arg: &[u8], missing_seq: u64) -> Result<StreamId, ReplyError> {
    match parse_any(arg, missing_seq, true)? {
        (id, true) => Ok(id),
        _ => Err(INVALID_ID),
    }
}

/// An exact ID, no `-`/`+` (`XDEL`, `XACK`, `XCLAIM`, `MINID`).
pub fn parse_strict_id(arg: &[u8]) -> Result<StreamId, ReplyError> {
    match parse_any(arg, 0, false)? {
        (id, true) => Ok(id),
        _ => Err(INVALID_ID),
    }
}

/// `XADD`'s ID: explicit, or `ms-*` (the `bool` is false: the sequence is to be chosen).
pub fn parse_add_id(arg: &[u8]) -> Result<(StreamId, bool), ReplyError> {
    parse_any(arg, 0, false)
}

/// A range bound: an ID, `-`/`+`, or `(id` (exclusive). `start` picks the
/// missing sequence (0 or the largest) and the error text.
pub fn parse_bound(arg: &[u8], start: bool) -> Result<StreamId, ReplyError> {
    let missing = if start { 0 } else { u64::MAX };
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_any(&arg[1..], missing, false)
            .and_then(|(id, given)| given.then_some(id).ok_or(INVALID_ID))?;
        return if start {
            id.next().ok_or(ReplyError::from_static("ERR invalid start ID for the interval"))
        } else {
            id.prev().ok_or(ReplyError::from_static("ERR invalid end ID for the interval"))
        };
    }
    parse_id(arg, missing)
}

/// An ID as a bulk string.
pub fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.to_bytes())
}

/// `[id, [field, value, ...]]`.
pub fn entry_reply(entry: &EntryView<'_>) -> Reply {
    let mut pairs = EncodedBulks::with_capacity(entry.pairs.len() * 2, 8);
    for (field, value) in &entry.pairs {
        pairs.push(field);
        pairs.push(value);
    }
    Reply::Array(vec![id_reply(entry.id), Reply::EncodedBulks(pairs)])
}

/// Entries of `stream` in `lo..=hi` (descending when `rev`), at most `count` (0: all).
pub fn range_reply(stream: &Stream, lo: StreamId, hi: StreamId, rev: bool, count: usize) -> Reply {
    let limit = if count == 0 { usize::MAX } else { count };
    Reply::Array(stream.range(lo, hi, rev).take(limit).map(|e| entry_reply(&e)).collect())
}

/// `XADD`/`XTRIM`'s trimming: how, whether approximate, the entry limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrimArgs {
    pub how: Trim,
    pub approx: bool,
    pub limit: u64,
}

/// What `XADD`'s options before the ID say.
#[derive(Debug, Default)]
pub struct AddArgs {
    pub trim: Option<TrimArgs>,
    pub no_mkstream: bool,
    /// `None`: `*`; else the ID and whether its sequence was given.
    pub id: Option<(StreamId, bool)>,
}

/// Parses `[NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]]` and,
/// for `XADD` (`add`), the ID; stops after the ID. Redis's checks and texts.
pub fn parse_add_or_trim(args: &mut Args<'_>, add: bool, node_entries: usize) -> Result<AddArgs, ReplyError> {
    let mut parsed = AddArgs::default();
    let (mut how, mut approx, mut limit) = (None, false, None);
    while let Some(opt) = args.peek() {
        let more = args.remaining() > 1;
        if add && opt == b"*" {
            args.next()?;
            break;
        }
        let is = |name: &str| opt.eq_ignore_ascii_case(name.as_bytes());
        if (is("maxlen") || is("minid")) && more {
            if how.is_some() {
                return Err(ReplyError::from_static(
                    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            args.next()?;
            approx = false;
            if args.remaining() >= 2 {
                match args.peek() {
                    Some(b"~") => {
                        approx = true;
                        args.next()?;
                    }
                    Some(b"=") => {
                        args.next()?;
                    }
                    _ => {}
                }
            }
            if is("maxlen") {
                let max = args.next_i64()?;
                if max < 0 {
                    return Err(ReplyError::from_static("ERR The MAXLEN argument must be >= 0."));
                }
                how = Some(Trim::MaxLen(max as u64));
            } else {
                how = Some(Trim::MinId(parse_strict_id(args.next()?)?));
            }
        } else if is("limit") && more {
            args.next()?;
            let count = args.next_i64()?;
            if count < 0 {
                return Err(ReplyError::from_static("ERR The LIMIT argument must be >= 0."));
            }
            limit = Some(count as u64);
        } else if add && is("nomkstream") {
            args.next()?;
            parsed.no_mkstream = true;
        } else if add {
            parsed.id = Some(parse_add_id(args.next()?)?);
            break;
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    if limit.is_some_and(|l| l > 0) && how.is_none() {
        return Err(ReplyError::from_static(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !add && how.is_none() {
        return Err(ReplyError::from_static(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit.is_some() && !approx {
        return Err(ReplyError::from_static(
            "ERR syntax error, LIMIT cannot be used without the special ~ option",
        ));
    }
    let default_limit = match (100 * node_entries as u64, approx) {
        (_, false) => 0,
        (0, true) => 1_000_000,
        (n, true) => n.min(1_000_000),
    };
    parsed.trim = how.map(|how| TrimArgs { how, approx, limit: limit.unwrap_or(default_limit) });
    Ok(parsed)
}

/// Trims `stream` by `trim`; the entries removed, and the exact form of
/// the trim to log (approximate trims log what they did, as Redis does).
pub fn trim(stream: &mut Stream, trim: TrimArgs) -> (u64, Vec<Vec<u8>>) {
    let removed = stream.trim(trim.how, trim.approx, trim.limit);
    let logged = match trim.how {
        Trim::MaxLen(_) if trim.approx => {
            vec![b"MAXLEN".to_vec(), b"=".to_vec(), stream.len().to_string().into_bytes()]
        }
        Trim::MinId(_) if trim.approx => vec![b"MINID".to_vec(), b"=".to_vec(), stream.first_id().to_bytes()],
        Trim::MaxLen(max) => vec![b"MAXLEN".to_vec(), b"=".to_vec(), max.to_string().into_bytes()],
        Trim::MinId(min) => vec![b"MINID".to_vec(), b"=".to_vec(), min.to_bytes()],
    };
    (removed, logged)
}

/// The stream at `key` for reading (`WRONGTYPE` for another type).
pub fn get_stream<'c>(ctx: &'c mut Context<'_>, key: &[u8]) -> Result<Option<&'c Stream>, ReplyError> {
    ctx.db().get_typed::<Stream>(key)
}

/// `COUNT n` as Redis reads it for `XRANGE`: negative is 0 entries.
pub fn parse_range_count(args: &mut Args<'_>) -> Result<Option<usize>, ReplyError> {
    let mut count = None;
    while !args.is_empty() {
        if args.remaining() < 2 || !args.eat("COUNT") {
            return Err(ReplyError::SYNTAX);
        }
        count = Some(args.next_i64()?.max(0) as usize);
    }
    Ok(count)
}

/// `XRANGE`/`XREVRANGE key a b [COUNT n]` (`rev`: `a` is the end).
pub fn range_command(ctx: &mut Context<'_>, args: &mut Args<'_>, rev: bool) -> CommandResult {
    let key = args.next()?;
    let (first, second) = (args.next()?, args.next()?);
    let (lo, hi) = if rev {
        (parse_bound(second, true)?, parse_bound(first, false)?)
    } else {
        (parse_bound(first, true)?, parse_bound(second, false)?)
    };
    let count = parse_range_count(args)?;
    let Some(stream) = get_stream(ctx, key)? else { return Ok(Reply::Array(vec![])) };
    if count == Some(0) {
        // Redis answers a COUNT of 0 (or less) with a null array.
        return Ok(Reply::NullArray);
    }
    Ok(range_reply(stream, lo, hi, rev, count.unwrap_or(0)))
}

/// Expected replies for the stream commands' tests.
#[cfg(test)]
pub mod checks {
    use crate::protocol::Reply;

    /// An array of replies.
    pub fn nested(items: Vec<Reply>) -> Reply {
        Reply::Array(items)
    }

    /// `[id, [field, value, ...]]`.
    pub fn entry(id: &str, pairs: &[&str]) -> Reply {
        Reply::Array(vec![Reply::bulk(id), Reply::bulks(pairs)])
    }
}

//! What the sorted-set commands share: score and range parsing with
//! Redis's errors, `ZADD`'s core, the `ZRANGE` family, replies with scores,
//! storing a result, and `ZUNION`/`ZINTER`/`ZDIFF`.

use std::collections::HashMap;

use crate::prelude::*;
use crate::protocol::parse::{parse_f64, parse_i64};

pub const RANGE_NOT_FLOAT: &str = "min or max is not a float";
pub const RANGE_NOT_LEX: &str = "min or max not valid string range item";

/// A score argument (`ZADD`, `ZINCRBY`) as Redis's `getDoubleFromObject`
/// reads it: `strtod`, so hexadecimal is allowed; NaN, spaces and a value
/// out of range (`1e400`, `1e-400`: `ERANGE`) refused.
pub fn parse_score(arg: &[u8]) -> Result<f64, ReplyError> {
    read_double(arg).ok_or(ReplyError::NOT_FLOAT)
}

pub fn read_double(arg: &[u8]) -> Option<f64> {
    if arg.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let value = strtod_whole(arg).filter(|v| !v.is_nan() && !arg.is_empty())?;
    let spelled_infinite = {
        let lower = arg.to_ascii_lowercase();
        let unsigned = lower.strip_prefix(b"+").or_else(|| lower.strip_prefix(b"-")).unwrap_or(&lower);
        unsigned == b"inf" || unsigned == b"infinity"
    };
    let overflow = value.is_infinite() && !spelled_infinite;
    let mantissa = arg.split(|&c| c == b'e' || c == b'E').next().unwrap_or_default();
    let underflow = value == 0.0 && mantissa.iter().any(|c| (b'1'..=b'9').contains(c));
    (!overflow && !underflow).then_some(value)
}

/// A range bound's number as C's `strtod` reads it for `zslParseRange`:
/// leading spaces skipped, the empty string is 0, hexadecimal allowed.
fn strtod_whole(text: &[u8]) -> Option<f64> {
    if text.is_empty() {
        return Some(0.0);
    }
    let trimmed = text.trim_ascii_start();
    if trimmed.len() != text.len() && trimmed.is_empty() {
        return None;
    }
    if let Some(v) = parse_f64(trimmed) {
        return Some(v);
    }
    let (negative, digits) = match trimmed.first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let hex = digits.strip_prefix(b"0x").or_else(|| digits.strip_prefix(b"0X"))?;
    let value = u64::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()? as f64;
    Some(if negative { -value } else { value })
}

/// One end of a score range: the value and whether it is excluded.
#[derive(Debug, Clone, Copy)]
pub struct ScoreBound {
    pub value: f64,
    pub exclusive: bool,
}

pub fn parse_score_bound(arg: &[u8]) -> Result<ScoreBound, ReplyError> {
    let (exclusive, text) = match arg.strip_prefix(b"(") {
        Some(rest) => (true, rest),
        None => (false, arg),
    };
    let value = strtod_whole(text).filter(|v| !v.is_nan()).ok_or_else(|| ReplyError::err(RANGE_NOT_FLOAT))?;
    Ok(ScoreBound { value, exclusive })
}

/// One end of a lexicographic range.
#[derive(Debug, Clone)]
pub enum LexBound {
    Min,
    Max,
    Inclusive(Vec<u8>),
    Exclusive(Vec<u8>),
}

pub fn parse_lex_bound(arg: &[u8]) -> Result<LexBound, ReplyError> {
    match arg {
        b"+" => Ok(LexBound::Max),
        b"-" => Ok(LexBound::Min),
        [b'[', rest @ ..] => Ok(LexBound::Inclusive(rest.to_vec())),
        [b'(', rest @ ..] => Ok(LexBound::Exclusive(rest.to_vec())),
        _ => Err(ReplyError::err(RANGE_NOT_LEX)),
    }
}

/// A range of scores or of members.
#[derive(Debug, Clone)]
pub enum Bounds {
    Score(ScoreBound, ScoreBound),
    Lex(LexBound, LexBound),
}

impl Bounds {
    /// The ranks `start..end` the range covers.
    pub fn ranks(&self, view: &crate::store::zset::View<'_>) -> (usize, usize) {
        match self {
            Bounds::Score(min, max) => {
                let start =
                    view.count_below(|s, _| if min.exclusive { s <= min.value } else { s < min.value });
                let end = view.count_below(|s, _| if max.exclusive { s < max.value } else { s <= max.value });
                (start, end.max(start))
            }
            Bounds::Lex(min, max) => {
                let start = view.count_below(|_, m| match min {
                    LexBound::Min => false,
                    LexBound::Max => true,
                    LexBound::Inclusive(b) => m < &b[..],
                    LexBound::Exclusive(b) => m <= &b[..],
                });
                let end = view.count_below(|_, m| match max {
                    LexBound::Min => false,
                    LexBound::Max => true,
                    LexBound::Inclusive(b) => m <= &b[..],
                    LexBound::Exclusive(b) => m < &b[..],
                });
                (start, end.max(start))
            }
        }
    }
}

/// Redis's rank range: negative counts from the end; `start..end` clamped.
pub fn rank_range(start: i64, stop: i64, len: usize) -> (usize, usize) {
    let len = len as i64;
    let start = if start < 0 { (start + len).max(0) } else { start };
    let stop = if stop < 0 { stop + len } else { stop.min(len - 1) };
    if start > stop || start >= len {
        (0, 0)
    } else {
        (start as usize, stop as usize + 1)
    }
}

/// `(member, score)` pairs, as a reply: members only, or with scores (flat
/// in RESP2, `[member, score]` pairs in RESP3).
pub fn scored_reply(entries: Vec<(Vec<u8>, f64)>, with_scores: bool, resp3: bool) -> Reply {
    Reply::Array(match (with_scores, resp3) {
        (false, _) => entries.into_iter().map(|(m, _)| Reply::Bulk(m)).collect(),
        (true, false) => entries.into_iter().flat_map(|(m, s)| [Reply::Bulk(m), Reply::Double(s)]).collect(),
        (true, true) => {
            entries.into_iter().map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)])).collect()
        }
    })
}

/// Stores `entries` as the sorted set at `key` (replacing any value), or
/// deletes `key` when there are none; Redis's events.
pub fn store_zset(ctx: &mut Context<'_>, key: &[u8], entries: &[(Vec<u8>, f64)], event: &'static str) {
    let db = ctx.db();
    if entries.is_empty() {
        if db.delete(key) {
            ctx.notify(EventClass::Generic, "del", key);
        }
        return;
    }
    let limits = db.limits();
    let zset =
        ZSet::sized_for(entries.len(), entries.iter().map(|(m, _)| m.len()).max().unwrap_or(0), &limits);
    let mut zset = zset;
    entries.iter().for_each(|(m, s)| zset.insert(m, *s, &limits));
    db.set(key, Value::ZSet(zset));
    ctx.notify(EventClass::SortedSet, event, key);
}

/// The kind of range a `ZRANGE`-family command reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Runs a `ZRANGE`-family command with Redis's option parsing and checks.
/// `args` is at the key (after the destination for `ZRANGESTORE`).
pub fn range_command(
    ctx: &mut Context<'_>,
    args: &mut Args<'_>,
    mut kind: RangeKind,
    reverse: Option<bool>,
    store: Option<&[u8]>,
) -> CommandResult {
    let key = args.next()?;
    let (mut first, mut second) = (args.next()?, args.next()?);
    let (mut with_scores, mut limit, mut rev) = (false, None::<(i64, i64)>, reverse);
    while let Some(arg) = args.peek() {
        let left = args.remaining() - 1;
        if store.is_none() && arg.eq_ignore_ascii_case(b"WITHSCORES") {
            with_scores = true;
        } else if arg.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
            args.next()?;
            let offset = args.next_i64()?;
            let count = parse_i64(args.peek().unwrap_or_default()).ok_or(ReplyError::NOT_INTEGER)?;
            limit = Some((offset, count));
        } else if rev.is_none() && arg.eq_ignore_ascii_case(b"REV") {
            rev = Some(true);
        } else if kind == RangeKind::Auto && arg.eq_ignore_ascii_case(b"BYLEX") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && arg.eq_ignore_ascii_case(b"BYSCORE") {
            kind = RangeKind::Score;
        } else {
            return Err(ReplyError::SYNTAX);
        }
        args.next()?;
    }
    let rev = rev.unwrap_or(false);
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    if limit.is_some() && kind == RangeKind::Rank {
        return Err(ReplyError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if with_scores && kind == RangeKind::Lex {
        return Err(ReplyError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    if rev && kind != RangeKind::Rank {
        std::mem::swap(&mut first, &mut second);
    }
    let (ranks, bounds) = match kind {
        RangeKind::Score => {
            (None, Some(Bounds::Score(parse_score_bound(first)?, parse_score_bound(second)?)))
        }
        RangeKind::Lex => (None, Some(lex_bounds(first, second)?)),
        _ => {
            let start = parse_i64(first).ok_or(ReplyError::NOT_INTEGER)?;
            let stop = parse_i64(second).ok_or(ReplyError::NOT_INTEGER)?;
            (Some((start, stop)), None)
        }
    };
    let resp3 = ctx.resp3();
    let entries = match ctx.db().get_typed::<ZSet>(key)? {
        None => Vec::new(),
        Some(zset) => {
            let view = zset.view();
            let (start, end) = match (ranks, &bounds) {
                (Some((start, stop)), _) => {
                    let (a, b) = rank_range(start, stop, view.len());
                    if rev {
                        (view.len() - b, view.len() - a)
                    } else {
                        (a, b)
                    }
                }
                (None, Some(bounds)) => bounds.ranks(&view),
                (None, None) => (0, 0),
            };
            let mut picked = view.range(start, end);
            if rev {
                picked.reverse();
            }
            let (offset, count) = limit.unwrap_or((0, -1));
            if offset < 0 {
                picked.clear();
            }
            let offset = (offset.max(0) as usize).min(picked.len());
            let count = if count < 0 { usize::MAX } else { count as usize };
            picked.into_iter().skip(offset).take(count).map(|(m, s)| (m.to_vec(), s)).collect()
        }
    };
    match store {
        Some(destination) => {
            let count = entries.len() as i64;
            store_zset(ctx, destination, &entries, "zrangestore");
            Ok(Reply::Integer(count))
        }
        None => Ok(scored_reply(entries, with_scores, resp3)),
    }
}

pub fn lex_bounds(min: &[u8], max: &[u8]) -> Result<Bounds, ReplyError> {
    Ok(Bounds::Lex(parse_lex_bound(min)?, parse_lex_bound(max)?))
}

/// Owned (member, score) pairs.
pub type Scored = Vec<(Vec<u8>, f64)>;

/// How `ZUNION`/`ZINTER`/`ZDIFF` combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Sums as Redis does: `inf + -inf` is 0, not NaN.
fn aggregate(how: Aggregate, a: f64, b: f64) -> f64 {
    match how {
        Aggregate::Sum => {
            let sum = a + b;
            if sum.is_nan() {
                0.0
            } else {
                sum
            }
        }
        Aggregate::Min => a.min(b),
        Aggregate::Max => a.max(b),
    }
}

/// `numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
/// (after the destination for the `STORE` forms): the result, ordered, and
/// whether scores were asked for.
pub fn combine(
    ctx: &mut Context<'_>,
    args: &mut Args<'_>,
    how: Combine,
    store: bool,
) -> Result<(Scored, bool), ReplyError> {
    let numkeys = args.next_i64()?;
    if numkeys < 1 {
        let name = String::from_utf8_lossy(args.command_name()).to_ascii_lowercase();
        return Err(ReplyError::err(format_args!("at least 1 input key is needed for '{name}' command")));
    }
    if numkeys as u64 > args.remaining() as u64 {
        return Err(ReplyError::SYNTAX);
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next()).collect::<Result<_, _>>()?;
    // Every key's type is checked before the options are read, as in Redis.
    let db = ctx.db();
    let mut inputs: Vec<Vec<(Vec<u8>, f64)>> = Vec::with_capacity(keys.len());
    for key in &keys {
        inputs.push(read_scored(db, key)?);
    }
    let mut weights = vec![1.0; keys.len()];
    let (mut how_aggregate, mut with_scores) = (Aggregate::Sum, false);
    while let Some(arg) = args.peek() {
        let left = args.remaining() - 1;
        if how != Combine::Diff && arg.eq_ignore_ascii_case(b"WEIGHTS") && left >= keys.len() {
            args.next()?;
            for weight in weights.iter_mut() {
                *weight = read_double(args.next()?)
                    .ok_or_else(|| ReplyError::err("weight value is not a float"))?;
            }
            continue;
        } else if how != Combine::Diff && arg.eq_ignore_ascii_case(b"AGGREGATE") && left >= 1 {
            args.next()?;
            let name = args.next()?;
            how_aggregate = match () {
                _ if name.eq_ignore_ascii_case(b"SUM") => Aggregate::Sum,
                _ if name.eq_ignore_ascii_case(b"MIN") => Aggregate::Min,
                _ if name.eq_ignore_ascii_case(b"MAX") => Aggregate::Max,
                _ => return Err(ReplyError::SYNTAX),
            };
            continue;
        } else if !store && arg.eq_ignore_ascii_case(b"WITHSCORES") {
            with_scores = true;
        } else {
            return Err(ReplyError::SYNTAX);
        }
        args.next()?;
    }
    let scale = |score: f64, weight: f64| {
        let product = score * weight;
        if product.is_nan() {
            0.0
        } else {
            product
        }
    };
    let mut result: Vec<(Vec<u8>, f64)> = match how {
        Combine::Union => {
            let mut scores: HashMap<Vec<u8>, f64> = HashMap::new();
            let mut order = Vec::new();
            for (input, &weight) in inputs.iter().zip(&weights) {
                for (member, score) in input {
                    let score = scale(*score, weight);
                    match scores.get_mut(member) {
                        Some(total) => *total = aggregate(how_aggregate, *total, score),
                        None => {
                            scores.insert(member.clone(), score);
                            order.push(member.clone());
                        }
                    }
                }
            }
            order.into_iter().map(|m| (m.clone(), scores[&m])).collect()
        }
        Combine::Inter => {
            let smallest = (0..inputs.len()).min_by_key(|&i| inputs[i].len()).unwrap_or(0);
            let lookups: Vec<HashMap<&[u8], f64>> =
                inputs.iter().map(|input| input.iter().map(|(m, s)| (&m[..], *s)).collect()).collect();
            let mut out = Vec::new();
            'members: for (member, score) in &inputs[smallest] {
                let mut total = scale(*score, weights[smallest]);
                for (i, lookup) in lookups.iter().enumerate() {
                    if i == smallest {
                        continue;
                    }
                    match lookup.get(&member[..]) {
                        Some(&s) => total = aggregate(how_aggregate, total, scale(s, weights[i])),
                        None => continue 'members,
                    }
                }
                out.push((member.clone(), total));
            }
            out
        }
        Combine::Diff => {
            let others: Vec<HashMap<&[u8], f64>> =
                inputs[1..].iter().map(|input| input.iter().map(|(m, s)| (&m[..], *s)).collect()).collect();
            inputs[0]
                .iter()
                .filter(|(m, _)| others.iter().all(|o| !o.contains_key(&m[..])))
                .cloned()
                .collect()
        }
    };
    result.sort_by(crate::store::zset::order_of);
    Ok((result, with_scores))
}

/// The (member, score) pairs at `key`: a sorted set's, or a set's members
/// with score 1 (as Redis's `ZUNION` family reads sets).
pub fn read_scored(db: &mut Keyspace<'_>, key: &[u8]) -> Result<Vec<(Vec<u8>, f64)>, ReplyError> {
    match db.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Set(set)) => Ok(set.iter().map(|m| (m.to_vec(), 1.0)).collect()),
        Some(Value::ZSet(zset)) => {
            let view = zset.view();
            Ok(view.range(0, view.len()).into_iter().map(|(m, s)| (m.to_vec(), s)).collect())
        }
        Some(_) => Err(ReplyError::WRONG_TYPE),
    }
}

/// `ZADD`'s options.
#[derive(Debug, Default, Clone, Copy)]
pub struct AddOptions {
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
    pub ch: bool,
    pub incr: bool,
}

/// The outcome of adding one member.
pub enum Added {
    New(f64),
    Updated(f64),
    Unchanged(f64),
    Skipped,
}

/// Adds one member under `options`, as Redis's `zsetAdd`.
pub fn add_one(
    zset: &mut ZSet,
    member: &[u8],
    score: f64,
    options: AddOptions,
    limits: &crate::store::Limits,
) -> Result<Added, ReplyError> {
    match zset.score(member) {
        Some(current) => {
            if options.nx {
                return Ok(Added::Skipped);
            }
            let new = if options.incr { current + score } else { score };
            if new.is_nan() {
                return Err(ReplyError::err("resulting score is not a number (NaN)"));
            }
            if (options.gt && new <= current) || (options.lt && new >= current) {
                return Ok(Added::Skipped);
            }
            if new == current {
                return Ok(Added::Unchanged(current));
            }
            zset.insert(member, new, limits);
            Ok(Added::Updated(new))
        }
        None if options.xx => Ok(Added::Skipped),
        None => {
            zset.insert(member, score, limits);
            Ok(Added::New(score))
        }
    }
}

/// Removes up to `count` members from the low (or, with `max`, the high)
/// end of the sorted set at `key`, in pop order, with Redis's events.
pub fn pop(
    ctx: &mut Context<'_>,
    key: &[u8],
    max: bool,
    count: u64,
) -> Result<Vec<(Vec<u8>, f64)>, ReplyError> {
    let db = ctx.db();
    let Some(zset) = db.get_typed_mut::<ZSet>(key)? else {
        return Ok(Vec::new());
    };
    let len = zset.len();
    let count = usize::try_from(count).unwrap_or(usize::MAX).min(len);
    if count == 0 {
        return Ok(Vec::new());
    }
    let popped = zset.pop(count, max);
    db.remove_if_empty(key);
    ctx.notify(EventClass::SortedSet, if max { "zpopmax" } else { "zpopmin" }, key);
    if !ctx.db().contains(key) {
        ctx.notify(EventClass::Generic, "del", key);
    }
    Ok(popped)
}

/// `ZINTER`/`ZUNION`/`ZDIFF numkeys key [key ...] ...`: the scored reply.
pub fn combine_reply(ctx: &mut Context<'_>, args: &mut Args<'_>, how: Combine) -> CommandResult {
    let (entries, with_scores) = combine(ctx, args, how, false)?;
    let resp3 = ctx.resp3();
    Ok(scored_reply(entries, with_scores, resp3))
}

/// `Z…STORE destination numkeys key ...`: stores the result (deleted when empty); its size.
pub fn combine_store(
    ctx: &mut Context<'_>,
    args: &mut Args<'_>,
    how: Combine,
    event: &'static str,
) -> CommandResult {
    let destination = args.next()?;
    let (entries, _) = combine(ctx, args, how, true)?;
    let count = entries.len() as i64;
    store_zset(ctx, destination, &entries, event);
    Ok(Reply::Integer(count))
}

/// `ZRANK`/`ZREVRANK key member`: the rank from the lowest (`reverse`: highest) score, or nil.
pub fn rank_command(ctx: &mut Context<'_>, args: &mut Args<'_>, reverse: bool) -> CommandResult {
    let key = args.next()?;
    let member = args.next()?;
    let rank = ctx
        .db()
        .get_typed::<ZSet>(key)?
        .and_then(|z| z.rank(member).map(|r| if reverse { z.len() - 1 - r } else { r }));
    Ok(rank.map_or(Reply::Null, |r| Reply::Integer(r as i64)))
}

/// `ZREMRANGEBY…` once its arguments are parsed (their errors come first):
/// removes the ranks `ranks` picks, deleting an emptied key; how many.
pub fn remove_range_command(
    ctx: &mut Context<'_>,
    key: &[u8],
    event: &'static str,
    ranks: impl FnOnce(&ZSet) -> (usize, usize),
) -> CommandResult {
    let db = ctx.db();
    let Some(zset) = db.get_typed_mut::<ZSet>(key)? else {
        return Ok(Reply::Integer(0));
    };
    let (start, end) = ranks(zset);
    let removed = zset.remove_range(start, end).len();
    db.remove_if_empty(key);
    if removed > 0 {
        ctx.notify(EventClass::SortedSet, event, key);
        if !ctx.db().contains(key) {
            ctx.notify(EventClass::Generic, "del", key);
        }
    }
    Ok(Reply::Integer(removed as i64))
}

/// `ZPOPMIN`/`ZPOPMAX key [count]`: without a count a flat (member, score);
/// with one, pairs in RESP3.
pub fn pop_command(ctx: &mut Context<'_>, args: &mut Args<'_>, max: bool) -> CommandResult {
    let key = args.next()?;
    let count = match args.peek() {
        None => None,
        Some(arg) => {
            let count = parse_i64(arg)
                .filter(|&n| n >= 0)
                .ok_or_else(|| ReplyError::err("value is out of range, must be positive"))?;
            args.next()?;
            args.finish()?;
            Some(count as u64)
        }
    };
    let popped = pop(ctx, key, max, count.unwrap_or(1))?;
    let pairs = count.is_some() && ctx.resp3();
    Ok(scored_reply(popped, true, pairs))
}

//! What the list commands share: pushes, pops with their replies and
//! events, moves, `LEFT|RIGHT` and timeout arguments, and the request to
//! block that a blocking command leaves for its connection.

use crate::prelude::*;
use crate::state::blocking::BlockRequest;
use crate::store::{End, List};

/// `LEFT` or `RIGHT` (any case); a syntax error otherwise.
pub fn parse_end(arg: &[u8]) -> Result<End, ReplyError> {
    if arg.eq_ignore_ascii_case(b"left") {
        Ok(End::Left)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Ok(End::Right)
    } else {
        Err(ReplyError::SYNTAX)
    }
}

fn pop_event(end: End) -> &'static str {
    match end {
        End::Left => "lpop",
        End::Right => "rpop",
    }
}

fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

/// `LPUSH`/`RPUSH` (`only_existing`: the `X` forms): the new length.
pub fn push(ctx: &mut Context<'_>, args: &mut Args<'_>, end: End, only_existing: bool) -> CommandResult {
    let key = args.next()?;
    let limits = ctx.db().limits();
    let db = ctx.db();
    let list = if only_existing {
        match db.get_list_mut(key)? {
            Some(list) => list,
            None => return Ok(Reply::Integer(0)),
        }
    } else {
        db.list_or_default(key)?
    };
    args.rest().for_each(|item| list.push(end, item, &limits));
    let len = list.len();
    ctx.notify(EventClass::List, push_event(end), key);
    Ok(Reply::Integer(len as i64))
}

/// After removing from `key`: deletes an emptied list, with its `del` event.
fn after_removal(ctx: &mut Context<'_>, key: &[u8]) {
    ctx.db().remove_if_empty(key);
    if !ctx.db().contains(key) {
        ctx.notify(EventClass::Generic, "del", key);
    }
}

/// Pops up to `count` elements from `key` (one, as a plain element, when
/// `count` is `None`); `None` when the key is missing.
pub fn pop(
    ctx: &mut Context<'_>,
    key: &[u8],
    end: End,
    count: Option<usize>,
) -> Result<Option<Reply>, ReplyError> {
    let limits = ctx.db().limits();
    let Some(list) = ctx.db().get_list_mut(key)? else {
        return Ok(None);
    };
    let reply = match count {
        None => list.pop_with(end, |item| Reply::bulk(item)).unwrap_or(Reply::Bulk(Vec::new())),
        Some(n) => {
            let mut bulks = EncodedBulks::with_capacity(n.min(list.len()), 8);
            list.pop_many_with(end, n, &limits, |item| bulks.push(item));
            Reply::EncodedBulks(bulks)
        }
    };
    let emptied = list.is_empty();
    ctx.notify(EventClass::List, pop_event(end), key);
    // Only an emptied list needs the two lookups of its deletion.
    if emptied {
        after_removal(ctx, key);
    }
    Ok(Some(reply))
}

/// `LPOP`/`RPOP key [count]`.
pub fn pop_command(ctx: &mut Context<'_>, args: &mut Args<'_>, end: End) -> CommandResult {
    let key = args.next()?;
    if args.remaining() > 1 {
        return Err(ReplyError::wrong_arity(ctx.command));
    }
    let count = match args.is_empty() {
        true => None,
        false => Some(non_negative(args.next()?, "value is out of range, must be positive")?),
    };
    Ok(match pop(ctx, key, end, count)? {
        Some(reply) => reply,
        None if count.is_some() => Reply::NullArray,
        None => Reply::Null,
    })
}

/// A count that must be a non-negative integer; `message` (after `ERR `)
/// otherwise, for a non-integer too (Redis's `getPositiveLongFromObjectOrReply`).
pub fn non_negative(arg: &[u8], message: &'static str) -> Result<usize, ReplyError> {
    match crate::protocol::parse::parse_i64(arg) {
        Some(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(ReplyError::err(format_args!("{message}"))),
    }
}

/// `LMOVE`'s work: pops from `source` at `from`, pushes to `destination` at
/// `to`; the element moved, `None` when `source` is missing. A wrong-typed
/// destination fails before anything moves, as in Redis.
pub fn lmove(
    ctx: &mut Context<'_>,
    source: &[u8],
    destination: &[u8],
    from: End,
    to: End,
) -> Result<Option<Vec<u8>>, ReplyError> {
    let limits = ctx.db().limits();
    if ctx.db().get_list(source)?.is_none() {
        return Ok(None);
    }
    ctx.db().get_list(destination)?;
    let item = ctx.db().get_list_mut(source)?.and_then(|l| l.pop(from)).unwrap_or_default();
    // Redis's order: push (to the same list when source is destination),
    // the push event, the pop event, then the source's deletion if emptied.
    ctx.db().list_or_default(destination)?.push(to, &item, &limits);
    ctx.notify(EventClass::List, push_event(to), destination);
    ctx.notify(EventClass::List, pop_event(from), source);
    after_removal(ctx, source);
    Ok(Some(item))
}

/// The name of an end as a command argument.
pub fn end_name(end: End) -> &'static [u8] {
    match end {
        End::Left => b"LEFT",
        End::Right => b"RIGHT",
    }
}

/// `LMPOP`'s/`BLMPOP`'s arguments after the timeout: `numkeys key... LEFT|RIGHT [COUNT n]`.
pub struct Mpop<'a> {
    pub keys: Vec<&'a [u8]>,
    pub end: End,
    pub count: usize,
}

pub fn parse_mpop<'a>(args: &mut Args<'a>) -> Result<Mpop<'a>, ReplyError> {
    let numkeys = crate::protocol::parse::parse_i64(args.next()?)
        .filter(|&n| n > 0)
        .ok_or_else(|| ReplyError::from_static("ERR numkeys should be greater than 0"))?;
    if numkeys as u64 > args.remaining() as u64 {
        return Err(ReplyError::SYNTAX);
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next()).collect::<Result<_, _>>()?;
    let end = parse_end(args.next()?)?;
    let mut count = None;
    while !args.is_empty() {
        if args.eat("count") && count.is_none() {
            let n = crate::protocol::parse::parse_i64(args.next()?).filter(|&n| n > 0);
            count = Some(
                n.ok_or_else(|| ReplyError::from_static("ERR count should be greater than 0"))? as usize
            );
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    Ok(Mpop { keys, end, count: count.unwrap_or(1) })
}

/// Pops from the first non-empty key: `[key, [elements]]`, or `None`.
/// Propagated as the `LPOP`/`RPOP key count` it amounts to.
pub fn mpop(ctx: &mut Context<'_>, mpop: &Mpop<'_>) -> Result<Option<Reply>, ReplyError> {
    for &key in &mpop.keys {
        if other_type_when_woken(ctx, key) || ctx.db().get_list(key)?.is_none() {
            continue;
        }
        let Some(popped) = pop(ctx, key, mpop.end, Some(mpop.count))? else { continue };
        let command: &[u8] = if mpop.end == End::Left { b"LPOP" } else { b"RPOP" };
        let count = itoa::Buffer::new().format(mpop.count).as_bytes().to_vec();
        ctx.propagate_as(&[command, key, &count]);
        return Ok(Some(Reply::Array(vec![Reply::Bulk(key.to_vec()), popped])));
    }
    Ok(None)
}

/// A list's `LRANGE`-style range `start..=stop` (negative from the end),
/// clamped; `None` when empty.
pub fn clamp_range(list: &List, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = list.len() as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let stop = if stop < 0 { len + stop } else { stop.min(len - 1) };
    (start <= stop && start < len).then_some((start as usize, stop as usize))
}

/// Redis's blocking timeout: seconds as a double, 0 = forever; the deadline.
pub fn parse_timeout(arg: &[u8], now_ms: u64) -> Result<Option<u64>, ReplyError> {
    let seconds = crate::protocol::parse::parse_f64(arg)
        .filter(|s| !s.is_nan())
        .ok_or_else(|| ReplyError::from_static("ERR timeout is not a float or out of range"))?;
    let ms = (seconds * 1000.0).ceil();
    // Redis converts to a long long: a value beyond it comes out negative.
    if !(0.0..9.223_372_036_854_775e18).contains(&ms) {
        return Err(ReplyError::from_static("ERR timeout is negative"));
    }
    Ok((ms > 0.0).then(|| now_ms.saturating_add(ms as u64)))
}

/// Whether a blocked command, run again after a wake-up, finds `key`
/// holding another type: Redis keeps such a client waiting instead of
/// answering `WRONGTYPE`, so the key counts as empty.
fn other_type_when_woken(ctx: &mut Context<'_>, key: &[u8]) -> bool {
    ctx.client.rerun && ctx.db().get_list(key).is_err()
}

/// Ends a blocking command that found every key empty: it propagates
/// nothing, and leaves its request to block for the connection, which
/// sends no reply for this run (see `state::blocking`).
pub fn block(
    ctx: &mut Context<'_>,
    keys: &[&[u8]],
    deadline_ms: Option<u64>,
    timeout_reply: Reply,
) -> CommandResult {
    ctx.propagate_none();
    ctx.client.blocked = Some(BlockRequest {
        db: ctx.client.db,
        keys: keys.iter().map(|k| k.to_vec()).collect(),
        deadline_ms,
        timeout_reply,
        wake: Default::default(),
        rerun: None,
    });
    Ok(Reply::None)
}

/// `BLPOP`/`BRPOP key... timeout`: the first non-empty key's element,
/// logged as the plain pop; or the request to block.
pub fn blocking_pop(ctx: &mut Context<'_>, args: &mut Args<'_>, end: End) -> CommandResult {
    let argv = args.argv();
    let keys: Vec<&[u8]> = (1..argv.len() - 1).map(|i| argv.get(i)).collect();
    let deadline = parse_timeout(argv.get(argv.len() - 1), ctx.now_ms())?;
    for &key in &keys {
        if other_type_when_woken(ctx, key) {
            continue;
        }
        if let Some(popped) = pop(ctx, key, end, None)? {
            let logged: &[u8] = if end == End::Left { b"LPOP" } else { b"RPOP" };
            ctx.propagate_as(&[logged, key]);
            return Ok(Reply::Array(vec![Reply::Bulk(key.to_vec()), popped]));
        }
    }
    block(ctx, &keys, deadline, Reply::NullArray)
}

/// `BLMOVE`/`BRPOPLPUSH` after their ends: the element moved, logged as
/// `logged` (the non-blocking form); or the request to block.
pub fn blocking_move(
    ctx: &mut Context<'_>,
    (source, destination): (&[u8], &[u8]),
    (from, to): (End, End),
    timeout: &[u8],
    logged: &[&[u8]],
) -> CommandResult {
    let deadline = parse_timeout(timeout, ctx.now_ms())?;
    if other_type_when_woken(ctx, source) {
        return block(ctx, &[source], deadline, Reply::NullArray);
    }
    match lmove(ctx, source, destination, from, to)? {
        Some(item) => {
            ctx.propagate_as(logged);
            Ok(Reply::Bulk(item))
        }
        // Redis answers a timeout here with a null array too.
        None => block(ctx, &[source], deadline, Reply::NullArray),
    }
}

//! Pops from the first non-empty of several sorted sets: `ZMPOP` and the
//! blocking `BZPOPMIN`, `BZPOPMAX` and `BZMPOP`. A blocking pop that finds
//! every key empty blocks through [`crate::command_logic::lists::block`],
//! the one place that decides whether a command may wait (as `BLPOP`).

use crate::command_logic::lists::{block, parse_timeout};
use crate::command_logic::zsets::{pop, scored_reply};
use crate::prelude::*;
use crate::protocol::parse::parse_i64;

/// `ZMPOP`'s arguments from `numkeys`: `numkeys key... MIN|MAX [COUNT n]`.
pub struct Zmpop<'a> {
    pub keys: Vec<&'a [u8]>,
    pub max: bool,
    pub count: u64,
}

/// Parses `numkeys key... MIN|MAX [COUNT n]` with Redis's errors, in its order.
pub fn parse_zmpop<'a>(args: &mut Args<'a>) -> Result<Zmpop<'a>, ReplyError> {
    let numkeys = parse_i64(args.next()?).filter(|&n| n > 0);
    let numkeys = numkeys.ok_or_else(|| ReplyError::err("numkeys should be greater than 0"))? as u64;
    if numkeys >= args.remaining() as u64 {
        return Err(ReplyError::SYNTAX);
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next()).collect::<Result<_, _>>()?;
    let max = match args.next()? {
        w if w.eq_ignore_ascii_case(b"MIN") => false,
        w if w.eq_ignore_ascii_case(b"MAX") => true,
        _ => return Err(ReplyError::SYNTAX),
    };
    let mut count = None;
    while !args.is_empty() {
        if count.is_none() && args.remaining() >= 2 && args.eat("COUNT") {
            let n = parse_i64(args.next()?).filter(|&n| n > 0);
            count = Some(n.ok_or_else(|| ReplyError::err("count should be greater than 0"))?);
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    Ok(Zmpop { keys, max, count: count.unwrap_or(1) as u64 })
}

/// The first key holding a sorted set. As in Redis, the first existing key
/// of another type is `WRONGTYPE`, except in a blocked command's run after
/// a wake-up, where it is skipped (Redis keeps such a client waiting).
fn first_zset<'a>(ctx: &mut Context<'_>, keys: &[&'a [u8]]) -> Result<Option<&'a [u8]>, ReplyError> {
    let rerun = ctx.client.rerun;
    for &key in keys {
        match ctx.db().get_typed::<ZSet>(key) {
            Ok(Some(_)) => return Ok(Some(key)),
            Ok(None) => {}
            Err(_) if rerun => {}
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

fn pop_name(max: bool) -> &'static [u8] {
    if max {
        b"ZPOPMAX"
    } else {
        b"ZPOPMIN"
    }
}

/// Pops from the first non-empty key: `[key, [[member, score], ...]]`
/// (pairs in RESP2 too), logged as `ZPOPMIN|ZPOPMAX key n`; `None` when
/// every key is empty.
pub fn zmpop(ctx: &mut Context<'_>, mpop: &Zmpop<'_>) -> Result<Option<Reply>, ReplyError> {
    let Some(key) = first_zset(ctx, &mpop.keys)? else { return Ok(None) };
    let popped = pop(ctx, key, mpop.max, mpop.count)?;
    let popped_count = itoa::Buffer::new().format(popped.len()).as_bytes().to_vec();
    ctx.propagate_as(&[pop_name(mpop.max), key, &popped_count]);
    Ok(Some(Reply::Array(vec![Reply::bulk(key), scored_reply(popped, true, true)])))
}

/// `BZPOPMIN`/`BZPOPMAX key... timeout`: `[key, member, score]` from the
/// first non-empty key, logged as `ZPOPMIN|ZPOPMAX key`; or the request to block.
pub fn blocking_pop(ctx: &mut Context<'_>, args: &mut Args<'_>, max: bool) -> CommandResult {
    let argv = args.argv();
    let keys: Vec<&[u8]> = (1..argv.len() - 1).map(|i| argv.get(i)).collect();
    let deadline = parse_timeout(argv.get(argv.len() - 1), ctx.now_ms())?;
    let Some(key) = first_zset(ctx, &keys)? else {
        return block(ctx, &keys, deadline, Reply::NullArray);
    };
    let Some((member, score)) = pop(ctx, key, max, 1)?.pop() else {
        return block(ctx, &keys, deadline, Reply::NullArray);
    };
    ctx.propagate_as(&[pop_name(max), key]);
    Ok(Reply::Array(vec![Reply::bulk(key), Reply::Bulk(member), Reply::Double(score)]))
}

/// `BZMPOP timeout numkeys key... MIN|MAX [COUNT n]`: as `ZMPOP`, or the
/// request to block. The timeout is checked after the other arguments, as
/// in Redis.
pub fn blocking_mpop(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let timeout = args.next()?;
    let mpop = parse_zmpop(args)?;
    let deadline = parse_timeout(timeout, ctx.now_ms())?;
    match zmpop(ctx, &mpop)? {
        Some(reply) => Ok(reply),
        None => block(ctx, &mpop.keys, deadline, Reply::NullArray),
    }
}

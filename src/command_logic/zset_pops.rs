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

/// Checks `BZPOPMIN` and `BZPOPMAX` share, each called from the command's own tests.
#[cfg(test)]
pub mod checks {
    use crate::protocol::{Reply, ReplyError};
    use crate::testing::*;

    /// `first`: the flat reply popping from `z` (1 a 2 b 3 c); `logged_as` its logged form.
    pub fn check_blocking_pop(name: &str, first: &[&str], logged_as: &str) {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run(&format!("{name} none z 0"))), array(first));
        assert_eq!(h.propagated(), logged(&[logged_as]));
        assert_eq!(h.run(&format!("{name} none 1.5")), Reply::None);
        let request = h.client.blocked.take().expect("blocks");
        assert_eq!(request.keys, vec![b"none".to_vec()]);
        assert_eq!(request.deadline_ms, Some(START_MS + 1500));
        assert_eq!(request.timeout_reply, Reply::NullArray);
        assert_eq!(h.propagated(), Some(vec![]), "blocking propagates nothing");
        assert_eq!(h.run(&format!("{name} none 0")), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().deadline_ms, None, "0 waits forever");
        h.run("HELLO 3");
        h.run("DEL z");
        h.run("ZADD z 1.5 b");
        assert_eq!(h.wire(&format!("{name} z 0")), "*3\r\n$1\r\nz\r\n$1\r\nb\r\n,1.5\r\n");
        assert_eq!(h.run("EXISTS z"), int(0), "the emptied key is gone");
    }

    /// Timeouts, arity, `WRONGTYPE`, and a woken client on a key of another type.
    pub fn check_blocking_pop_errors(name: &str) {
        let mut h = Harness::new();
        h.run("SET s v");
        h.run("ZADD z 1 a");
        assert_eq!(h.run(&format!("{name} z -1")), err("ERR timeout is negative"));
        assert_eq!(h.run(&format!("{name} z 1e30")), err("ERR timeout is negative"));
        assert_eq!(h.run(&format!("{name} z x")), err("ERR timeout is not a float or out of range"));
        assert_eq!(
            h.run(&format!("{name} z")),
            Reply::Error(ReplyError::wrong_arity(&name.to_ascii_lowercase()))
        );
        assert_eq!(
            h.run(&format!("{name} s z 0")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            flat(h.run(&format!("{name} z s 0"))),
            array(&["z", "a", "1"]),
            "keys after the served one are not checked"
        );
        // Woken, a blocked client keeps waiting on a key of another type, as in Redis.
        h.client.rerun = true;
        assert_eq!(h.run(&format!("{name} s 0")), Reply::None);
        assert!(h.client.blocked.take().is_some());
    }
}

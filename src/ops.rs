//! Logic shared by several command files (the `EXPIRE` family, TTL reads).

use crate::long_double::LongDouble;
use crate::prelude::*;
use crate::protocol::parse::parse_i64;

/// `EXPIRE`/`PEXPIRE`/`EXPIREAT`/`PEXPIREAT key time [NX|XX|GT|LT]`.
/// A deadline in the past deletes the key, as in Redis.
pub fn expire(ctx: &mut Context<'_>, args: &mut Args<'_>, unit: ExpireUnit, name: &str) -> CommandResult {
    let key = args.next()?;
    let value = parse_i64(args.next()?).ok_or(ReplyError::NOT_INTEGER)?;
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for option in args.rest() {
        match option.to_ascii_uppercase().as_slice() {
            b"NX" => nx = true,
            b"XX" => xx = true,
            b"GT" => gt = true,
            b"LT" => lt = true,
            _ => {
                return Err(ReplyError::err(format_args!(
                    "Unsupported option {}",
                    String::from_utf8_lossy(option)
                )))
            }
        }
    }
    if nx && (xx || gt || lt) {
        return Err(ReplyError::err("NX and XX, GT or LT options at the same time are not compatible"));
    }
    if gt && lt {
        return Err(ReplyError::err("GT and LT options at the same time are not compatible"));
    }
    let invalid = || ReplyError::invalid_expire(name);
    let ms = match unit {
        ExpireUnit::Seconds | ExpireUnit::UnixSeconds => value.checked_mul(1000).ok_or_else(invalid)?,
        _ => value,
    };
    let now = ctx.now_ms() as i64;
    let deadline = match unit {
        ExpireUnit::Seconds | ExpireUnit::Millis => ms.checked_add(now).ok_or_else(invalid)?,
        _ => ms,
    };
    let db = ctx.db();
    if !db.contains(key) {
        return Ok(Reply::Integer(0));
    }
    // A key without a deadline counts as an infinite TTL for GT and LT.
    let current = db.deadline(key);
    let allowed = match current {
        None => !(xx || gt),
        Some(current) => !(nx || (gt && deadline <= current as i64) || (lt && deadline >= current as i64)),
    };
    if !allowed {
        return Ok(Reply::Integer(0));
    }
    if deadline <= now {
        db.remove(key);
    } else {
        db.set_deadline(key, deadline as u64);
    }
    Ok(Reply::Integer(1))
}

/// Remaining time to live of `key` in ms: `Err(-2)` missing, `Err(-1)` no deadline.
pub fn ttl_ms(ctx: &mut Context<'_>, key: &[u8]) -> Result<u64, i64> {
    let now = ctx.now_ms();
    let db = ctx.db();
    if !db.contains(key) {
        return Err(-2);
    }
    db.deadline(key).map(|d| d.saturating_sub(now)).ok_or(-1)
}

/// The `[ASYNC|SYNC]` argument of `FLUSHDB` / `FLUSHALL`. Freeing is always
/// done at once; both modes are accepted.
pub fn flush_mode(args: &mut Args<'_>) -> Result<(), ReplyError> {
    let _ = args.eat("ASYNC") || args.eat("SYNC");
    args.finish()
}

/// Redis's rule for client names and library attributes: printable ASCII
/// without spaces.
pub fn valid_client_attr(value: &[u8]) -> bool {
    value.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Redis's `ld2string(.., LD_STR_HUMAN)`, the reply and stored value of
/// `HINCRBYFLOAT` (and `INCRBYFLOAT`): `%.17Lf` of the 80-bit value with
/// trailing zeros and a trailing point removed, `-0` shown as `0`.
pub fn format_float_like_redis(value: LongDouble) -> String {
    let mut text = value.to_fixed(17);
    if text.contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    if text == "-0" {
        text = "0".into();
    }
    text
}

/// `HSET`/`HMSET key field value [field value ...]`: sets every pair; the
/// number of fields that were new. An odd pair count is an arity error.
pub fn hash_set_pairs(ctx: &mut Context<'_>, args: &mut Args<'_>) -> Result<i64, ReplyError> {
    let key = args.next()?;
    if args.is_empty() || !args.remaining().is_multiple_of(2) {
        return Err(ReplyError::wrong_arity(ctx.command));
    }
    let hash = ctx.db().hash_or_default(key)?;
    let mut added = 0;
    while !args.is_empty() {
        added += i64::from(hash.insert(args.next()?, args.next()?));
    }
    Ok(added)
}

/// Read-modify-write of one hash field (`HINCRBY`, `HINCRBYFLOAT`):
/// `update` gets the current value (`None` when the key or field is
/// missing) and returns the value to store and the reply. Nothing is
/// created when the key holds another type or `update` fails.
pub fn update_hash_field(
    ctx: &mut Context<'_>,
    key: &[u8],
    field: &[u8],
    update: impl FnOnce(Option<&[u8]>) -> Result<(Vec<u8>, Reply), ReplyError>,
) -> CommandResult {
    let db = ctx.db();
    let current = db.get_hash_mut(key)?.and_then(|hash| hash.get(field));
    let (value, reply) = update(current.map(Vec::as_slice))?;
    db.hash_or_default(key)?.insert(field, &value);
    Ok(reply)
}

/// A `SCAN`-family cursor as Redis reads it with `strtoul`: optional sign
/// (a `-` wraps around), decimal digits, nothing else; an empty string is 0
/// and a NUL byte ends the number (Redis reads a C string).
/// `ERR invalid cursor` otherwise, or on overflow.
pub fn parse_scan_cursor(arg: &[u8]) -> Result<u64, ReplyError> {
    const INVALID: ReplyError = ReplyError::from_static("ERR invalid cursor");
    let text = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    if text.is_empty() {
        return Ok(0);
    }
    let (negative, digits) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(INVALID);
    }
    let value = digits
        .iter()
        .try_fold(0u64, |acc, &d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
        .ok_or(INVALID)?;
    Ok(if negative { value.wrapping_neg() } else { value })
}

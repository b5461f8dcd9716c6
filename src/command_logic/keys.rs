//! Logic several key-space command files share: the `EXPIRE` and `TTL`
//! families, `RENAME`/`MOVE`/`COPY` helpers, `OBJECT ENCODING`, `SCAN` cursors.

use crate::command_logic::admin::int_arg;
use crate::protocol::parse::parse_i64;
use crate::protocol::{Reply, ReplyError};
use crate::registry::{Args, CommandResult, Context, ExpireUnit};
use crate::store::{Keyspace, Value};

/// `EXPIRE`/`PEXPIRE`/`EXPIREAT`/`PEXPIREAT key time [NX|XX|GT|LT]`.
/// A deadline in the past deletes the key, as in Redis.
pub fn expire(ctx: &mut Context<'_>, args: &mut Args<'_>, unit: ExpireUnit, name: &str) -> CommandResult {
    let key = args.next()?;
    // Redis validates the options before the number.
    let raw = args.next()?;
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
    let value = parse_i64(raw).ok_or(ReplyError::NOT_INTEGER)?;
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
    deadline_ms(ctx, key).map(|d| d.saturating_sub(now))
}

/// `TTL`/`PTTL` (relative `unit`s) and `EXPIRETIME`/`PEXPIRETIME` (Unix
/// `unit`s) `key`: seconds are rounded to the nearest, as Redis does; -1
/// without a deadline, -2 if the key is missing.
pub fn ttl_reply(ctx: &mut Context<'_>, args: &mut Args<'_>, unit: ExpireUnit) -> CommandResult {
    let key = args.next()?;
    let ms = match unit {
        ExpireUnit::Seconds | ExpireUnit::Millis => ttl_ms(ctx, key),
        ExpireUnit::UnixSeconds | ExpireUnit::UnixMillis => deadline_ms(ctx, key),
    };
    Ok(Reply::Integer(match (ms, unit) {
        (Err(code), _) => code,
        // Deadlines fit in an i64, so adding 500 cannot overflow a u64.
        (Ok(ms), ExpireUnit::Seconds | ExpireUnit::UnixSeconds) => ((ms + 500) / 1000) as i64,
        (Ok(ms), ExpireUnit::Millis | ExpireUnit::UnixMillis) => ms as i64,
    }))
}

/// The deadline of `key` in Unix ms: `Err(-2)` missing, `Err(-1)` no
/// deadline. Counts a keyspace hit or miss without touching the key, as
/// Redis's `TTL` family does.
pub fn deadline_ms(ctx: &mut Context<'_>, key: &[u8]) -> Result<u64, i64> {
    let db = ctx.db();
    if lookup_no_touch(db, key).is_none() {
        return Err(-2);
    }
    db.deadline(key).ok_or(-1)
}

/// The `[ASYNC|SYNC]` argument of `FLUSHDB` / `FLUSHALL`. Freeing is always
/// done at once; both modes are accepted.
pub fn flush_mode(args: &mut Args<'_>) -> Result<(), ReplyError> {
    let _ = args.eat("ASYNC") || args.eat("SYNC");
    args.finish()
}

/// Redis's `lookupKeyReadWithFlags(LOOKUP_NOTOUCH)`: the live value at `key`,
/// counting a keyspace hit or miss but leaving the access time alone.
pub fn lookup_no_touch<'d>(db: &'d mut Keyspace<'_>, key: &[u8]) -> Option<&'d Value> {
    db.lookup_no_touch(key)
}

/// A database index argument (`MOVE`, `COPY ... DB`): a 32-bit integer,
/// then `ERR DB index is out of range` unless it names a database.
pub fn db_index(ctx: &mut Context<'_>, arg: &[u8]) -> Result<usize, ReplyError> {
    let index = int_arg(arg, None)?;
    let databases = ctx.server.store.databases();
    usize::try_from(index).ok().filter(|&i| i < databases).ok_or(ReplyError::DB_INDEX)
}

/// Redis's reply when a command is asked to copy or move a key onto itself.
pub const SAME_OBJECT: ReplyError =
    ReplyError::from_static("ERR source and destination objects are the same");

/// Removes a live key and returns its value with its deadline (`RENAME`, `MOVE`).
pub fn take_key(db: &mut Keyspace<'_>, key: &[u8]) -> Option<(Value, Option<u64>)> {
    // `deadline` deletes the key first if it is due, so what `remove` finds is live.
    let deadline = db.deadline(key);
    db.remove(key).map(|value| (value, deadline))
}

/// Stores `value` at `key` with `deadline`, replacing whatever `key` held
/// and its deadline (`RENAME`, `MOVE`, `COPY`).
pub fn put_key(db: &mut Keyspace<'_>, key: &[u8], value: Value, deadline: Option<u64>) {
    db.set(key, value);
    if let Some(deadline) = deadline {
        db.set_deadline(key, deadline);
    }
}

/// `RENAME`/`RENAMENX key newkey`: moves the value and its deadline to
/// `newkey`. False when nothing was done: `nx` and `newkey` exists, or
/// (for `nx` only) both names are the same.
pub fn rename(ctx: &mut Context<'_>, args: &mut Args<'_>, nx: bool) -> Result<bool, ReplyError> {
    let (key, newkey) = (args.next()?, args.next()?);
    let db = ctx.db();
    if !db.contains(key) {
        return Err(ReplyError::NO_SUCH_KEY);
    }
    if key == newkey {
        return Ok(!nx);
    }
    if nx && db.contains(newkey) {
        return Ok(false);
    }
    let (value, deadline) = take_key(db, key).ok_or(ReplyError::NO_SUCH_KEY)?;
    put_key(db, newkey, value, deadline);
    Ok(true)
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

/// `HSCAN`/`SSCAN`/`ZSCAN`'s `[MATCH pattern] [COUNT count]`: the pattern
/// (none for `*`) and the count.
pub fn scan_options<'a>(args: &mut Args<'a>) -> Result<(Option<&'a [u8]>, usize), ReplyError> {
    let (mut pattern, mut count) = (None, 10);
    while !args.is_empty() {
        if args.remaining() >= 2 && args.eat("COUNT") {
            count = args.next_i64()?;
            if count < 1 {
                return Err(ReplyError::SYNTAX);
            }
        } else if args.remaining() >= 2 && args.eat("MATCH") {
            pattern = Some(args.next()?).filter(|p| *p != b"*");
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    Ok((pattern, usize::try_from(count).unwrap_or(usize::MAX)))
}

/// A `…SCAN` reply: `[cursor as a bulk string, [item, ...]]`.
pub fn scan_reply(cursor: u64, items: Vec<Reply>) -> Reply {
    Reply::Array(vec![Reply::bulk(cursor.to_string()), Reply::Array(items)])
}

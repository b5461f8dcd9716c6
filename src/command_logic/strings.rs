//! Logic several string command files share: `SET`'s options and write,
//! `INCR`/`DECR`, `SETEX`, `GETRANGE`, `MSET`.

use crate::protocol::parse::parse_i64;
use crate::protocol::{Reply, ReplyError};
use crate::registry::{Args, CommandResult, Context, ExpireUnit};
use crate::store::Value;

/// The commands whose options [`string_options`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringCommand {
    /// `SET`: NX, XX, GET, KEEPTTL and the expiry options.
    Set,
    /// `GETEX`: PERSIST and the expiry options.
    GetEx,
}

/// `SET`'s write condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetCondition {
    Always,
    /// `NX`
    IfAbsent,
    /// `XX`
    IfPresent,
}

/// The expiry an option of `SET` or `GETEX` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlOption<'a> {
    /// No expiry option.
    Absent,
    /// `KEEPTTL` (`SET`).
    Keep,
    /// `PERSIST` (`GETEX`).
    Persist,
    /// `EX`/`PX`/`EXAT`/`PXAT` and its argument, checked only by
    /// [`StringOptions::deadline`] (Redis checks it after all options).
    At(ExpireUnit, &'a [u8]),
}

/// The options of `SET` or `GETEX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringOptions<'a> {
    pub condition: SetCondition,
    pub get: bool,
    pub ttl: TtlOption<'a>,
}

impl StringOptions<'_> {
    /// The deadline (Unix ms) of an `EX`/`PX`/`EXAT`/`PXAT` option, with
    /// Redis's errors: not an integer, or `invalid expire time in '<command>'`.
    pub fn deadline(&self, now_ms: u64, command: &str) -> Result<Option<u64>, ReplyError> {
        match self.ttl {
            TtlOption::At(unit, raw) => {
                let value = parse_i64(raw).ok_or(ReplyError::NOT_INTEGER)?;
                unit.deadline(value, now_ms, command).map(Some)
            }
            _ => Ok(None),
        }
    }
}

/// `SET key value` with its parsed options (`SETNX` and `GETSET` are
/// `SET ... NX` and `SET ... GET`): whether the value was stored, and the
/// old string when `options.get` asks for it (then another type is
/// `WRONGTYPE` and nothing changes).
pub fn set_string(
    ctx: &mut Context<'_>,
    key: &[u8],
    value: &[u8],
    options: &StringOptions<'_>,
    deadline: Option<u64>,
) -> Result<(bool, Option<crate::store::Str>), ReplyError> {
    let db = ctx.db();
    let old = if options.get { db.get_string(key)?.cloned() } else { None };
    // A plain SET needs no existence check: one lookup in all.
    let allowed = match options.condition {
        SetCondition::Always => true,
        SetCondition::IfAbsent => !(old.is_some() || (!options.get && db.contains(key))),
        SetCondition::IfPresent => old.is_some() || (!options.get && db.contains(key)),
    };
    if allowed {
        let value = Value::string(value);
        match options.ttl {
            TtlOption::Keep => {
                db.set_keep_ttl(key, value);
                if let Some(deadline) = deadline {
                    db.set_deadline(key, deadline);
                }
            }
            _ => db.set_with_deadline(key, value, deadline),
        }
    }
    Ok((allowed, old))
}

/// Redis's `parseExtendedStringArgumentsOrReply`: the options after the key
/// (and value) of `SET` or `GETEX`, in any order. Repeating an option is
/// allowed (the last expiry wins); a conflicting pair, an option of the
/// other command, or an expiry option without its argument is a syntax error.
pub fn string_options<'a>(
    args: &mut Args<'a>,
    command: StringCommand,
) -> Result<StringOptions<'a>, ReplyError> {
    let set = command == StringCommand::Set;
    let mut options = StringOptions { condition: SetCondition::Always, get: false, ttl: TtlOption::Absent };
    while !args.is_empty() {
        let option = args.next()?.to_ascii_uppercase();
        let unit = match option.as_slice() {
            b"NX" if set && options.condition != SetCondition::IfPresent => {
                options.condition = SetCondition::IfAbsent;
                continue;
            }
            b"XX" if set && options.condition != SetCondition::IfAbsent => {
                options.condition = SetCondition::IfPresent;
                continue;
            }
            b"GET" if set => {
                options.get = true;
                continue;
            }
            b"KEEPTTL" if set && matches!(options.ttl, TtlOption::Absent | TtlOption::Keep) => {
                options.ttl = TtlOption::Keep;
                continue;
            }
            b"PERSIST" if !set && matches!(options.ttl, TtlOption::Absent | TtlOption::Persist) => {
                options.ttl = TtlOption::Persist;
                continue;
            }
            b"EX" => ExpireUnit::Seconds,
            b"PX" => ExpireUnit::Millis,
            b"EXAT" => ExpireUnit::UnixSeconds,
            b"PXAT" => ExpireUnit::UnixMillis,
            _ => return Err(ReplyError::SYNTAX),
        };
        let compatible = match options.ttl {
            TtlOption::Absent => true,
            TtlOption::At(previous, _) => previous == unit,
            TtlOption::Keep | TtlOption::Persist => false,
        };
        if !compatible || args.is_empty() {
            return Err(ReplyError::SYNTAX);
        }
        options.ttl = TtlOption::At(unit, args.next()?);
    }
    Ok(options)
}

/// Redis's `checkStringLength`: `APPEND` and `SETRANGE` may not build a
/// string longer than `limit`, the run-time `proto-max-bulk-len`.
pub fn check_string_length(limit: u64, len: u64, append: u64) -> Result<(), ReplyError> {
    match len.checked_add(append) {
        Some(total) if total <= limit => Ok(()),
        _ => Err(ReplyError::from_static("ERR string exceeds maximum allowed size (proto-max-bulk-len)")),
    }
}

/// `INCR`/`DECR`/`INCRBY`/`DECRBY`: adds `delta` to the 64-bit integer at
/// `key` (0 when absent), keeping its TTL; the new value.
pub fn incr_by(ctx: &mut Context<'_>, key: &[u8], delta: i64) -> CommandResult {
    let db = ctx.db();
    match db.get_mut(key) {
        Some(Value::String(text)) => {
            let current = parse_i64(text).ok_or(ReplyError::NOT_INTEGER)?;
            let value = current.checked_add(delta).ok_or(ReplyError::OVERFLOW)?;
            *text = itoa::Buffer::new().format(value).as_bytes().into();
            Ok(Reply::Integer(value))
        }
        Some(_) => Err(ReplyError::WRONG_TYPE),
        None => {
            db.set(key, Value::string(itoa::Buffer::new().format(delta).as_bytes()));
            Ok(Reply::Integer(delta))
        }
    }
}

/// `SETEX`/`PSETEX key time value`: stores a string with a relative expiry.
pub fn set_expiring(
    ctx: &mut Context<'_>,
    args: &mut Args<'_>,
    unit: ExpireUnit,
    name: &str,
) -> CommandResult {
    let key = args.next()?;
    let time = args.next_i64()?;
    let value = args.next()?;
    let deadline = unit.deadline(time, ctx.now_ms(), name)?;
    let db = ctx.db();
    db.set(key, Value::string(value));
    db.set_deadline(key, deadline);
    Ok(Reply::OK)
}

/// `GETRANGE`/`SUBSTR key start end`: the bytes from `start` to `end`
/// inclusive, negative indexes counting from the end, as Redis 7.0 clamps them.
pub fn get_range(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let key = args.next()?;
    let start = args.next_i64()?;
    let end = args.next_i64()?;
    let Some(text) = ctx.db().get_string(key)? else {
        return Ok(Reply::bulk(""));
    };
    let len = text.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Ok(Reply::bulk(""));
    }
    let start = if start < 0 { len.saturating_add(start) } else { start }.max(0);
    let end = if end < 0 { len.saturating_add(end) } else { end }.max(0).min(len - 1);
    if start > end {
        return Ok(Reply::bulk(""));
    }
    Ok(Reply::bulk(&text[start as usize..=end as usize]))
}

/// `MSET`/`MSETNX key value [key value ...]`; with `only_new`, nothing is
/// set if any key exists (reply 0), else 1.
pub fn mset(ctx: &mut Context<'_>, args: &mut Args<'_>, only_new: bool) -> CommandResult {
    if !args.remaining().is_multiple_of(2) {
        return Err(ReplyError::wrong_arity(ctx.command));
    }
    let db = ctx.db();
    let pairs: Vec<&[u8]> = args.rest().collect();
    if only_new && pairs.chunks(2).any(|pair| db.contains(pair[0])) {
        return Ok(Reply::Integer(0));
    }
    for pair in pairs.chunks(2) {
        db.set(pair[0], Value::string(pair[1]));
    }
    Ok(if only_new { Reply::Integer(1) } else { Reply::OK })
}

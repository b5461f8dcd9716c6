//! Logic shared by several command files (the `EXPIRE` family, TTL reads).

use crate::prelude::*;
use crate::protocol::parse::parse_i64;

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

/// Redis's rule for client names and library attributes: printable ASCII
/// without spaces.
pub fn valid_client_attr(value: &[u8]) -> bool {
    value.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Redis's `lookupKeyReadWithFlags(LOOKUP_NOTOUCH)`: the live value at `key`,
/// counting a keyspace hit or miss but leaving the access time alone.
pub fn lookup_no_touch<'d>(db: &'d mut Keyspace<'_>, key: &[u8]) -> Option<&'d Value> {
    db.lookup_no_touch(key)
}

/// Redis's `getIntFromObjectOrReply`: a 32-bit integer argument. `message`,
/// when given, replaces both error texts (as `SWAPDB` does).
pub fn int_arg(arg: &[u8], message: Option<&'static str>) -> Result<i32, ReplyError> {
    let custom = || message.map(ReplyError::err);
    let value = parse_i64(arg).ok_or_else(|| custom().unwrap_or(ReplyError::NOT_INTEGER))?;
    i32::try_from(value).map_err(|_| {
        custom().unwrap_or_else(|| {
            ReplyError::err("value is out of range, value must between -2147483648 and 2147483647")
        })
    })
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

/// Redis's rule for `enable-debug-command` and `enable-protected-configs`:
/// `yes` allows every client, `local` only clients on a loopback address.
pub fn protected_action_allowed(setting: &str, client: &crate::server::ClientState) -> bool {
    match setting {
        "yes" => true,
        "local" => {
            client.handle.addr.parse::<std::net::SocketAddr>().is_ok_and(|addr| addr.ip().is_loopback())
        }
        _ => false,
    }
}

/// The encoding `OBJECT ENCODING` / `DEBUG OBJECT` report, as Redis 7.0
/// chooses it when a value is stored: `int` for the canonical text of a
/// 64-bit integer, `embstr` up to 44 bytes, `raw` beyond; a hash reports the
/// encoding it tracks (`listpack` until it first outgrows the limits).
pub fn object_encoding(value: &Value) -> &'static str {
    match value {
        Value::String(s) if s.len() <= 20 && parse_i64(s).is_some() => "int",
        Value::String(s) if s.len() <= 44 => "embstr",
        Value::String(_) => "raw",
        Value::Hash(h) => h.encoding(),
    }
}

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

/// What `HKEYS`, `HVALS` and `HGETALL` list of each field-value pair.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum HashParts {
    Fields,
    Values,
    Both,
}

/// `HKEYS`/`HVALS`/`HGETALL key`: the parts of every pair in field order;
/// an empty array when there is no key. `HGETALL` replies with a map (flat
/// in RESP2), the others with an array (also in RESP3).
pub fn list_hash(ctx: &mut Context<'_>, args: &mut Args<'_>, parts: HashParts) -> CommandResult {
    let key = args.next()?;
    let pairs = ctx.db().get_hash(key)?.into_iter().flat_map(Hash::iter);
    Ok(match parts {
        HashParts::Fields => Reply::Array(pairs.map(|(field, _)| Reply::bulk(field)).collect()),
        HashParts::Values => Reply::Array(pairs.map(|(_, value)| Reply::bulk(value)).collect()),
        HashParts::Both => {
            Reply::Map(pairs.map(|(field, value)| (Reply::bulk(field), Reply::bulk(value))).collect())
        }
    })
}

/// The reply to a container's `HELP` subcommand: one simple string a line.
pub fn help_reply(lines: &[&'static str]) -> Reply {
    Reply::Array(lines.iter().map(|line| Reply::simple(line)).collect())
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

/// `AUTH` and `HELLO … AUTH`: switches the connection to `user` if
/// `password` opens it; `WRONGPASS` (and an ACL log entry whose object is
/// `command` as sent) otherwise, leaving the connection as it was.
pub fn authenticate(
    ctx: &mut Context<'_>,
    command: &[u8],
    user: &[u8],
    password: &[u8],
) -> Result<(), ReplyError> {
    let found = ctx.server.acl.read().authenticate(user, password);
    match found {
        Some(cell) => {
            ctx.client.authenticate_as(cell);
            Ok(())
        }
        None => {
            let now = ctx.now_ms();
            let info = ctx.client.handle.info_line(now);
            ctx.server.acl.read().log("auth", command, user, now, info);
            Err(ReplyError::from_static(crate::acl::WRONGPASS))
        }
    }
}

pub use crate::config::os_error_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let s = |t: &str| Value::string(t.as_bytes());
        assert_eq!(object_encoding(&s("123")), "int");
        assert_eq!(object_encoding(&s("-9223372036854775808")), "int");
        assert_eq!(object_encoding(&s("007")), "embstr");
        assert_eq!(object_encoding(&s(&"a".repeat(44))), "embstr");
        assert_eq!(object_encoding(&s(&"a".repeat(45))), "raw");
        let mut h = Hash::default();
        h.insert(b"f", b"v");
        assert_eq!(object_encoding(&Value::Hash(Box::new(h.clone()))), "listpack");
        h.insert(b"big", &[b'x'; 65]);
        assert_eq!(object_encoding(&Value::Hash(Box::new(h.clone()))), "hashtable");
        h.remove(b"big");
        assert_eq!(object_encoding(&Value::Hash(Box::new(h))), "hashtable", "sticky, as in Redis");
    }
}

//! Logic shared by several command files (the `EXPIRE` family, TTL reads).

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
/// chooses it when a value is stored: `int` for canonical integers of at most
/// 20 characters, `embstr` up to 44 bytes, `raw` beyond; small hashes
/// (at most 128 fields, every field and value at most 64 bytes) are a
/// `listpack`, larger ones a `hashtable`.
pub fn object_encoding(value: &Value) -> &'static str {
    match value {
        Value::String(s) if s.len() <= 20 && parse_i64(s).is_some() => "int",
        Value::String(s) if s.len() <= 44 => "embstr",
        Value::String(_) => "raw",
        Value::Hash(h) if h.len() <= 128 && h.iter().all(|(f, v)| f.len() <= 64 && v.len() <= 64) => {
            "listpack"
        }
        Value::Hash(_) => "hashtable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let s = |t: &str| Value::String(t.as_bytes().to_vec());
        assert_eq!(object_encoding(&s("123")), "int");
        assert_eq!(object_encoding(&s("-9223372036854775808")), "int");
        assert_eq!(object_encoding(&s("007")), "embstr");
        assert_eq!(object_encoding(&s(&"a".repeat(44))), "embstr");
        assert_eq!(object_encoding(&s(&"a".repeat(45))), "raw");
        let mut h = Hash::default();
        h.insert(b"f", b"v");
        assert_eq!(object_encoding(&Value::Hash(h.clone())), "listpack");
        h.insert(b"big", &[b'x'; 65]);
        assert_eq!(object_encoding(&Value::Hash(h)), "hashtable");
    }
}

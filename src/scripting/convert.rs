//! Conversions between Redis replies and Lua values, both ways, as Redis
//! 7.0's `script_lua.c` does them (RESP2 and, after `redis.setresp(3)`,
//! RESP3).

use mlua::{Lua, Table, Value};

use crate::protocol::reply::format_double;
use crate::protocol::{Reply, ReplyError};

/// Nesting beyond this is refused rather than recursed into.
pub const MAX_DEPTH: usize = 200;

/// A Lua number as Lua 5.1 prints it (`%.14g`).
pub fn format_number(n: f64) -> String {
    format_c(c"%.14g", n)
}

/// `n` through C's `printf` format `format` (one double).
fn format_c(format: &std::ffi::CStr, n: f64) -> String {
    let mut buf = [0u8; 64];
    // SAFETY: the buffer is large enough for any `%.17g` and its size is passed.
    let len = unsafe { libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), format.as_ptr(), n) };
    String::from_utf8_lossy(&buf[..(len.max(0) as usize).min(buf.len() - 1)]).into_owned()
}

/// A command's reply as the script sees it.
pub fn reply_to_lua(lua: &Lua, reply: &Reply, resp3: bool) -> mlua::Result<Value> {
    Ok(match reply {
        Reply::Simple(text) => single(lua, "ok", Value::String(lua.create_string(text.as_bytes())?))?,
        Reply::Error(error) => error_table(lua, error.text())?,
        Reply::Integer(i) => Value::Number(*i as f64),
        Reply::Bulk(bytes) => Value::String(lua.create_string(bytes)?),
        Reply::Null | Reply::NullArray | Reply::None => {
            if resp3 {
                Value::Nil
            } else {
                Value::Boolean(false)
            }
        }
        // Pushes and reply sequences come only from the subscribe family,
        // which scripts may not call; shown as arrays all the same.
        Reply::Array(items) | Reply::Push(items) | Reply::Sequence(items) => sequence(lua, items, resp3)?,
        Reply::Set(items) if !resp3 => sequence(lua, items, resp3)?,
        Reply::Set(items) => {
            let set = lua.create_table()?;
            for item in items {
                set.raw_set(reply_to_lua(lua, item, resp3)?, true)?;
            }
            single(lua, "set", Value::Table(set))?
        }
        Reply::EncodedBulks(bulks) => sequence(lua, &bulks.items(), resp3)?,
        Reply::Map(pairs) if resp3 => {
            let map = lua.create_table()?;
            for (key, value) in pairs {
                map.raw_set(reply_to_lua(lua, key, resp3)?, reply_to_lua(lua, value, resp3)?)?;
            }
            single(lua, "map", Value::Table(map))?
        }
        Reply::Map(pairs) => {
            let table = lua.create_table_with_capacity(pairs.len() * 2, 0)?;
            for (i, (key, value)) in pairs.iter().enumerate() {
                table.raw_set(2 * i + 1, reply_to_lua(lua, key, resp3)?)?;
                table.raw_set(2 * i + 2, reply_to_lua(lua, value, resp3)?)?;
            }
            Value::Table(table)
        }
        Reply::Double(d) if resp3 => single(lua, "double", Value::Number(*d))?,
        Reply::Double(d) => Value::String(lua.create_string(format_double(*d))?),
        Reply::Bool(b) if resp3 => Value::Boolean(*b),
        Reply::Bool(b) => Value::Number(*b as i64 as f64),
        Reply::Verbatim(text) if resp3 => {
            let verbatim = lua.create_table()?;
            verbatim.raw_set("format", "txt")?;
            verbatim.raw_set("string", lua.create_string(text)?)?;
            single(lua, "verbatim_string", Value::Table(verbatim))?
        }
        Reply::Verbatim(text) => Value::String(lua.create_string(text)?),
    })
}

/// A Lua array of the replies.
fn sequence(lua: &Lua, items: &[Reply], resp3: bool) -> mlua::Result<Value> {
    let table = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        table.raw_set(i + 1, reply_to_lua(lua, item, resp3)?)?;
    }
    Ok(Value::Table(table))
}

/// `{name = value}`.
fn single(lua: &Lua, name: &str, value: Value) -> mlua::Result<Value> {
    let table = lua.create_table_with_capacity(0, 1)?;
    table.raw_set(name, value)?;
    Ok(Value::Table(table))
}

/// `{err = text}`: how an error reply reaches a script.
pub fn error_table(lua: &Lua, text: &str) -> mlua::Result<Value> {
    single(lua, "err", Value::String(lua.create_string(text)?))
}

/// What a script returned, as the client's reply. `resp3`: the script's
/// `redis.setresp` (booleans become RESP3 booleans).
pub fn lua_to_reply(value: &Value, resp3: bool) -> Reply {
    lua_to_reply_at(value, resp3, 0).unwrap_or_else(Reply::Error)
}

fn lua_to_reply_at(value: &Value, resp3: bool, depth: usize) -> Result<Reply, ReplyError> {
    if depth > MAX_DEPTH {
        return Err(ReplyError::from_static("ERR reached lua stack limit"));
    }
    Ok(match value {
        Value::String(s) => Reply::Bulk(s.as_bytes().to_vec()),
        Value::Boolean(b) if resp3 => Reply::Bool(*b),
        Value::Boolean(true) => Reply::Integer(1),
        Value::Integer(i) => Reply::Integer(*i),
        Value::Number(n) => Reply::Integer(truncate(*n)),
        Value::Table(table) => table_to_reply(table, resp3, depth)?,
        _ => Reply::Null,
    })
}

/// A Lua number as C's `(long long)` cast truncates it on x86-64: out of
/// range (and NaN) gives the minimum.
fn truncate(n: f64) -> i64 {
    // 2^63: the first double out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

fn table_to_reply(table: &Table, resp3: bool, depth: usize) -> Result<Reply, ReplyError> {
    let field = |name: &str| table.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(text) = field("err") {
        return Ok(Reply::Error(error_text(&text.as_bytes())));
    }
    if let Value::String(text) = field("ok") {
        return Ok(Reply::Simple(status_text(&text.as_bytes()).into()));
    }
    match field("double") {
        Value::Number(n) => return Ok(Reply::Double(n)),
        Value::Integer(i) => return Ok(Reply::Double(i as f64)),
        _ => {}
    }
    if let Value::String(text) = field("big_number") {
        return Ok(Reply::Bulk(text.as_bytes().to_vec()));
    }
    if let Value::Table(map) = field("map") {
        let mut pairs = Vec::new();
        for (key, value) in map.pairs::<Value, Value>().flatten() {
            pairs
                .push((lua_to_reply_at(&key, resp3, depth + 1)?, lua_to_reply_at(&value, resp3, depth + 1)?));
        }
        return Ok(Reply::Map(pairs));
    }
    if let Value::Table(set) = field("set") {
        let items = set.pairs::<Value, Value>().flatten().map(|(k, _)| lua_to_reply_at(&k, resp3, depth + 1));
        return Ok(Reply::Set(items.collect::<Result<_, _>>()?));
    }
    if let Value::Table(verbatim) = field("verbatim_string") {
        if let Ok(Value::String(text)) = verbatim.raw_get::<Value>("string") {
            return Ok(Reply::Verbatim(text.as_bytes().to_vec()));
        }
    }
    let mut items = Vec::new();
    for i in 1.. {
        match table.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(value) => items.push(lua_to_reply_at(&value, resp3, depth + 1)?),
        }
    }
    Ok(Reply::Array(items))
}

/// An error text as a reply line: CR and LF become spaces.
pub fn error_text(bytes: &[u8]) -> ReplyError {
    ReplyError(status_text(bytes).into())
}

fn status_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace(['\r', '\n'], " ")
}

/// A `redis.call` argument: strings as they are, numbers as Redis prints
/// them (`%.17g`); anything else is refused.
/// A Lua number as a `redis.call` argument, appended to `out` (as
/// [`argument`] words the value `mlua` makes of it).
pub fn number_argument(n: f64, out: &mut Vec<u8>) {
    // `mlua` makes an integer of a number an `i64` holds exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&n) && n.to_bits() == ((n as i64) as f64).to_bits() {
        let i = n as i64;
        if i.unsigned_abs() < 100_000_000_000_000_000 {
            out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
            return;
        }
    }
    out.extend_from_slice(format_c(c"%.17g", n).as_bytes());
}

pub fn argument(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) if i.unsigned_abs() < 100_000_000_000_000_000 => {
            Some(itoa::Buffer::new().format(*i).as_bytes().to_vec())
        }
        Value::Integer(i) => Some(format_c(c"%.17g", *i as f64).into_bytes()),
        Value::Number(n) => Some(format_c(c"%.17g", *n).into_bytes()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_number_argument_is_worded_as_mlua_s_value_of_it(n in prop_oneof![
            any::<f64>(),
            any::<i64>().prop_map(|i| i as f64),
            (-1000i64..1000).prop_map(|i| i as f64),
            Just(-0.0),
            Just(1e17),
            Just(9.3e18),
        ]) {
            let lua = Lua::new();
            let value: Value = lua.load("return ...").call(n).unwrap();
            let mut out = Vec::new();
            number_argument(n, &mut out);
            prop_assert_eq!(Some(out), argument(&value));
        }
    }

    /// RESP2 replies a command gives (integers exact in a Lua number).
    fn resp2_reply() -> impl Strategy<Value = Reply> {
        let leaf = prop_oneof![
            (-(1i64 << 53)..(1i64 << 53)).prop_map(Reply::Integer),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Reply::Bulk),
            "[a-zA-Z ]{0,8}".prop_map(|s| Reply::Simple(s.into())),
            "[A-Z]{1,4} [a-z ]{0,8}".prop_map(|s| Reply::Error(ReplyError(s.into()))),
            Just(Reply::Null),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| proptest::collection::vec(inner, 0..6).prop_map(Reply::Array))
    }

    /// RESP3 replies without nulls (a nil ends a Lua array).
    fn resp3_reply() -> impl Strategy<Value = Reply> {
        let leaf = prop_oneof![
            (-(1i64 << 53)..(1i64 << 53)).prop_map(Reply::Integer),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Reply::Bulk),
            any::<bool>().prop_map(Reply::Bool),
            (-1e12f64..1e12).prop_map(Reply::Double),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Reply::Array),
                // Distinct string keys: a Lua table holds each key once.
                proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4).prop_map(|m| {
                    Reply::Map(m.into_iter().map(|(k, v)| (Reply::Bulk(k.into_bytes()), v)).collect())
                }),
            ]
        })
    }

    /// Maps in a canonical order (a Lua table's order is its own).
    fn sorted(reply: Reply) -> Reply {
        match reply {
            Reply::Array(items) => Reply::Array(items.into_iter().map(sorted).collect()),
            Reply::Map(pairs) => {
                let mut pairs: Vec<_> = pairs.into_iter().map(|(k, v)| (sorted(k), sorted(v))).collect();
                pairs.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
                Reply::Map(pairs)
            }
            other => other,
        }
    }

    proptest! {
        #[test]
        fn resp2_replies_round_trip_through_lua(reply in resp2_reply()) {
            let lua = Lua::new();
            let value = reply_to_lua(&lua, &reply, false).unwrap();
            prop_assert_eq!(lua_to_reply(&value, false), reply);
        }

        #[test]
        fn resp3_replies_round_trip_through_lua(reply in resp3_reply()) {
            let lua = Lua::new();
            let value = reply_to_lua(&lua, &reply, true).unwrap();
            prop_assert_eq!(sorted(lua_to_reply(&value, true)), sorted(reply));
        }

        #[test]
        fn numbers_truncate_toward_zero(n in -1e18f64..1e18) {
            prop_assert_eq!(lua_to_reply(&Value::Number(n), false), Reply::Integer(n.trunc() as i64));
        }

        #[test]
        fn a_nil_ends_an_array(items in proptest::collection::vec(0i64..100, 0..10), cut in 0usize..10) {
            let lua = Lua::new();
            let table = lua.create_table().unwrap();
            for (i, item) in items.iter().enumerate() {
                if i != cut {
                    table.raw_set(i + 1, *item).unwrap();
                }
            }
            let kept = items.iter().take(cut.min(items.len())).map(|&i| Reply::Integer(i)).collect();
            prop_assert_eq!(lua_to_reply(&Value::Table(table), false), Reply::Array(kept));
        }
    }
}

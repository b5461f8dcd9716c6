//! `cjson`: JSON as Redis's lua-cjson 2.1 writes it (`%.14g` numbers, `/`
//! escaped, an empty table as `{}`, sparse arrays refused) and reads it
//! (through `serde_json`; `null` becomes the `cjson.null` light userdata).

use mlua::{Lua, MultiValue, Table, Value};

use super::{error, string_arg, type_name};
use crate::scripting::convert::format_number;

/// Nesting lua-cjson refuses beyond.
const MAX_DEPTH: usize = 1000;

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let cjson = lua.create_table()?;
    cjson.set("null", Value::NULL)?;
    cjson.set(
        "encode",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(error(lua, "bad argument #1 to 'encode' (expected 1 argument)"));
            }
            let mut out = Vec::new();
            encode(lua, &args[0], 0, &mut out)?;
            lua.create_string(&out)
        })?,
    )?;
    cjson.set(
        "decode",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(error(lua, "bad argument #1 to 'decode' (expected 1 argument)"));
            }
            let text = string_arg(lua, &args, 1, "decode")?;
            match serde_json::from_slice::<serde_json::Value>(&text) {
                Ok(json) => to_lua(lua, &json),
                Err(e) => {
                    let at = if e.is_eof() { text.len() + 1 } else { e.column().max(1) };
                    let found = if e.is_eof() { "T_END" } else { "invalid token" };
                    Err(error(lua, format_args!("Expected value but found {found} at character {at}")))
                }
            }
        })?,
    )?;
    Ok(cjson)
}

fn to_lua(lua: &Lua, json: &serde_json::Value) -> mlua::Result<Value> {
    Ok(match json {
        serde_json::Value::Null => Value::NULL,
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(lua.create_string(s)?),
        serde_json::Value::Array(items) => {
            let table = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                table.raw_set(i + 1, to_lua(lua, item)?)?;
            }
            Value::Table(table)
        }
        serde_json::Value::Object(fields) => {
            let table = lua.create_table_with_capacity(0, fields.len())?;
            for (key, value) in fields {
                table.raw_set(lua.create_string(key)?, to_lua(lua, value)?)?;
            }
            Value::Table(table)
        }
    })
}

fn encode(lua: &Lua, value: &Value, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match value {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(ud) if ud.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(i) => out.extend_from_slice(format_number(*i as f64).as_bytes()),
        Value::Number(n) if !n.is_finite() => {
            return Err(error(lua, "Cannot serialise number: must not be NaN or Inf"))
        }
        Value::Number(n) => out.extend_from_slice(format_number(*n).as_bytes()),
        Value::String(s) => escape(&s.as_bytes(), out),
        Value::Table(table) => {
            if depth + 1 > MAX_DEPTH {
                return Err(error(lua, format_args!("Cannot serialise, excessive nesting ({})", depth + 1)));
            }
            encode_table(lua, table, depth + 1, out)?
        }
        other => {
            return Err(error(
                lua,
                format_args!("Cannot serialise {}: type not supported", type_name(Some(other))),
            ))
        }
    }
    Ok(())
}

/// The array length lua-cjson sees: `Some(max)` when every key is a
/// positive integer (not too sparse), `None` for an object.
fn array_length(lua: &Lua, table: &Table) -> mlua::Result<Option<usize>> {
    let (mut max, mut items) = (0usize, 0usize);
    for pair in table.pairs::<Value, Value>() {
        let (key, _) = pair?;
        let index = match key {
            Value::Integer(i) if i >= 1 => i as usize,
            Value::Number(n) if n >= 1.0 && n.floor() == n => n as usize,
            _ => return Ok(None),
        };
        max = max.max(index);
        items += 1;
    }
    if max > 10 && max > items * 2 {
        return Err(error(lua, "Cannot serialise table: excessively sparse array"));
    }
    Ok(Some(max))
}

fn encode_table(lua: &Lua, table: &Table, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match array_length(lua, table)? {
        Some(len) if len > 0 => {
            out.push(b'[');
            for i in 1..=len {
                if i > 1 {
                    out.push(b',');
                }
                encode(lua, &table.raw_get::<Value>(i)?, depth, out)?;
            }
            out.push(b']');
        }
        _ => {
            out.push(b'{');
            let mut first = true;
            for pair in table.pairs::<Value, Value>() {
                let (key, value) = pair?;
                if !first {
                    out.push(b',');
                }
                first = false;
                match &key {
                    Value::String(s) => escape(&s.as_bytes(), out),
                    Value::Integer(i) => escape(format_number(*i as f64).as_bytes(), out),
                    Value::Number(n) => escape(format_number(*n).as_bytes(), out),
                    other => {
                        return Err(error(
                            lua,
                            format_args!(
                                "Cannot serialise {}: table key must be a number or string",
                                type_name(Some(other))
                            ),
                        ))
                    }
                }
                out.push(b':');
                encode(lua, &value, depth, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON string as lua-cjson escapes it.
fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

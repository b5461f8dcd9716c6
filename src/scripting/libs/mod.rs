//! The libraries Redis adds to Lua, written in Rust: `bit` (LuaBitOp),
//! `struct`, `cjson` (through `serde_json`) and `cmsgpack`.

mod bit;
mod cjson;
mod cmsgpack;
mod structs;

use mlua::{Lua, MultiValue, Table, Value};

pub fn install(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    globals.raw_set("bit", bit::table(lua)?)?;
    globals.raw_set("struct", structs::table(lua)?)?;
    globals.raw_set("cjson", cjson::table(lua)?)?;
    globals.raw_set("cmsgpack", cmsgpack::table(lua)?)?;
    Ok(())
}

/// A Lua error raised by a library function, positioned as C's
/// `luaL_error` positions it: where the script called the function.
pub(crate) fn error(lua: &Lua, message: impl std::fmt::Display) -> mlua::Error {
    let place = lua
        .inspect_stack(1, |debug| {
            let source = debug.source();
            let line = debug.current_line()?;
            Some(format!("{}:{line}: ", source.short_src.as_deref().unwrap_or("?")))
        })
        .flatten()
        .unwrap_or_default();
    mlua::Error::runtime(format!("{place}{message}"))
}

/// Lua's name of a value's type, as errors show it.
pub(crate) fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_) | Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::LightUserData(_) | Value::UserData(_)) => "userdata",
        Some(Value::Thread(_)) => "thread",
        Some(_) => "userdata",
    }
}

/// Argument `index` (from 1) of function `name` as a number (Lua's
/// `luaL_checknumber`: numeric strings are accepted).
pub(crate) fn number_arg(lua: &Lua, args: &MultiValue, index: usize, name: &str) -> mlua::Result<f64> {
    let value = args.get(index - 1);
    match value {
        Some(Value::Integer(i)) => Ok(*i as f64),
        Some(Value::Number(n)) => Ok(*n),
        Some(Value::String(s)) => match s.to_str().ok().and_then(|t| t.trim().parse::<f64>().ok()) {
            Some(n) => Ok(n),
            None => Err(error(
                lua,
                format_args!("bad argument #{index} to '{name}' (number expected, got string)"),
            )),
        },
        other => Err(error(
            lua,
            format_args!("bad argument #{index} to '{name}' (number expected, got {})", type_name(other)),
        )),
    }
}

/// Argument `index` of function `name` as a string (numbers converted).
pub(crate) fn string_arg(lua: &Lua, args: &MultiValue, index: usize, name: &str) -> mlua::Result<Vec<u8>> {
    match args.get(index - 1) {
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Integer(i)) => Ok(i.to_string().into_bytes()),
        Some(Value::Number(n)) => Ok(super::convert::format_number(*n).into_bytes()),
        other => Err(error(
            lua,
            format_args!("bad argument #{index} to '{name}' (string expected, got {})", type_name(other)),
        )),
    }
}

//! `cmsgpack`: MessagePack as Redis's lua_cmsgpack packs and unpacks it.

use mlua::{Lua, MultiValue, Table, Value};

use super::{error, string_arg};

/// Tables nested deeper are packed as nil (lua_cmsgpack's limit).
const MAX_NESTING: usize = 16;
/// Unpacking refuses nesting beyond this (the Rust stack is finite).
const MAX_UNPACK_DEPTH: usize = 200;

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let cmsgpack = lua.create_table()?;
    cmsgpack.set(
        "pack",
        lua.create_function(|lua, args: MultiValue| {
            if args.is_empty() {
                return Err(error(lua, "MessagePack pack needs input."));
            }
            let mut out = Vec::new();
            for value in args.iter() {
                pack(value, 0, &mut out)?;
            }
            lua.create_string(&out)
        })?,
    )?;
    cmsgpack.set(
        "unpack",
        lua.create_function(|lua, args: MultiValue| {
            let input = string_arg(lua, &args, 1, "unpack")?;
            let mut values = Vec::new();
            let mut at = 0;
            while at < input.len() {
                values.push(unpack(lua, &input, &mut at, 0)?);
            }
            Ok(MultiValue::from_iter(values))
        })?,
    )?;
    let limited = |one: bool| {
        lua.create_function(move |lua, args: MultiValue| {
            let input = string_arg(lua, &args, 1, "unpack")?;
            let (limit, offset_index) =
                if one { (1, 2) } else { (super::number_arg(lua, &args, 2, "unpack_limit")? as usize, 3) };
            let offset = match args.get(offset_index - 1) {
                Some(Value::Nil) | None => 0,
                _ => super::number_arg(lua, &args, offset_index, "unpack")?.max(0.0) as usize,
            };
            let mut at = offset.min(input.len());
            let mut values = vec![Value::Nil];
            while at < input.len() && (limit == 0 || values.len() <= limit) {
                values.push(unpack(lua, &input, &mut at, 0)?);
            }
            values[0] = Value::Number(if at >= input.len() { -1.0 } else { at as f64 });
            Ok(MultiValue::from_iter(values))
        })
    };
    cmsgpack.set("unpack_one", limited(true)?)?;
    cmsgpack.set("unpack_limit", limited(false)?)?;
    Ok(cmsgpack)
}

fn pack(value: &Value, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match value {
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(i) => pack_integer(*i, out),
        Value::Number(n) if n.floor() == *n && n.abs() < 9.2e18 => pack_integer(*n as i64, out),
        Value::Number(n) if (*n as f32) as f64 == *n || n.is_nan() => {
            out.push(0xca);
            out.extend_from_slice(&(*n as f32).to_be_bytes());
        }
        Value::Number(n) => {
            out.push(0xcb);
            out.extend_from_slice(&n.to_be_bytes());
        }
        Value::String(s) => {
            let bytes = s.as_bytes();
            let len = bytes.len();
            if len < 32 {
                out.push(0xa0 | len as u8);
            } else if len <= 0xff {
                out.extend_from_slice(&[0xd9, len as u8]);
            } else if len <= 0xffff {
                out.push(0xda);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            } else {
                out.push(0xdb);
                out.extend_from_slice(&(len as u32).to_be_bytes());
            }
            out.extend_from_slice(&bytes);
        }
        Value::Table(table) if depth < MAX_NESTING => pack_table(table, depth + 1, out)?,
        _ => out.push(0xc0),
    }
    Ok(())
}

fn pack_integer(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        let u = i as u64;
        if u < 128 {
            out.push(u as u8);
        } else if u <= 0xff {
            out.extend_from_slice(&[0xcc, u as u8]);
        } else if u <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(u as u16).to_be_bytes());
        } else if u <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(u as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= -128 {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn pack_table(table: &Table, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    let (mut max, mut count, mut array) = (0usize, 0usize, true);
    for pair in table.pairs::<Value, Value>() {
        let (key, _) = pair?;
        count += 1;
        match key {
            Value::Integer(i) if i >= 1 => max = max.max(i as usize),
            Value::Number(n) if n >= 1.0 && n.floor() == n => max = max.max(n as usize),
            _ => array = false,
        }
    }
    if array && max == count {
        header(out, count, 0x90, 16, 0xdc);
        for i in 1..=count {
            pack(&table.raw_get::<Value>(i)?, depth, out)?;
        }
    } else {
        header(out, count, 0x80, 16, 0xde);
        for pair in table.pairs::<Value, Value>() {
            let (key, value) = pair?;
            pack(&key, depth, out)?;
            pack(&value, depth, out)?;
        }
    }
    Ok(())
}

/// An array or map header: fix form below `fix_limit`, else 16 or 32 bits.
fn header(out: &mut Vec<u8>, count: usize, fix: u8, fix_limit: usize, code16: u8) {
    if count < fix_limit {
        out.push(fix | count as u8);
    } else if count <= 0xffff {
        out.push(code16);
        out.extend_from_slice(&(count as u16).to_be_bytes());
    } else {
        out.push(code16 + 1);
        out.extend_from_slice(&(count as u32).to_be_bytes());
    }
}

fn take<'i>(lua: &Lua, input: &'i [u8], at: &mut usize, n: usize) -> mlua::Result<&'i [u8]> {
    if input.len() - *at < n {
        return Err(error(lua, "Missing bytes in input."));
    }
    let bytes = &input[*at..*at + n];
    *at += n;
    Ok(bytes)
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, &b| (acc << 8) | b as u64)
}

fn unpack(lua: &Lua, input: &[u8], at: &mut usize, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_UNPACK_DEPTH {
        return Err(error(lua, "Bad data format in input."));
    }
    let code = take(lua, input, at, 1)?[0];
    let number = |n: f64| Ok(Value::Number(n));
    let string = |lua: &Lua, at: &mut usize, len: usize| -> mlua::Result<Value> {
        Ok(Value::String(lua.create_string(take(lua, input, at, len)?)?))
    };
    match code {
        0x00..=0x7f => number(code as f64),
        0x80..=0x8f => map(lua, input, at, (code & 0x0f) as usize, depth),
        0x90..=0x9f => array(lua, input, at, (code & 0x0f) as usize, depth),
        0xa0..=0xbf => string(lua, at, (code & 0x1f) as usize),
        0xc0 => Ok(Value::Nil),
        0xc2 => Ok(Value::Boolean(false)),
        0xc3 => Ok(Value::Boolean(true)),
        0xc4 | 0xd9 => {
            let len = take(lua, input, at, 1)?[0] as usize;
            string(lua, at, len)
        }
        0xc5 | 0xda => {
            let len = be(take(lua, input, at, 2)?) as usize;
            string(lua, at, len)
        }
        0xc6 | 0xdb => {
            let len = be(take(lua, input, at, 4)?) as usize;
            string(lua, at, len)
        }
        0xca => number(f32::from_bits(be(take(lua, input, at, 4)?) as u32) as f64),
        0xcb => number(f64::from_bits(be(take(lua, input, at, 8)?))),
        0xcc => number(be(take(lua, input, at, 1)?) as f64),
        0xcd => number(be(take(lua, input, at, 2)?) as f64),
        0xce => number(be(take(lua, input, at, 4)?) as f64),
        0xcf => number(be(take(lua, input, at, 8)?) as f64),
        0xd0 => number(be(take(lua, input, at, 1)?) as u8 as i8 as f64),
        0xd1 => number(be(take(lua, input, at, 2)?) as u16 as i16 as f64),
        0xd2 => number(be(take(lua, input, at, 4)?) as u32 as i32 as f64),
        0xd3 => number(be(take(lua, input, at, 8)?) as i64 as f64),
        0xdc => {
            let n = be(take(lua, input, at, 2)?) as usize;
            array(lua, input, at, n, depth)
        }
        0xdd => {
            let n = be(take(lua, input, at, 4)?) as usize;
            array(lua, input, at, n, depth)
        }
        0xde => {
            let n = be(take(lua, input, at, 2)?) as usize;
            map(lua, input, at, n, depth)
        }
        0xdf => {
            let n = be(take(lua, input, at, 4)?) as usize;
            map(lua, input, at, n, depth)
        }
        0xe0..=0xff => number(code as i8 as f64),
        _ => Err(error(lua, "Bad data format in input.")),
    }
}

fn array(lua: &Lua, input: &[u8], at: &mut usize, n: usize, depth: usize) -> mlua::Result<Value> {
    // Each element takes at least a byte: a count the input cannot hold is refused before allocating.
    if n > input.len() - *at {
        return Err(error(lua, "Missing bytes in input."));
    }
    let table = lua.create_table_with_capacity(n, 0)?;
    for i in 1..=n {
        table.raw_set(i, unpack(lua, input, at, depth + 1)?)?;
    }
    Ok(Value::Table(table))
}

fn map(lua: &Lua, input: &[u8], at: &mut usize, n: usize, depth: usize) -> mlua::Result<Value> {
    if n > (input.len() - *at) / 2 {
        return Err(error(lua, "Missing bytes in input."));
    }
    let table = lua.create_table_with_capacity(0, n)?;
    for _ in 0..n {
        let key = unpack(lua, input, at, depth + 1)?;
        let value = unpack(lua, input, at, depth + 1)?;
        if !key.is_nil() {
            table.raw_set(key, value)?;
        }
    }
    Ok(Value::Table(table))
}

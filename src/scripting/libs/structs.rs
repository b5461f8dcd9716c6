//! `struct`: Roberto Ierusalimschy's binary packing library, as Redis
//! ships it (`pack`, `unpack`, `size`).

use mlua::{Lua, MultiValue, Table, Value};

use super::{error, number_arg, string_arg};

/// Options read from a format string.
struct Format<'f> {
    rest: &'f [u8],
    little: bool,
    align: usize,
}

/// One item of a format.
enum Item {
    Int {
        size: usize,
        signed: bool,
    },
    Float,
    Double,
    /// `c<n>`: `None` for `c0` (the length comes from elsewhere).
    Chars(Option<usize>),
    /// `s`: zero-terminated.
    Zstring,
    Padding,
}

impl<'f> Format<'f> {
    fn new(text: &'f [u8]) -> Self {
        Format { rest: text, little: true, align: 1 }
    }

    fn number(&mut self, default: usize) -> usize {
        let digits = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return default;
        }
        let n =
            std::str::from_utf8(&self.rest[..digits]).ok().and_then(|t| t.parse().ok()).unwrap_or(usize::MAX);
        self.rest = &self.rest[digits..];
        n
    }

    /// The next item, or `Ok(None)` at the end; options are applied on the way.
    fn next(&mut self, lua: &Lua, function: &str) -> mlua::Result<Option<Item>> {
        loop {
            let Some((&code, rest)) = self.rest.split_first() else { return Ok(None) };
            self.rest = rest;
            let int = |size, signed| Ok(Some(Item::Int { size, signed }));
            return match code {
                b' ' => continue,
                b'>' => {
                    self.little = false;
                    continue;
                }
                b'<' | b'=' => {
                    self.little = true;
                    continue;
                }
                b'!' => {
                    self.align = self.number(8);
                    continue;
                }
                b'x' => Ok(Some(Item::Padding)),
                b'b' => int(1, true),
                b'B' => int(1, false),
                b'h' => int(2, true),
                b'H' => int(2, false),
                b'l' => int(8, true),
                b'L' | b'T' => int(8, false),
                b'i' | b'I' => {
                    let size = self.number(4);
                    if !(1..=8).contains(&size) {
                        return Err(error(
                            lua,
                            format_args!("integral size {size} is larger than limit of 8"),
                        ));
                    }
                    int(size, code == b'i')
                }
                b'f' => Ok(Some(Item::Float)),
                b'd' => Ok(Some(Item::Double)),
                b's' => Ok(Some(Item::Zstring)),
                b'c' => {
                    let n = self.number(1);
                    Ok(Some(Item::Chars((n != 0).then_some(n))))
                }
                other => Err(error(
                    lua,
                    format_args!(
                        "bad argument #1 to '{function}' (invalid format option '{}')",
                        other as char
                    ),
                )),
            };
        }
    }

    /// Padding before an item of `size` bytes at offset `at`.
    fn padding(&self, size: usize, at: usize) -> usize {
        let align = size.min(self.align);
        if align <= 1 || !align.is_power_of_two() {
            return 0;
        }
        (align - (at & (align - 1))) & (align - 1)
    }
}

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let structs = lua.create_table()?;
    structs.set("pack", lua.create_function(pack)?)?;
    structs.set("unpack", lua.create_function(unpack)?)?;
    structs.set(
        "size",
        lua.create_function(|lua, args: MultiValue| {
            let text = string_arg(lua, &args, 1, "size")?;
            let mut format = Format::new(&text);
            let mut size = 0usize;
            while let Some(item) = format.next(lua, "size")? {
                let n = match item {
                    Item::Int { size, .. } => size,
                    Item::Float => 4,
                    Item::Double => 8,
                    Item::Padding => 1,
                    Item::Chars(Some(n)) => n,
                    Item::Chars(None) | Item::Zstring => {
                        return Err(error(
                            lua,
                            "bad argument #1 to 'size' (options 'c0' - 's' have undefined sizes)",
                        ))
                    }
                };
                size += format.padding(n, size) + n;
            }
            Ok(size as f64)
        })?,
    )?;
    Ok(structs)
}

fn pack(lua: &Lua, args: MultiValue) -> mlua::Result<mlua::LuaString> {
    let text = string_arg(lua, &args, 1, "pack")?;
    let mut format = Format::new(&text);
    let mut out: Vec<u8> = Vec::new();
    let mut arg = 2;
    while let Some(item) = format.next(lua, "pack")? {
        match item {
            Item::Padding => out.push(0),
            Item::Int { size, .. } => {
                out.resize(out.len() + format.padding(size, out.len()), 0);
                let n = number_arg(lua, &args, arg, "pack")?;
                arg += 1;
                let bits = if n < 0.0 { n as i64 as u64 } else { n as u64 };
                let bytes = bits.to_le_bytes();
                if format.little {
                    out.extend_from_slice(&bytes[..size]);
                } else {
                    out.extend(bytes[..size].iter().rev());
                }
            }
            Item::Float | Item::Double => {
                let size = if matches!(item, Item::Float) { 4 } else { 8 };
                out.resize(out.len() + format.padding(size, out.len()), 0);
                let n = number_arg(lua, &args, arg, "pack")?;
                arg += 1;
                let mut bytes =
                    if size == 4 { (n as f32).to_le_bytes().to_vec() } else { n.to_le_bytes().to_vec() };
                if !format.little {
                    bytes.reverse();
                }
                out.extend_from_slice(&bytes);
            }
            Item::Chars(len) => {
                let s = string_arg(lua, &args, arg, "pack")?;
                let len = len.unwrap_or(s.len());
                if s.len() < len {
                    return Err(error(lua, format_args!("bad argument #{arg} to 'pack' (string too short)")));
                }
                arg += 1;
                out.extend_from_slice(&s[..len]);
            }
            Item::Zstring => {
                let s = string_arg(lua, &args, arg, "pack")?;
                if s.contains(&0) {
                    return Err(error(
                        lua,
                        format_args!("bad argument #{arg} to 'pack' (string contains zeros)"),
                    ));
                }
                arg += 1;
                out.extend_from_slice(&s);
                out.push(0);
            }
        }
    }
    lua.create_string(&out)
}

fn unpack(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let text = string_arg(lua, &args, 1, "unpack")?;
    let data = string_arg(lua, &args, 2, "unpack")?;
    let mut at = match args.get(2) {
        Some(Value::Nil) | None => 0,
        _ => (number_arg(lua, &args, 3, "unpack")? as i64 - 1).max(0) as usize,
    };
    let short = || error(lua, "bad argument #2 to 'unpack' (data string too short)");
    let mut format = Format::new(&text);
    let mut values = Vec::new();
    let mut last_int: Option<f64> = None;
    while let Some(item) = format.next(lua, "unpack")? {
        match item {
            Item::Padding => at += 1,
            Item::Int { size, signed } => {
                at += format.padding(size, at);
                let bytes = data.get(at..at + size).ok_or_else(short)?;
                let mut bits = 0u64;
                for i in 0..size {
                    let b = if format.little { bytes[size - 1 - i] } else { bytes[i] };
                    bits = (bits << 8) | b as u64;
                }
                let n = if signed && size < 8 {
                    let shift = 64 - 8 * size as u32;
                    (((bits << shift) as i64) >> shift) as f64
                } else if signed {
                    bits as i64 as f64
                } else {
                    bits as f64
                };
                at += size;
                last_int = Some(n);
                values.push(Value::Number(n));
            }
            Item::Float | Item::Double => {
                let size = if matches!(item, Item::Float) { 4 } else { 8 };
                at += format.padding(size, at);
                let mut bytes = data.get(at..at + size).ok_or_else(short)?.to_vec();
                if !format.little {
                    bytes.reverse();
                }
                let n = if size == 4 {
                    f32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")) as f64
                } else {
                    f64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
                };
                at += size;
                values.push(Value::Number(n));
            }
            Item::Chars(len) => {
                let len = match len {
                    Some(n) => n,
                    None => {
                        let n = values.pop().map(|_| last_int.unwrap_or(0.0)).unwrap_or(0.0);
                        n.max(0.0) as usize
                    }
                };
                let bytes = data.get(at..at.saturating_add(len)).ok_or_else(short)?;
                values.push(Value::String(lua.create_string(bytes)?));
                at += len;
            }
            Item::Zstring => {
                let rest = data.get(at..).ok_or_else(short)?;
                let end = rest
                    .iter()
                    .position(|&b| b == 0)
                    .ok_or_else(|| error(lua, "bad argument #2 to 'unpack' (unfinished string in data)"))?;
                values.push(Value::String(lua.create_string(&rest[..end])?));
                at += end + 1;
            }
        }
    }
    values.push(Value::Number((at + 1) as f64));
    Ok(MultiValue::from_iter(values))
}

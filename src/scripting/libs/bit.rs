//! `bit`: LuaBitOp's 32-bit operations.

use mlua::{Lua, MultiValue, Table};

use super::number_arg;

/// A Lua number as LuaBitOp normalizes it: rounded, then taken modulo 2^32.
fn to_bits(n: f64) -> u32 {
    let rounded = n.round_ties_even();
    if !rounded.is_finite() {
        return 0;
    }
    rounded.rem_euclid(4_294_967_296.0) as u64 as u32
}

fn out(bits: u32) -> f64 {
    bits as i32 as f64
}

pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let bit = lua.create_table()?;
    let unary = |name: &'static str, op: fn(u32) -> u32| {
        lua.create_function(move |lua, args: MultiValue| {
            Ok(out(op(to_bits(number_arg(lua, &args, 1, name)?))))
        })
    };
    bit.set("tobit", unary("tobit", |x| x)?)?;
    bit.set("bnot", unary("bnot", |x| !x)?)?;
    bit.set("bswap", unary("bswap", u32::swap_bytes)?)?;
    let fold = |name: &'static str, op: fn(u32, u32) -> u32| {
        lua.create_function(move |lua, args: MultiValue| {
            let mut acc = to_bits(number_arg(lua, &args, 1, name)?);
            for i in 2..=args.len() {
                acc = op(acc, to_bits(number_arg(lua, &args, i, name)?));
            }
            Ok(out(acc))
        })
    };
    bit.set("band", fold("band", |a, b| a & b)?)?;
    bit.set("bor", fold("bor", |a, b| a | b)?)?;
    bit.set("bxor", fold("bxor", |a, b| a ^ b)?)?;
    let shift = |name: &'static str, op: fn(u32, u32) -> u32| {
        lua.create_function(move |lua, args: MultiValue| {
            let x = to_bits(number_arg(lua, &args, 1, name)?);
            let n = to_bits(number_arg(lua, &args, 2, name)?) & 31;
            Ok(out(op(x, n)))
        })
    };
    bit.set("lshift", shift("lshift", |x, n| x << n)?)?;
    bit.set("rshift", shift("rshift", |x, n| x >> n)?)?;
    bit.set("arshift", shift("arshift", |x, n| ((x as i32) >> n) as u32)?)?;
    bit.set("rol", shift("rol", u32::rotate_left)?)?;
    bit.set("ror", shift("ror", u32::rotate_right)?)?;
    bit.set(
        "tohex",
        lua.create_function(|lua, args: MultiValue| {
            let x = to_bits(number_arg(lua, &args, 1, "tohex")?);
            let mut n = if args.len() >= 2 { to_bits(number_arg(lua, &args, 2, "tohex")?) as i32 } else { 8 };
            let upper = n < 0;
            if upper {
                n = n.wrapping_neg();
            }
            let n = n.clamp(0, 8) as usize;
            let hex = if upper { format!("{x:08X}") } else { format!("{x:08x}") };
            lua.create_string(&hex[8 - n..])
        })?,
    )?;
    Ok(bit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization() {
        assert_eq!(to_bits(4_294_967_301.0), 5);
        assert_eq!(to_bits(-1.0), u32::MAX);
        assert_eq!(to_bits(1.5), 2);
        assert_eq!(to_bits(2.5), 2);
        assert_eq!(out(u32::MAX), -1.0);
    }
}

//! The libraries Redis adds to Lua: `bit`, `struct`, `cjson`, `cmsgpack`.

use mlua::{Lua, Table};

pub fn install(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    for name in ["bit", "struct", "cjson", "cmsgpack"] {
        globals.raw_set(name, lua.create_table()?)?;
    }
    Ok(())
}

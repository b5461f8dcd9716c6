//! The Lua 5.1 state scripts run in (through `mlua`, Lua built from
//! source): the libraries Redis offers, the `redis` table, the sandbox of
//! `prelude.lua`, and Redis's `math.random`.

use mlua::{ffi, Function, Lua, LuaOptions, StdLib, Table, Value};

use super::libs;
use crate::state::REDIS_VERSION;

/// A built Lua state and the handles the engine uses.
pub struct Vm {
    pub lua: Lua,
    /// The global table behind the sandbox (`KEYS`, `ARGV` are set here).
    pub globals: Table,
    /// The proxy environment scripts run in.
    pub env: Table,
    /// `run(f)`: `xpcall(f, handler)`.
    pub run: Function,
    /// The C function each run starts with (see `run::start_run`).
    pub start: Function,
    /// Where each run lends `call`, `setresp`, `set_repl`.
    pub bridge: Table,
    /// The environment of function libraries (see `loading`).
    pub function_env: Table,
    /// `loading(true)`: library code sees only the loading API.
    pub loading: Function,
}

/// The libraries made read-only, as Redis 7.0 does.
const LIBRARIES: &[&str] =
    &["redis", "string", "math", "table", "bit", "cjson", "cmsgpack", "struct", "coroutine"];

/// Globals Redis does not offer.
const REMOVED: &[&str] = &[
    "loadfile", "dofile", "print", "setfenv", "getfenv", "debug", "os", "io", "require", "module", "package",
    "newproxy", "gcinfo",
];

/// The C functions that run scripts and their commands (`run.rs`), handed
/// in so that this module, which builds the Lua state, does not depend on
/// the module that runs in it.
pub struct Runner {
    /// Starts a run (see `run::start_run`).
    pub start: ffi::lua_CFunction,
    /// `redis.call` and `redis.pcall` (see `run::call_from_lua`).
    pub call: ffi::lua_CFunction,
    pub pcall: ffi::lua_CFunction,
}

impl Vm {
    pub fn new(runner: Runner) -> mlua::Result<Vm> {
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::DEBUG;
        // SAFETY: `debug` is needed by the trusted prelude only, which keeps
        // `getinfo` and removes the library before any script runs.
        let lua = unsafe { Lua::unsafe_new_with(libs, LuaOptions::default()) };
        let globals = lua.globals();
        let getinfo: Function = globals.get::<Table>("debug")?.get("getinfo")?;
        for name in REMOVED {
            globals.raw_set(*name, Value::Nil)?;
        }
        globals.raw_set("redis", redis_table(&lua)?)?;
        libs::install(&lua, &globals)?;
        install_random(&lua, &globals)?;
        let bridge = lua.create_table()?;
        install_native(&lua, &bridge)?;
        lua.set_named_registry_value(BRIDGE, bridge.clone())?;
        let raising = lua.create_table()?;
        // SAFETY: each is a Lua C function following the C API's rules (see `raise_through`).
        unsafe {
            raising.set("call", lua.create_c_function(runner.call)?)?;
            raising.set("pcall", lua.create_c_function(runner.pcall)?)?;
            raising.set("setresp", lua.create_c_function(raising_setresp)?)?;
            raising.set("set_repl", lua.create_c_function(raising_set_repl)?)?;
            raising.set("log", lua.create_c_function(raising_log)?)?;
            raising.set("sha1hex", lua.create_c_function(raising_sha1hex)?)?;
            raising.set("register_function", lua.create_c_function(raising_register_function)?)?;
        }
        let names = lua.create_sequence_from(LIBRARIES.iter().copied())?;
        let prelude = lua.load(include_str!("prelude.lua")).set_name("=redis").into_function()?;
        let (env, run, function_env, loading): (Table, Function, Table, Function) =
            prelude.call((getinfo, bridge.clone(), names, raising))?;
        // SAFETY: a Lua C function following the C API's rules.
        let start = unsafe { lua.create_c_function(runner.start)? };
        Ok(Vm { lua, globals, env, run, start, bridge, function_env, loading })
    }

    /// Compiles a script body (text only) into a function running in the sandbox.
    pub fn compile(&self, body: &[u8], name: &str) -> mlua::Result<Function> {
        self.compile_in(body, name, self.env.clone())
    }

    /// Compiles library code into a function running in the library environment.
    pub fn compile_library(&self, code: &[u8]) -> mlua::Result<Function> {
        self.compile_in(code, "@user_function", self.function_env.clone())
    }

    fn compile_in(&self, body: &[u8], name: &str, env: Table) -> mlua::Result<Function> {
        self.lua
            .load(body)
            .set_name(name)
            .set_mode(mlua::chunk::ChunkMode::Text)
            .set_environment(env)
            .into_function()
    }
}

/// The bridge table's name in the Lua registry.
const BRIDGE: &str = "miniredis_bridge";

/// Calls the bridge's function `name` with the arguments, which answers
/// `(true, value)` or `(false, {err=...})`, and returns the value or raises
/// the error table. A C function, as Redis's are, so a script's tail call
/// `return redis.call(...)` keeps the script's frame for error positions.
unsafe fn raise_through(state: *mut ffi::lua_State, name: &std::ffi::CStr) -> std::os::raw::c_int {
    let args = ffi::lua_gettop(state);
    ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, c"miniredis_bridge".as_ptr());
    ffi::lua_getfield(state, -1, name.as_ptr());
    ffi::lua_remove(state, -2);
    if ffi::lua_type(state, -1) != ffi::LUA_TFUNCTION {
        ffi::lua_settop(state, 0);
        ffi::lua_createtable(state, 0, 1);
        ffi::lua_pushstring(state, c"ERR This function is not available here".as_ptr());
        ffi::lua_setfield(state, -2, c"err".as_ptr());
        ffi::lua_error(state);
    }
    ffi::lua_insert(state, 1);
    ffi::lua_call(state, args, 2);
    if ffi::lua_toboolean(state, -2) != 0 {
        return 1;
    }
    ffi::lua_error(state)
}

macro_rules! raising {
    ($($function:ident => $name:literal),* $(,)?) => {$(
        unsafe extern "C-unwind" fn $function(state: *mut ffi::lua_State) -> std::os::raw::c_int {
            raise_through(state, $name)
        }
    )*};
}

raising! {
    raising_setresp => c"setresp",
    raising_set_repl => c"set_repl",
    raising_log => c"log",
    raising_sha1hex => c"sha1hex",
    raising_register_function => c"register_function",
}

/// The `redis` table's constants and the functions that need no run.
fn redis_table(lua: &Lua) -> mlua::Result<Table> {
    let redis = lua.create_table()?;
    redis.set("REDIS_VERSION", REDIS_VERSION)?;
    redis.set("REDIS_VERSION_NUM", version_number())?;
    for (name, value) in
        [("REPL_NONE", 0), ("REPL_AOF", 1), ("REPL_SLAVE", 2), ("REPL_REPLICA", 2), ("REPL_ALL", 3)]
    {
        redis.set(name, value)?;
    }
    for (name, value) in [("LOG_DEBUG", 0), ("LOG_VERBOSE", 1), ("LOG_NOTICE", 2), ("LOG_WARNING", 3)] {
        redis.set(name, value)?;
    }
    redis.set("replicate_commands", lua.create_function(|_, ()| Ok(true))?)?;
    Ok(redis)
}

/// `redis.sha1hex` and `redis.log`, lent through the bridge: they answer
/// `(true, value)` or `(false, {err=...})` for the prelude to raise.
fn install_native(lua: &Lua, bridge: &Table) -> mlua::Result<()> {
    use super::convert::{error_table, format_number};
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Number(n) => Some(format_number(*n).into_bytes()),
        _ => None,
    };
    bridge.set(
        "sha1hex",
        lua.create_function(move |lua, args: mlua::MultiValue| {
            if args.len() != 1 {
                return Ok((false, error_table(lua, "ERR wrong number of arguments")?));
            }
            let body = text(&args[0]).unwrap_or_default();
            Ok((true, Value::String(lua.create_string(super::sha1_hex(&body))?)))
        })?,
    )?;
    bridge.set(
        "log",
        lua.create_function(move |lua, args: mlua::MultiValue| {
            if args.len() < 2 {
                return Ok((false, error_table(lua, "ERR redis.log() requires two arguments or more.")?));
            }
            let level = match &args[0] {
                Value::Integer(i) if (0..=3).contains(i) => *i,
                Value::Number(n) if (0.0..=3.0).contains(n) => *n as i64,
                _ => return Ok((false, error_table(lua, "ERR Invalid debug level.")?)),
            };
            let words: Vec<String> = args
                .iter()
                .skip(1)
                .filter_map(&text)
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .collect();
            let line = words.join(" ");
            match level {
                0 => tracing::debug!(target: "script", "{line}"),
                1 | 2 => tracing::info!(target: "script", "{line}"),
                _ => tracing::warn!(target: "script", "{line}"),
            }
            Ok((true, Value::Nil))
        })?,
    )?;
    Ok(())
}

/// `7.0.15` as Redis's `REDIS_VERSION_NUM`: 0x00MMmmpp.
fn version_number() -> i64 {
    let mut parts = REDIS_VERSION.split('.').map(|p| p.parse::<i64>().unwrap_or(0));
    let (major, minor, patch) =
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major << 16) | (minor << 8) | patch
}

/// Redis's `math.random`/`math.randomseed`: its own `rand48`.
fn install_random(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    let math: Table = globals.get("math")?;
    math.set(
        "random",
        lua.create_function(|lua, args: mlua::MultiValue| {
            let r = (next_rand48(lua) % RAND48_MAX) as f64 / RAND48_MAX as f64;
            let int_arg = |v: &Value| match v {
                Value::Integer(i) => Ok(*i as f64),
                Value::Number(n) => Ok(*n),
                _ => Err(mlua::Error::runtime("bad argument to 'random' (number expected)")),
            };
            match args.len() {
                0 => Ok(Value::Number(r)),
                1 => {
                    let upper = int_arg(&args[0])?.floor();
                    if upper < 1.0 {
                        return Err(mlua::Error::runtime("bad argument #1 to 'random' (interval is empty)"));
                    }
                    Ok(Value::Number((r * upper).floor() + 1.0))
                }
                2 => {
                    let (lower, upper) = (int_arg(&args[0])?.floor(), int_arg(&args[1])?.floor());
                    if lower > upper {
                        return Err(mlua::Error::runtime("bad argument #2 to 'random' (interval is empty)"));
                    }
                    Ok(Value::Number((r * (upper - lower + 1.0)).floor() + lower))
                }
                _ => Err(mlua::Error::runtime("wrong number of arguments")),
            }
        })?,
    )?;
    math.set(
        "randomseed",
        lua.create_function(|lua, seed: f64| {
            seed_rand48(lua, seed as i64 as i32);
            Ok(())
        })?,
    )?;
    // Redis's unseeded state; one sequence for the server's life.
    lua.set_app_data(Rand48(0x1234_ABCD_330E));
    Ok(())
}

const RAND48_MAX: u64 = i32::MAX as u64;

/// The 48-bit state of `rand48`, kept in the Lua state's app data.
struct Rand48(u64);

fn seed_rand48(lua: &Lua, seed: i32) {
    lua.set_app_data(Rand48((((seed as u32) as u64) << 16) | 0x330E));
}

fn next_rand48(lua: &Lua) -> u64 {
    let mut state = lua.app_data_mut::<Rand48>().expect("seeded when the state was built");
    state.0 = (state.0.wrapping_mul(0x5DEECE66D).wrapping_add(0xB)) & ((1 << 48) - 1);
    state.0 >> 17
}

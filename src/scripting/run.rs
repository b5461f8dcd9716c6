//! One run of a script or function: the shards held for its whole run (no
//! other client's command runs in between), `redis.call` lent to the Lua
//! state for the run, the instruction hook that lets `SCRIPT KILL` stop it,
//! and its result or error as Redis words it.

use std::sync::Arc;

use mlua::{Function, HookTriggers, Lua, MultiValue, Value, VmState};

use super::convert::{self, error_table};
use super::shebang::ScriptFlags;
use super::vm::Vm;
use crate::protocol::parse::Argv;
use crate::protocol::{Reply, ReplyError};
use crate::registry::{lookup, Batch, Context, Entry, Flag};
use crate::state::scripts::ScriptRun;

/// Instructions between two checks for `SCRIPT KILL`.
const HOOK_EVERY: u32 = 10_000;

/// The text of a killed script's error (sent to its own client).
const KILLED: &str = "Script killed by user with SCRIPT KILL...";

/// What runs and how.
pub struct RunSpec<'s> {
    pub function: Function,
    /// Named in errors: the script's SHA1, or the function's name.
    pub name: &'s str,
    pub keys: &'s [&'s [u8]],
    pub args: &'s [&'s [u8]],
    pub flags: ScriptFlags,
    /// `EVAL_RO`, `FCALL_RO`, or a `no-writes` script.
    pub read_only: bool,
    /// A function (`FCALL`): called with `(KEYS, ARGV)` rather than globals.
    pub is_function: bool,
}

/// What `redis.call` needs during a run: the batch its commands run in
/// (every shard held; their effects handed on once, after the script,
/// wrapped in `MULTI`/`EXEC`).
struct Host<'c, 'a> {
    batch: Batch<'c, 'a>,
    read_only: bool,
    legacy: bool,
    wrote: bool,
    run: Arc<ScriptRun>,
}

/// Installs the instruction hook through which `SCRIPT KILL`,
/// `FUNCTION KILL` and `SHUTDOWN NOSAVE` stop a running script (set once:
/// the flags it checks are only raised while a script runs).
pub fn install_kill_hook(lua: &Lua, run: Arc<ScriptRun>, shutdown: tokio::sync::watch::Receiver<bool>) {
    // When the running script next hands its worker on (see `hand_worker_on`).
    let next_hand_off = std::sync::Mutex::new(None::<(std::time::Instant, std::time::Instant)>);
    let _ = lua.set_hook(HookTriggers::new().every_nth_instruction(HOOK_EVERY), move |_, _| {
        if run.kill_requested() || *shutdown.borrow() {
            return Err(mlua::Error::runtime(KILLED));
        }
        if let Some(started) = run.started() {
            let mut next = next_hand_off.lock().unwrap_or_else(|e| e.into_inner());
            let (run_started, due) = match *next {
                Some((run_started, due)) if run_started == started => (run_started, due),
                _ => (started, started + FIRST_HAND_OFF),
            };
            *next = Some((run_started, due));
            if std::time::Instant::now() >= due {
                *next = Some((run_started, started + (due - started) * 10));
                super::hand_worker_on();
            }
        }
        Ok(VmState::Continue)
    });
}

/// A script running this long hands its worker's other connections on
/// (then again at 10x, 100x ...): short scripts, the common case, never
/// pay for moving the runtime to another thread.
const FIRST_HAND_OFF: std::time::Duration = std::time::Duration::from_millis(1);

/// Runs `spec` on `vm` for the client of `ctx`.
pub fn run(ctx: &mut Context<'_>, vm: &Vm, spec: RunSpec<'_>) -> Result<Reply, ReplyError> {
    let lua = &vm.lua;
    let fail = |e: mlua::Error| ReplyError::err(format_args!("Error running script: {e}"));
    let (keys, args) = key_and_arg_tables(vm, spec.keys, spec.args, !spec.is_function).map_err(fail)?;
    let run = ctx.server.scripts.run.clone();
    // The command `FUNCTION STATS` shows (functions only).
    let mut command = Vec::new();
    if spec.is_function {
        command.extend([
            b"fcall".to_vec(),
            spec.name.as_bytes().to_vec(),
            spec.keys.len().to_string().into_bytes(),
        ]);
        command.extend(spec.keys.iter().chain(spec.args.iter()).map(|a| a.to_vec()));
    }
    // Marked running first (background work stops taking shards), then
    // every shard, for the whole run (the batch): scripts may touch
    // undeclared keys.
    run.start(ctx.client.handle.id, spec.is_function, spec.name.to_string(), command);
    let (saved_db, saved_protocol, saved_command) = (ctx.client.db, ctx.client.protocol, ctx.command);
    let saved_in_script = std::mem::replace(&mut ctx.client.in_script, true);
    let host = std::cell::RefCell::new(Host {
        batch: Batch::begin(&mut *ctx),
        read_only: spec.read_only,
        legacy: !spec.flags.declared,
        wrote: false,
        run: run.clone(),
    });
    match lua.app_data_mut::<ScriptResp>() {
        Some(mut resp) => resp.0 = 2,
        None => drop(lua.set_app_data(ScriptResp(2))),
    }
    let outcome = {
        let _lent = LentHost::lend(lua, &host);
        if spec.is_function {
            vm.run.call::<(bool, Value)>((spec.function.clone(), keys, args))
        } else {
            vm.run.call::<(bool, Value)>(spec.function.clone())
        }
    };
    let mut host = host.into_inner();
    let resp3 = resp_of(lua) == 3;
    let ctx = host.batch.context();
    // A script that wrote and then failed is still logged, as Redis does.
    ctx.propagate_despite_error = host.wrote;
    ctx.client.db = saved_db;
    ctx.client.protocol = saved_protocol;
    ctx.command = saved_command;
    ctx.client.in_script = saved_in_script;
    drop(host);
    run.finish();
    let reply = match outcome {
        Ok((true, value)) => convert::lua_to_reply(&value, resp3),
        Ok((false, Value::Table(error))) => return Err(script_error(&error, spec.name, spec.is_function)),
        Ok((false, other)) => return Err(ReplyError::err(format_args!("{other:?}"))),
        Err(mlua::Error::MemoryError(_)) => {
            return Err(ReplyError::err(format_args!(
                "Error running script {}: not enough memory",
                spec.name
            )))
        }
        Err(e) => return Err(fail(e)),
    };
    match reply {
        Reply::Error(e) => Err(e),
        reply => Ok(reply),
    }
}

/// `KEYS` and `ARGV` as Lua tables, also set as globals for a script
/// (`as_globals`), in one protected call: through `mlua`, each string and
/// each table store is a protected call of its own on Lua 5.1.
fn key_and_arg_tables(
    vm: &Vm,
    keys: &[&[u8]],
    args: &[&[u8]],
    as_globals: bool,
) -> mlua::Result<(mlua::Table, mlua::Table)> {
    use mlua::ffi;
    let too_many = |n: usize| n > i32::MAX as usize / 2;
    if too_many(keys.len()) || too_many(args.len()) {
        return Err(mlua::Error::runtime("too many arguments"));
    }
    // SAFETY: plain Lua C API calls on the state `exec_raw` runs protected;
    // the globals table given comes off the stack, which ends with the
    // two new tables.
    unsafe {
        vm.lua.exec_raw(vm.globals.clone(), |state| {
            ffi::lua_checkstack(state, 4);
            for (list, name) in [(keys, c"KEYS"), (args, c"ARGV")] {
                ffi::lua_createtable(state, list.len() as i32, 0);
                for (i, item) in list.iter().enumerate() {
                    ffi::lua_pushlstring(state, item.as_ptr().cast(), item.len());
                    ffi::lua_rawseti(state, -2, i as ffi::lua_Integer + 1);
                }
                if as_globals {
                    ffi::lua_pushstring(state, name.as_ptr());
                    ffi::lua_pushvalue(state, -2);
                    ffi::lua_rawset(state, 1);
                }
            }
            ffi::lua_remove(state, 1);
        })
    }
}

/// The reply to a script that raised `error` (Redis's
/// `<message> script: <sha>, on <source>:<line>.`).
fn script_error(error: &mlua::Table, name: &str, is_function: bool) -> ReplyError {
    let text = match error.raw_get::<Value>("err") {
        Ok(Value::String(s)) => s.to_string_lossy(),
        Ok(other) => format!("{other:?}"),
        Err(_) => String::new(),
    };
    let text = text.strip_prefix("ERR runtime error: ").map(|t| format!("ERR {t}")).unwrap_or(text);
    let source = error.raw_get::<Option<String>>("source").ok().flatten().unwrap_or_else(|| "?".into());
    let line = error.raw_get::<Option<i64>>("line").ok().flatten().unwrap_or(0);
    // Functions are named `script: <name>` too, as Redis does.
    let _ = is_function;
    convert::error_text(format!("{text} script: {name}, on {source}:{line}.").as_bytes())
}

/// `redis.set_repl(flags)`: every propagation mode is accepted (the
/// effects go to the append-only file in any case).
fn set_repl(lua: &Lua, args: MultiValue) -> mlua::Result<(bool, Value)> {
    let error = |text| Ok((false, error_table(lua, text)?));
    if args.len() != 1 {
        return error("ERR redis.set_repl() requires one argument.");
    }
    match convert::argument(&args[0]).and_then(|a| String::from_utf8(a).ok()?.parse::<i64>().ok()) {
        Some(flags) if (0..=3).contains(&flags) => Ok((true, Value::Nil)),
        _ => error("ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."),
    }
}

/// The protocol a script chose with `redis.setresp` (2 when it did not),
/// in the Lua state's app data for the run.
struct ScriptResp(u8);

fn resp_of(lua: &Lua) -> u8 {
    lua.app_data_ref::<ScriptResp>().map_or(2, |r| r.0)
}

/// `redis.setresp(2|3)`.
fn setresp(lua: &Lua, args: MultiValue) -> mlua::Result<(bool, Value)> {
    let error = |text| Ok((false, error_table(lua, text)?));
    if args.len() != 1 {
        return error("ERR redis.setresp() requires one argument.");
    }
    match convert::argument(&args[0]).and_then(|a| String::from_utf8(a).ok()?.parse::<i64>().ok()) {
        Some(resp @ (2 | 3)) => {
            lua.set_app_data(ScriptResp(resp as u8));
            Ok((true, Value::Nil))
        }
        _ => error("ERR RESP version must be 2 or 3."),
    }
}

/// The running script's [`Host`] (null between runs), lent to
/// `redis.call` for the run: the function is made once with the engine,
/// not once per call.
struct HostSlot(*const ());

// SAFETY: the pointer is read only by the thread running the script that
// lent it, and only during that run (see `LentHost`).
unsafe impl Send for HostSlot {}

/// Lends a run's host to `redis.call` until dropped (also on unwinding).
struct LentHost<'l> {
    lua: &'l Lua,
    before: *const (),
}

impl<'l> LentHost<'l> {
    fn lend(lua: &'l Lua, host: &std::cell::RefCell<Host<'_, '_>>) -> LentHost<'l> {
        let pointer = host as *const std::cell::RefCell<Host<'_, '_>> as *const ();
        let before = match lua.app_data_mut::<HostSlot>() {
            Some(mut slot) => std::mem::replace(&mut slot.0, pointer),
            None => {
                lua.set_app_data(HostSlot(pointer));
                std::ptr::null()
            }
        };
        LentHost { lua, before }
    }
}

impl Drop for LentHost<'_> {
    fn drop(&mut self) {
        if let Some(mut slot) = self.lua.app_data_mut::<HostSlot>() {
            slot.0 = self.before;
        }
    }
}

/// `redis.call` / `redis.pcall`'s bridge function: the lent host runs the
/// command; outside a run it is not available.
fn bridge_call(lua: &Lua, args: MultiValue) -> mlua::Result<(bool, Value)> {
    let host = lua.app_data_ref::<HostSlot>().map_or(std::ptr::null(), |slot| slot.0);
    if host.is_null() {
        return Ok((false, error_table(lua, "ERR This function is not available here")?));
    }
    // SAFETY: `LentHost` set the slot to a host that lives until it is
    // dropped, which puts the slot back first; the script runs on this thread.
    let host = unsafe { &*(host as *const std::cell::RefCell<Host<'_, '_>>) };
    let Ok(mut host) = host.try_borrow_mut() else {
        return Ok((false, error_table(lua, "ERR This function is not available here")?));
    };
    host.call(lua, args)
}

/// Puts `call`, `setresp` and `set_repl` in the bridge, for good.
pub fn install_bridge_functions(lua: &Lua, bridge: &mlua::Table) -> mlua::Result<()> {
    bridge.raw_set("call", lua.create_function(bridge_call)?)?;
    bridge.raw_set("setresp", lua.create_function(setresp)?)?;
    bridge.raw_set("set_repl", lua.create_function(set_repl)?)
}

impl Host<'_, '_> {
    /// `redis.call(...)` / `redis.pcall(...)`: `(true, reply)`, or
    /// `(false, {err=...})` for the Lua side to raise (`call`) or return.
    fn call(&mut self, lua: &Lua, args: MultiValue) -> mlua::Result<(bool, Value)> {
        let error = |text: &str| Ok((false, error_table(lua, text)?));
        let mut argv = Vec::with_capacity(args.len());
        for arg in args.into_iter() {
            match convert::argument(&arg) {
                Some(bytes) => argv.push(bytes),
                None => return error("ERR Lua redis lib command arguments must be strings or integers"),
            }
        }
        if argv.is_empty() {
            return error("ERR Please specify at least one argument for this redis lib call");
        }
        if let Err(text) = self.check(&argv) {
            return error(text);
        }
        let resp = resp_of(lua);
        self.batch.context().client.protocol = resp;
        let reply = self.batch.run(Argv::Owned(&argv));
        let entry = lookup(&argv[0]).expect("checked");
        if entry.meta.has(Flag::Write) && !reply.is_error() {
            self.wrote = true;
            self.run.note_write();
        }
        let value = convert::reply_to_lua(lua, &reply, resp == 3)?;
        Ok((!reply.is_error(), value))
    }

    /// What Redis checks before a script's command runs, with its texts.
    fn check(&mut self, argv: &[Vec<u8>]) -> Result<(), &'static str> {
        let Some(entry) = lookup(&argv[0]) else {
            return Err("ERR Unknown Redis command called from script");
        };
        let meta = &entry.meta;
        if !Entry::arity_ok(meta.arity, argv.len()) {
            return Err("ERR Wrong number of args calling Redis command from script");
        }
        let mut sub = None;
        let mut flags = entry.flag_bits;
        if !meta.subcommands.is_empty() && argv.len() >= 2 {
            if let Some(index) = entry.subcommand_index(&argv[1]) {
                if !Entry::arity_ok(meta.subcommands[index].arity, argv.len()) {
                    return Err("ERR Wrong number of args calling Redis command from script");
                }
                sub = Some(index);
                flags |= entry.sub_flag_bits[index];
            }
        }
        if flags & Flag::NoScript.bit() != 0 {
            return Err("ERR This Redis command is not allowed from script");
        }
        let ctx = self.batch.context();
        let user = ctx.client.user.clone();
        if !user.unrestricted() {
            let denial = crate::registry::denial(&user.rules.read(), entry, sub, Argv::Owned(argv));
            if let Some(denied) = &denial {
                use crate::registry::permissions::{log, logged_as};
                let (reason, object) = logged_as(denied, entry, sub);
                log(ctx, &user, (reason, "lua"), &object);
            }
            match denial {
                Some(crate::registry::Denial::Command) => {
                    return Err("ERR The user executing the script can't run this command or subcommand")
                }
                Some(crate::registry::Denial::Key(_)) => {
                    return Err("ERR The user executing the script can't access at least one of the keys mentioned in the command arguments")
                }
                Some(crate::registry::Denial::Channel(_)) => {
                    return Err("ERR The user executing the script can't publish to the channel mentioned in the command")
                }
                None => {}
            }
        }
        let write = flags & Flag::Write.bit() != 0;
        if write && self.read_only {
            return Err("ERR Write commands are not allowed from read-only scripts.");
        }
        let server = ctx.server;
        let maxmemory = server.config.maxmemory();
        if self.legacy
            && !self.wrote
            && flags & Flag::DenyOom.bit() != 0
            && maxmemory != 0
            && server.used_memory() as u64 > maxmemory
        {
            return Err("OOM command not allowed when used memory > 'maxmemory'.");
        }
        Ok(())
    }
}

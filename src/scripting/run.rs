//! One run of a script or function: the shards held for its whole run (no
//! other client's command runs in between), `redis.call` lent to the Lua
//! state for the run, the instruction hook that lets `SCRIPT KILL` stop it,
//! and its result or error as Redis words it.

use std::sync::Arc;

use mlua::{ffi, Function, HookTriggers, Lua, MultiValue, Value, VmState};

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
    pub function: &'s Function,
    /// Named in errors: the script's SHA1, or the function's name.
    pub name: Arc<str>,
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
    run: &'c ScriptRun,
    /// The arguments of the `redis.call` running, end to end, and where
    /// each lies (kept between calls: no allocation per call).
    args: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// A reply the bridge's `reply` function converts (see `call_from_lua`).
    pending: Option<Reply>,
    /// A panic in a command, raised again once the script unwound.
    panic: Option<Box<dyn std::any::Any + Send>>,
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
    let too_many = |n: usize| n > i32::MAX as usize / 2;
    if too_many(spec.keys.len()) || too_many(spec.args.len()) {
        return Err(fail(mlua::Error::runtime("too many arguments")));
    }
    let server = ctx.server;
    let run = &*server.scripts.run;
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
    run.start(ctx.client.handle.id, spec.is_function, spec.name.clone(), command);
    let (saved_db, saved_protocol, saved_command) = (ctx.client.db, ctx.client.protocol, ctx.command);
    let saved_in_script = std::mem::replace(&mut ctx.client.in_script, true);
    let buffers = ARGUMENT_BUFFERS.take();
    let host = std::cell::RefCell::new(Host {
        batch: Batch::begin(&mut *ctx),
        read_only: spec.read_only,
        legacy: !spec.flags.declared,
        wrote: false,
        run,
        args: buffers.0,
        spans: buffers.1,
        pending: None,
        panic: None,
    });
    SCRIPT_RESP.set(2);
    let outcome = {
        let _lent = LentHost::lend(&host);
        call_run(vm, &spec, &server.scripts.lua_memory)
    };
    let mut host = host.into_inner();
    if let Some(panic) = host.panic.take() {
        std::panic::resume_unwind(panic);
    }
    if host.args.capacity() <= 1 << 16 {
        ARGUMENT_BUFFERS.set((std::mem::take(&mut host.args), std::mem::take(&mut host.spans)));
    }
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
        Ok((false, Value::Table(error))) => return Err(script_error(&error, &spec.name, spec.is_function)),
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

/// Calls the prelude's `run` with the script, `KEYS` and `ARGV` set as
/// globals, or with the function and them as its arguments, in one
/// protected call of the Vm's permanent `start` C function: nothing is
/// allocated for the call itself (`mlua`'s `exec_raw` makes two C closures
/// per call on Lua 5.1). `(true, value)` or `(false, {err=...})`.
/// The Lua heap's size after the run is stored in `heap` (`used_memory_lua`:
/// a run changes nothing else `Inner::account` publishes).
fn call_run(
    vm: &Vm,
    spec: &RunSpec<'_>,
    heap: &std::sync::atomic::AtomicUsize,
) -> mlua::Result<(bool, Value)> {
    vm.lua.exec_raw_lua(|raw| {
        // SAFETY: plain Lua C API calls on the locked state; the stack is
        // left as found. `start_run` reads `spec` only during the pcall.
        unsafe {
            let state = raw.state();
            let top = ffi::lua_gettop(state);
            if ffi::lua_checkstack(state, 6) == 0 {
                return Err(mlua::Error::StackError);
            }
            let pushed = raw
                .push(&vm.start)
                .and_then(|()| raw.push(&vm.run))
                .and_then(|()| raw.push(spec.function))
                .and_then(|()| raw.push(&vm.globals));
            if let Err(e) = pushed {
                ffi::lua_settop(state, top);
                return Err(e);
            }
            ffi::lua_pushlightuserdata(state, spec as *const RunSpec<'_> as *mut std::ffi::c_void);
            let status = ffi::lua_pcall(state, 4, 2, 0);
            let kilobytes = ffi::lua_gc(state, ffi::LUA_GCCOUNT, 0).max(0) as usize;
            let bytes = ffi::lua_gc(state, ffi::LUA_GCCOUNTB, 0).max(0) as usize;
            heap.store(kilobytes * 1024 + bytes, std::sync::atomic::Ordering::Relaxed);
            let outcome = if status == ffi::LUA_OK {
                let value = raw.pop_value();
                let ok = ffi::lua_toboolean(state, -1) != 0;
                Ok((ok, value))
            } else if status == ffi::LUA_ERRMEM {
                Err(mlua::Error::MemoryError("not enough memory".into()))
            } else {
                Err(match raw.pop_value() {
                    Value::Error(error) => *error,
                    Value::String(text) => mlua::Error::runtime(text.to_string_lossy()),
                    other => mlua::Error::runtime(format!("{other:?}")),
                })
            };
            ffi::lua_settop(state, top);
            outcome
        }
    })
}

/// The Vm's `start`: called with `run`, the script or function, the
/// globals and the [`RunSpec`] (a light userdata); makes `KEYS` and `ARGV`
/// and calls `run`, returning its two results.
///
/// # Safety
/// Called by Lua (protected, from [`call_run`]) as a C function; holds no
/// Rust value with a destructor across the calls that may raise.
pub(super) unsafe extern "C-unwind" fn start_run(state: *mut ffi::lua_State) -> std::os::raw::c_int {
    let spec = &*(ffi::lua_touserdata(state, 4) as *const RunSpec<'_>);
    ffi::lua_settop(state, 3);
    let (keys, args, as_globals) = (spec.keys, spec.args, !spec.is_function);
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
            ffi::lua_rawset(state, 3);
        }
    }
    ffi::lua_remove(state, 3);
    if as_globals {
        ffi::lua_settop(state, 2);
        ffi::lua_call(state, 1, 2);
    } else {
        ffi::lua_call(state, 3, 2);
    }
    2
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

/// `redis.call`'s arguments end to end, and where each lies.
type ArgumentBuffers = (Vec<u8>, Vec<(usize, usize)>);

thread_local! {
    /// The protocol the running script chose with `redis.setresp` (2 when
    /// it did not); a script runs on one thread from start to end.
    static SCRIPT_RESP: std::cell::Cell<u8> = const { std::cell::Cell::new(2) };
    /// The running script's [`Host`] (null between runs), lent to
    /// `redis.call` for the run (see `LentHost`).
    static HOST: std::cell::Cell<*const ()> = const { std::cell::Cell::new(std::ptr::null()) };
    /// `Host::args` and `Host::spans`, kept for the next run on this thread.
    static ARGUMENT_BUFFERS: std::cell::Cell<ArgumentBuffers> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

fn resp_of(_: &Lua) -> u8 {
    SCRIPT_RESP.get()
}

/// `redis.setresp(2|3)`.
fn setresp(lua: &Lua, args: MultiValue) -> mlua::Result<(bool, Value)> {
    let error = |text| Ok((false, error_table(lua, text)?));
    if args.len() != 1 {
        return error("ERR redis.setresp() requires one argument.");
    }
    match convert::argument(&args[0]).and_then(|a| String::from_utf8(a).ok()?.parse::<i64>().ok()) {
        Some(resp @ (2 | 3)) => {
            SCRIPT_RESP.set(resp as u8);
            Ok((true, Value::Nil))
        }
        _ => error("ERR RESP version must be 2 or 3."),
    }
}

/// Lends a run's host to `redis.call` until dropped (also on unwinding).
struct LentHost {
    before: *const (),
}

impl LentHost {
    fn lend(host: &std::cell::RefCell<Host<'_, '_>>) -> LentHost {
        let pointer = host as *const std::cell::RefCell<Host<'_, '_>> as *const ();
        LentHost { before: HOST.replace(pointer) }
    }
}

impl Drop for LentHost {
    fn drop(&mut self) {
        HOST.set(self.before);
    }
}

/// Runs `f` with the lent host, if a run lent one and nothing borrows it.
fn with_host<R>(f: impl FnOnce(&mut Host<'_, '_>) -> R) -> Option<R> {
    let host = HOST.get();
    if host.is_null() {
        return None;
    }
    // SAFETY: `LentHost` set the slot to a host that lives until it is
    // dropped, which puts the slot back first; the script runs on this thread.
    let host = unsafe { &*(host as *const std::cell::RefCell<Host<'_, '_>>) };
    let mut host = host.try_borrow_mut().ok()?;
    Some(f(&mut host))
}

const NOT_AVAILABLE: &str = "ERR This function is not available here";

/// The bridge's `reply`: the pending reply of the last `redis.call` as the
/// script sees it, `(true, value)`, or `(false, {err=...})`.
fn bridge_reply(lua: &Lua, (): ()) -> mlua::Result<(bool, Value)> {
    let Some(Some(reply)) = with_host(|host| host.pending.take()) else {
        return Ok((false, error_table(lua, NOT_AVAILABLE)?));
    };
    let value = convert::reply_to_lua(lua, &reply, resp_of(lua) == 3)?;
    Ok((!reply.is_error(), value))
}

/// What [`run_from_stack`] left for its C function to push (raw parts
/// only: nothing to drop if pushing raises a memory error).
enum Outcome {
    Number(f64),
    Boolean(bool),
    Nil,
    Bulk(*const u8, usize),
    Status(*const u8, usize),
    /// The pending reply, for the bridge's `reply` to convert.
    Convert,
    Fail(&'static str),
}

/// `redis.call` (`raise`) and `redis.pcall`: Lua C functions, as Redis's
/// are. The arguments are read off the stack and the common replies
/// pushed directly; other replies go through the bridge's `reply`.
///
/// `redis.call`: see [`call_from_lua`].
pub(super) unsafe extern "C-unwind" fn redis_call(state: *mut ffi::lua_State) -> std::os::raw::c_int {
    call_from_lua(state, true)
}

/// `redis.pcall`: an error reply is returned, not raised.
pub(super) unsafe extern "C-unwind" fn redis_pcall(state: *mut ffi::lua_State) -> std::os::raw::c_int {
    call_from_lua(state, false)
}

/// # Safety
/// Called by Lua as a C function. Lua errors are raised only here, when no
/// Rust value with a destructor is alive in this frame.
unsafe fn call_from_lua(state: *mut ffi::lua_State, raise: bool) -> std::os::raw::c_int {
    let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_from_stack(state))) {
        Ok(outcome) => outcome,
        Err(panic) => {
            with_host(|host| host.panic = Some(panic));
            Outcome::Fail("ERR a command of the script panicked")
        }
    };
    ffi::lua_settop(state, 0);
    let ok = match outcome {
        Outcome::Number(n) => {
            ffi::lua_pushnumber(state, n);
            true
        }
        Outcome::Boolean(b) => {
            ffi::lua_pushboolean(state, b as std::os::raw::c_int);
            true
        }
        Outcome::Nil => {
            ffi::lua_pushnil(state);
            true
        }
        Outcome::Bulk(bytes, len) => {
            ffi::lua_pushlstring(state, bytes.cast(), len);
            true
        }
        Outcome::Status(bytes, len) => {
            ffi::lua_createtable(state, 0, 1);
            ffi::lua_pushlstring(state, bytes.cast(), len);
            ffi::lua_setfield(state, -2, c"ok".as_ptr());
            true
        }
        Outcome::Convert => {
            ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, c"miniredis_bridge".as_ptr());
            ffi::lua_getfield(state, -1, c"reply".as_ptr());
            ffi::lua_call(state, 0, 2);
            ffi::lua_toboolean(state, -2) != 0
        }
        Outcome::Fail(text) => {
            ffi::lua_createtable(state, 0, 1);
            ffi::lua_pushlstring(state, text.as_ptr().cast(), text.len());
            ffi::lua_setfield(state, -2, c"err".as_ptr());
            false
        }
    };
    if ok || !raise {
        return 1;
    }
    ffi::lua_error(state)
}

/// Runs the command whose arguments are on the stack through the lent host.
unsafe fn run_from_stack(state: *mut ffi::lua_State) -> Outcome {
    with_host(|host| {
        let (mut args, mut spans) = (std::mem::take(&mut host.args), std::mem::take(&mut host.spans));
        args.clear();
        spans.clear();
        let outcome = read_arguments(state, &mut args, &mut spans)
            .and_then(|()| host.run_command(Argv::Spans { buf: &args, spans: &spans }));
        host.args = args;
        host.spans = spans;
        let reply = match outcome {
            Ok(reply) => reply,
            Err(text) => return Outcome::Fail(text),
        };
        match reply {
            Reply::Integer(i) => Outcome::Number(i as f64),
            Reply::Null | Reply::NullArray | Reply::None if SCRIPT_RESP.get() == 3 => Outcome::Nil,
            Reply::Null | Reply::NullArray | Reply::None => Outcome::Boolean(false),
            reply => {
                let pending = host.pending.insert(reply);
                match pending {
                    Reply::Bulk(bytes) => Outcome::Bulk(bytes.as_ptr(), bytes.len()),
                    Reply::Simple(text) => Outcome::Status(text.as_ptr(), text.len()),
                    _ => Outcome::Convert,
                }
            }
        }
    })
    .unwrap_or(Outcome::Fail(NOT_AVAILABLE))
}

/// The arguments on the stack, end to end in `args` (as `convert::argument`
/// words them), without allocating on the Lua side.
unsafe fn read_arguments(
    state: *mut ffi::lua_State,
    args: &mut Vec<u8>,
    spans: &mut Vec<(usize, usize)>,
) -> Result<(), &'static str> {
    let count = ffi::lua_gettop(state);
    for index in 1..=count {
        let start = args.len();
        match ffi::lua_type(state, index) {
            ffi::LUA_TSTRING => {
                let mut len = 0;
                let bytes = ffi::lua_tolstring(state, index, &mut len);
                args.extend_from_slice(std::slice::from_raw_parts(bytes.cast(), len));
            }
            ffi::LUA_TNUMBER => convert::number_argument(ffi::lua_tonumber(state, index), args),
            _ => return Err("ERR Lua redis lib command arguments must be strings or integers"),
        }
        spans.push((start, args.len()));
    }
    if count == 0 {
        return Err("ERR Please specify at least one argument for this redis lib call");
    }
    Ok(())
}

/// Puts `call`, `setresp` and `set_repl` in the bridge, for good.
pub fn install_bridge_functions(lua: &Lua, bridge: &mlua::Table) -> mlua::Result<()> {
    bridge.raw_set("reply", lua.create_function(bridge_reply)?)?;
    bridge.raw_set("setresp", lua.create_function(setresp)?)?;
    bridge.raw_set("set_repl", lua.create_function(set_repl)?)
}

impl Host<'_, '_> {
    /// Runs a script's command (`argv` not empty): its reply, or the text
    /// of the error Redis gives before running it.
    fn run_command(&mut self, argv: Argv<'_>) -> Result<Reply, &'static str> {
        let entry = self.check(argv)?;
        self.batch.context().client.protocol = SCRIPT_RESP.get();
        let reply = self.batch.run(argv);
        if entry.flag_bits & Flag::Write.bit() != 0 && !reply.is_error() {
            self.wrote = true;
            self.run.note_write();
        }
        Ok(reply)
    }

    /// What Redis checks before a script's command runs, with its texts.
    fn check(&mut self, argv: Argv<'_>) -> Result<&'static Entry, &'static str> {
        let Some(entry) = lookup(argv.get(0)) else {
            return Err("ERR Unknown Redis command called from script");
        };
        let meta = &entry.meta;
        if !Entry::arity_ok(meta.arity, argv.len()) {
            return Err("ERR Wrong number of args calling Redis command from script");
        }
        let mut sub = None;
        let mut flags = entry.flag_bits;
        if !meta.subcommands.is_empty() && argv.len() >= 2 {
            if let Some(index) = entry.subcommand_index(argv.get(1)) {
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
        if !ctx.client.user.unrestricted() {
            let user = ctx.client.user.clone();
            let denial = crate::registry::denial(&user.rules.read(), entry, sub, argv);
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
        Ok(entry)
    }
}

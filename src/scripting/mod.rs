//! Lua scripting as Redis 7.0 runs it: `EVAL`/`EVALSHA` scripts and their
//! cache, `FUNCTION` libraries and `FCALL`. Lua 5.1 comes from the `mlua`
//! crate (built from source, as Redis embeds Lua 5.1); `redis.call` goes
//! through the registry's dispatch, so this sits beside the commands.
//!
//! One engine per server (one Lua state, behind a lock): a script holds the
//! engine and every shard from its first command to its last, so no other
//! client's command runs in between, whatever keys it touches.

pub mod convert;
pub mod functions;
mod libs;
mod payload;
mod run;
pub mod shebang;
mod vm;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use crate::protocol::{Reply, ReplyError};
use crate::registry::{Args, CommandMeta, Context, Flag, KeySpec, Keynum, Keys};
use crate::state::ServerState;
pub use run::RunSpec;
pub use shebang::ScriptFlags;

/// The metadata `EVAL`, `EVALSHA`, `FCALL` and their `_RO` forms share:
/// `name script-or-function numkeys key... arg...`, the keys counted by
/// `numkeys` (`RW` for all Redis knows, `RO` for the read-only forms).
pub fn command_meta(
    name: &'static str,
    summary: &'static str,
    since: &'static str,
    read_only: bool,
) -> CommandMeta {
    const WRITE_FLAGS: &[Flag] = &[Flag::NoScript, Flag::Stale, Flag::MovableKeys];
    const READ_FLAGS: &[Flag] = &[Flag::NoScript, Flag::Stale, Flag::MovableKeys, Flag::Readonly];
    const KEYNUM: Option<Keynum> = Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 });
    const SCRIPT_KEYS: Keys = Keys { first: 2, last: 2, step: 1 };
    const fn spec(flags: &'static [&'static str], notes: &'static str) -> KeySpec {
        KeySpec { flags, keys: SCRIPT_KEYS, keynum: KEYNUM, notes, ..KeySpec::DEFAULT }
    }
    const RW: &[&str] = &["RW", "access", "update"];
    const RO: &[&str] = &["RO", "access"];
    const RW_NOTE: &str = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
    const RO_NOTE: &str = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";
    const WRITE_NOTED: &[KeySpec] = &[spec(RW, RW_NOTE)];
    const WRITE: &[KeySpec] = &[spec(RW, "")];
    const READ_NOTED: &[KeySpec] = &[spec(RO, RO_NOTE)];
    const READ: &[KeySpec] = &[spec(RO, "")];
    // Redis notes the keys of the body forms and of FCALL, not EVALSHA's.
    let key_specs = match (read_only, !name.starts_with("evalsha")) {
        (false, true) => WRITE_NOTED,
        (false, false) => WRITE,
        (true, true) => READ_NOTED,
        (true, false) => READ,
    };
    let function = name.starts_with("fcall");
    CommandMeta {
        name,
        arity: -3,
        flags: if read_only { READ_FLAGS } else { WRITE_FLAGS },
        group: "scripting",
        summary,
        since,
        complexity: if function {
            "Depends on the function that is executed."
        } else {
            "Depends on the script that is executed."
        },
        keys: Keys::NONE,
        key_specs,
        extra_acl_categories: &["@scripting"],
        ..CommandMeta::DEFAULT
    }
}

/// The Lua heap's cap when `maxmemory` sets none.
pub const LUA_MEMORY_LIMIT: usize = 1 << 30;

/// The lowercase hex SHA1 of `bytes` (`EVALSHA`'s names, `redis.sha1hex`).
pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(bytes);
    let mut hex = String::with_capacity(40);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// A cached `EVAL` script.
struct Cached {
    function: mlua::Function,
    body: Vec<u8>,
    flags: ScriptFlags,
}

/// The Lua state with the script cache and the function libraries.
pub struct Engine {
    inner: Mutex<Inner>,
}

pub(crate) struct Inner {
    pub(crate) vm: vm::Vm,
    scripts: HashMap<Arc<str>, Cached, std::hash::BuildHasherDefault<ShaHasher>>,
    /// The Lua heap's cap now (set again only when `maxmemory` changes it).
    memory_cap: usize,
    scripts_bytes: usize,
    pub(crate) libraries: functions::Libraries,
    /// What the kill hook watches, to install it again after a library load.
    kill_hook: (std::sync::Arc<crate::state::scripts::ScriptRun>, tokio::sync::watch::Receiver<bool>),
}

impl Engine {
    fn new(server: &ServerState) -> Engine {
        let runner = vm::Runner { start: run::start_run, call: run::redis_call, pcall: run::redis_pcall };
        let vm = vm::Vm::new(runner).expect("the Lua state builds");
        let _ = vm.lua.set_memory_limit(LUA_MEMORY_LIMIT);
        let kill_hook = (server.scripts.run.clone(), server.clients.shutdown_requested());
        run::install_kill_hook(&vm.lua, kill_hook.0.clone(), kill_hook.1.clone());
        run::install_bridge_functions(&vm.lua, &vm.bridge).expect("the bridge takes its functions");
        Engine {
            inner: Mutex::new(Inner {
                vm,
                scripts: HashMap::default(),
                memory_cap: LUA_MEMORY_LIMIT,
                scripts_bytes: 0,
                libraries: functions::Libraries::default(),
                kill_hook,
            }),
        }
    }

    /// The engine of `server`, built on first use.
    pub fn of(server: &ServerState) -> &Engine {
        let any = server.scripts.engine.get_or_init(|| Box::new(Engine::new(server)));
        any.downcast_ref::<Engine>().expect("only scripting fills the engine slot")
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock()
    }

    /// The engine for running a script on connection `client`: waits while
    /// another connection's script runs, and answers `BUSY` once that one
    /// passed `busy-reply-threshold`. Past a short wait the worker hands its
    /// other connections on (`SCRIPT KILL` must find a thread).
    pub(crate) fn lock_or_busy(
        &self,
        server: &ServerState,
        client: u64,
    ) -> Result<MutexGuard<'_, Inner>, ReplyError> {
        if let Some(inner) = self.inner.try_lock() {
            return Ok(inner);
        }
        let a_while = std::time::Duration::from_millis(1);
        if let Some(inner) = self.inner.try_lock_for(a_while) {
            return Ok(inner);
        }
        blocking(|| loop {
            if let Some(inner) = self.inner.try_lock_for(a_while) {
                return Ok(inner);
            }
            if server.scripts.run.busy_for(client) {
                return Err(ReplyError::from(crate::state::scripts::BUSY));
            }
        })
    }
}

impl Inner {
    /// Publishes the memory figures `INFO` shows.
    pub(crate) fn account(&self, server: &ServerState) {
        let scripts = &server.scripts;
        scripts.lua_memory.store(self.vm.lua.used_memory(), Ordering::Relaxed);
        scripts.scripts_memory.store(self.scripts_bytes + self.libraries.bytes(), Ordering::Relaxed);
        scripts.cached_scripts.store(self.scripts.len(), Ordering::Relaxed);
        scripts.eval_memory.store(self.scripts_bytes, Ordering::Relaxed);
        scripts.functions.store(self.libraries.function_count(), Ordering::Relaxed);
        scripts.libraries.store(self.libraries.len(), Ordering::Relaxed);
    }

    /// After a change to the libraries: the figures, and their code in the
    /// store for snapshots and log rewrites.
    pub(crate) fn publish_libraries(&self, server: &ServerState) {
        self.account(server);
        server.store.set_functions(self.libraries.codes());
    }

    /// Caps the Lua heap at `maxmemory` (or [`LUA_MEMORY_LIMIT`]).
    pub(crate) fn cap_memory(&mut self, server: &ServerState) {
        let maxmemory = server.config.maxmemory() as usize;
        let limit = if maxmemory == 0 { LUA_MEMORY_LIMIT } else { maxmemory.max(1 << 20) };
        if limit != self.memory_cap && self.vm.lua.set_memory_limit(limit).is_ok() {
            self.memory_cap = limit;
        }
    }

    /// The cache's key for `sha` as a client wrote it (any case).
    fn cached_sha(&self, sha: &[u8]) -> Option<&Arc<str>> {
        let mut lower = [0u8; 40];
        if sha.len() != lower.len() {
            return None;
        }
        for (to, from) in lower.iter_mut().zip(sha) {
            *to = from.to_ascii_lowercase();
        }
        let sha = std::str::from_utf8(&lower).ok()?;
        self.scripts.get_key_value(sha).map(|(key, _)| key)
    }

    /// Installs the kill hook again (a library load replaces it for its run).
    pub(crate) fn restore_kill_hook(&self) {
        run::install_kill_hook(&self.vm.lua, self.kill_hook.0.clone(), self.kill_hook.1.clone());
    }

    /// Compiles and caches `body` (once); its SHA1.
    fn load_script(&mut self, body: &[u8]) -> Result<Arc<str>, ReplyError> {
        let sha = sha1_hex(body);
        if let Some((key, _)) = self.scripts.get_key_value(sha.as_str()) {
            return Ok(key.clone());
        }
        let flags = shebang::parse(body).map_err(|e| ReplyError(e.into()))?;
        let function = self.vm.compile(&shebang::code(body), "@user_script").map_err(|e| {
            ReplyError::err(format_args!("Error compiling script (new function): {}", lua_message(&e)))
        })?;
        self.scripts_bytes += body.len() + 40;
        let sha: Arc<str> = sha.into();
        self.scripts.insert(sha.clone(), Cached { function, body: body.to_vec(), flags });
        Ok(sha)
    }

    fn flush_scripts(&mut self) {
        self.scripts.clear();
        self.scripts_bytes = 0;
        let _ = self.vm.lua.gc_collect();
    }
}

/// The message of a Lua error, without `mlua`'s decoration.
pub(crate) fn lua_message(error: &mlua::Error) -> String {
    match error {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(message) => message.clone(),
        other => other.to_string(),
    }
}

/// `EVAL`, `EVALSHA` and their `_RO` forms: `script` is the body, or its
/// SHA1 with `by_sha`.
pub fn eval(
    ctx: &mut Context<'_>,
    args: &mut Args<'_>,
    by_sha: bool,
    read_only: bool,
) -> Result<Reply, ReplyError> {
    let script = args.next()?;
    let arguments = keys_and_args(args, "")?;
    let engine = Engine::of(ctx.server);
    let mut inner = engine.lock_or_busy(ctx.server, ctx.client.handle.id)?;
    let sha = if by_sha {
        match inner.cached_sha(script) {
            Some(sha) => sha.clone(),
            None => return Err(ReplyError::from("NOSCRIPT No matching script. Please use EVAL.")),
        }
    } else {
        let cached = inner.scripts.len();
        let sha = inner.load_script(script)?;
        // A new script: `number_of_cached_scripts` and its bytes change.
        if inner.scripts.len() != cached {
            inner.account(ctx.server);
        }
        sha
    };
    inner.cap_memory(ctx.server);
    let cached = &inner.scripts[&sha];
    let flags = cached.flags;
    check_flags(ctx, flags, read_only)?;
    let spec = RunSpec {
        function: &cached.function,
        name: sha,
        keys: arguments.keys(),
        args: arguments.args(),
        flags,
        read_only: read_only || flags.no_writes,
        is_function: false,
    };
    // The run publishes the Lua heap's size itself (see `run::call_run`).
    run::run(ctx, &inner.vm, spec)
}

/// A script's keys then its arguments (slices of the request).
pub struct Arguments<'a> {
    all: Vec<&'a [u8]>,
    numkeys: usize,
}

impl<'a> Arguments<'a> {
    pub fn keys(&self) -> &[&'a [u8]] {
        &self.all[..self.numkeys]
    }

    pub fn args(&self) -> &[&'a [u8]] {
        &self.all[self.numkeys..]
    }
}

/// `numkeys key... arg...`, with Redis's errors.
pub fn keys_and_args<'a>(
    args: &mut Args<'a>,
    not_a_number: &'static str,
) -> Result<Arguments<'a>, ReplyError> {
    let numkeys =
        args.next_i64()
            .map_err(|e| if not_a_number.is_empty() { e } else { ReplyError::err(not_a_number) })?;
    let all: Vec<&[u8]> = args.rest().collect();
    if numkeys < 0 {
        return Err(ReplyError::err("Number of keys can't be negative"));
    }
    if numkeys as u64 > all.len() as u64 {
        return Err(ReplyError::err("Number of keys can't be greater than number of args"));
    }
    Ok(Arguments { all, numkeys: numkeys as usize })
}

/// What a script's declared flags forbid before it runs.
pub(crate) fn check_flags(
    ctx: &mut Context<'_>,
    flags: ScriptFlags,
    read_only: bool,
) -> Result<(), ReplyError> {
    if !flags.declared {
        return Ok(());
    }
    let may_write = !flags.no_writes;
    if read_only && may_write {
        return Err(ReplyError::err("Can not execute a script with write flag using *_ro command."));
    }
    let server = ctx.server;
    let maxmemory = server.config.maxmemory();
    if may_write && !flags.allow_oom && maxmemory != 0 && server.used_memory() as u64 > maxmemory {
        return Err(ReplyError::OOM);
    }
    Ok(())
}

/// Runs `f` so that the runtime worker it holds hands its other
/// connections on to another worker meanwhile (`SCRIPT KILL` can arrive).
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Called from a script that runs long (its instruction hook): moves the
/// runtime worker it holds to another thread, so the worker's other
/// connections (`SCRIPT KILL`, `BUSY` replies) are served while the script
/// goes on here. The pause lets the new thread take the worker; once it
/// did, later calls cost nothing. Every script paying this move up front
/// (a thread wake-up per call) cost more than the scripts themselves.
pub(crate) fn hand_worker_on() {
    blocking(|| std::thread::sleep(std::time::Duration::from_millis(1)));
}

/// `SCRIPT LOAD body`: the SHA1.
pub fn script_load(server: &ServerState, body: &[u8]) -> Result<String, ReplyError> {
    let engine = Engine::of(server);
    let mut inner = engine.lock();
    let sha = inner.load_script(body)?;
    inner.account(server);
    Ok(sha.to_string())
}

/// `SCRIPT EXISTS sha...`.
pub fn script_exists(server: &ServerState, shas: &[&[u8]]) -> Vec<bool> {
    let engine = Engine::of(server);
    let inner = engine.lock();
    shas.iter().map(|sha| inner.cached_sha(sha).is_some()).collect()
}

/// `SCRIPT FLUSH`.
pub fn script_flush(server: &ServerState) {
    let engine = Engine::of(server);
    let mut inner = engine.lock();
    inner.flush_scripts();
    inner.account(server);
}

/// The Lua heap's size as `mlua` counts it (tests: `used_memory_lua` must match).
pub fn lua_heap_bytes(server: &ServerState) -> usize {
    Engine::of(server).lock().vm.lua.used_memory()
}

/// The body of cached script `sha` (tests, persistence).
pub fn script_body(server: &ServerState, sha: &str) -> Option<Vec<u8>> {
    Engine::of(server).lock().scripts.get(sha).map(|c| c.body.clone())
}

/// `SCRIPT KILL` / `FUNCTION KILL`: `function` tells which was asked.
pub fn kill(server: &ServerState, function: bool) -> Result<(), ReplyError> {
    let run = &server.scripts.run;
    let Some(running) = run.running() else {
        return Err(ReplyError::from("NOTBUSY No scripts in execution right now."));
    };
    if running.function != function {
        return Err(if function {
            ReplyError::from("NOTBUSY No scripts in execution right now.")
        } else {
            ReplyError::err("No scripts in execution right now.")
        });
    }
    if run.wrote() {
        return Err(ReplyError::from(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
        ));
    }
    run.request_kill();
    Ok(())
}

/// Hashes the script cache's keys: SHA1 digests in hex, evenly spread
/// already (no one can pick keys that collide), so a multiply per 8 bytes
/// does, where the default SipHash cost more than the lookup.
#[derive(Default)]
struct ShaHasher(u64);

impl std::hash::Hasher for ShaHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

//! `FUNCTION` libraries: loading (`#!lua name=...` and
//! `redis.register_function`), `FCALL`, `FUNCTION LIST`/`STATS`, and the
//! `FUNCTION DUMP`/`RESTORE` payload.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use mlua::{HookTriggers, Lua, MultiValue, Value, VmState};

use super::convert::error_table;
use super::shebang::{self, ScriptFlags};
use super::{Engine, Inner};
use crate::protocol::{Reply, ReplyError};
use crate::registry::{Args, Context};
use crate::state::ServerState;

/// Library code may run this long while it loads.
const LOAD_TIME_LIMIT: Duration = Duration::from_millis(500);

/// A registered function.
pub struct Function {
    pub function: mlua::Function,
    pub flags: ScriptFlags,
    pub description: Option<Vec<u8>>,
}

/// A loaded library: its code and the functions it registered.
pub struct Library {
    pub code: Vec<u8>,
    pub functions: BTreeMap<String, Function>,
}

/// Every loaded library, and which library each function belongs to.
#[derive(Default)]
pub struct Libraries {
    libraries: BTreeMap<String, Library>,
    owner: HashMap<String, String>,
    code_bytes: usize,
}

impl Libraries {
    /// Bytes of library code held.
    pub fn bytes(&self) -> usize {
        self.code_bytes
    }

    pub fn len(&self) -> usize {
        self.libraries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.libraries.is_empty()
    }

    pub fn function_count(&self) -> usize {
        self.owner.len()
    }

    fn insert(&mut self, name: String, library: Library) {
        for function in library.functions.keys() {
            self.owner.insert(function.clone(), name.clone());
        }
        self.code_bytes += library.code.len();
        self.libraries.insert(name, library);
    }

    fn remove(&mut self, name: &str) -> Option<Library> {
        let library = self.libraries.remove(name)?;
        for function in library.functions.keys() {
            self.owner.remove(function);
        }
        self.code_bytes -= library.code.len();
        Some(library)
    }

    fn clear(&mut self) {
        *self = Libraries::default();
    }

    fn find(&self, function: &str) -> Option<&Function> {
        self.libraries.get(self.owner.get(function)?)?.functions.get(function)
    }

    /// Every library's code, in name order (persistence).
    pub fn codes(&self) -> Vec<Vec<u8>> {
        self.libraries.values().map(|l| l.code.clone()).collect()
    }
}

/// Letters, digits and `_`, at least one.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

const BAD_NAME: &str =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// The library name of `code`'s `#!lua name=...` first line.
fn library_name(code: &[u8]) -> Result<String, ReplyError> {
    if !code.starts_with(b"#!") {
        return Err(ReplyError::err("Missing library metadata"));
    }
    let line_end = code.iter().position(|&b| b == b'\n').unwrap_or(code.len());
    let mut parts = code[2..line_end].split(|&b| b == b' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or_default();
    if engine != b"lua" {
        return Err(ReplyError::err(format_args!("Engine '{}' not found", String::from_utf8_lossy(engine))));
    }
    let mut name = None;
    for part in parts {
        match part.strip_prefix(b"name=") {
            Some(given) => name = Some(given),
            None => {
                return Err(ReplyError::err(format_args!(
                    "Invalid metadata value given: {}",
                    String::from_utf8_lossy(part)
                )))
            }
        }
    }
    let name = name.ok_or_else(|| ReplyError::err("Library name was not given"))?;
    if !valid_name(name) {
        return Err(ReplyError(BAD_NAME.into()));
    }
    Ok(String::from_utf8_lossy(name).into_owned())
}

/// What `redis.register_function` collected while a library loaded.
#[derive(Default)]
struct Registered {
    functions: BTreeMap<String, Function>,
}

impl Registered {
    fn register(&mut self, lua: &Lua, args: MultiValue) -> mlua::Result<(bool, Value)> {
        let error = |text: &str| Ok((false, error_table(lua, text)?));
        let (name, callback, flags, description) = match args.len() {
            1 => {
                let Value::Table(named) = &args[0] else {
                    return error("ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
                };
                let (mut name, mut callback, mut flags, mut description) = (None, None, None, None);
                for pair in named.pairs::<Value, Value>() {
                    let (key, value) = pair?;
                    let key = match &key {
                        Value::String(s) => Some(s.to_string_lossy()),
                        _ => None,
                    };
                    match (key.as_deref(), value) {
                        (Some("function_name"), Value::String(s)) => name = Some(s.as_bytes().to_vec()),
                        (Some("callback"), Value::Function(f)) => callback = Some(f),
                        (Some("flags"), Value::Table(t)) => flags = Some(t),
                        (Some("description"), Value::String(s)) => description = Some(s.as_bytes().to_vec()),
                        (Some("function_name"), _) => return error("ERR function_name argument given to redis.register_function must be a string"),
                        (Some("callback"), _) => return error("ERR callback argument given to redis.register_function must be a function"),
                        (Some("flags"), _) => return error("ERR flags argument to redis.register_function must be a table representing function flags"),
                        (Some("description"), _) => return error("ERR description argument given to redis.register_function must be a string"),
                        _ => return error("ERR unknown argument given to redis.register_function"),
                    }
                }
                let Some(name) = name else {
                    return error("ERR redis.register_function must get a function name argument");
                };
                let Some(callback) = callback else {
                    return error("ERR redis.register_function must get a callback argument");
                };
                (name, callback, flags, description)
            }
            2 => {
                let Value::String(name) = &args[0] else {
                    return error("ERR first argument to redis.register_function must be a string");
                };
                let Value::Function(callback) = &args[1] else {
                    return error("ERR second argument to redis.register_function must be a function");
                };
                (name.as_bytes().to_vec(), callback.clone(), None, None)
            }
            _ => return error("ERR wrong number of arguments to redis.register_function"),
        };
        if !valid_name(&name) {
            return error(BAD_NAME);
        }
        let mut parsed = ScriptFlags { declared: true, ..ScriptFlags::default() };
        if let Some(flags) = flags {
            for flag in flags.sequence_values::<Value>() {
                match flag? {
                    Value::String(s) if parsed.set(&s.as_bytes()) => {}
                    _ => return error("ERR unknown flag given"),
                }
            }
        }
        let name = String::from_utf8_lossy(&name).into_owned();
        if self.functions.contains_key(&name) {
            return error("ERR Function already exists in the library");
        }
        self.functions.insert(name, Function { function: callback, flags: parsed, description });
        Ok((true, Value::Nil))
    }
}

impl Inner {
    /// `FUNCTION LOAD [REPLACE] code`: the library's name.
    fn load_library(&mut self, code: &[u8], replace: bool) -> Result<String, ReplyError> {
        let name = library_name(code)?;
        if !replace && self.libraries.libraries.contains_key(&name) {
            return Err(ReplyError::err(format_args!("Library '{name}' already exists")));
        }
        let vm = &self.vm;
        let chunk = vm.compile_library(&shebang::code(code)).map_err(|e| {
            ReplyError::err(format_args!("Error compiling function: {}", super::lua_message(&e)))
        })?;
        let registered = RefCell::new(Registered::default());
        let started = Instant::now();
        let _ = vm.lua.set_hook(HookTriggers::new().every_nth_instruction(100_000), move |_, _| {
            if started.elapsed() > LOAD_TIME_LIMIT {
                return Err(mlua::Error::runtime("FUNCTION LOAD timeout"));
            }
            Ok(VmState::Continue)
        });
        let outcome = vm.lua.scope(|scope| {
            let register =
                scope.create_function(|lua, args: MultiValue| registered.borrow_mut().register(lua, args))?;
            vm.bridge.raw_set("register_function", register)?;
            vm.loading.call::<()>(true)?;
            let result = vm.run.call::<(bool, Value)>(chunk);
            vm.loading.call::<()>(false)?;
            vm.bridge.raw_set("register_function", Value::Nil)?;
            result
        });
        self.restore_kill_hook();
        match outcome {
            Ok((true, _)) => {}
            Ok((false, Value::Table(error))) => {
                let text = error.raw_get::<Option<String>>("err").ok().flatten().unwrap_or_default();
                return Err(super::convert::error_text(
                    format!("ERR Error registering functions: {text}").as_bytes(),
                ));
            }
            Ok((false, other)) => {
                return Err(ReplyError::err(format_args!("Error registering functions: {other:?}")))
            }
            Err(e) => {
                return Err(ReplyError::err(format_args!(
                    "Error registering functions: {}",
                    super::lua_message(&e)
                )))
            }
        }
        let functions = registered.into_inner().functions;
        if functions.is_empty() {
            return Err(ReplyError::err("No functions registered"));
        }
        for function in functions.keys() {
            if self.libraries.owner.get(function).is_some_and(|owner| *owner != name) {
                return Err(ReplyError::err(format_args!("Function {function} already exists")));
            }
        }
        self.libraries.remove(&name);
        self.libraries.insert(name.clone(), Library { code: code.to_vec(), functions });
        Ok(name)
    }
}

/// `FUNCTION LOAD [REPLACE] code`.
pub fn load(server: &ServerState, code: &[u8], replace: bool) -> Result<String, ReplyError> {
    let engine = Engine::of(server);
    let mut inner = engine.lock();
    let name = inner.load_library(code, replace);
    inner.publish_libraries(server);
    name
}

/// Compiles the libraries the store holds (loaded from a snapshot); one
/// that no longer loads is dropped with a warning.
pub fn load_stored(server: &ServerState) {
    let codes = server.store.functions();
    if codes.is_empty() {
        return;
    }
    let engine = Engine::of(server);
    let mut inner = engine.lock();
    for code in codes {
        if let Err(error) = inner.load_library(&code, true) {
            tracing::warn!(%error, "a stored function library did not load");
        }
    }
    inner.publish_libraries(server);
}

/// `FUNCTION DELETE name`.
pub fn delete(server: &ServerState, name: &[u8]) -> Result<(), ReplyError> {
    let engine = Engine::of(server);
    let mut inner = engine.lock();
    let found = inner.libraries.remove(&String::from_utf8_lossy(name)).is_some();
    inner.publish_libraries(server);
    found.then_some(()).ok_or_else(|| ReplyError::err("Library not found"))
}

/// `FUNCTION FLUSH`.
pub fn flush(server: &ServerState) {
    let engine = Engine::of(server);
    let mut inner = engine.lock();
    inner.libraries.clear();
    let _ = inner.vm.lua.gc_collect();
    inner.publish_libraries(server);
}

/// Every library's code (persistence: `FUNCTION LOAD` records, `dump.json`).
pub fn codes(server: &ServerState) -> Vec<Vec<u8>> {
    server.scripts.engine.get().map_or_else(Vec::new, |_| Engine::of(server).lock().libraries.codes())
}

/// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]`.
pub fn list(server: &ServerState, pattern: Option<&[u8]>, with_code: bool) -> Reply {
    let engine = Engine::of(server);
    let inner = engine.lock();
    let bulk = |text: &str| Reply::Bulk(text.as_bytes().to_vec());
    let mut libraries = Vec::new();
    for (name, library) in &inner.libraries.libraries {
        if pattern.is_some_and(|p| !crate::store::glob::glob_match(p, name.as_bytes(), false)) {
            continue;
        }
        let functions = library
            .functions
            .iter()
            .map(|(fname, f)| {
                let flags = f.flags.names().into_iter().map(|n| Reply::Simple(n.into())).collect();
                Reply::Map(vec![
                    (bulk("name"), bulk(fname)),
                    (bulk("description"), f.description.clone().map_or(Reply::Null, Reply::Bulk)),
                    (bulk("flags"), Reply::Set(flags)),
                ])
            })
            .collect();
        let mut fields = vec![
            (bulk("library_name"), bulk(name)),
            (bulk("engine"), bulk("LUA")),
            (bulk("functions"), Reply::Array(functions)),
        ];
        if with_code {
            fields.push((bulk("library_code"), Reply::Bulk(library.code.clone())));
        }
        libraries.push(Reply::Map(fields));
    }
    Reply::Array(libraries)
}

/// `FUNCTION STATS`.
pub fn stats(server: &ServerState) -> Reply {
    let bulk = |text: &str| Reply::Bulk(text.as_bytes().to_vec());
    let running = match server.scripts.run.running() {
        Some(running) if running.function => Reply::Map(vec![
            (bulk("name"), bulk(&running.name)),
            (bulk("command"), Reply::Array(running.command.iter().map(|a| Reply::Bulk(a.clone())).collect())),
            (bulk("duration_ms"), Reply::Integer(running.started.elapsed().as_millis() as i64)),
        ]),
        _ => Reply::Null,
    };
    let (libraries, functions) = (
        server.scripts.libraries.load(std::sync::atomic::Ordering::Relaxed),
        server.scripts.functions.load(std::sync::atomic::Ordering::Relaxed),
    );
    let lua = Reply::Map(vec![
        (bulk("libraries_count"), Reply::Integer(libraries as i64)),
        (bulk("functions_count"), Reply::Integer(functions as i64)),
    ]);
    Reply::Map(vec![
        (bulk("running_script"), running),
        (bulk("engines"), Reply::Map(vec![(bulk("LUA"), lua)])),
    ])
}

/// `FCALL` / `FCALL_RO function numkeys key... arg...`.
pub fn fcall(ctx: &mut Context<'_>, args: &mut Args<'_>, read_only: bool) -> Result<Reply, ReplyError> {
    let name = String::from_utf8_lossy(args.next()?).into_owned();
    let arguments = super::keys_and_args(args, "Bad number of keys provided")?;
    let engine = Engine::of(ctx.server);
    let mut inner = engine.lock_or_busy(ctx.server, ctx.client.handle.id)?;
    inner.cap_memory(ctx.server);
    let Some(function) = inner.libraries.find(&name) else {
        return Err(ReplyError::err("Function not found"));
    };
    let flags = function.flags;
    super::check_flags(ctx, flags, read_only)?;
    let spec = super::RunSpec {
        function: &function.function,
        name: name.into(),
        keys: arguments.keys(),
        args: arguments.args(),
        flags,
        read_only: read_only || flags.no_writes,
        is_function: true,
    };
    // The run publishes the Lua heap's size itself (see `run::call_run`).
    super::run::run(ctx, &inner.vm, spec)
}

/// `FUNCTION DUMP`: Redis's payload (`FUNCTION2` records, RDB version, CRC64).
pub fn dump(server: &ServerState) -> Vec<u8> {
    super::payload::encode(&codes(server))
}

/// How `FUNCTION RESTORE` treats existing libraries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestorePolicy {
    Append,
    Replace,
    Flush,
}

/// `FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]`: all or nothing.
pub fn restore(server: &ServerState, payload: &[u8], policy: RestorePolicy) -> Result<(), ReplyError> {
    let codes = super::payload::decode(payload)?;
    let engine = Engine::of(server);
    let mut inner = engine.lock();
    let saved = std::mem::take(&mut inner.libraries);
    if policy != RestorePolicy::Flush {
        for (name, library) in saved.libraries.iter() {
            let copy = Library {
                code: library.code.clone(),
                functions: library
                    .functions
                    .iter()
                    .map(|(n, f)| {
                        (
                            n.clone(),
                            Function {
                                function: f.function.clone(),
                                flags: f.flags,
                                description: f.description.clone(),
                            },
                        )
                    })
                    .collect(),
            };
            inner.libraries.insert(name.clone(), copy);
        }
    }
    for code in &codes {
        if let Err(error) = inner.load_library(code, policy == RestorePolicy::Replace) {
            inner.libraries = saved;
            inner.publish_libraries(server);
            return Err(error);
        }
    }
    inner.publish_libraries(server);
    Ok(())
}

//! What the server knows of scripting below the command layer: the script
//! running now (for `BUSY`, `SCRIPT KILL` and `FUNCTION KILL`), the memory
//! the scripting engine reports for `INFO`, and a slot holding the engine
//! itself (built and used by `crate::scripting`, opaque here).

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// Redis's reply to other clients once a script ran past `busy-reply-threshold`.
pub const BUSY: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

/// The commands that run a script: they wait for the scripting engine's
/// lock itself (answering `BUSY` past the threshold), not in `dispatch`.
pub fn waits_for_the_engine(command: &str) -> bool {
    matches!(command, "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro")
}

/// [`waits_for_the_engine`] for a command name as a client sent it (any case).
pub fn runs_a_script(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 6] = [b"eval", b"evalsha", b"eval_ro", b"evalsha_ro", b"fcall", b"fcall_ro"];
    (4..=10).contains(&name.len()) && NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// The script running now, if any.
#[derive(Debug, Clone)]
pub struct Running {
    /// The connection running it.
    pub client: u64,
    pub started: Instant,
    /// A function (`FCALL`) rather than a script (`EVAL`).
    pub function: bool,
    /// The function's name or the script's SHA1, and the command that runs it.
    pub name: Arc<str>,
    pub command: Vec<Vec<u8>>,
}

/// The running script's state, shared with the engine's instruction hook.
#[derive(Debug, Default)]
pub struct ScriptRun {
    running: Mutex<Option<Running>>,
    finished: Condvar,
    /// Set while a script runs; lets `dispatch` skip the lock when idle.
    active: AtomicBool,
    /// The connection of the script running (or of the last one): lets
    /// the script's own commands skip the lock.
    client: AtomicU64,
    /// `SCRIPT KILL` / `FUNCTION KILL` asked the script to stop.
    kill: AtomicBool,
    /// The running script wrote (it can no longer be killed).
    wrote: AtomicBool,
    /// `busy-reply-threshold` in ms.
    threshold_ms: std::sync::atomic::AtomicU64,
}

impl ScriptRun {
    /// Marks a script as running on connection `client`.
    pub fn start(&self, client: u64, function: bool, name: Arc<str>, command: Vec<Vec<u8>>) {
        *self.running.lock() = Some(Running { client, started: Instant::now(), function, name, command });
        self.kill.store(false, Ordering::Relaxed);
        self.wrote.store(false, Ordering::Relaxed);
        self.client.store(client, Ordering::Relaxed);
        self.active.store(true, Ordering::Release);
    }

    /// The script ended: waiting clients go on.
    pub fn finish(&self) {
        *self.running.lock() = None;
        self.active.store(false, Ordering::Release);
        self.kill.store(false, Ordering::Relaxed);
        self.finished.notify_all();
    }

    /// Whether a script runs now (one load).
    pub fn is_running(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// When the running script started (`None` when none runs).
    pub fn started(&self) -> Option<Instant> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        self.running.lock().as_ref().map(|r| r.started)
    }

    /// Whether another connection's script than `client`'s runs and passed
    /// `busy-reply-threshold` (copies nothing: waiters ask often).
    pub fn busy_for(&self, client: u64) -> bool {
        if !self.active.load(Ordering::Acquire) {
            return false;
        }
        let running = self.running.lock();
        running.as_ref().is_some_and(|r| r.client != client && r.started.elapsed() >= self.threshold())
    }

    pub fn running(&self) -> Option<Running> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        self.running.lock().clone()
    }

    pub fn note_write(&self) {
        self.wrote.store(true, Ordering::Relaxed);
    }

    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }

    /// Asks the running script to stop (checked by its instruction hook).
    pub fn request_kill(&self) {
        self.kill.store(true, Ordering::Relaxed);
    }

    pub fn kill_requested(&self) -> bool {
        self.kill.load(Ordering::Relaxed)
    }

    pub fn set_threshold_ms(&self, ms: u64) {
        self.threshold_ms.store(ms, Ordering::Relaxed);
    }

    pub fn threshold(&self) -> Duration {
        Duration::from_millis(self.threshold_ms.load(Ordering::Relaxed))
    }

    /// Whether the running script passed `busy-reply-threshold`.
    pub fn timed_out(&self, running: &Running) -> bool {
        running.started.elapsed() >= self.threshold()
    }

    /// For a command of connection `client` (not the script's own): waits
    /// while another connection's script runs, and returns true once that
    /// script passed the threshold (the command then gets `BUSY`). One
    /// load when no script runs.
    pub fn wait_or_busy(&self, client: u64) -> bool {
        if !self.active.load(Ordering::Acquire) {
            return false;
        }
        // The script's own commands (`redis.call`) go on at once.
        if self.client.load(Ordering::Relaxed) == client {
            return false;
        }
        if self.running.lock().as_ref().is_none_or(|now| now.client == client) {
            return false;
        }
        // `Some(busy)` once decided; `None` when `patience` ran out first.
        let wait = |patience: Option<Instant>| {
            let mut running = self.running.lock();
            loop {
                let Some(now) = running.as_ref() else { return Some(false) };
                if now.client == client {
                    return Some(false);
                }
                let busy_at = now.started + self.threshold();
                if Instant::now() >= busy_at {
                    return Some(true);
                }
                let until = patience.map_or(busy_at, |p| p.min(busy_at));
                if self.finished.wait_until(&mut running, until).timed_out()
                    && patience.is_some_and(|p| Instant::now() >= p)
                {
                    return None;
                }
            }
        };
        // A short script ends while this worker waits; a longer one makes
        // the worker hand its other connections to a new worker, so
        // `SCRIPT KILL` always finds a thread to run on.
        if let Some(busy) = wait(Some(Instant::now() + Duration::from_millis(1))) {
            return busy;
        }
        let wait_long = || wait(None).unwrap_or(true);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait_long)
            }
            _ => wait_long(),
        }
    }
}

/// The scripting part of the server state.
#[derive(Default)]
pub struct Scripts {
    pub run: Arc<ScriptRun>,
    /// Connections' turns at running scripts (see [`Scripts::turn`]).
    turns: Turns,
    /// The engine, built on first use by `crate::scripting`.
    pub engine: OnceLock<Box<dyn Any + Send + Sync>>,
    /// Bytes of the Lua heap (`used_memory_lua`).
    pub lua_memory: AtomicUsize,
    /// Bytes of cached script bodies and function libraries (`used_memory_scripts`).
    pub scripts_memory: AtomicUsize,
    /// Scripts in the `EVAL` cache (`number_of_cached_scripts`).
    pub cached_scripts: AtomicUsize,
    /// Bytes of cached `EVAL` bodies (`used_memory_scripts_eval`).
    pub eval_memory: AtomicUsize,
    /// Loaded functions and libraries (`number_of_functions`, `number_of_libraries`).
    pub functions: AtomicUsize,
    pub libraries: AtomicUsize,
}

impl std::fmt::Debug for Scripts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scripts")
            .field("running", &self.run.running())
            .field("engine", &self.engine.get().is_some())
            .finish()
    }
}

/// One turn at a time, handed on in arrival order.
struct Turns(tokio::sync::Semaphore);

impl Default for Turns {
    fn default() -> Turns {
        Turns(tokio::sync::Semaphore::new(1))
    }
}

/// A connection's turn at running scripts, held until dropped.
pub type Turn<'a> = tokio::sync::SemaphorePermit<'a>;

impl Scripts {
    /// A turn at running scripts for connection `client`, awaited without
    /// holding a thread: connections whose scripts wait for the engine
    /// (one Lua state) queue here, in order, rather than blocking their
    /// worker on its lock (two workers handing the lock back and forth
    /// per script, each hand-over a thread sleeping and waking). A
    /// connection keeps its turn for the scripts of one read, as Redis
    /// runs a client's pipeline. `None` once another connection's script
    /// passed `busy-reply-threshold`: the command then runs without a turn
    /// and gets `BUSY` from the engine's own wait.
    pub async fn turn(&self, client: u64) -> Option<Turn<'_>> {
        if let Ok(turn) = self.turns.0.try_acquire() {
            return Some(turn);
        }
        loop {
            if self.run.busy_for(client) {
                return None;
            }
            // Until the running script would be busy; between scripts, a
            // short while (the next one may run long).
            let threshold = self.run.threshold();
            let slice = match self.run.started() {
                Some(started) => (started + threshold).saturating_duration_since(Instant::now()),
                None => threshold.min(Duration::from_millis(50)),
            };
            let slice = slice.max(Duration::from_millis(1));
            match tokio::time::timeout(slice, self.turns.0.acquire()).await {
                Ok(turn) => return turn.ok(),
                Err(_) if self.run.busy_for(client) => return None,
                Err(_) => {}
            }
        }
    }

    /// Memory the scripting engine holds, counted in `used_memory`.
    pub fn memory(&self) -> usize {
        self.lua_memory.load(Ordering::Relaxed) + self.scripts_memory.load(Ordering::Relaxed)
    }
}

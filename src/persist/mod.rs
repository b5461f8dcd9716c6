//! Durability: the append-only file ([`aof`]), background saves and
//! rewrites in a forked child, the `save` rules, and start-up loading.
//!
//! A background job forks while the keyspace lock is held: the child sees
//! the data exactly as it was at that instant (the kernel copies a page only
//! when the parent writes to it), writes its file and exits. The parent goes
//! on serving at once; the lock is held only for the fork itself.

pub mod aof;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tracing::{info, warn};

use crate::protocol::parse::Argv;
use crate::store::effects::Effects;
use crate::store::{snapshot, Keyspace, Store};

pub use aof::{Aof, Fsync};

/// What persistence needs from the server that owns it (implemented by
/// the server state, which lives above this layer).
pub trait Host {
    fn store(&self) -> &Store;
    fn persist(&self) -> &Persist;
    /// The server's clock, in Unix ms.
    fn now_ms(&self) -> u64;
    /// The persistence settings as they are now.
    fn settings(&self) -> Settings;
    /// Changes since the last save (`rdb_changes_since_last_save`).
    fn dirty(&self) -> &AtomicU64;
    /// Unix seconds of the last successful save (`LASTSAVE`).
    fn last_save(&self) -> &AtomicU64;
}

/// The settings persistence reads, copied out of the config.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub dir: PathBuf,
    pub dump_path: PathBuf,
    pub aof_path: PathBuf,
    /// `save`: (seconds, changes) pairs.
    pub save_rules: Vec<(u64, u64)>,
    pub auto_aof_rewrite_percentage: u64,
    pub auto_aof_rewrite_min_size: u64,
}

/// What a background child is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Save,
    Rewrite,
}

#[derive(Debug)]
struct Child {
    job: Job,
    pid: i32,
    started: Instant,
    /// The file it writes (removed if it dies).
    temp: PathBuf,
    /// `dirty` when it forked (a successful save subtracts it).
    dirty_at_fork: u64,
    /// Unix seconds at the fork (LASTSAVE after a successful save).
    fork_secs: u64,
    /// A rewrite whose file replaces the live log when it is done.
    switch: bool,
}

/// Persistence state shared by the server.
#[derive(Debug)]
pub struct Persist {
    pub aof: Aof,
    child: Mutex<Option<Child>>,
    pub rewrite_scheduled: AtomicBool,
    /// `BGSAVE SCHEDULE` during a rewrite: save once it ends.
    pub bgsave_scheduled: AtomicBool,
    pub last_bgsave_ok: AtomicBool,
    /// Seconds the last background save took (`u64::MAX`: none yet).
    pub last_bgsave_secs: AtomicU64,
    /// Unix ms of the last background save attempt (retry delay after a failure).
    last_bgsave_try_ms: AtomicU64,
    pub latest_fork_usec: AtomicU64,
}

impl Default for Persist {
    fn default() -> Self {
        Persist {
            aof: Aof::default(),
            child: Mutex::new(None),
            rewrite_scheduled: AtomicBool::new(false),
            bgsave_scheduled: AtomicBool::new(false),
            last_bgsave_ok: AtomicBool::new(true),
            last_bgsave_secs: AtomicU64::new(u64::MAX),
            last_bgsave_try_ms: AtomicU64::new(0),
            latest_fork_usec: AtomicU64::new(0),
        }
    }
}

/// Why a background job did not start.
#[derive(Debug)]
pub enum BgError {
    Busy(Job),
    Fork(io::Error),
}

impl Persist {
    /// The running background job and how long it has run.
    pub fn child(&self) -> Option<(Job, Duration)> {
        self.child.lock().as_ref().map(|c| (c.job, c.started.elapsed()))
    }

    /// Forks a child that writes the snapshot. The caller holds the keyspace.
    pub fn bgsave(&self, server: &dyn Host, keyspace: &Keyspace) -> Result<(), BgError> {
        let mut child = self.child.lock();
        if let Some(c) = child.as_ref() {
            return Err(BgError::Busy(c.job));
        }
        let path = server.settings().dump_path;
        let now = server.now_ms();
        self.last_bgsave_try_ms.store(now, Ordering::Relaxed);
        let dirty_at_fork = server.dirty().load(Ordering::Relaxed);
        let started = Instant::now();
        let pid =
            fork(|| snapshot::write_atomically_with(&path, |out| snapshot::write_json(keyspace, now, out)))
                .map_err(|e| {
                self.last_bgsave_ok.store(false, Ordering::Relaxed);
                BgError::Fork(e)
            })?;
        self.latest_fork_usec.store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        info!(pid, "background saving started");
        *child = Some(Child {
            job: Job::Save,
            pid,
            started,
            temp: snapshot::temp_path(&path, pid as u32),
            dirty_at_fork,
            fork_secs: now / 1000,
            switch: false,
        });
        Ok(())
    }

    /// Forks a child that writes the compacted log; records appended from
    /// now on are kept for the new file, which replaces the live one when
    /// the child is done. The caller holds the keyspace.
    ///
    /// With the log off, `enable` turns it on (`CONFIG SET appendonly yes`;
    /// if a save is running, the rewrite is scheduled after it); without
    /// `enable` the child just writes the file (`BGREWRITEAOF` with
    /// `appendonly no`).
    pub fn bgrewrite(&self, server: &dyn Host, keyspace: &Keyspace, enable: bool) -> Result<(), BgError> {
        let mut child = self.child.lock();
        let Settings { dir, aof_path: path, .. } = server.settings();
        let switch = self.aof.on() || enable;
        if enable && !self.aof.on() {
            self.aof.start_without_file(&path);
            if child.is_some() {
                self.rewrite_scheduled.store(true, Ordering::Relaxed);
                return Ok(());
            }
        }
        if let Some(c) = child.as_ref() {
            return Err(BgError::Busy(c.job));
        }
        if switch {
            self.aof.begin_rewrite();
        }
        let started = Instant::now();
        *self.aof.rewrite_started.lock() = Some(started);
        let result = fork(|| {
            if !switch {
                return aof::create(&path, keyspace);
            }
            let temp = rewrite_temp(&dir, std::process::id() as i32);
            let mut out = io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&temp)?);
            aof::write_dataset(keyspace, &mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        });
        let pid = match result {
            Ok(pid) => pid,
            Err(e) => {
                if switch {
                    self.aof.rewrite_exited(false, PathBuf::new());
                }
                return Err(BgError::Fork(e));
            }
        };
        self.latest_fork_usec.store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.rewrite_scheduled.store(false, Ordering::Relaxed);
        info!(pid, "background append only file rewriting started");
        *child = Some(Child {
            job: Job::Rewrite,
            pid,
            started,
            temp: if switch { rewrite_temp(&dir, pid) } else { aof::create_temp(&path, pid) },
            dirty_at_fork: 0,
            fork_secs: 0,
            switch,
        });
        Ok(())
    }

    /// Reaps a finished child (called by the cron; `block` waits for it).
    pub fn reap(&self, server: &dyn Host, block: bool) {
        let mut guard = self.child.lock();
        let Some(child) = guard.as_ref() else { return };
        let mut status = 0;
        let flags = if block { 0 } else { libc::WNOHANG };
        // SAFETY: waitpid on our own child's pid with a valid status pointer.
        let got = unsafe { libc::waitpid(child.pid, &mut status, flags) };
        if got == 0 {
            return;
        }
        let ok = got == child.pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
        let child = guard.take().expect("checked above");
        drop(guard);
        match child.job {
            Job::Save => {
                self.last_bgsave_secs.store(child.started.elapsed().as_secs(), Ordering::Relaxed);
                self.last_bgsave_ok.store(ok, Ordering::Relaxed);
                if ok {
                    let _ = server.dirty().fetch_update(Ordering::Relaxed, Ordering::Relaxed, |d| {
                        Some(d.saturating_sub(child.dirty_at_fork))
                    });
                    server.last_save().store(child.fork_secs, Ordering::Relaxed);
                    info!("background saving terminated with success");
                } else {
                    let _ = std::fs::remove_file(&child.temp);
                    warn!(status, "background saving failed");
                }
            }
            Job::Rewrite if child.switch => self.aof.rewrite_exited(ok, child.temp),
            Job::Rewrite => {
                if !ok {
                    let _ = std::fs::remove_file(&child.temp);
                }
                self.aof.last_rewrite_ok.store(ok, Ordering::Relaxed);
                self.aof.last_rewrite_secs.store(child.started.elapsed().as_secs(), Ordering::Relaxed);
            }
        }
    }

    /// Stops a running child and removes its temp file (SHUTDOWN,
    /// `CONFIG SET appendonly no`).
    pub fn kill_child(&self, server: &dyn Host) {
        let pid = self.child.lock().as_ref().map(|c| c.pid);
        if let Some(pid) = pid {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            self.reap(server, true);
        }
    }

    /// The server cron (ten times a second): reaps children, runs the
    /// `save` rules, scheduled and automatic rewrites.
    pub fn cron(&self, server: &dyn Host) {
        self.reap(server, false);
        if self.child.lock().is_some() {
            return;
        }
        let now = server.now_ms();
        let Settings {
            save_rules: rules,
            auto_aof_rewrite_percentage: pct,
            auto_aof_rewrite_min_size: min_size,
            ..
        } = server.settings();
        let dirty = server.dirty().load(Ordering::Relaxed);
        let since_save = (now / 1000).saturating_sub(server.last_save().load(Ordering::Relaxed));
        // After a failed background save, wait 5 seconds before retrying (as Redis).
        let may_retry = self.last_bgsave_ok.load(Ordering::Relaxed)
            || now.saturating_sub(self.last_bgsave_try_ms.load(Ordering::Relaxed)) >= 5_000;
        let scheduled = self.bgsave_scheduled.swap(false, Ordering::Relaxed);
        if scheduled
            || (may_retry && rules.iter().any(|&(secs, changes)| dirty >= changes && since_save >= secs))
        {
            let keyspace = server.store().lock_all();
            info!(dirty, "save rule met or save scheduled: background saving");
            if let Err(e) = self.bgsave(server, &keyspace) {
                warn!(error = ?e, "automatic background save failed to start");
            }
            return;
        }
        let rewriting = self.aof.rewriting.load(Ordering::Relaxed);
        let auto = self.aof.on() && !rewriting && pct > 0 && {
            let (size, base) = self.aof.sizes();
            size >= min_size && size.saturating_sub(base) * 100 >= base.max(1) * pct
        };
        let scheduled = self.rewrite_scheduled.load(Ordering::Relaxed);
        if !rewriting && (auto || scheduled) {
            let keyspace = server.store().lock_all();
            if auto {
                info!("starting automatic rewriting of the append only file");
            }
            if let Err(e) = self.bgrewrite(server, &keyspace, false) {
                warn!(error = ?e, "AOF rewrite failed to start");
            }
        }
    }
}

/// Before the process exits: stops a running child, saves the snapshot
/// when `save`, and writes and fsyncs what the log has buffered.
pub fn prepare_shutdown(server: &dyn Host, keyspace: &Keyspace, save: bool) -> io::Result<()> {
    server.persist().kill_child(server);
    let saved = if save { self::save(server, keyspace) } else { Ok(()) };
    if server.persist().aof.on() {
        server.persist().aof.flush_and_sync();
    }
    saved
}

/// Writes the snapshot now (`SAVE`, shutdown); the caller holds the keyspace.
pub fn save(server: &dyn Host, keyspace: &Keyspace) -> io::Result<()> {
    let now = server.now_ms();
    let path = server.settings().dump_path;
    match snapshot::write_atomically_with(&path, |out| snapshot::write_json(keyspace, now, out)) {
        Ok(()) => {
            server.dirty().store(0, Ordering::Relaxed);
            server.last_save().store(now / 1000, Ordering::Relaxed);
            info!(path = %path.display(), "DB saved on disk");
            Ok(())
        }
        Err(e) => {
            warn!(path = %path.display(), error = %e, "saving the snapshot failed");
            Err(e)
        }
    }
}

/// Removes temp files a crashed save or rewrite left in `dir` (those whose
/// writing process is gone).
pub fn remove_stale_temp_files(dir: &Path, dbfilename: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let dump_prefix = format!(".{dbfilename}.tmp-");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = if let Some(rest) = name.strip_prefix(&dump_prefix) {
            rest
        } else if let Some(rest) = name.strip_prefix("temp-rewriteaof-") {
            rest.trim_start_matches("bg-").trim_end_matches(".aof")
        } else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && !process_alive(pid) {
            info!(file = %name, "removing a temp file left by an interrupted save or rewrite");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether `pid` is a running (not zombie) process.
fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

fn rewrite_temp(dir: &Path, pid: i32) -> PathBuf {
    dir.join(format!("temp-rewriteaof-bg-{pid}.aof"))
}

/// Forks; the child runs `body` and exits (0 on success). The child dies
/// with the parent, so a `kill -9` of the server leaves no writer behind.
fn fork(body: impl FnOnce() -> io::Result<()>) -> io::Result<i32> {
    // SAFETY: the child only reads memory that was consistent at the fork
    // (the caller holds the keyspace lock), allocates (glibc's malloc is
    // fork-safe), does file I/O, and leaves with _exit without running
    // destructors or touching locks other threads may have held.
    let parent = std::process::id() as i32;
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                // The parent died before the line above took effect.
                libc::_exit(1);
            }
            // Serving clients comes first: on a shared core, the server's
            // threads win over the child's serializing.
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).is_ok_and(|r| r.is_ok());
            libc::_exit(if ok { 0 } else { 1 })
        },
        pid => Ok(pid),
    }
}

/// The dispatcher's hook, called only while the log is on, with the
/// command's shards still locked: appends what the command did (see
/// [`aof::State::append_effects`]); `logged`: the command's own records
/// too. Returns the log offset the reply must wait for (0: none).
pub fn log_effects(aof: &Aof, effects: &Effects, logged: bool, db: usize, argv: Argv<'_>) -> u64 {
    let mut st = aof.state.lock();
    let before = st.appended;
    st.append_effects(effects, logged, db, argv);
    let (appended, wait) = (st.appended != before, if logged { st.appended } else { 0 });
    drop(st);
    if appended {
        aof.notify();
    }
    wait
}

/// Logs a key eviction deleted, as `DEL`, while its shard is still held
/// (a write to the key after it is then logged after the `DEL`).
pub fn log_eviction(aof: &Aof, db: usize, key: &[u8]) {
    aof.state.lock().append(db, &[b"DEL", key]);
    aof.notify();
}

/// Logs the keys the active expiry cycle deleted (their shard still held),
/// as `DEL`s.
pub fn log_deletions(aof: &Aof, effects: &Effects) {
    log_effects(aof, effects, false, 0, Argv::Owned(&[]));
}

/// Why the log could not be loaded at start-up.
#[derive(Debug)]
pub enum LoadError {
    Io(io::Error),
    Truncated(u64),
    Corrupt(u64, String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "{e}"),
            LoadError::Truncated(at) => write!(
                f,
                "the append only file is truncated: its last record (at byte offset {at}) is incomplete. \
                 Start with --aof-load-truncated yes to drop it"
            ),
            LoadError::Corrupt(at, why) => {
                write!(f, "the append only file is corrupt at byte offset {at}: {why}")
            }
        }
    }
}

/// Reads the log at `path` record by record for a replay at start-up: `apply`
/// gets each record's arguments and byte offset, and may stop the reading
/// with an error. A cut-off last record is dropped (and the file truncated
/// to its valid length) when `truncated_ok`. A transaction the file ends
/// inside (`MULTI` without its `EXEC`: the replay queued its records and
/// never ran them) is a cut-off end too, from its `MULTI` on. Returns the
/// number of records.
pub fn read_log(
    path: &Path,
    truncated_ok: bool,
    mut apply: impl FnMut(&[Vec<u8>], u64) -> Result<(), LoadError>,
) -> Result<usize, LoadError> {
    let data = std::fs::read(path).map_err(LoadError::Io)?;
    let (mut pos, mut count) = (0, 0);
    // TRANSACTIONS: where the transaction under way started.
    let mut open_multi: Option<u64> = None;
    // Record by record: the log is never held twice in memory.
    let torn_at = loop {
        if pos >= data.len() {
            break open_multi;
        }
        let (args, next) = match aof::parse_record(&data, pos) {
            Ok(record) => record,
            Err(aof::ReadError::Corrupt(at, why)) => return Err(LoadError::Corrupt(at, why)),
            Err(aof::ReadError::Truncated(at)) => break Some(open_multi.unwrap_or(at)),
        };
        let offset = pos as u64;
        pos = next;
        count += 1;
        if args[0].eq_ignore_ascii_case(b"multi") {
            open_multi = Some(offset);
        } else if args[0].eq_ignore_ascii_case(b"exec") {
            open_multi = None;
        }
        apply(&args, offset)?;
    };
    let Some(at) = torn_at else { return Ok(count) };
    if !truncated_ok {
        return Err(LoadError::Truncated(at));
    }
    warn!(
        path = %path.display(),
        offset = at,
        dropped_bytes = data.len() as u64 - at,
        "the append only file ends with an incomplete record or transaction (a crash mid-write?): dropping it"
    );
    let file = std::fs::OpenOptions::new().write(true).open(path).map_err(LoadError::Io)?;
    file.set_len(at).and_then(|_| file.sync_all()).map_err(LoadError::Io)?;
    Ok(count)
}

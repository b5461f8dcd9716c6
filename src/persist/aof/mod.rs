//! The append-only file: the RESP form of every write as it was applied.
//!
//! Records are appended to an in-memory buffer by the dispatcher while it
//! still holds the keyspace lock, so the log's order is the order writes
//! were applied. A writer thread takes everything buffered at once, writes
//! it, and (with `appendfsync always`) fsyncs it before publishing the new
//! durable offset: one fsync covers every record that was ready (group
//! commit). A connection sends the replies of a batch only once the offset
//! of its last write is published, so with `always` a reply means the write
//! is on disk, and with `everysec`/`no` it is at least in the kernel (a
//! `kill -9` loses nothing; a power cut loses up to a second, or what the OS
//! had not written).
//!
//! Here: the appenders' side and the switches on and off; the writer and
//! fsync threads in [`writer`], the rewrite's switch-over and the dataset
//! dump in [`rewrite`], reading a log back in [`reader`].

mod reader;
mod rewrite;
mod writer;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};
use tokio::sync::oneshot;
use tracing::error;

use crate::protocol::parse::Argv;
use crate::protocol::{encode_bulk, encode_command, encode_header};
use crate::store::effects::{Deletion, Effects, Propagation};

pub use reader::{parse, parse_record, ReadError, Record};
pub use rewrite::{create, create_temp, write_dataset};

/// `appendfsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    Always = 0,
    Everysec = 1,
    No = 2,
}

impl Fsync {
    pub fn parse(text: &str) -> Option<Fsync> {
        match text.to_ascii_lowercase().as_str() {
            "always" => Some(Fsync::Always),
            "everysec" => Some(Fsync::Everysec),
            "no" => Some(Fsync::No),
            _ => None,
        }
    }

    fn from_u8(n: u8) -> Fsync {
        match n {
            0 => Fsync::Always,
            1 => Fsync::Everysec,
            _ => Fsync::No,
        }
    }
}

/// What appenders share with the writer thread.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Encoded records the writer has not taken yet.
    pub buf: Vec<u8>,
    /// Bytes ever appended (a logical offset, not the file size).
    pub appended: u64,
    /// The database the log is in after its last record (`None`: unknown,
    /// the next record starts with `SELECT`).
    pub db: Option<usize>,
    /// While a rewrite runs: every record appended since its fork.
    pub rewrite: Option<Vec<u8>>,
    /// Set when the rewrite child exited: (success, temp file).
    pub rewrite_done: Option<(bool, PathBuf)>,
    pub stop: bool,
}

impl State {
    /// Starts a record in database `db`: a `SELECT` first when the log is
    /// in another one. Returns where the record starts in `buf`.
    fn select(&mut self, db: usize) -> usize {
        let start = self.buf.len();
        if self.db != Some(db) {
            encode(&mut self.buf, &[b"SELECT", itoa::Buffer::new().format(db).as_bytes()]);
            self.db = Some(db);
        }
        start
    }

    /// Appends one command in database `db`.
    pub fn append(&mut self, db: usize, parts: &[&[u8]]) {
        let start = self.select(db);
        encode(&mut self.buf, parts);
        self.finish_append(start);
    }

    /// Appends a request as the client sent it.
    pub fn append_argv(&mut self, db: usize, argv: Argv<'_>) {
        let start = self.select(db);
        encode_header(&mut self.buf, b'*', argv.len());
        for arg in argv.iter() {
            encode_bulk(&mut self.buf, arg);
        }
        self.finish_append(start);
    }

    /// Appends encoded records, in database `db`, or (`None`) carrying
    /// their own `SELECT`s.
    pub fn append_encoded(&mut self, db: Option<usize>, records: &[u8]) {
        let start = match db {
            Some(db) => self.select(db),
            None => {
                self.db = None;
                self.buf.len()
            }
        };
        self.buf.extend_from_slice(records);
        self.finish_append(start);
    }

    /// Appends what a command did (see [`crate::store::effects`]): a `DEL`
    /// for each key expiry or eviction deleted (so a replay never depends
    /// on the clock or on memory), then, when `logged`, the command's
    /// records: `argv` as received in database `db`, or the records it gave
    /// instead.
    pub fn append_effects(&mut self, effects: &Effects, logged: bool, db: usize, argv: Argv<'_>) {
        // Evictions were logged as they happened (see `log_eviction`).
        for (index, _, key) in effects.deleted_keys().filter(|&(_, why, _)| why == Deletion::Expired) {
            self.append(index as usize, &[b"DEL", key]);
        }
        if !logged {
            return;
        }
        match effects.propagation() {
            Propagation::AsReceived => self.append_argv(db, argv),
            Propagation::Nothing => {}
            Propagation::Rewritten => {
                for (index, record) in effects.records() {
                    self.append_encoded(index.map(|i| i as usize), record);
                }
            }
        }
    }

    fn finish_append(&mut self, start: usize) {
        let added = &self.buf[start..];
        if let Some(rewrite) = &mut self.rewrite {
            rewrite.extend_from_slice(added);
        }
        self.appended += added.len() as u64;
    }
}

/// One RESP array of bulk strings.
pub fn encode(out: &mut Vec<u8>, parts: &[&[u8]]) {
    encode_command(out, parts);
}

/// The file side, touched only by the writer thread, the fsync thread and
/// the (rare) switches on and off.
#[derive(Debug, Default)]
struct Io {
    file: Option<Arc<File>>,
    /// Bytes in the live file.
    size: u64,
    /// Its size after the last rewrite (for the automatic rewrite).
    base_size: u64,
    /// Written but not yet fsynced.
    unsynced: bool,
}

#[derive(Debug)]
pub struct Aof {
    on: AtomicBool,
    policy: AtomicU8,
    pub(crate) state: Mutex<State>,
    wake: Condvar,
    io: Mutex<Io>,
    /// Offset written (and fsynced under `always`): replies wait for it.
    done: AtomicU64,
    /// Connections waiting for an offset, each woken only once it is reached.
    waiters: Mutex<Vec<(u64, oneshot::Sender<()>)>>,
    pub last_write_ok: AtomicBool,
    pub last_rewrite_ok: AtomicBool,
    /// Seconds the last rewrite took (-1: none yet).
    pub last_rewrite_secs: AtomicU64,
    /// A rewrite (child or switch) is under way.
    pub rewriting: AtomicBool,
    /// When the current rewrite started.
    pub(crate) rewrite_started: Mutex<Option<Instant>>,
    path: Mutex<PathBuf>,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            on: AtomicBool::new(false),
            policy: AtomicU8::new(Fsync::Everysec as u8),
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            io: Mutex::new(Io::default()),
            done: AtomicU64::new(0),
            waiters: Mutex::new(Vec::new()),
            rewrite_started: Mutex::new(None),
            last_write_ok: AtomicBool::new(true),
            last_rewrite_ok: AtomicBool::new(true),
            last_rewrite_secs: AtomicU64::new(u64::MAX),
            rewriting: AtomicBool::new(false),
            path: Mutex::new(PathBuf::new()),
        }
    }
}

impl Aof {
    /// Whether writes are being logged (one relaxed load: the hot-path check).
    #[inline]
    pub fn on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    pub fn policy(&self) -> Fsync {
        Fsync::from_u8(self.policy.load(Ordering::Relaxed))
    }

    pub fn set_policy(&self, policy: Fsync) {
        self.policy.store(policy as u8, Ordering::Relaxed);
    }

    /// Wakes the writer after records were appended.
    pub(crate) fn notify(&self) {
        self.wake.notify_one();
    }

    /// Bytes the log holds in memory (`MEMORY STATS` `aof.buffer`): records
    /// not yet written, and those kept for a rewrite under way.
    pub fn buffered_bytes(&self) -> usize {
        let state = self.state.lock();
        state.buf.capacity() + state.rewrite.as_ref().map_or(0, Vec::capacity)
    }

    /// (current size, size after the last rewrite) of the live file.
    pub fn sizes(&self) -> (u64, u64) {
        let io = self.io.lock();
        (io.size, io.base_size)
    }

    /// Resolves once everything up to `offset` is written (and fsynced
    /// under `always`).
    pub async fn wait(&self, offset: u64) {
        if self.done.load(Ordering::Acquire) >= offset {
            return;
        }
        let (tx, rx) = oneshot::channel();
        {
            let mut waiters = self.waiters.lock();
            // Checked again under the lock `wake_waiters_up_to` takes after it moves
            // `done`: no wake-up can be missed.
            if self.done.load(Ordering::Acquire) >= offset {
                return;
            }
            waiters.push((offset, tx));
        }
        let _ = rx.await;
    }

    /// Everything up to `upto` is durable: wakes exactly the connections
    /// waiting for it (not every waiter on every round).
    fn wake_waiters_up_to(&self, upto: u64) {
        self.done.fetch_max(upto, Ordering::AcqRel);
        let mut waiters = self.waiters.lock();
        let mut i = 0;
        while i < waiters.len() {
            if waiters[i].0 <= upto {
                let (_, tx) = waiters.swap_remove(i);
                let _ = tx.send(());
            } else {
                i += 1;
            }
        }
    }

    /// Starts logging to an existing, valid file at `path` (start-up).
    pub fn open(&self, path: &Path) -> io::Result<()> {
        let file = OpenOptions::new().append(true).open(path)?;
        let size = file.metadata()?.len();
        *self.io.lock() = Io { file: Some(Arc::new(file)), size, base_size: size, unsynced: false };
        *self.path.lock() = path.to_path_buf();
        self.state.lock().db = None;
        self.on.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Turns logging on with no file yet (`CONFIG SET appendonly yes`): the
    /// rewrite that follows (now, or once a running save ends) creates it
    /// from a snapshot that includes every write until its fork.
    pub(crate) fn start_without_file(&self, path: &Path) {
        *self.path.lock() = path.to_path_buf();
        self.state.lock().db = None;
        self.on.store(true, Ordering::Relaxed);
    }

    /// Begins a rewrite: from now on records are also kept for the new
    /// file. The caller holds the keyspace lock and forks right after.
    pub(crate) fn begin_rewrite(&self) {
        let mut st = self.state.lock();
        st.db = None;
        st.rewrite = Some(Vec::new());
        self.rewriting.store(true, Ordering::Relaxed);
    }

    /// The rewrite child exited; the writer thread finishes the switch.
    pub(crate) fn rewrite_exited(&self, ok: bool, temp: PathBuf) {
        self.state.lock().rewrite_done = Some((ok, temp));
        self.wake.notify_one();
    }

    /// Stops logging (`CONFIG SET appendonly no`): flushes and fsyncs what
    /// is buffered, closes the file.
    pub fn turn_off(&self) {
        self.on.store(false, Ordering::Relaxed);
        self.flush_and_sync();
        let mut io = self.io.lock();
        io.file = None;
        let mut st = self.state.lock();
        st.rewrite = None;
        st.buf.clear();
        self.rewriting.store(false, Ordering::Relaxed);
        self.wake_waiters_up_to(st.appended);
    }

    /// Writes and fsyncs everything buffered (clean shutdown).
    pub fn flush_and_sync(&self) {
        let mut io = self.io.lock();
        let (chunk, upto) = {
            let mut st = self.state.lock();
            (std::mem::take(&mut st.buf), st.appended)
        };
        if let Some(file) = io.file.clone() {
            if let Err(e) = (&*file).write_all(&chunk).and_then(|_| file.sync_data()) {
                error!(error = %e, "writing the append-only file failed");
            }
            io.size += chunk.len() as u64;
            io.unsynced = false;
        }
        self.wake_waiters_up_to(upto);
    }

    /// Stops the threads (they exit at their next wake-up).
    pub fn stop(&self) {
        self.state.lock().stop = true;
        self.wake.notify_all();
    }
}

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

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use tokio::sync::oneshot;
use tracing::{error, info, warn};

use crate::protocol::parse::{parse_i64, Argv};
use crate::protocol::{encode_bulk, encode_command, encode_header};
use crate::store::effects::{Deletion, Effects, Propagation};
use crate::store::{Keyspace, Value};

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
            // Checked again under the lock `publish` takes after it moves
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

    /// The writer thread: group commit. It takes the buffer while holding
    /// the file, so whoever writes (it, or a shutdown flush) writes records
    /// in order.
    pub(crate) fn writer_loop(&self) {
        let mut spare = Vec::new();
        loop {
            {
                let mut st = self.state.lock();
                while st.buf.is_empty() && st.rewrite_done.is_none() && !st.stop {
                    self.wake.wait(&mut st);
                }
                if st.stop {
                    return;
                }
                if let Some((ok, temp)) = st.rewrite_done.take() {
                    drop(st);
                    self.finish_rewrite(ok, &temp);
                    continue;
                }
            }
            if self.policy() == Fsync::Always {
                // Let the connections that are running finish their batch
                // first: more records per fsync.
                std::thread::yield_now();
            }
            let mut io = self.io.lock();
            let upto = {
                let mut st = self.state.lock();
                std::mem::swap(&mut st.buf, &mut spare);
                st.appended
            };
            self.write_chunk(&mut io, &spare, upto);
            spare.clear();
            if spare.capacity() > 1 << 20 {
                spare = Vec::new();
            }
        }
    }

    fn write_chunk(&self, io: &mut parking_lot::MutexGuard<'_, Io>, chunk: &[u8], upto: u64) {
        let Some(file) = io.file.clone() else {
            // No file yet (the first rewrite is running): the records are in
            // the rewrite buffer, and nothing durable is promised until then.
            self.wake_waiters_up_to(upto);
            return;
        };
        let always = self.policy() == Fsync::Always;
        loop {
            let result =
                (&*file).write_all(chunk).and_then(|_| if always { file.sync_data() } else { Ok(()) });
            match result {
                Ok(()) => break,
                Err(e) if always => {
                    // As Redis: the reply to a write means it is on disk; if it
                    // cannot be, stop rather than acknowledge.
                    error!(error = %e, "can't write or fsync the append-only file with appendfsync always: exiting");
                    eprintln!("miniredis: can't write or fsync the append-only file: {e}");
                    std::process::exit(1);
                }
                Err(e) => {
                    if self.last_write_ok.swap(false, Ordering::Relaxed) {
                        error!(error = %e, "writing the append-only file failed; retrying");
                    }
                    // Drop any partial record, then retry.
                    let _ = file.set_len(io.size);
                    parking_lot::MutexGuard::unlocked(io, || std::thread::sleep(Duration::from_millis(100)));
                    if io.file.is_none() {
                        return;
                    }
                }
            }
        }
        if !self.last_write_ok.swap(true, Ordering::Relaxed) {
            info!("writing the append-only file works again");
        }
        io.size += chunk.len() as u64;
        io.unsynced = !always;
        self.wake_waiters_up_to(upto);
    }

    /// `everysec`: fsyncs once a second in its own thread, so writes never
    /// wait for it.
    pub(crate) fn fsync_loop(&self) {
        loop {
            // A second in tenths, so a stop is seen within 100 ms.
            for _ in 0..10 {
                std::thread::sleep(Duration::from_millis(100));
                if self.state.lock().stop {
                    return;
                }
            }
            if self.policy() != Fsync::Everysec {
                continue;
            }
            let file = {
                let mut io = self.io.lock();
                if !io.unsynced {
                    continue;
                }
                io.unsynced = false;
                io.file.clone()
            };
            if let Some(file) = file {
                if let Err(e) = file.sync_data() {
                    warn!(error = %e, "fsync of the append-only file failed");
                }
            }
        }
    }

    /// Switches to the rewritten file: appends the records kept since the
    /// fork, fsyncs, renames it over the live file (atomic), fsyncs the
    /// directory. Appenders are blocked only while the last small tail of
    /// records is written.
    fn finish_rewrite(&self, ok: bool, temp: &Path) {
        let started = self.rewrite_started();
        let path = self.path.lock().clone();
        let result =
            if ok { self.switch_to(temp, &path) } else { Err(io::Error::other("the rewrite child failed")) };
        match result {
            Ok(()) => {
                self.last_rewrite_ok.store(true, Ordering::Relaxed);
                info!(path = %path.display(), "background AOF rewrite finished successfully");
            }
            Err(e) => {
                let _ = fs::remove_file(temp);
                let mut st = self.state.lock();
                st.rewrite = None;
                self.last_rewrite_ok.store(false, Ordering::Relaxed);
                warn!(error = %e, "background AOF rewrite failed");
                // A log switched on at run time has no file to fall back on.
                if self.io.lock().file.is_none() {
                    self.on.store(false, Ordering::Relaxed);
                    self.wake_waiters_up_to(st.appended);
                }
            }
        }
        self.last_rewrite_secs.store(started.elapsed().as_secs(), Ordering::Relaxed);
        self.rewriting.store(false, Ordering::Relaxed);
    }

    fn rewrite_started(&self) -> Instant {
        self.rewrite_started.lock().unwrap_or_else(Instant::now)
    }

    fn switch_to(&self, temp: &Path, path: &Path) -> io::Result<()> {
        let file = OpenOptions::new().append(true).open(temp)?;
        let mut out = &file;
        // Catch up without blocking appenders while the backlog is large.
        loop {
            let chunk = {
                let mut st = self.state.lock();
                let rewrite = st.rewrite.as_mut().ok_or_else(|| io::Error::other("rewrite cancelled"))?;
                if rewrite.len() < 64 * 1024 {
                    break;
                }
                std::mem::take(rewrite)
            };
            out.write_all(&chunk)?;
        }
        // The tail, with appenders held off: from here on new records go
        // only to the normal buffer, and the buffer's pending records are
        // all either in the child's snapshot or in the rewrite buffer.
        let upto = {
            let mut st = self.state.lock();
            let tail = st.rewrite.take().unwrap_or_default();
            out.write_all(&tail)?;
            st.buf.clear();
            st.appended
        };
        file.sync_all()?;
        fs::rename(temp, path)?;
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        File::open(dir)?.sync_all()?;
        let size = file.metadata()?.len();
        *self.io.lock() = Io { file: Some(Arc::new(file)), size, base_size: size, unsynced: false };
        self.wake_waiters_up_to(upto);
        Ok(())
    }
}

/// The commands that rebuild `keyspace`: per non-empty database a `SELECT`,
/// then `SET`/`HSET` per key and `PEXPIREAT` for deadlines.
pub fn write_dataset(keyspace: &Keyspace, out: &mut impl Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    for index in 0..keyspace.databases() {
        let mut entries = keyspace.entries(index).peekable();
        if entries.peek().is_none() {
            continue;
        }
        encode(&mut buf, &[b"SELECT", itoa::Buffer::new().format(index).as_bytes()]);
        for (key, value, deadline) in entries {
            match value {
                Value::String(s) => encode(&mut buf, &[b"SET", key, s]),
                Value::Hash(h) => {
                    let fields: Vec<(&[u8], &[u8])> = h.iter().collect();
                    for chunk in fields.chunks(64) {
                        encode_header(&mut buf, b'*', 2 + chunk.len() * 2);
                        encode_bulk(&mut buf, b"HSET");
                        encode_bulk(&mut buf, key);
                        for (f, v) in chunk {
                            encode_bulk(&mut buf, f);
                            encode_bulk(&mut buf, v);
                        }
                    }
                }
            }
            if let Some(deadline) = deadline {
                encode(&mut buf, &[b"PEXPIREAT", key, itoa::Buffer::new().format(deadline).as_bytes()]);
            }
            if buf.len() >= 60 * 1024 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)
}

/// The temp file [`create`] uses in process `pid`.
pub fn create_temp(path: &Path, pid: i32) -> PathBuf {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    dir.join(format!("temp-rewriteaof-{pid}.aof"))
}

/// Writes a complete log of `keyspace` to `path` atomically (start-up with
/// `appendonly yes` and no log yet).
pub fn create(path: &Path, keyspace: &Keyspace) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temp = create_temp(path, std::process::id() as i32);
    let result = (|| {
        let mut out = BufWriter::new(File::create(&temp)?);
        write_dataset(keyspace, &mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&temp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Why a log could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file ends inside a record starting at this offset.
    Truncated(u64),
    /// Bad bytes at this offset.
    Corrupt(u64, String),
}

/// One record of the log: its byte offset and its arguments.
pub type Record = (u64, Vec<Vec<u8>>);

/// Splits a log into records, and what stopped the reading early, if anything.
pub fn parse(data: &[u8]) -> (Vec<Record>, Option<ReadError>) {
    let mut records = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        match parse_record(data, pos) {
            Ok((args, next)) => {
                records.push((pos as u64, args));
                pos = next;
            }
            Err(e) => return (records, Some(e)),
        }
    }
    (records, None)
}

/// The record at `start`: its arguments and where the next one starts.
pub fn parse_record(data: &[u8], start: usize) -> Result<(Vec<Vec<u8>>, usize), ReadError> {
    let truncated = || ReadError::Truncated(start as u64);
    let line = |pos: usize, kind: u8| -> Result<(usize, usize), ReadError> {
        let Some(end) = memchr::memchr(b'\n', &data[pos..]).map(|i| pos + i) else {
            // Only a valid prefix of a header counts as a cut-off record.
            let rest = &data[pos..];
            let prefix_ok = rest.first().is_none_or(|&b| b == kind)
                && rest.iter().skip(1).all(|b| b.is_ascii_digit() || *b == b'\r');
            return Err(if prefix_ok {
                truncated()
            } else {
                ReadError::Corrupt(pos as u64, "bad header".into())
            });
        };
        let text = &data[pos..end];
        let bad = || ReadError::Corrupt(pos as u64, format!("expected '{}' header", kind as char));
        if text.len() < 3 || text[0] != kind || text[text.len() - 1] != b'\r' {
            return Err(bad());
        }
        let n = parse_i64(&text[1..text.len() - 1]).filter(|&n| n >= 0).ok_or_else(bad)?;
        Ok((n as usize, end + 1))
    };
    let (count, mut pos) = line(start, b'*')?;
    if count == 0 {
        return Err(ReadError::Corrupt(start as u64, "empty command".into()));
    }
    let mut args = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        if pos >= data.len() {
            return Err(truncated());
        }
        let (len, body) = line(pos, b'$')?;
        let end = body.checked_add(len).ok_or_else(truncated)?;
        if end + 2 > data.len() {
            // A cut inside the payload; bytes present after it must still fit.
            return Err(truncated());
        }
        if &data[end..end + 2] != b"\r\n" {
            return Err(ReadError::Corrupt(end as u64, "bulk string not followed by CRLF".into()));
        }
        args.push(data[body..end].to_vec());
        pos = end + 2;
    }
    Ok((args, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_and_tells_torn_from_corrupt() {
        let mut log = Vec::new();
        encode(&mut log, &[b"SET", b"k", b"v"]);
        let first = log.len();
        encode(&mut log, &[b"INCR", b"n"]);
        let (records, problem) = parse(&log);
        assert_eq!(records.len(), 2);
        assert!(problem.is_none());
        for cut in 1..log.len() - 1 {
            let (records, problem) = parse(&log[..cut]);
            if cut == first {
                assert_eq!(records.len(), 1);
                assert!(problem.is_none());
                continue;
            }
            assert!(matches!(problem, Some(ReadError::Truncated(_))), "cut at {cut}: {problem:?}");
            assert_eq!(records.len(), usize::from(cut > first));
        }
        let mut bad = log.clone();
        bad[first + 5] = b'x'; // the second record's first '$'
        assert!(
            matches!(parse(&bad).1, Some(ReadError::Corrupt(at, _)) if at == first as u64 + 4),
            "{:?}",
            parse(&bad).1
        );
    }
}

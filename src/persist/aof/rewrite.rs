//! The end of a rewrite (catching up and switching to the new file), and
//! the dataset written as commands (the rewrite child, a new log).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use tracing::{info, warn};

use super::{encode, Aof, Io};
use crate::store::Keyspace;

impl Aof {
    /// Switches to the rewritten file: appends the records kept since the
    /// fork, fsyncs, renames it over the live file (atomic), fsyncs the
    /// directory. Appenders are blocked only while the last small tail of
    /// records is written.
    pub(super) fn finish_rewrite(&self, ok: bool, temp: &Path) {
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

/// The commands that rebuild `keyspace`: `FUNCTION LOAD` per library, per non-empty database a `SELECT`,
/// then `SET`/`HSET` per key and `PEXPIREAT` for deadlines.
pub fn write_dataset(keyspace: &Keyspace, out: &mut impl Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    // The function libraries first, as Redis's rewrite does.
    for code in keyspace.functions() {
        encode(&mut buf, &[b"FUNCTION", b"LOAD", &code]);
    }
    for index in 0..keyspace.databases() {
        let mut entries = keyspace.entries(index).peekable();
        if entries.peek().is_none() {
            continue;
        }
        encode(&mut buf, &[b"SELECT", itoa::Buffer::new().format(index).as_bytes()]);
        for (key, value, deadline) in entries {
            value.rewrite(key, &mut |args| encode(&mut buf, args));
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

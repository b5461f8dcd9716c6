//! The writer thread (group commit) and the `everysec` fsync thread.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing::{error, info, warn};

use super::{Aof, Fsync, Io};

impl Aof {
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
            // A second in tenths, so a stop is seen within 100 ms (at once
            // when the server unparks the thread as it stops).
            for _ in 0..10 {
                std::thread::park_timeout(Duration::from_millis(100));
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
}

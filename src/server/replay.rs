//! Start-up replay of the append-only file, and what persistence sees of
//! the server ([`crate::persist::Host`]). The replay runs each logged
//! record through the dispatcher, which lives above persistence: the
//! persistence layer only reads records from the file.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::persist::{read_log, Host, LoadError, Persist, Settings};
use crate::protocol::parse::Argv;
use crate::protocol::Reply;
use crate::registry::{dispatch, lookup, Context};
use crate::store::Store;

use crate::session::{Session, SessionHandle};
use crate::state::ServerState;

impl Host for ServerState {
    fn store(&self) -> &Store {
        &self.store
    }

    fn persist(&self) -> &Persist {
        &self.persist
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    fn settings(&self) -> Settings {
        let config = self.config.read();
        Settings {
            dir: config.dir.clone(),
            dump_path: config.dump_path(),
            aof_path: config.aof_path(),
            save_rules: config.save_rules(),
            auto_aof_rewrite_percentage: config.auto_aof_rewrite_percentage,
            auto_aof_rewrite_min_size: config.auto_aof_rewrite_min_size,
        }
    }

    fn dirty(&self) -> &AtomicU64 {
        &self.dirty
    }

    fn last_save(&self) -> &AtomicU64 {
        &self.last_save
    }
}

/// Replays the log at `path` into the server's (empty) keyspace. The clock
/// is frozen at 0 while replaying, so no key expires half-way: every
/// deletion by expiry is in the log as a `DEL`. A cut-off last record is
/// dropped when `truncated_ok`. Returns the number of records.
pub fn replay(server: &ServerState, path: &Path, truncated_ok: bool) -> Result<usize, LoadError> {
    let handle = Arc::new(SessionHandle::new(0, "aof".into(), String::new(), -1, 0));
    let mut client = Session::new(handle, crate::acl::UserCell::internal("aof"), true);
    let count = read_log(path, truncated_ok, |args, offset| {
        if lookup(&args[0]).is_none() {
            return Err(LoadError::Corrupt(
                offset,
                format!("unknown command '{}'", String::from_utf8_lossy(&args[0])),
            ));
        }
        let mut ctx = Context::at(server, &mut client, 0);
        let reply = dispatch(&mut ctx, Argv::Owned(args));
        // A write that failed when it was logged fails again the same way
        // (and changes nothing), but a bad SELECT would send every later
        // record to the wrong database, and a malformed record means the
        // file is not what the server wrote.
        if let Reply::Error(e) = reply {
            let select = args[0].eq_ignore_ascii_case(b"select");
            if select || e.text().starts_with("ERR wrong number") || e.text().starts_with("ERR unknown") {
                return Err(LoadError::Corrupt(offset, format!("record failed: {}", e.text())));
            }
        }
        Ok(())
    })?;
    let now = server.clock.now_ms();
    let mut keyspace = server.store.view();
    keyspace.prepare(0, now, true, false);
    keyspace.touch_all();
    server.dirty.store(0, Ordering::Relaxed);
    Ok(count)
}

//! The in-process harness command unit tests use: arguments in, reply out,
//! against an in-memory store with a manual clock (tests never sleep).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::config::Config;
use crate::protocol::parse::{split_inline, Argv};
use crate::protocol::Reply;
use crate::registry::{dispatch, Context};
use crate::session::{Session, SessionHandle};
use crate::state::ServerState;
use crate::store::effects::{Effects, Propagation};
use crate::store::{Clock, Dataset, Keyspace, Shape};

/// The manual clock's starting time: 2023-11-14T22:13:20Z.
pub const START_MS: u64 = 1_700_000_000_000;

pub struct Harness {
    pub shared: Arc<ServerState>,
    pub client: Session,
    pub dir: PathBuf,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// A fresh server state with its own temporary `--dir`.
    pub fn new() -> Harness {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "miniredis-harness-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create harness dir");
        // Keyspace events are recorded (`h.events()`) only while their class
        // is on; `x` stays off, so expired keys are collected only with the
        // append-only file on, as without notifications.
        let all_events = crate::config::keyspace_events::KeyspaceEvents::load_text("KEg$lshz");
        let config = Config { dir: dir.clone(), notify_keyspace_events: all_events, ..Config::default() };
        let data = Dataset::new(Shape::for_threads(config.databases as usize, 2));
        let shared =
            Arc::new(ServerState::new(config, Clock::manual(START_MS), data, crate::registry::catalog()));
        let handle = Arc::new(SessionHandle::new(
            shared.clients.next_id(),
            "127.0.0.1:50000".into(),
            "127.0.0.1:6379".into(),
            8,
            START_MS,
        ));
        shared.clients.register(handle.clone());
        Harness { client: shared.new_session(handle), shared, dir }
    }

    /// Starts a new connection's state (as a client that just connected).
    pub fn reconnect(&mut self) {
        self.client = self.shared.new_session(self.client.handle.clone());
        self.client.handle.info.lock().user = None;
    }

    /// Runs an inline command line (quotes and escapes as in redis-cli).
    pub fn run(&mut self, line: &str) -> Reply {
        let args = split_inline(line.as_bytes()).expect("balanced quotes in test input");
        self.run_args(&args)
    }

    /// Runs a command given as separate (binary) arguments.
    pub fn run_args<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        let owned: Vec<Vec<u8>> = args.iter().map(|a| a.as_ref().to_vec()).collect();
        let reply = {
            let mut ctx = Context::new(&self.shared, &mut self.client);
            dispatch(&mut ctx, Argv::Owned(&owned))
        };
        self.client.tally.flush(&self.shared.metrics);
        reply
    }

    /// Another connection to the same server (a WATCH raced by another
    /// client); run its commands with [`Harness::run_as`].
    pub fn other_client(&self) -> Session {
        let id = self.shared.clients.next_id();
        let handle =
            Arc::new(SessionHandle::new(id, "127.0.0.1:50001".into(), "127.0.0.1:6379".into(), 9, START_MS));
        self.shared.clients.register(handle.clone());
        self.shared.new_session(handle)
    }

    /// Runs an inline command line as `client` (see [`Harness::other_client`]).
    pub fn run_as(&self, client: &mut Session, line: &str) -> Reply {
        let args = split_inline(line.as_bytes()).expect("balanced quotes in test input");
        let mut ctx = Context::new(&self.shared, client);
        dispatch(&mut ctx, Argv::Owned(&args))
    }

    /// The reply as RESP bytes (RESP3 after `HELLO 3`), as a client sees it.
    pub fn wire(&mut self, line: &str) -> String {
        let reply = self.run(line);
        let mut out = Vec::new();
        reply.write_resp(&mut out, self.client.protocol == 3);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Moves the manual clock forward.
    pub fn advance_ms(&self, ms: u64) {
        self.shared.clock.advance(ms);
    }

    /// Runs one active expiry cycle at the current time; keys deleted.
    pub fn expire_cycle(&self) -> usize {
        let now = self.shared.clock.now_ms();
        let mut deleted = 0;
        self.shared.store.for_each_shard(|shard| deleted += shard.active_expire_cycle(now));
        deleted
    }

    /// The text of `INFO <section>`.
    pub fn info(&mut self, section: &str) -> String {
        match self.run(&format!("INFO {section}")) {
            Reply::Bulk(text) | Reply::Verbatim(text) => String::from_utf8_lossy(&text).into_owned(),
            other => panic!("INFO replied {other:?}"),
        }
    }

    /// Waits for the background save or rewrite child and reaps it.
    pub fn wait_for_child(&self) {
        self.shared.persist.reap(&*self.shared, true);
    }

    /// What the last command did.
    pub fn effects(&self) -> &Effects {
        &self.client.effects
    }

    /// The keys the last command modified, as `db:key` (`db:*`: the whole database).
    pub fn modified(&self) -> Vec<String> {
        let text = |key: Option<&[u8]>| key.map_or("*".into(), |k| String::from_utf8_lossy(k).into_owned());
        self.effects().modified_keys().map(|(db, key)| format!("{db}:{}", text(key))).collect()
    }

    /// The last command's keyspace events, as `db:event:key`.
    pub fn events(&self) -> Vec<String> {
        self.effects()
            .events()
            .map(|(e, key)| format!("{}:{}:{}", e.db, e.name, String::from_utf8_lossy(key)))
            .collect()
    }

    /// How the last command is propagated: `None` as received, otherwise
    /// its records as inline commands (none: nothing).
    pub fn propagated(&self) -> Option<Vec<String>> {
        if self.effects().propagation() == Propagation::AsReceived {
            return None;
        }
        let mut lines = Vec::new();
        for (_, bytes) in self.effects().records() {
            let (records, problem) = crate::persist::aof::parse(bytes);
            assert!(problem.is_none(), "{problem:?}");
            for (_, args) in records {
                let words: Vec<String> =
                    args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
                lines.push(words.join(" "));
            }
        }
        Some(lines)
    }

    /// A view of the keyspace (database 0) at the clock's current time.
    pub fn keyspace(&self) -> Keyspace<'_> {
        let mut view = self.shared.store.view();
        view.prepare(0, self.shared.clock.now_ms(), true, false);
        view
    }

    /// Keys stored in database `db`, counting expired ones not yet collected.
    pub fn stored_keys(&self, db: usize) -> usize {
        self.shared.store.view().select(db).len()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The expected [`Harness::propagated`] records.
pub fn logged(lines: &[&str]) -> Option<Vec<String>> {
    Some(lines.iter().map(|l| l.to_string()).collect())
}

/// Shorthands for expected replies in tests.
pub fn bulk(s: &str) -> Reply {
    Reply::bulk(s)
}

/// An error reply with a text built at run time (`err` takes static ones).
pub fn error_reply(text: &str) -> Reply {
    Reply::Error(crate::protocol::ReplyError(text.to_string().into()))
}

pub fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

pub fn err(text: &'static str) -> Reply {
    Reply::error(text)
}

pub fn array(items: &[&str]) -> Reply {
    Reply::bulks(items)
}

/// `reply` as a RESP2 client sees it: doubles become their bulk text.
pub fn flat(reply: Reply) -> Reply {
    match reply {
        Reply::Double(value) => Reply::bulk(crate::protocol::reply::format_double(value)),
        Reply::Array(items) => Reply::Array(items.into_iter().map(flat).collect()),
        other => other,
    }
}

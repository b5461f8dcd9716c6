//! A connection's session: [`Session`] is its state, owned by the connection
//! task and lent to each command; its [`SessionHandle`] is the small part
//! other connections can see (`CLIENT LIST`, `CLIENT KILL`), behind a lock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::acl::UserCell;
use crate::protocol::Reply;
use tokio::sync::Notify;

/// What other connections can see of a client.
#[derive(Debug, Default, Clone)]
pub struct SessionInfo {
    pub name: Vec<u8>,
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
    pub db: usize,
    pub protocol: u8,
    pub last_command: &'static str,
    pub last_active_ms: u64,
    /// `CLIENT NO-EVICT ON` (flag `e` in `CLIENT LIST`).
    pub no_evict: bool,
    /// `CLIENT NO-TOUCH ON` (flag `T` in `CLIENT LIST`).
    pub no_touch: bool,
    /// The authenticated user's name (`user=` in `CLIENT LIST`).
    pub user: Option<Arc<str>>,
    /// A `MONITOR` client (flag `O`).
    pub monitor: bool,
    /// Held by `CLIENT PAUSE`, or blocked by `BLPOP` and friends (flag `b`).
    pub blocked: bool,
    /// Commands queued since `MULTI` (`multi=` in `CLIENT LIST`, flag `x`),
    /// and their argument bytes (`multi-mem`); `None` outside a transaction.
    pub multi: Option<(usize, usize)>,
    /// The connection's buffers at the end of its last batch.
    pub buffers: Buffers,
    /// Pub/sub subscriptions (`sub=`, `psub=`, `ssub=`; flag `P`).
    pub subscriptions: SubscriptionCounts,
}

/// How many channels, patterns and shard channels a client listens to
/// (`state::pubsub` keeps the names).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionCounts {
    pub channels: usize,
    pub patterns: usize,
    pub shard_channels: usize,
}

impl SubscriptionCounts {
    /// Whether the client listens to anything: a RESP2 client is then in
    /// subscribed mode.
    pub fn any(&self) -> bool {
        self.channels + self.patterns + self.shard_channels > 0
    }
}

/// A connection's buffer sizes, as `CLIENT LIST` reports them.
#[derive(Debug, Default, Clone, Copy)]
pub struct Buffers {
    /// Bytes read but not yet parsed (`qbuf`), and room left (`qbuf-free`).
    pub query: usize,
    pub query_free: usize,
    /// Reply bytes not yet written (`obl`/`omem`), and the reply buffer's size (`rbs`).
    pub reply: usize,
    pub reply_capacity: usize,
    /// The running request's argument bytes (`argv-mem`); 0 between requests.
    pub argv_mem: usize,
}

impl SessionInfo {
    /// The `flags=` field of `CLIENT LIST`: `N` when no flag is set.
    fn flags(&self, watch_broken: bool) -> String {
        let mut flags = String::new();
        if self.no_evict {
            flags.push('e');
        }
        if self.no_touch {
            flags.push('T');
        }
        if self.monitor {
            flags.push('O');
        }
        if self.subscriptions.any() {
            flags.push('P');
        }
        if self.multi.is_some() {
            flags.push('x');
        }
        if self.blocked {
            flags.push('b');
        }
        if watch_broken {
            flags.push('d');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        flags
    }
}

#[derive(Debug)]
pub struct SessionHandle {
    pub id: u64,
    pub addr: String,
    pub laddr: String,
    pub fd: i64,
    pub created_ms: u64,
    pub(crate) info: Mutex<SessionInfo>,
    /// The connection waits for the socket to take its replies (`events=w`
    /// in `CLIENT LIST`); it reads (`events=r`) otherwise.
    pub writing: AtomicBool,
    kill: Notify,
}

impl SessionHandle {
    pub fn new(id: u64, addr: String, laddr: String, fd: i64, now_ms: u64) -> SessionHandle {
        let info = SessionInfo { protocol: 2, last_active_ms: now_ms, ..SessionInfo::default() };
        let writing = AtomicBool::new(false);
        SessionHandle {
            id,
            addr,
            laddr,
            fd,
            created_ms: now_ms,
            info: Mutex::new(info),
            writing,
            kill: Notify::new(),
        }
    }

    /// Asks the connection to close (it wakes even if it is idle):
    /// `CLIENT KILL`, and shutdown for every connection. A call before the
    /// connection waits is kept (`notify_one` stores a permit).
    pub fn kill(&self) {
        self.kill.notify_one();
    }

    /// Resolves once [`SessionHandle::kill`] was called. The connection's
    /// only waiter besides its socket: shutdown arrives through it too.
    pub async fn killed(&self) {
        self.kill.notified().await
    }

    /// The client's name (`CLIENT SETNAME`; empty when none).
    pub fn name(&self) -> Vec<u8> {
        self.info.lock().name.clone()
    }

    /// The name of the user the client authenticated as (none: `default`
    /// from the start).
    /// Whether `CLIENT PAUSE` holds the connection or a blocking list
    /// command waits (flag `b`, `blocked_clients`).
    pub fn is_blocked(&self) -> bool {
        self.info.lock().blocked
    }

    /// Marks the connection held by `CLIENT PAUSE` (running `command` once
    /// let go) or waiting in a blocking list command, or let go.
    pub fn set_blocked(&self, blocked: bool, command: Option<&'static str>) {
        let mut info = self.info.lock();
        info.blocked = blocked;
        if let Some(command) = command {
            info.last_command = command;
        }
    }

    pub fn user_name(&self) -> Option<Arc<str>> {
        self.info.lock().user.clone()
    }

    /// One line of `CLIENT LIST` / `CLIENT INFO`, in Redis's field order.
    pub fn info_line(&self, now_ms: u64) -> String {
        self.info_line_watching(now_ms, false)
    }

    /// [`SessionHandle::info_line`] with flag `d` when `watch_broken` (a
    /// watched key changed).
    pub fn info_line_watching(&self, now_ms: u64, watch_broken: bool) -> String {
        let info = self.info.lock();
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} \
             multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll=0 omem={} \
             tot-mem={} events={} cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            lossy(&info.name),
            now_ms.saturating_sub(self.created_ms) / 1000,
            now_ms.saturating_sub(info.last_active_ms) / 1000,
            info.flags(watch_broken),
            info.db,
            info.subscriptions.channels,
            info.subscriptions.patterns,
            info.subscriptions.shard_channels,
            info.multi.map_or(-1, |(queued, _)| queued as i64),
            info.buffers.query,
            info.buffers.query_free,
            info.buffers.argv_mem,
            info.multi.map_or(0, |(_, bytes)| bytes),
            info.buffers.reply_capacity,
            info.buffers.reply_capacity,
            info.buffers.reply,
            info.buffers.reply,
            // The buffers and the connection's own state.
            info.buffers.query
                + info.buffers.query_free
                + info.buffers.reply_capacity
                + std::mem::size_of::<Session>()
                + std::mem::size_of::<SessionHandle>(),
            if self.writing.load(Ordering::Relaxed) { "w" } else { "r" },
            if info.last_command.is_empty() { "NULL" } else { info.last_command },
            info.user.as_deref().unwrap_or("default"),
            info.protocol,
            lossy(&info.lib_name),
            lossy(&info.lib_ver),
        )
    }
}

/// `MIGRATE`: the transfer the command leaves to the connection (commands
/// know no sockets). The connection sends it, records the `outcome`, and
/// runs the command again to finish (delete what moved, reply).
#[derive(Debug, Clone, Default)]
pub struct Migration {
    pub host: String,
    pub port: String,
    pub db: i64,
    pub timeout_ms: u64,
    /// `AUTH`'s arguments (empty: none).
    pub auth: Vec<Vec<u8>>,
    pub replace: bool,
    /// (key, TTL in ms (0: none), `DUMP` payload).
    pub entries: Vec<(Vec<u8>, u64, Vec<u8>)>,
    pub outcome: Option<MigrationOutcome>,
}

/// What the target answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MigrationOutcome {
    /// The first error `AUTH` or `SELECT` got.
    pub preamble_error: Option<String>,
    /// Per entry, in order, as far as they were read: `Err` holds the error text.
    pub replies: Vec<Result<(), String>>,
    /// `connecting`, `writing` or `reading`: where the network failed or timed out.
    pub io_error: Option<&'static str>,
}

/// What a blocking command asks of its connection when every key is empty:
/// wait for a write to one of `keys` (in database `db`) until `deadline_ms`
/// (`None`: forever), then run the command again (as `rerun` when given);
/// on timeout, reply `timeout_reply`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRequest {
    pub db: usize,
    pub keys: Vec<Vec<u8>>,
    pub deadline_ms: Option<u64>,
    pub timeout_reply: Reply,
    /// Whom a write wakes (see [`Wake`]).
    pub wake: Wake,
    /// STREAMS: the arguments to re-run with (`XREAD`'s `$` resolved to the ID it meant).
    pub rerun: Option<Vec<Vec<u8>>>,
}

/// Which waiters on a key a write wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wake {
    /// The first waiter; its pop, a write, wakes the next (lists).
    #[default]
    First,
    /// Every waiter: they consume nothing (`XREAD`).
    Every,
    /// The first waiter, and once it is done, the next (`XREADGROUP`:
    /// served or failed, it leaves the rest to the next consumer).
    FirstThenNext,
}

/// A transaction under way: the commands queued since `MULTI`.
#[derive(Debug, Default)]
pub struct Transaction {
    /// Each queued request's arguments, command name first.
    pub queued: Vec<Vec<Vec<u8>>>,
    /// A command was refused while queueing: `EXEC` answers `EXECABORT`.
    pub aborted: bool,
    /// The queued commands' flag bits, or-ed (`EXEC` of a `denyoom`
    /// command is refused over `maxmemory`).
    pub flags: u32,
    /// Bytes of the queued arguments, with a small cost per argument.
    pub bytes: usize,
}

impl Transaction {
    /// Queues one request (nothing once the transaction is aborted: it is
    /// never run).
    pub fn queue<'a>(&mut self, args: impl Iterator<Item = &'a [u8]>, flags: u32) {
        if self.aborted {
            return;
        }
        let args: Vec<Vec<u8>> = args.map(<[u8]>::to_vec).collect();
        self.bytes += args.iter().map(|a| a.len() + 16).sum::<usize>();
        self.queued.push(args);
        self.flags |= flags;
    }
}

/// A connection's own state, lent to each command through the context.
#[derive(Debug)]
pub struct Session {
    pub handle: Arc<SessionHandle>,
    /// Lists: set by a blocking command that found nothing (the connection
    /// then waits; see `state::blocking`).
    pub blocked: Option<BlockRequest>,
    /// A blocked command runs again after a wake-up: it already counted in
    /// `INFO commandstats` (Redis counts it once), and a key of another type
    /// keeps it waiting as Redis does.
    pub rerun: bool,
    /// In that run: the key whose write woke it (`XREAD` answers with that
    /// stream only, as Redis serves a blocked reader per ready key).
    pub woken_by: Option<Vec<u8>>,
    /// Running a script's `redis.call`s (MONITOR shows them as `lua`).
    pub in_script: bool,
    /// `MIGRATE`: set by its first run, carried out by the connection.
    pub migration: Option<Migration>,
    /// Selected database.
    pub db: usize,
    /// 2 (RESP2) or 3 (RESP3, after `HELLO 3`).
    pub protocol: u8,
    /// Greeted as a person: replies are plain text with a prompt.
    pub human: bool,
    /// Close the connection once this reply is written (`QUIT`).
    pub close: bool,
    /// Reads do not update access times (`CLIENT NO-TOUCH ON`).
    pub no_touch: bool,
    /// Protected from client eviction (`CLIENT NO-EVICT ON`); recorded only,
    /// as MiniRedis evicts no clients.
    pub no_evict: bool,
    /// Replies are not sent (`CLIENT REPLY OFF`).
    pub reply_off: bool,
    /// The reply of the command now running is not sent (`CLIENT REPLY SKIP`
    /// was the previous command).
    pub reply_skip: bool,
    /// `CLIENT REPLY SKIP` just ran: skip the next command's reply.
    pub reply_skip_next: bool,
    /// The user commands run as.
    pub user: Arc<UserCell>,
    /// Authenticated (or the default user needed no password when the
    /// connection opened).
    pub authenticated: bool,
    /// Command statistics not yet added to the server's.
    pub tally: crate::metrics::Tally,
    /// `MONITOR` ran: the connection streams every command from now on.
    pub monitor: bool,
    /// Buffer sizes, set by the connection loop after each batch.
    pub buffers: Buffers,
    /// Append-only-file offset the pending replies wait for (0: none).
    pub aof_wait: u64,
    /// The buffers a command's effects are recorded in, kept between
    /// commands so recording allocates nothing once they have grown.
    pub effects: crate::store::effects::Effects,
    /// Pub/sub: what the client listens to (the names are in `state::pubsub`).
    pub subscriptions: SubscriptionCounts,
    /// This connection's random choices (`RANDOMKEY`, `HRANDFIELD`),
    /// drawn from the server's generator so a seeded server repeats them.
    pub rng: fastrand::Rng,
    /// `MULTI` ran: requests are queued until `EXEC` or `DISCARD`.
    pub multi: Option<Transaction>,
}

impl Session {
    pub fn new(handle: Arc<SessionHandle>, user: Arc<UserCell>, authenticated: bool) -> Session {
        Session {
            user,
            authenticated,
            handle,
            blocked: None,
            rerun: false,
            woken_by: None,
            in_script: false,
            migration: None,
            rng: fastrand::Rng::new(),
            db: 0,
            protocol: 2,
            human: false,
            close: false,
            no_touch: false,
            no_evict: false,
            reply_off: false,
            reply_skip: false,
            reply_skip_next: false,
            tally: crate::metrics::Tally::default(),
            monitor: false,
            buffers: Buffers::default(),
            aof_wait: 0,
            effects: Default::default(),
            subscriptions: SubscriptionCounts::default(),
            multi: None,
        }
    }

    /// Called once per executed command, after it ran: whether its reply is
    /// sent. Moves a pending `CLIENT REPLY SKIP` onto the next command, as
    /// Redis's `resetClient` does.
    pub fn reply_allowed(&mut self) -> bool {
        let allowed = !(self.reply_off || self.reply_skip);
        self.reply_skip = std::mem::take(&mut self.reply_skip_next);
        allowed
    }

    /// Runs as `user` from now on (a successful AUTH or HELLO AUTH).
    pub fn authenticate_as(&mut self, user: Arc<UserCell>) {
        self.handle.info.lock().user = Some(user.name.clone());
        self.user = user;
        self.authenticated = true;
    }

    /// Names the client (`CLIENT SETNAME`, `HELLO … SETNAME`).
    pub fn set_name(&self, name: &[u8]) {
        self.handle.info.lock().name = name.to_vec();
    }

    /// `CLIENT SETINFO lib-name|lib-ver value`.
    pub fn set_library(&self, lib_name: Option<&[u8]>, lib_ver: Option<&[u8]>) {
        let mut info = self.handle.info.lock();
        if let Some(name) = lib_name {
            info.lib_name = name.to_vec();
        }
        if let Some(version) = lib_ver {
            info.lib_ver = version.to_vec();
        }
    }

    /// Back to a new connection's state (`RESET`): database 0, RESP2, no
    /// name, NO-TOUCH and replies on, logged in as `user` (authenticated
    /// when it needs no password). NO-EVICT stays as it was, as in Redis
    /// 7.0; a `CLIENT REPLY SKIP` aimed at the running command still applies.
    pub fn reset(&mut self, user: Arc<UserCell>, authenticated: bool) {
        self.db = 0;
        self.protocol = 2;
        self.no_touch = false;
        self.reply_off = false;
        self.reply_skip_next = false;
        self.user = user;
        self.authenticated = authenticated;
        self.multi = None;
        let mut info = self.handle.info.lock();
        info.name.clear();
        info.user = None;
        info.multi = None;
    }

    /// Shows the transaction's state to others (`CLIENT LIST`); called
    /// when it starts, grows and ends.
    pub fn publish_multi(&self) {
        self.handle.info.lock().multi = self.multi.as_ref().map(|t| (t.queued.len(), t.bytes));
    }

    pub fn id(&self) -> u64 {
        self.handle.id
    }

    /// Copies what others may read into the shared handle.
    pub fn update_visible(&self, last_command: &'static str, now_ms: u64) {
        let mut info = self.handle.info.lock();
        info.db = self.db;
        info.protocol = self.protocol;
        info.last_active_ms = now_ms;
        info.no_evict = self.no_evict;
        info.no_touch = self.no_touch;
        info.monitor = self.monitor;
        info.buffers = self.buffers;
        info.subscriptions = self.subscriptions;
        if !last_command.is_empty() {
            info.last_command = last_command;
        }
    }
}

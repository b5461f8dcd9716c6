//! [`Context`]: what a command sees while it runs.

use crate::protocol::parse::Argv;
use crate::protocol::Reply;
use crate::session::Session;
use crate::state::ServerState;
use crate::store::effects::{Deletion, Effects, EventClass, Propagation};
use crate::store::Keyspace;

/// What a command sees while it runs: the server, its connection, the
/// clock, and the keyspace (the shards of its keys, locked on first use and
/// released when it returns).
pub struct Context<'a> {
    pub server: &'a ServerState,
    pub client: &'a mut Session,
    /// The running command's name (lowercase).
    pub command: &'static str,
    pub(super) keyspace: Keyspace<'a>,
    now_ms: u64,
    /// The append-only file was on when the command started.
    pub(super) aof: bool,
    /// Keys expiry deletes are collected (for the append-only file or `expired` events).
    track_expired: bool,
    /// TRANSACTIONS: the command runs inside a [`super::Batch`], which hands
    /// on the effects of all its commands at once.
    pub(super) nested: bool,
    /// SCRIPTING: what the command propagates is logged even when it
    /// replies with an error (a script that wrote, then failed).
    pub propagate_despite_error: bool,
}

impl<'a> Context<'a> {
    pub fn new(server: &'a ServerState, client: &'a mut Session) -> Context<'a> {
        let now_ms = server.clock.now_ms();
        Self::at(server, client, now_ms)
    }

    /// A context at a given time: the connection reads the clock once per
    /// batch of pipelined requests rather than once per command.
    pub fn at(server: &'a ServerState, client: &'a mut Session, now_ms: u64) -> Context<'a> {
        let aof = server.persist.aof.on();
        let track_expired =
            aof || crate::state::notify::wanted(server.config.keyspace_events(), EventClass::Expired);
        let mut keyspace = server.store.view();
        // The connection's buffers, reused from command to command; the last
        // command's effects stay readable until the next one starts.
        if !client.effects.is_empty() {
            client.effects.clear();
        }
        keyspace.swap_effects(&mut client.effects);
        Context {
            server,
            client,
            command: "",
            keyspace,
            now_ms,
            aof,
            track_expired,
            nested: false,
            propagate_despite_error: false,
        }
    }

    /// Hands on what the command did, while its shards are still held: to
    /// the append-only file when it is on (the one place writes reach it;
    /// the reply then waits for the log). A command that did nothing costs
    /// one check.
    #[inline]
    pub(super) fn hand_on_effects(&mut self, write: bool, argv: Argv<'_>, reply: &Reply) {
        if self.track_expired {
            self.keyspace.collect_expired();
        }
        if self.nested {
            return;
        }
        if self.keyspace.effects().is_empty() && !write {
            return;
        }
        self.touch_watches();
        let effects = self.keyspace.effects();
        crate::state::notify::publish_events(self.server, effects);
        if !self.aof {
            return;
        }
        let logged = (!reply.is_error() || self.propagate_despite_error)
            && (write || effects.propagation() == Propagation::Rewritten);
        let has_expired = effects.deleted_keys().any(|(_, why, _)| why == Deletion::Expired);
        // A read that expired nothing never takes the log's lock, which every write takes.
        if logged || has_expired {
            let aof = &self.server.persist.aof;
            let wait = crate::persist::log_effects(aof, effects, logged, self.client.db, argv);
            if wait > 0 {
                self.client.aof_wait = wait;
            }
        }
    }

    /// TRANSACTIONS: marks the clients watching what the command changed
    /// (one load while nobody watches). A whole-database change checks
    /// whether watched keys exist, reading only shards the view holds.
    fn touch_watches(&mut self) {
        let watches = &self.server.watches;
        if !watches.any() {
            return;
        }
        let mut effects = Effects::default();
        self.keyspace.swap_effects(&mut effects);
        let keyspace = &mut self.keyspace;
        let every_shard = keyspace.holds_all();
        watches.touch(&effects, |db, key| !every_shard || keyspace.select(db as usize).contains(key));
        self.keyspace.swap_effects(&mut effects);
    }

    /// A random generator for the command, drawn from its connection's, so
    /// a seeded server repeats its choices.
    pub fn rng(&mut self) -> fastrand::Rng {
        self.client.rng.fork()
    }

    /// What the command did so far (its effects).
    pub fn effects(&self) -> &Effects {
        self.keyspace.effects()
    }

    /// Records keyspace event `event` (Redis's name: `set`, `hset`, `del`)
    /// on `key` in the selected database.
    pub fn notify(&mut self, class: EventClass, event: &'static str, key: &[u8]) {
        self.notify_in(self.client.db, class, event, key);
    }

    /// As [`Context::notify`], in database `db` (`MOVE`, `COPY ... DB`).
    /// One atomic load when no class is on.
    #[inline]
    pub fn notify_in(&mut self, db: usize, class: EventClass, event: &'static str, key: &[u8]) {
        if !crate::state::notify::wanted(self.server.config.keyspace_events(), class) {
            return;
        }
        self.keyspace.effects_mut().event(db, class, event, key);
    }

    /// Propagates `parts` (in the selected database) instead of the request;
    /// called several times, propagates each in turn.
    pub fn propagate_as(&mut self, parts: &[&[u8]]) {
        let db = self.client.db;
        self.keyspace.effects_mut().propagate_as(db, parts);
    }

    /// Propagates already encoded records that carry their own `SELECT`s.
    pub fn propagate_encoded(&mut self, records: &[u8]) {
        self.keyspace.effects_mut().propagate_encoded(records);
    }

    /// Propagates nothing (the command changed nothing).
    pub fn propagate_none(&mut self) {
        self.keyspace.effects_mut().propagate_none();
    }

    /// Whether anything consumes propagated records (the append-only file
    /// is on): a command whose logged form is costly to build asks first.
    pub fn propagates(&self) -> bool {
        self.aof
    }

    /// Propagates `parts` followed by `PXAT <at>` (`SET` with a relative
    /// expiry, `SETEX`).
    pub fn propagate_set_pxat(&mut self, parts: &[&[u8]], at: u64) {
        let mut at_text = itoa::Buffer::new();
        let at = at_text.format(at).as_bytes();
        let mut record = Vec::with_capacity(parts.len() + 2);
        record.extend_from_slice(parts);
        record.extend_from_slice(&[b"PXAT", at]);
        self.propagate_as(&record);
    }

    /// Reports an expiry the command gave `key` (`EXPIRE`, `GETEX EX`):
    /// event `expire`, or `del` when the deadline had passed and the key
    /// went, and the propagation in absolute time. When not `applied`,
    /// nothing is propagated.
    pub fn report_expiry(&mut self, applied: bool, key: &[u8]) {
        if !applied {
            return self.propagate_none();
        }
        // Both need a lookup: each is made only for a reader.
        if crate::state::notify::wanted(self.server.config.keyspace_events(), EventClass::Generic) {
            let event = if self.db().contains(key) { "expire" } else { "del" };
            self.notify(EventClass::Generic, event, key);
        }
        self.propagate_expiry(key);
    }

    /// Propagates `key`'s expiry as it now stands, in absolute time:
    /// `PEXPIREAT key <deadline>`, `PERSIST key` without one, or `DEL key`
    /// once it is gone. Relative times (`EXPIRE`, `GETEX EX`) never reach
    /// the log, so a replay at any later time gives the same data.
    pub fn propagate_expiry(&mut self, key: &[u8]) {
        if !self.propagates() {
            return;
        }
        match self.db().deadline(key) {
            Some(at) => self.propagate_as(&[b"PEXPIREAT", key, itoa::Buffer::new().format(at).as_bytes()]),
            None if self.db().contains(key) => self.propagate_as(&[b"PERSIST", key]),
            None => self.propagate_as(&[b"DEL", key]),
        }
    }

    /// The time this command runs at, in Unix ms (fixed for the whole command).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Every database, every shard (for commands that cross databases or
    /// keys without a key specification).
    pub fn keyspace(&mut self) -> &mut Keyspace<'a> {
        self.keyspace.want_all();
        self.db().hold_all()
    }

    /// The connection's selected database, in the shards of the command's keys.
    pub fn db(&mut self) -> &mut Keyspace<'a> {
        let (index, now, touch) = (self.client.db, self.now_ms, !self.client.no_touch);
        self.keyspace.prepare(index, now, touch, self.track_expired);
        &mut self.keyspace
    }

    /// Whether replies use RESP3 types.
    pub fn resp3(&self) -> bool {
        self.client.protocol == 3
    }
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        self.keyspace.swap_effects(&mut self.client.effects);
    }
}

//! [`Context`]: what a command sees while it runs.

use crate::protocol::parse::Argv;
use crate::protocol::Reply;
use crate::session::Session;
use crate::state::ServerState;
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
        Context { server, client, command: "", keyspace: server.store.view(), now_ms, aof }
    }

    /// Logs what the command did to the append-only file (see
    /// [`crate::persist::log_command`]); the reply then waits for the log.
    pub(super) fn log_to_aof(&mut self, name: &str, write: bool, argv: Argv<'_>, reply: &Reply) {
        // A read that expired nothing has nothing to log: it never takes
        // the log's lock, which every write takes.
        if !write && name != "load" && !self.keyspace.has_expired() {
            return;
        }
        let (server, db, now) = (self.server, self.client.db, self.now_ms);
        let wait = crate::persist::log_command(server, &mut self.keyspace, db, name, write, argv, reply, now);
        if wait > 0 {
            self.client.aof_wait = wait;
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
        self.keyspace.prepare(index, now, touch, self.aof);
        &mut self.keyspace
    }

    /// Whether replies use RESP3 types.
    pub fn resp3(&self) -> bool {
        self.client.protocol == 3
    }
}

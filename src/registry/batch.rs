//! [`Batch`]: several commands run as one atomic step of the running
//! command (`EXEC`, a script).
//!
//! ```ignore
//! let mut batch = Batch::begin(ctx);        // every shard locked, in order
//! let first = batch.run(Argv::Owned(&set)); // a command, as a client sends it
//! let second = batch.run(Argv::Owned(&incr));
//! batch.finish();                           // or drop: the same
//! ```
//!
//! - **Atomic.** `begin` locks every shard of the keyspace, in ascending
//!   order in one go (so two batches, or a batch and a command, never wait
//!   on each other), and the running command holds them until it returns:
//!   no other client's command runs between the batch's first and last.
//! - **Each command** goes through the dispatcher as a client's would
//!   (lookup, arity, authentication, ACL, statistics, `MONITOR`, the slow
//!   log), except for the `maxmemory` check, which the running command
//!   passed for the whole batch, and blocking: a blocking command that finds
//!   nothing replies at once, as inside Redis's `EXEC` (`BLPOP`: its
//!   timeout reply, a null array; `BLMOVE`, `BRPOPLPUSH`: a null). `CONFIG SET` is refused: applying
//!   some settings locks shards, which the batch holds. Queued `MULTI` state is not
//!   consulted: the caller takes it out of the session first.
//! - **Effects, once.** The commands' effects are gathered and, at
//!   `finish`, become the running command's: the dispatcher then hands them
//!   on once, after the batch, while the shards are still held: WATCH
//!   invalidation, blocked-client wake-ups (the connection), keyspace
//!   events, and the append-only file. What the commands propagate (each
//!   as received, or as the records it gave, and a `DEL` for each key
//!   expiry deleted on the way) is logged in order, wrapped in
//!   `MULTI`/`EXEC` when there is more than one record (Redis 7.0's
//!   `propagatePendingCommands`), so a replay applies all or nothing. A
//!   batch that propagates nothing logs nothing, not even the running
//!   command. A batch begun inside another (a script queued in a
//!   transaction) adds its records to the outer one's, unwrapped.

use super::{dispatch, lookup, Context, Flag};
use crate::protocol::parse::Argv;
use crate::protocol::Reply;
use crate::store::effects::{Deletion, Effects, Propagation};

/// Commands run as one atomic step of the running command (see the module
/// documentation).
pub struct Batch<'c, 'a> {
    ctx: &'c mut Context<'a>,
    /// What the batch did so far: the running command's effects from
    /// before it began, then each command's.
    done: Effects,
    /// What to propagate, in order.
    log: Effects,
    /// The running command, and whether it was itself in a batch.
    command: &'static str,
    nested: bool,
}

impl<'c, 'a> Batch<'c, 'a> {
    /// Starts a batch in the running command's context, locking every shard.
    pub fn begin(ctx: &'c mut Context<'a>) -> Batch<'c, 'a> {
        ctx.keyspace();
        let mut done = spare_effects();
        ctx.keyspace.swap_effects(&mut done);
        let command = ctx.command;
        let nested = std::mem::replace(&mut ctx.nested, true);
        Batch { ctx, done, log: spare_effects(), command, nested }
    }

    /// Runs one command (`argv`: its name first, as a client sends it) and
    /// returns its reply. An error is a reply like any other: the batch goes on.
    pub fn run(&mut self, argv: Argv<'_>) -> Reply {
        self.ctx.keyspace.effects_mut().clear();
        if locks_shards_itself(argv) {
            return Reply::error(NOT_IN_BATCH);
        }
        let mut reply = dispatch(self.ctx, argv);
        // A batch never waits: a blocking command answers as Redis's do
        // when they may not block.
        if let Some(request) = self.ctx.client.blocked.take() {
            reply = match self.ctx.command {
                "brpoplpush" | "blmove" => Reply::Null,
                _ => request.timeout_reply,
            };
        }
        self.absorb(argv, &reply);
        reply
    }

    /// The running command's context, between commands.
    pub fn context(&mut self) -> &mut Context<'a> {
        self.ctx
    }

    /// Ends the batch: its effects become the running command's (see the
    /// module documentation). Dropping the batch does the same.
    pub fn finish(self) {}

    /// Adds the last command's effects to the batch's.
    fn absorb(&mut self, argv: Argv<'_>, reply: &Reply) {
        let (done, log) = (&mut self.done, &mut self.log);
        let db = self.ctx.client.db;
        let effects = self.ctx.keyspace.effects();
        for (index, key) in effects.modified_keys() {
            match key {
                Some(key) => done.modified(index as usize, key),
                None => done.modified_all(index as usize),
            }
        }
        for (event, key) in effects.events() {
            done.event(event.db as usize, event.class, event.name, key);
        }
        // The log has no reader while the append-only file is off.
        if !self.ctx.propagates() {
            return;
        }
        // Keys expiry deleted: their `DEL`s take their place in the log (an
        // expired key is no change for WATCH). Eviction runs before a batch,
        // never inside one.
        for (index, why, key) in effects.deleted_keys() {
            if why == Deletion::Expired {
                log.propagate_as(index as usize, &[b"DEL", key]);
            }
        }
        let write = lookup(argv.get(0)).is_some_and(|entry| entry.flag_bits & Flag::Write.bit() != 0);
        if reply.is_error() || !(write || effects.propagation() == Propagation::Rewritten) {
            return;
        }
        match effects.propagation() {
            Propagation::AsReceived => log.propagate_as(db, &argv.iter().collect::<Vec<_>>()),
            Propagation::Nothing => {}
            Propagation::Rewritten => {
                for (index, record) in effects.records() {
                    log.propagate_record(index, record);
                }
            }
        }
    }
}

/// `CONFIG SET` may lock shards itself (evicting under a new `maxmemory`,
/// starting the append-only file), which the batch already holds.
const NOT_IN_BATCH: &str = "ERR CONFIG SET is not supported inside MULTI/EXEC or scripts";

fn locks_shards_itself(argv: Argv<'_>) -> bool {
    argv.len() >= 2 && argv.get(0).eq_ignore_ascii_case(b"config") && argv.get(1).eq_ignore_ascii_case(b"set")
}

impl Drop for Batch<'_, '_> {
    fn drop(&mut self) {
        let records: Vec<(Option<u32>, &[u8])> = self.log.records().collect();
        let done = &mut self.done;
        match records.as_slice() {
            [] => done.propagate_none(),
            // Inside another batch (a script in a transaction): the outer
            // one wraps everything once.
            records if self.nested => {
                for (index, record) in records {
                    done.propagate_record(*index, record);
                }
            }
            [(db, record)] => done.propagate_record(*db, record),
            [(first, _), .., (last, _)] => {
                let db = self.ctx.client.db;
                done.propagate_as(first.map_or(db, |d| d as usize), &[b"MULTI"]);
                for (index, record) in &records {
                    done.propagate_record(*index, record);
                }
                done.propagate_as(last.map_or(db, |d| d as usize), &[b"EXEC"]);
            }
        }
        self.ctx.keyspace.swap_effects(&mut self.done);
        self.ctx.command = self.command;
        self.ctx.nested = self.nested;
        give_back(std::mem::take(&mut self.done));
        give_back(std::mem::take(&mut self.log));
    }
}

thread_local! {
    /// Cleared effects whose buffers the next batch on this thread reuses
    /// (a script a call would otherwise grow two sets of buffers anew).
    static SPARE_EFFECTS: std::cell::RefCell<Vec<Effects>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn spare_effects() -> Effects {
    SPARE_EFFECTS.with_borrow_mut(Vec::pop).unwrap_or_default()
}

fn give_back(mut effects: Effects) {
    effects.clear();
    SPARE_EFFECTS.with_borrow_mut(|spare| {
        if spare.len() < 4 {
            spare.push(effects);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn owned(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|word| word.as_bytes().to_vec()).collect()
    }

    /// Runs `lines` as one batch in a command named `eval`; their replies.
    fn run_batch(h: &mut Harness, lines: &[&str]) -> Vec<Reply> {
        let mut ctx = Context::new(&h.shared, &mut h.client);
        ctx.command = "eval";
        let mut batch = Batch::begin(&mut ctx);
        let replies = lines.iter().map(|line| batch.run(Argv::Owned(&owned(line)))).collect();
        batch.finish();
        assert_eq!(ctx.command, "eval", "the running command's name is back");
        replies
    }

    #[test]
    fn commands_run_in_order_and_their_effects_are_gathered() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        h.run("SET gone v PX 10");
        h.advance_ms(10);
        let replies =
            run_batch(&mut h, &["SET a 1", "INCR a", "GET gone", "HSET a f v", "SELECT 3", "DEL x"]);
        assert_eq!(
            replies,
            [
                Reply::OK,
                int(2),
                Reply::Null,
                err("WRONGTYPE Operation against a key holding the wrong kind of value"),
                Reply::OK,
                int(0)
            ]
        );
        assert_eq!(h.client.db, 3, "SELECT stays, as in a transaction");
        assert_eq!(h.modified(), ["0:a"]);
        // The key expiry deleted on the way is logged in its place.
        let expected = ["MULTI", "SET a 1", "INCR a", "DEL gone", "DEL x", "EXEC"];
        assert_eq!(h.propagated(), logged(&expected));
        let records: Vec<Option<u32>> = h.effects().records().map(|(db, _)| db).collect();
        assert_eq!(records, [Some(0), Some(0), Some(0), Some(0), Some(3), Some(3)]);
    }

    #[test]
    fn one_record_is_not_wrapped_and_none_logs_nothing() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        run_batch(&mut h, &["GET a", "SET a 1"]);
        assert_eq!(h.propagated(), logged(&["SET a 1"]));
        run_batch(&mut h, &["GET a"]);
        assert_eq!(h.propagated(), logged(&[]));
    }

    #[test]
    fn a_batch_inside_a_batch_is_wrapped_once() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        let mut ctx = Context::new(&h.shared, &mut h.client);
        let mut outer = Batch::begin(&mut ctx);
        outer.run(Argv::Owned(&owned("SET a 1")));
        // An EXEC run by the batch begins a batch of its own.
        let mut queued = crate::session::Transaction::default();
        for line in ["SET b 1", "SET c 1"] {
            queued.queue(owned(line).iter().map(Vec::as_slice), 0);
        }
        outer.context().client.multi = Some(queued);
        assert_eq!(outer.run(Argv::Owned(&owned("EXEC"))), Reply::Array(vec![Reply::OK, Reply::OK]));
        drop(outer);
        drop(ctx);
        assert_eq!(h.propagated(), logged(&["MULTI", "SET a 1", "SET b 1", "SET c 1", "EXEC"]));
    }

    #[test]
    fn a_blocking_command_answers_at_once() {
        let mut h = Harness::new();
        assert_eq!(run_batch(&mut h, &["BLPOP empty 0"]), [Reply::NullArray]);
        assert!(h.client.blocked.is_none());
    }

    #[test]
    fn other_commands_wait_for_the_batch() {
        let mut h = Harness::new();
        let shared = h.shared.clone();
        let mut other = h.other_client();
        let mut ctx = Context::new(&h.shared, &mut h.client);
        let mut batch = Batch::begin(&mut ctx);
        batch.run(Argv::Owned(&owned("SET k first")));
        let (done, finished) = std::sync::mpsc::channel();
        let writer = std::thread::spawn(move || {
            let mut ctx = Context::new(&shared, &mut other);
            done.send(dispatch(&mut ctx, Argv::Owned(&owned("SET k second")))).expect("send");
        });
        let early = finished.recv_timeout(std::time::Duration::from_millis(100));
        assert!(early.is_err(), "another client's write ran inside the batch");
        assert_eq!(batch.run(Argv::Owned(&owned("GET k"))), bulk("first"));
        drop(batch);
        drop(ctx);
        assert_eq!(finished.recv().expect("the write ran after"), Reply::OK);
        writer.join().expect("writer");
        assert_eq!(h.run("GET k"), bulk("second"));
    }
}

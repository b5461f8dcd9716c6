//! One connection: read, parse every complete request in the buffer, run
//! each through the registry, and write all their replies with one write.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tracing::warn;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::protocol::parse::{Argv, Limits, Parsed, RequestParser};
use crate::protocol::Reply;
use crate::registry::{dispatch, Context};
use crate::session::{Buffers, Session, SessionHandle};
use crate::state::ServerState;

pub const BANNER: &[u8] = b"MiniRedis TCP - Type Commands\r\n";
pub const PROMPT: &[u8] = b"> ";

const READ_CHUNK: usize = 16 * 1024;
/// Replies are flushed mid-batch past this size, so a long pipeline of large
/// replies cannot pile up in memory.
const FLUSH_AT: usize = 64 * 1024;
/// Buffers that grew past this for one big request are given back afterwards.
const KEEP_CAPACITY: usize = 1024 * 1024;

/// Serves one connection, plain TCP or TLS.
pub async fn serve<S>(mut socket: S, shared: &ServerState, handle: &std::sync::Arc<SessionHandle>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut client = shared.new_session(handle.clone());
    // TRANSACTIONS: a closed connection's watches go with it.
    let _watches = ForgetWatches(shared, handle.id);
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut out: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut parser = RequestParser::new(Limits::default());
    // Created once: re-registering the waiter on every read would cost a
    // lock round-trip per request. `CLIENT KILL` and shutdown both wake it
    // (see `Clients::request_shutdown`), so no process-wide waiter is polled.
    let killed = handle.killed();
    tokio::pin!(killed);
    // SCRIPTING: this connection's turn at running scripts, kept for the
    // scripts of one read (see `Scripts::turn`) and never across a wait.
    let mut script_turn: Option<crate::state::scripts::Turn<'_>> = None;
    // Writes the pending replies through the connection's own waiters.
    macro_rules! flush_out {
        () => {{
            script_turn = None;
            flush(&mut socket, &mut out, shared, handle, &mut client.aof_wait, killed.as_mut()).await
        }};
    }
    // The turn of a client `CLIENT PAUSE` held: kept until its held request ran.
    let mut pause_turn: Option<crate::state::pause::Turn<'_>> = None;
    // Lines for a `MONITOR` client.
    let mut monitor: Option<tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>> = None;
    // LISTS: input read while blocked, parsed once the block ends.
    let mut pipelined = BytesMut::new();
    // PUBSUB: the client's mailbox once it subscribed; it leaves every
    // channel when the connection ends, however it ends.
    let mut inbox: Option<crate::state::pubsub::Inbox> = None;
    let _leave = LeavePubSub(shared, handle.id);

    // A person who connects and waits is greeted; a program speaks first.
    let delay = shared.config.read().human_session_delay;
    if delay > 0 {
        tokio::select! {
            read = socket.read_buf(&mut buf) => match read {
                Ok(n) if n > 0 => {
                    shared.metrics.stats.net_input_bytes.fetch_add(n as u64, Ordering::Relaxed);
                }
                _ => return,
            },
            _ = shared.clock.sleep(delay) => {
                client.human = true;
                let greeting = [BANNER, PROMPT].concat();
                if socket.write_all(&greeting).await.is_err() {
                    return;
                }
            }
            _ = &mut killed => return,
        }
    }

    loop {
        let mut pos = 0;
        let mut commands = 0u64;
        let mut last_command = "";
        let mut close = false;
        // A request `CLIENT PAUSE` holds (left in the buffer), and whether it may write.
        let mut held = None;
        let mut now = shared.clock.now_ms();
        parser.limits_mut().max_bulk_len = shared.config.proto_max_bulk_len() as usize;
        // While the batch runs, `CLIENT LIST` shows the buffer as read,
        // the running requests included, as Redis does.
        client.buffers = crate::session::Buffers {
            query: buf.len(),
            query_free: buf.capacity() - buf.len(),
            reply: out.len(),
            reply_capacity: out.capacity(),
            argv_mem: 0,
        };
        loop {
            if !client.authenticated {
                parser.limits_mut().unauthenticated = shared.auth_required();
            } else if parser.limits_mut().unauthenticated {
                parser.limits_mut().unauthenticated = false;
            }
            match parser.parse(&buf[pos..]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Empty { consumed }) => {
                    pos += consumed;
                    if client.human {
                        out.extend_from_slice(PROMPT);
                    }
                }
                Ok(Parsed::Request { consumed }) => {
                    // One relaxed load while no pause is set.
                    if shared.pause.active() && pause_turn.is_none() {
                        let argv = parser.argv(&buf[pos..]);
                        if let Some((name, write)) = pausable(argv, &client) {
                            if shared.pause.holds(write, shared.clock.now_ms()).is_some() {
                                held = Some((shared.pause.enqueue(), write));
                                handle.set_blocked(true, Some(name));
                                break;
                            }
                        }
                    }
                    let argv = parser.argv(&buf[pos..]);
                    if script_turn.is_none() && crate::state::scripts::runs_a_script(argv.get(0)) {
                        script_turn = shared.scripts.turn(handle.id).await;
                    }
                    let mut reply =
                        run_one(shared, &mut client, parser.argv(&buf[pos..]), now, &mut last_command);
                    // LISTS: a blocking command that found its keys empty waits
                    // (reading nothing more), then is re-run; see `wait_blocked`.
                    if let Some(request) = client.blocked.take() {
                        if flush_out!().is_err() {
                            return;
                        }
                        let argv = parser.argv(&buf[pos..]);
                        // STREAMS: a re-run may have its own arguments.
                        let rerun_argv = request.rerun.clone();
                        let rerun = |client: &mut Session| {
                            let argv = rerun_argv.as_deref().map_or(argv, Argv::Owned);
                            run_one(shared, client, argv, shared.clock.now_ms(), &mut last_command)
                        };
                        let input = (&mut socket, &mut pipelined, buf.len());
                        match wait_blocked(shared, &mut client, request, input, killed.as_mut(), rerun).await
                        {
                            Some(served) => reply = served,
                            None => return,
                        }
                    }
                    // MIGRATE: the transfer runs here, awaited without holding
                    // anything, then the command runs again to finish.
                    if let Some(mut migration) = client.migration.take() {
                        if flush_out!().is_err() {
                            return;
                        }
                        migration.outcome = Some(super::migrate::transfer(&migration).await);
                        client.migration = Some(migration);
                        let argv = parser.argv(&buf[pos..]);
                        reply = run_one(shared, &mut client, argv, shared.clock.now_ms(), &mut last_command);
                        client.migration = None;
                    }
                    // PUBSUB: messages queued before the reply (published by
                    // this command, or its keyspace events) go out first.
                    if client.subscriptions.any() && inbox.is_none() {
                        inbox = shared.pubsub.take_inbox(handle.id);
                    }
                    if let Some(inbox) = &inbox {
                        inbox.mailbox.set_form(crate::state::pubsub::Form::of(client.protocol, client.human));
                        inbox.mailbox.take(&mut out);
                    }
                    if client.reply_allowed() {
                        write_reply(&reply, &client, &mut out);
                    } else if client.human {
                        out.extend_from_slice(PROMPT);
                    }
                    reply.recycle();
                    pos += consumed;
                    commands += 1;
                    // The held request ran: the next held client's turn.
                    pause_turn = None;
                    if client.close {
                        close = true;
                        break;
                    }
                    if out.len() >= FLUSH_AT {
                        if flush_out!().is_err() {
                            return;
                        }
                        // The write may have waited on a slow reader.
                        now = shared.clock.now_ms();
                    }
                }
                Err(err) => {
                    let reply = Reply::Error(crate::protocol::ReplyError(err.to_string().into()));
                    client.close = true;
                    write_reply(&reply, &client, &mut out);
                    close = true;
                    break;
                }
            }
        }
        script_turn = None;
        buf.advance(pos);
        // LISTS: requests that arrived while blocked come next.
        let resume = !pipelined.is_empty();
        if resume {
            buf.extend_from_slice(&pipelined);
            pipelined.clear();
        }
        if commands > 0 {
            shared.metrics.stats.commands_processed.fetch_add(commands, Ordering::Relaxed);
            client.tally.flush(&shared.metrics);
            client.buffers = Buffers {
                query: buf.len(),
                query_free: buf.capacity() - buf.len(),
                // Replies are written before the next read: none wait between batches.
                reply: 0,
                reply_capacity: out.capacity(),
                argv_mem: 0,
            };
            client.update_visible(last_command, now);
        }
        // Registered before MONITOR's +OK goes out: a client that saw it
        // sees every command that follows.
        if client.monitor && monitor.is_none() {
            monitor = Some(shared.metrics.add_monitor(handle.id));
        }
        // A pipeline's replies wait until every other ready connection has
        // run, then all go out together, as Redis writes them just before it
        // sleeps: a client woken by the first write is still awake for the
        // next, where a write each time it slept costs it a cross-CPU wake-up.
        // A publisher writes at once: the sooner its next batch comes, the
        // more messages each of its subscribers' writes carries.
        let published = crate::state::pubsub::take_delivered();
        if commands > 1 && !published && !out.is_empty() {
            tokio::task::yield_now().await;
        }
        if !out.is_empty() && flush_out!().is_err() {
            return;
        }
        if close {
            if monitor.is_some() {
                shared.metrics.remove_monitor(handle.id);
            }
            return;
        }
        if let Some((ticket, write)) = held {
            // Held by `CLIENT PAUSE`: the replies so far are out; wait for
            // the pause to end and this client's turn, then run on from the
            // held request without reading.
            tokio::select! {
                turn = ticket.wait(&shared.clock, write) => pause_turn = Some(turn),
                _ = &mut killed => return,
            }
            handle.set_blocked(false, None);
            continue;
        }

        if resume {
            continue;
        }
        if buf.is_empty() && buf.capacity() > KEEP_CAPACITY {
            buf = BytesMut::with_capacity(READ_CHUNK);
        }
        if out.capacity() > KEEP_CAPACITY {
            out = Vec::with_capacity(READ_CHUNK);
        }
        if buf.capacity() - buf.len() < READ_CHUNK / 4 {
            buf.reserve(READ_CHUNK);
        }
        let open = tokio::select! {
            read = socket.read_buf(&mut buf) => match read {
                Ok(0) | Err(_) => false,
                Ok(n) => {
                    shared.metrics.stats.net_input_bytes.fetch_add(n as u64, Ordering::Relaxed);
                    if buf.len() as u64 > shared.config.query_buffer_limit() {
                        warn!(id = handle.id, addr = %handle.addr, qbuf = buf.len(),
                            "Closing client that reached max query buffer length");
                        false
                    } else {
                        true
                    }
                }
            },
            Some(line) = next_line(&mut monitor) => {
                out.extend_from_slice(&line);
                flush_out!().is_ok()
            }
            _ = messages_ready(&inbox) => {
                // One turn for the publisher to go on with its pipeline, so
                // its messages go out in one write rather than one each.
                tokio::task::yield_now().await;
                match &inbox {
                    Some(inbox) if inbox.mailbox.take(&mut out) => {
                        if client.human {
                            out.extend_from_slice(PROMPT);
                        }
                        flush_out!().is_ok()
                    }
                    // Taken already, with the replies of a request.
                    _ => true,
                }
            }
            _ = &mut killed => false,
            _ = idle(shared) => false,
        };
        if !open {
            if monitor.is_some() {
                shared.metrics.remove_monitor(handle.id);
            }
            return;
        }
    }
}

/// Forgets a connection's watched keys when it closes, however it closes.
struct ForgetWatches<'a>(&'a ServerState, u64);

impl Drop for ForgetWatches<'_> {
    fn drop(&mut self) {
        self.0.watches.unwatch_all(self.1);
    }
}

/// Whether `CLIENT PAUSE` may hold a request, and if so whether it may
/// write (`WRITE` pauses hold only those), with the command's name. `None`
/// for a request that gets an immediate error (unknown command, wrong
/// arity), as in Redis. `EXEC` writes when a queued command does.
fn pausable(argv: Argv<'_>, client: &Session) -> Option<(&'static str, bool)> {
    let entry = crate::registry::lookup(argv.get(0))?;
    let queued = client.multi.as_ref().filter(|_| entry.meta.name == "exec").map_or(0, |t| t.flags);
    let write = (entry.flag_bits | queued) & crate::registry::Flag::Write.bit() != 0;
    crate::registry::Entry::arity_ok(entry.meta.arity, argv.len()).then_some((entry.meta.name, write))
}

/// Resolves once the client has been idle for `timeout` seconds; never
/// when `timeout` is 0 (then nothing but an atomic load is done).
async fn idle(shared: &ServerState) {
    match shared.config.idle_timeout_s() {
        0 => std::future::pending().await,
        seconds => shared.clock.sleep(seconds.saturating_mul(1000)).await,
    }
}

/// The next line for a monitoring connection; never resolves for others.
async fn next_line(monitor: &mut Option<tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>>) -> Option<Vec<u8>> {
    match monitor {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// PUBSUB: forgets the connection's subscriptions when it ends.
struct LeavePubSub<'a>(&'a ServerState, u64);

impl Drop for LeavePubSub<'_> {
    fn drop(&mut self) {
        self.0.pubsub.disconnect(self.1);
    }
}

/// PUBSUB: resolves once messages wait for a subscribed connection; never for others.
async fn messages_ready(inbox: &Option<crate::state::pubsub::Inbox>) {
    match inbox {
        Some(inbox) => inbox.mailbox.ready().await,
        None => std::future::pending().await,
    }
}

/// Runs one request; the context (and any keyspace lock) ends here, before
/// the connection awaits again.
fn run_one(
    shared: &ServerState,
    client: &mut Session,
    argv: Argv<'_>,
    now: u64,
    last_command: &mut &'static str,
) -> Reply {
    shared.faults.record(|| argv.iter().map(<[u8]>::to_vec).collect());
    // An embedding test's injected error (one atomic load when there is none).
    if let Some(error) = shared.faults.error() {
        return Reply::Error(crate::protocol::ReplyError(error.into()));
    }
    let mut ctx = Context::at(shared, client, now);
    let reply = dispatch(&mut ctx, argv);
    *last_command = ctx.command;
    // LISTS: wake clients blocked on the keys this command changed.
    if shared.blocking.blocked() != 0 {
        shared.blocking.wake_modified(ctx.effects());
    }
    reply
}

/// LISTS: waits while a blocking command's keys are empty: registered in
/// `shared.blocking` (flag `b`), woken by a write to one of them, then `rerun`; until
/// it is served, times out, is unblocked (`CLIENT UNBLOCK`), killed, or the
/// client goes (`None`: close). Requests that arrive meanwhile are kept in
/// `pipelined` (up to the query buffer limit, counting `buffered`).
async fn wait_blocked<S: AsyncRead + Unpin>(
    shared: &ServerState,
    client: &mut Session,
    request: crate::session::BlockRequest,
    (socket, pipelined, buffered): (&mut S, &mut BytesMut, usize),
    mut killed: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
    mut rerun: impl FnMut(&mut Session) -> Reply,
) -> Option<Reply> {
    use crate::state::blocking::Unblock;
    let id = client.handle.id;
    let waiter = shared.blocking.register_waking(id, request.db, &request.keys, request.wake);
    client.handle.set_blocked(true, None);
    // Check once more after registering: a push between the first run and
    // the registration woke no one.
    let mut recheck = true;
    let outcome = loop {
        if !std::mem::take(&mut recheck) {
            let wait = request.deadline_ms.map(|d| d.saturating_sub(shared.clock.now_ms()));
            tokio::select! {
                _ = waiter.woken() => {}
                _ = sleep_ms(wait) => break Some(request.timeout_reply.clone()),
                _ = &mut killed => break None,
                read = socket.read_buf(pipelined) => match read {
                    Ok(n) if n > 0 && (buffered + pipelined.len()) as u64
                        <= shared.config.query_buffer_limit() => continue,
                    _ => break None,
                },
            }
            match waiter.take_unblock() {
                Some(Unblock::Timeout) => break Some(request.timeout_reply.clone()),
                Some(Unblock::Error) => {
                    let text = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
                    shared.metrics.count_error(text);
                    client.tally.fail_last();
                    break Some(Reply::error(text));
                }
                None => {}
            }
        }
        waiter.rearm();
        client.rerun = true;
        client.woken_by = waiter.woken_key();
        let reply = rerun(client);
        client.rerun = false;
        client.woken_by = None;
        if client.blocked.take().is_none() {
            break Some(reply);
        }
        shared.blocking.pass_turn(id);
    };
    shared.blocking.unregister(id);
    client.handle.set_blocked(false, None);
    outcome
}

fn write_reply(reply: &Reply, client: &Session, out: &mut Vec<u8>) {
    if client.human {
        if *reply != Reply::None {
            reply.write_human(out);
            out.extend_from_slice(b"\r\n");
        }
        if !client.close {
            out.extend_from_slice(PROMPT);
        }
    } else {
        reply.write_resp(out, client.protocol == 3);
    }
}

/// Writes `out` and clears it. When the client does not read fast enough,
/// the unsent bytes are held to the `normal` class of
/// `client-output-buffer-limit`: past the hard limit, or past the soft
/// limit for its seconds, the connection is closed (an error). A blocked
/// write also gives way to `CLIENT KILL` and shutdown (both wake `killed`). Replies to logged
/// writes go out only once the append-only file has them (group commit).
async fn flush<S: AsyncWrite + Unpin>(
    socket: &mut S,
    out: &mut Vec<u8>,
    shared: &ServerState,
    handle: &SessionHandle,
    aof_wait: &mut u64,
    killed: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> std::io::Result<()> {
    if *aof_wait != 0 {
        shared.persist.aof.wait(std::mem::take(aof_wait)).await;
    }
    let mut written = 0;
    // Usually the kernel takes the whole batch at once.
    while written < out.len() {
        match try_write(socket, &out[written..]).await {
            Some(Ok(0)) => return Err(std::io::ErrorKind::WriteZero.into()),
            Some(Ok(n)) => written += n,
            None => break,
            Some(Err(e)) => return Err(e),
        }
    }
    if written < out.len() {
        // What `CLIENT LIST` shows of a client that does not read: the
        // unsent bytes (`obl`, `omem`) and `events=w`.
        handle.info.lock().buffers.reply = out.len() - written;
        handle.writing.store(true, Ordering::Relaxed);
        let result = flush_slowly(socket, out, written, shared, handle, killed).await;
        handle.writing.store(false, Ordering::Relaxed);
        handle.info.lock().buffers.reply = 0;
        result?;
    }
    // A no-op for TCP; TLS sends what it still holds.
    socket.flush().await?;
    shared.metrics.stats.net_output_bytes.fetch_add(out.len() as u64, Ordering::Relaxed);
    out.clear();
    Ok(())
}

/// The rest of [`flush`] once the socket stopped taking bytes: waits for it
/// under the output buffer limits.
async fn flush_slowly<S: AsyncWrite + Unpin>(
    socket: &mut S,
    out: &[u8],
    mut written: usize,
    shared: &ServerState,
    handle: &SessionHandle,
    mut killed: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> std::io::Result<()> {
    // A subscriber is held to the `pubsub` class, as in Redis.
    let subscribed = handle.info.lock().subscriptions.any();
    let [hard, soft, soft_seconds] =
        if subscribed { shared.config.pubsub_output_limit() } else { shared.config.output_limit() };
    let mut over_soft_since: Option<Instant> = None;
    while written < out.len() {
        let unsent = (out.len() - written) as u64;
        let over_limit = || {
            warn!(id = handle.id, addr = %handle.addr, unsent,
                "Client scheduled to be closed ASAP for overcoming of output buffer limits.");
            std::io::Error::other("output buffer limit")
        };
        if hard > 0 && unsent > hard {
            return Err(over_limit());
        }
        let soft_deadline = if soft > 0 && unsent > soft {
            Some(*over_soft_since.get_or_insert_with(Instant::now) + Duration::from_secs(soft_seconds))
        } else {
            over_soft_since = None;
            None
        };
        tokio::select! {
            result = socket.write(&out[written..]) => match result? {
                0 => return Err(std::io::ErrorKind::WriteZero.into()),
                n => written += n,
            },
            // The connection's own waiter: a second `notified()` would
            // not be the one `notify_one` wakes.
            _ = &mut killed => return Err(std::io::Error::other("killed or shutdown")),
            _ = sleep_until(soft_deadline) => return Err(over_limit()),
        }
    }
    Ok(())
}

/// One write attempt that does not wait: `None` when the socket cannot
/// take anything now.
async fn try_write<S: AsyncWrite + Unpin>(socket: &mut S, bytes: &[u8]) -> Option<std::io::Result<usize>> {
    std::future::poll_fn(|cx| match std::pin::Pin::new(&mut *socket).poll_write(cx, bytes) {
        std::task::Poll::Ready(result) => std::task::Poll::Ready(Some(result)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}

/// Resolves at `deadline`; never without one.
async fn sleep_ms(ms: Option<u64>) {
    match ms {
        Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

//! One connection: read, parse every complete request in the buffer, run
//! each through the registry, and write all their replies with one write.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{ClientHandle, ClientState, Shared};
use crate::protocol::parse::{Argv, Limits, Parsed, RequestParser};
use crate::protocol::Reply;
use crate::registry::{dispatch, Context};

pub const BANNER: &[u8] = b"MiniRedis TCP - Type Commands\r\n";
pub const PROMPT: &[u8] = b"> ";

const READ_CHUNK: usize = 16 * 1024;
/// Replies are flushed mid-batch past this size, so a long pipeline of large
/// replies cannot pile up in memory.
const FLUSH_AT: usize = 64 * 1024;
/// Buffers that grew past this for one big request are given back afterwards.
const KEEP_CAPACITY: usize = 1024 * 1024;

pub async fn serve(mut socket: TcpStream, shared: &Shared, handle: &std::sync::Arc<ClientHandle>) {
    let _ = socket.set_nodelay(true);
    let mut client = ClientState::new(handle.clone());
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut out: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut parser = RequestParser::new(Limits::default());
    let mut stop = shared.shutdown_requested();
    // Created once: re-registering these waiters on every read would cost
    // two lock round-trips per request.
    let killed = handle.killed();
    tokio::pin!(killed);
    let stopped = super::stopped(&mut stop);
    tokio::pin!(stopped);

    // A person who connects and waits is greeted; a program speaks first.
    let delay = shared.config.read().human_session_delay;
    if delay > 0 {
        tokio::select! {
            read = socket.read_buf(&mut buf) => match read {
                Ok(n) if n > 0 => {
                    shared.stats.net_input_bytes.fetch_add(n as u64, Ordering::Relaxed);
                }
                _ => return,
            },
            _ = tokio::time::sleep(Duration::from_millis(delay)) => {
                client.human = true;
                let greeting = [BANNER, PROMPT].concat();
                if socket.write_all(&greeting).await.is_err() {
                    return;
                }
            }
            _ = &mut killed => return,
            _ = &mut stopped => return,
        }
    }

    loop {
        let mut pos = 0;
        let mut commands = 0u64;
        let mut last_command = "";
        let mut close = false;
        let mut now = shared.clock.now_ms();
        loop {
            match parser.parse(&buf[pos..]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Empty { consumed }) => {
                    pos += consumed;
                    if client.human {
                        out.extend_from_slice(PROMPT);
                    }
                }
                Ok(Parsed::Request { consumed }) => {
                    let reply =
                        run_one(shared, &mut client, parser.argv(&buf[pos..]), now, &mut last_command);
                    if client.reply_allowed() {
                        write_reply(&reply, &client, &mut out);
                    } else if client.human {
                        out.extend_from_slice(PROMPT);
                    }
                    pos += consumed;
                    commands += 1;
                    if client.close {
                        close = true;
                        break;
                    }
                    if out.len() >= FLUSH_AT {
                        if flush(&mut socket, &mut out, shared, &mut client).await.is_err() {
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
        buf.advance(pos);
        if commands > 0 {
            shared.stats.commands_processed.fetch_add(commands, Ordering::Relaxed);
            client.publish(last_command, now);
        }
        if !out.is_empty() && flush(&mut socket, &mut out, shared, &mut client).await.is_err() {
            return;
        }
        if close {
            return;
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
        tokio::select! {
            read = socket.read_buf(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    shared.stats.net_input_bytes.fetch_add(n as u64, Ordering::Relaxed);
                }
            },
            _ = &mut killed => return,
            _ = &mut stopped => return,
        }
    }
}

/// Runs one request; the context (and any keyspace lock) ends here, before
/// the connection awaits again.
fn run_one(
    shared: &Shared,
    client: &mut ClientState,
    argv: Argv<'_>,
    now: u64,
    last_command: &mut &'static str,
) -> Reply {
    let mut ctx = Context::at(shared, client, now);
    let reply = dispatch(&mut ctx, argv);
    *last_command = ctx.command;
    reply
}

fn write_reply(reply: &Reply, client: &ClientState, out: &mut Vec<u8>) {
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

async fn flush(
    socket: &mut TcpStream,
    out: &mut Vec<u8>,
    shared: &Shared,
    client: &mut ClientState,
) -> std::io::Result<()> {
    // Replies to logged writes go out once the log has them (group commit).
    if client.aof_wait != 0 {
        shared.persist.aof.wait(std::mem::take(&mut client.aof_wait)).await;
    }
    socket.write_all(out).await?;
    shared.stats.net_output_bytes.fetch_add(out.len() as u64, Ordering::Relaxed);
    out.clear();
    Ok(())
}

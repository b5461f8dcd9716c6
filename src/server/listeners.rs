//! The listening sockets, and their rebinding when `CONFIG SET port` or
//! `bind` changes them: the old sockets close first (the new ones may reuse
//! their port); if the new ones cannot be bound the old ones come back.

use std::io;
use std::net::ToSocketAddrs;
use std::sync::{Arc, Weak};
use std::task::Poll;

use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::config::Listeners;
use crate::state::ServerState;

/// One listening socket an accept loop serves; closing it ends the loop.
pub(super) struct Slot {
    listener: Mutex<Option<TcpListener>>,
    closed: Notify,
}

impl Slot {
    pub(super) fn new(listener: TcpListener) -> Arc<Slot> {
        Arc::new(Slot { listener: Mutex::new(Some(listener)), closed: Notify::new() })
    }

    /// The next connection; `None` once the socket was closed.
    pub(super) async fn accept(&self) -> Option<io::Result<(TcpStream, std::net::SocketAddr)>> {
        let next = std::future::poll_fn(|cx| match self.listener.lock().as_ref() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        });
        tokio::select! {
            next = next => next,
            _ = self.closed.notified() => None,
        }
    }

    /// Closes the socket now and ends its accept loop.
    fn close(&self) {
        drop(self.listener.lock().take());
        self.closed.notify_one();
    }
}

/// The plain (not TLS) listeners, as `CONFIG SET port`/`bind` rebinds them.
pub(super) struct Rebinder {
    shared: Weak<ServerState>,
    runtime: tokio::runtime::Handle,
    state: Mutex<Bound>,
}

struct Bound {
    bind: Vec<String>,
    /// The port asked for (0: any) and the one the sockets got.
    port: u16,
    actual_port: u16,
    slots: Vec<Arc<Slot>>,
}

impl Rebinder {
    pub(super) fn new(
        shared: &Arc<ServerState>,
        bind: Vec<String>,
        port: u16,
        slots: Vec<Arc<Slot>>,
    ) -> Rebinder {
        let actual_port = shared.identity.port();
        Rebinder {
            shared: Arc::downgrade(shared),
            runtime: tokio::runtime::Handle::current(),
            state: Mutex::new(Bound { bind, port, actual_port, slots }),
        }
    }

    /// Serves `listeners` with new accept loops.
    fn serve(&self, shared: &Arc<ServerState>, listeners: Vec<TcpListener>) -> Vec<Arc<Slot>> {
        listeners
            .into_iter()
            .map(|listener| {
                let slot = Slot::new(listener);
                self.runtime.spawn(super::accept_loop(slot.clone(), shared.clone(), None));
                slot
            })
            .collect()
    }
}

impl Listeners for Rebinder {
    fn rebind(&self, bind: &[String], port: u16) -> Result<(), String> {
        let Some(shared) = self.shared.upgrade() else { return Ok(()) };
        let mut state = self.state.lock();
        if state.bind == bind && state.port == port {
            return Ok(());
        }
        state.slots.drain(..).for_each(|slot| slot.close());
        let _runtime = self.runtime.enter();
        match bind_all(bind, port) {
            Ok((listeners, actual_port)) => {
                state.slots = self.serve(&shared, listeners);
                (state.bind, state.port, state.actual_port) = (bind.to_vec(), port, actual_port);
                shared.identity.set_port(actual_port);
                info!(port = actual_port, bind = %bind.join(" "), "listening on new addresses");
                Ok(())
            }
            Err(e) => {
                warn!(error = %e, port, bind = %bind.join(" "), "cannot listen; keeping the old addresses");
                match bind_all(&state.bind, state.actual_port) {
                    Ok((listeners, _)) => state.slots = self.serve(&shared, listeners),
                    Err(e) => warn!(error = %e, "cannot listen on the old addresses again"),
                }
                Err(if state.bind != bind {
                    "Failed to bind to specified addresses.".into()
                } else {
                    "Unable to listen on this port. Check server logs.".into()
                })
            }
        }
    }
}

/// Listens on every address of `bind` at `port` (with 0, all share the port
/// the first one got); the sockets and their port. Runs inside the runtime.
pub(super) fn bind_all(bind: &[String], mut port: u16) -> io::Result<(Vec<TcpListener>, u16)> {
    let mut listeners = Vec::with_capacity(bind.len());
    for host in bind {
        let text = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        let addr = text.to_socket_addrs()?.next().ok_or_else(|| io::Error::other("no address"))?;
        let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        if addr.is_ipv6() {
            socket.set_only_v6(true)?;
        }
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        socket.set_nonblocking(true)?;
        let listener = TcpListener::from_std(socket.into())?;
        port = listener.local_addr()?.port();
        listeners.push(listener);
    }
    Ok((listeners, port))
}

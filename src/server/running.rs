//! A server on its own runtime, started and stopped from ordinary code: for
//! embedding MiniRedis in another program, and for tests that run several
//! servers in one process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::{Server, StartError};
use crate::config::Config;
use crate::state::ServerState;
use crate::store::Clock;

/// A running server. [`RunningServer::shutdown`] (or dropping it) stops
/// it and waits until every thread and task it started has ended.
pub struct RunningServer {
    state: Arc<ServerState>,
    addrs: Vec<SocketAddr>,
    runtime: Option<tokio::runtime::Runtime>,
    serving: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Binds and serves on a runtime of its own (`config.worker_threads()`
    /// workers). Call it from outside any async runtime.
    pub fn start(config: Config) -> Result<RunningServer, StartError> {
        Self::start_with_clock(config, Clock::System)
    }

    /// [`Server::start`] with a given clock (a manual one in tests).
    pub fn start_with_clock(config: Config, clock: Clock) -> Result<RunningServer, StartError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads().max(1))
            .thread_name("miniredis-worker")
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let server = runtime.block_on(Server::bind_with_clock(config, clock))?;
        let (state, addrs) = (server.shared(), server.local_addrs());
        let serving = runtime.spawn(server.run());
        Ok(RunningServer { state, addrs, runtime: Some(runtime), serving: Some(serving) })
    }
}

impl RunningServer {
    /// The first address the server listens on (its port is the real one
    /// when the config asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// Every plain-TCP address the server listens on.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The server's shared state.
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// Stops serving: closes the listeners and every connection, ends the
    /// background threads and the runtime's threads, then returns.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(runtime) = self.runtime.take() else { return };
        self.state.request_shutdown();
        if let Some(serving) = self.serving.take() {
            let _ = runtime.block_on(serving);
        }
        // Connection tasks end on their own once killed; any still running
        // are dropped here, and the runtime's threads end.
        runtime.shutdown_timeout(Duration::from_secs(10));
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop();
    }
}

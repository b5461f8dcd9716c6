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
        let (state, addrs) = (server.state(), server.local_addrs());
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    use super::*;

    const HOUR_MS: u64 = 3_600_000;

    fn start(dir: &std::path::Path, clock: &Clock) -> RunningServer {
        let args = ["miniredis", "--port", "0", "--threads", "1", "--human-session-delay", "3600000"];
        let mut config = Config::from_args(args.iter().copied().chain(["--timeout", "7200"])).unwrap();
        config.dir = dir.to_path_buf();
        Server::start_with_clock(config, clock.clone()).unwrap()
    }

    fn connect(server: &RunningServer) -> TcpStream {
        let stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream
    }

    fn read_some(stream: &mut TcpStream) -> String {
        let mut buf = [0u8; 256];
        let n = stream.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Advances the clock by `step_ms` until the server sends something or
    /// closes the connection (a timer armed just after an advance needs the
    /// next one); what it sent.
    fn advance_until_heard(clock: &Clock, step_ms: u64, stream: &mut TcpStream) -> String {
        stream.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut buf = [0u8; 256];
        for _ in 0..500 {
            clock.advance(step_ms);
            match stream.read(&mut buf) {
                Ok(n) => return String::from_utf8_lossy(&buf[..n]).into_owned(),
                Err(e)
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("{e}"),
            }
        }
        panic!("the timer never fired on the manual clock");
    }

    /// Runs `line` inline and returns the reply.
    fn run(stream: &mut TcpStream, line: &str) -> String {
        stream.write_all(format!("{line}\r\n").as_bytes()).unwrap();
        read_some(stream)
    }

    #[test]
    fn timers_follow_a_manual_clock() {
        let dir = std::env::temp_dir().join(format!("miniredis-timers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let clock = Clock::manual(crate::testing::START_MS);
        let server = start(&dir, &clock);

        // The human-session delay (an hour here) passes when the clock says so.
        let mut person = connect(&server);
        let mut program = connect(&server);
        assert_eq!(run(&mut program, "SET k v PX 100"), "+OK\r\n", "a program speaks first");
        assert_eq!(
            advance_until_heard(&clock, HOUR_MS / 2, &mut person),
            "MiniRedis TCP - Type Commands\r\n> "
        );

        // The active-expiry tick deletes the key once the clock has moved:
        // DBSIZE counts keys not yet collected.
        let deadline = Instant::now() + Duration::from_secs(10);
        while run(&mut program, "DBSIZE") != ":0\r\n" {
            assert!(Instant::now() < deadline, "the expiry cycle never ran on the manual clock");
            clock.advance(100);
            std::thread::sleep(Duration::from_millis(5));
        }

        // The idle timeout (two hours) closes a silent client when the clock passes it.
        let mut idle = connect(&server);
        assert_eq!(run(&mut idle, "PING"), "+PONG\r\n");
        assert_eq!(advance_until_heard(&clock, HOUR_MS, &mut idle), "", "closed by the idle timeout");
        server.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `hash-max-listpack-*` given at start-up apply to the snapshot loaded
    /// and to hashes written afterwards.
    #[test]
    fn start_up_hash_limits_apply_to_loading_and_writing() {
        let dir = std::env::temp_dir().join(format!("miniredis-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let clock = Clock::manual(crate::testing::START_MS);
        let server = start(&dir, &clock);
        let mut c = connect(&server);
        assert_eq!(run(&mut c, "HSET h a 1 b 2 c 3"), ":3\r\n");
        assert_eq!(run(&mut c, "OBJECT ENCODING h"), "$8\r\nlistpack\r\n");
        assert_eq!(run(&mut c, "SAVE"), "+OK\r\n");
        server.shutdown();

        let args = ["miniredis", "--port", "0", "--threads", "1", "--human-session-delay", "3600000"];
        let mut config =
            Config::from_args(args.iter().copied().chain(["--hash-max-ziplist-entries", "2"])).unwrap();
        config.dir = dir.clone();
        let server = Server::start_with_clock(config, clock.clone()).unwrap();
        let mut c = connect(&server);
        assert_eq!(run(&mut c, "OBJECT ENCODING h"), "$9\r\nhashtable\r\n", "loaded under the limit");
        assert_eq!(run(&mut c, "HSET n a 1 b 2"), ":2\r\n");
        assert_eq!(run(&mut c, "OBJECT ENCODING n"), "$8\r\nlistpack\r\n");
        assert_eq!(run(&mut c, "HSET n c 3"), ":1\r\n");
        assert_eq!(run(&mut c, "OBJECT ENCODING n"), "$9\r\nhashtable\r\n", "written under the limit");
        server.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

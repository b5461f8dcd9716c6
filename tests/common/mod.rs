//! Shared helpers for the integration tests: start the real `miniredis`
//! binary on a free port with its own temporary `--dir` (or a reference
//! `redis-server`, found or installed by [`redis_binary`]), and talk to it
//! with raw bytes. Every wait has a timeout, so a broken server fails a test
//! instead of hanging it.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the server may take to print its ready line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a test waits for an expected reply.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// The text before the port in the server's ready line.
const READY_MARKER: &str = "listening on 127.0.0.1:";
/// Set to 1 to let the tests pass (with a loud note) where the Redis tools
/// are missing and cannot be installed.
pub const SKIP_VAR: &str = "MINIREDIS_SKIP_DIFFERENTIAL";

/// Writes to the real stderr, past the test harness's output capture, so
/// summaries and skips show even when the test passes.
pub fn report(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.write_all(b"\n");
}

/// Prints a message framed so it cannot be missed in `cargo test` output.
pub fn loud(message: &str) {
    let bar = "!".repeat(78);
    let body: Vec<String> = message.lines().map(|l| format!("!! {l}")).collect();
    report(&format!("\n{bar}\n{}\n{bar}\n", body.join("\n")));
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/usr/local/bin", "/usr/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `apt-get install -y redis-server` (which brings redis-cli), after
/// an `apt-get update` if the first attempt fails. Only as root.
fn apt_install() {
    if !is_root() || on_path("apt-get").is_none() {
        return;
    }
    report("redis-server not found: trying `apt-get install -y redis-server` ...");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "redis-server"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").arg("update").stdout(Stdio::null()).status();
        install();
    }
}

/// The path of a Redis binary (`redis-server`, `redis-cli`), installing
/// Debian's package if needed and possible. `None` only when it is missing
/// and `MINIREDIS_SKIP_DIFFERENTIAL=1`; otherwise a missing tool fails the
/// test with a loud explanation.
pub fn redis_binary(name: &str, test: &str) -> Option<PathBuf> {
    if let Some(path) = on_path(name) {
        return Some(path);
    }
    apt_install();
    if let Some(path) = on_path(name) {
        return Some(path);
    }
    let message = format!(
        "{test}: `{name}` is not installed, so MiniRedis was NOT compared with real Redis.\n\
         Install it (Debian/Ubuntu: `apt-get install redis-server`), or set {SKIP_VAR}=1\n\
         to skip this test knowingly."
    );
    if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        loud(&format!("SKIPPED - {message}"));
        None
    } else {
        loud(&message);
        panic!("{name} is missing; see the message above");
    }
}

/// A tool a test needs is missing or broken: with
/// `MINIREDIS_SKIP_DIFFERENTIAL=1` the test is skipped with a loud note
/// (the caller returns); otherwise it fails with the explanation.
pub fn tool_missing(test: &str, problem: &str) {
    let message = format!(
        "{test}: {problem}, so this test did NOT run.\n\
         Install what it needs (see .ci/run), or set {SKIP_VAR}=1 to skip it knowingly."
    );
    if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        loud(&format!("SKIPPED - {message}"));
    } else {
        loud(&message);
        panic!("{problem}; see the message above");
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("bind 127.0.0.1:0")
}

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "miniredis-it-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Collects a child's output lines in the background, so its pipe never fills.
fn drain<R: Read + Send + 'static>(pipe: R, sink: Arc<Mutex<String>>, lines: Option<mpsc::Sender<String>>) {
    thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line).into_owned();
                    sink.lock().unwrap().push_str(&text);
                    if let Some(tx) = &lines {
                        // The receiver goes away once the server is ready.
                        let _ = tx.send(text);
                    }
                }
            }
        }
    });
}

/// Starts `command` with stdin closed and its stdout and stderr collected in
/// the background (stdout lines also go to `lines`).
fn spawn_drained(
    command: &mut Command,
    lines: Option<mpsc::Sender<String>>,
) -> (Child, Arc<Mutex<String>>, Arc<Mutex<String>>) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {:?}: {e}", command.get_program()));
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    drain(child.stdout.take().expect("piped stdout"), stdout.clone(), lines);
    drain(child.stderr.take().expect("piped stderr"), stderr.clone(), None);
    (child, stdout, stderr)
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_miniredis"))
}

/// A running `miniredis` (or reference `redis-server`) process, killed on drop.
pub struct Server {
    /// `miniredis` or `redis`, for messages.
    pub name: &'static str,
    pub port: u16,
    pub pid: u32,
    /// The `--dir`, shared so a second server can be started on it.
    pub dir: Arc<TempDir>,
    child: Option<Child>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts a server on a free port in a fresh `--dir`, with `extra` flags.
    pub fn start(extra: &[&str]) -> Server {
        Server::start_in(Arc::new(TempDir::new("server")), extra)
    }

    /// Starts a server on a free port with `--dir` set to `dir`. Unless
    /// `extra` sets `--human-session-delay`, nobody is greeted as a person:
    /// on a loaded machine a test's connection can stay silent past the
    /// delay while others are opened.
    pub fn start_in(dir: Arc<TempDir>, extra: &[&str]) -> Server {
        let mut args: Vec<OsString> = vec!["--port".into(), "0".into(), "--dir".into()];
        args.push(dir.path().into());
        if !extra.contains(&"--human-session-delay") {
            args.extend(["--human-session-delay".into(), "0".into()]);
        }
        args.extend(extra.iter().map(OsString::from));
        Server::start_with_args(dir, &args)
    }

    /// Starts the binary with exactly `args` (which must make it listen on
    /// 127.0.0.1, e.g. through a config file); `dir` is kept alive with it.
    pub fn start_with_args<A: AsRef<OsStr>>(dir: Arc<TempDir>, args: &[A]) -> Server {
        let (tx, rx) = mpsc::channel();
        let (child, stdout, stderr) = spawn_drained(binary().args(args), Some(tx));
        let pid = child.id();
        let mut server = Server { name: "miniredis", port: 0, pid, dir, child: Some(child), stdout, stderr };

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(at) = line.find(READY_MARKER) {
                        let rest = &line[at + READY_MARKER.len()..];
                        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                        server.port =
                            digits.parse().unwrap_or_else(|_| panic!("no port in ready line {line:?}"));
                        return server;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("miniredis printed no ready line within {STARTUP_TIMEOUT:?}\n{}", server.output())
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Stdout closed: the process exited. Let stderr drain.
                    let status = server.wait_exit(Duration::from_secs(5));
                    panic!("miniredis exited before it was ready ({status:?})\n{}", server.output());
                }
            }
        }
    }

    /// MiniRedis as the differential and tool tests run it: like
    /// [`Server::start`], without the human-session delay.
    pub fn start_miniredis(extra: &[&str]) -> Server {
        let mut args = vec!["--human-session-delay", "0"];
        args.extend_from_slice(extra);
        Server::start(&args)
    }

    /// Starts the reference `redis-server` at `binary` on a free port,
    /// without persistence, and waits until it answers `PING`.
    pub fn start_redis(binary: &Path, extra: &[&str]) -> Server {
        for _attempt in 0..3 {
            let dir = Arc::new(TempDir::new("redis-ref"));
            let port = free_port();
            let port_text = port.to_string();
            let args = ["--port", &port_text, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
            let mut command = Command::new(binary);
            command.args(args).arg("--dir").arg(dir.path()).args(extra);
            let (child, stdout, stderr) = spawn_drained(&mut command, None);
            let pid = child.id();
            let mut server = Server { name: "redis", port, pid, dir, child: Some(child), stdout, stderr };
            if server.wait_for_ping() {
                return server;
            }
        }
        panic!("redis-server did not come up (3 attempts)");
    }

    /// Waits (up to [`STARTUP_TIMEOUT`]) until the server answers `PING`.
    fn wait_for_ping(&mut self) -> bool {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while Instant::now() < deadline {
            if !self.is_running() {
                eprintln!("{} exited early\n{}", self.name, self.output());
                return false;
            }
            if let Ok(mut conn) = Conn::open(self.port) {
                if conn.call(&["PING"]).is_ok_and(|r| r == b"+PONG\r\n") {
                    return true;
                }
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn dir_path(&self) -> &Path {
        self.dir.path()
    }

    /// What the process printed so far, for failure messages.
    pub fn output(&self) -> String {
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}",
            self.stdout.lock().unwrap(),
            self.stderr.lock().unwrap()
        )
    }

    /// A new raw connection to this server.
    pub fn connect(&self) -> Conn {
        Conn::connect(self.port)
    }

    /// Resident memory of the process in kB (Linux `/proc/<pid>/status`).
    pub fn rss_kb(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("VmRSS in /proc/<pid>/status")
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// SIGKILLs the process (no chance to save anything) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits up to `timeout` for the process to exit on its own.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs the binary with `args` and waits (at most `timeout`) for it to exit on
/// its own. Returns the exit status, stdout and stderr; panics (after killing
/// it) if it is still running at the deadline.
pub fn run_to_exit<A: AsRef<OsStr>>(args: &[A], timeout: Duration) -> (ExitStatus, String, String) {
    let (mut child, stdout, stderr) = spawn_drained(binary().args(args), None);
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect();
            panic!(
                "miniredis {shown:?} still running after {timeout:?}\n--- stdout ---\n{}--- stderr ---\n{}",
                stdout.lock().unwrap(),
                stderr.lock().unwrap()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    // The pipes close when the process exits; give the drain threads a moment.
    thread::sleep(Duration::from_millis(100));
    let out = stdout.lock().unwrap().clone();
    let err = stderr.lock().unwrap().clone();
    (status, out, err)
}

/// Bytes made readable: printable ASCII as is, `\r` `\n` and the rest escaped.
pub fn show(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// [`show`], cut after about `max` characters (with the full length noted).
pub fn show_cut(bytes: &[u8], max: usize) -> String {
    let mut out = show(bytes);
    if out.len() > max {
        let mut end = max;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        let _ = write!(out, "… ({} bytes in all)", bytes.len());
    }
    out
}

/// Encodes a request as a RESP array of bulk strings.
pub fn resp<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A RESP bulk string reply.
pub fn bulk(bytes: impl AsRef<[u8]>) -> Vec<u8> {
    let bytes = bytes.as_ref();
    let mut out = format!("${}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

/// A raw TCP connection with read and write timeouts.
pub struct Conn {
    /// The socket: writes go here (reads go through a buffered clone).
    pub stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    /// Waits until `INFO clients` reports `n` blocked clients (polling, with
    /// a generous deadline: no fixed sleeps).
    pub fn await_blocked(&mut self, n: usize) {
        let start = std::time::Instant::now();
        loop {
            self.send_cmd(&["INFO", "clients"]);
            let info = String::from_utf8_lossy(&self.read_reply()).into_owned();
            if info.contains(&format!("blocked_clients:{n}\r\n")) {
                return;
            }
            let waited = start.elapsed() < std::time::Duration::from_secs(20);
            assert!(waited, "never reached {n} blocked clients: {info}");
            std::thread::yield_now();
        }
    }

    /// Connects or panics.
    pub fn connect(port: u16) -> Conn {
        Conn::open(port).unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"))
    }

    /// Connects, or the error (while a server may still be starting).
    /// A connection over an already connected stream.
    pub fn from_stream(stream: TcpStream) -> io::Result<Conn> {
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        let reader = BufReader::new(stream.try_clone()?);
        Ok(Conn { stream, reader })
    }

    pub fn open(port: u16) -> io::Result<Conn> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        stream.set_write_timeout(Some(REPLY_TIMEOUT))?;
        Ok(Conn { reader: BufReader::new(stream.try_clone()?), stream })
    }

    /// Writes raw bytes, returning the error instead of panicking.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Writes `bytes` with one `write_all`.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream.write_all(bytes.as_ref()).expect("write to the server");
    }

    /// Sends a request as a RESP array.
    pub fn send_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send(resp(args));
    }

    /// Sends a request as a RESP array, returning a write error.
    pub fn try_send_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<()> {
        self.stream.write_all(&resp(args))
    }

    /// Sends one command and returns its reply's exact bytes, or the error
    /// (the differential test reports a missing reply instead of panicking).
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Vec<u8>> {
        self.try_send_cmd(args)?;
        self.try_read_reply()
    }

    /// Reads until `n` bytes arrived, the peer closed, or `timeout` passed;
    /// returns what arrived (possibly fewer than `n` bytes).
    pub fn read_up_to(&mut self, n: usize, timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        let mut got = Vec::with_capacity(n);
        let mut chunk = vec![0u8; 64 * 1024];
        while got.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.stream.set_read_timeout(Some(left.max(Duration::from_millis(1)))).unwrap();
            let want = (n - got.len()).min(chunk.len());
            match self.reader.read(&mut chunk[..want]) {
                Ok(0) => break,
                Ok(k) => got.extend_from_slice(&chunk[..k]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!("read from the server: {e}"),
            }
        }
        self.stream.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        got
    }

    /// Reads exactly `expected.len()` bytes (or fails at the timeout) and
    /// asserts they are `expected`.
    #[track_caller]
    pub fn expect(&mut self, expected: impl AsRef<[u8]>) {
        let expected = expected.as_ref();
        let got = self.read_up_to(expected.len(), REPLY_TIMEOUT);
        if got != expected {
            panic!("unexpected reply\n  expected: {}\n       got: {}", show(expected), show(&got));
        }
    }

    /// Sends `request` and expects exactly `reply`.
    #[track_caller]
    pub fn roundtrip(&mut self, request: impl AsRef<[u8]>, reply: impl AsRef<[u8]>) {
        self.send(request);
        self.expect(reply);
    }

    /// Sends a RESP command and expects exactly `reply`.
    #[track_caller]
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A], reply: impl AsRef<[u8]>) {
        self.send_cmd(args);
        self.expect(reply);
    }

    /// Asserts that nothing arrives for `quiet`.
    #[track_caller]
    pub fn expect_silence(&mut self, quiet: Duration) {
        let got = self.read_up_to(1, quiet);
        assert!(got.is_empty(), "expected no bytes for {quiet:?}, got: {}", show(&got));
    }

    /// Asserts that the server closes the connection (EOF or reset) in time,
    /// sending nothing more before it does.
    #[track_caller]
    pub fn expect_closed(&mut self) {
        self.stream.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        let mut byte = [0u8; 64];
        let start = Instant::now();
        loop {
            match self.reader.read(&mut byte) {
                Ok(0) => return,
                Ok(n) => panic!("expected the connection to be closed, got: {}", show(&byte[..n])),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    panic!("connection still open after {:?}", start.elapsed())
                }
                Err(e) => panic!("read from the server: {e}"),
            }
        }
    }

    /// Reads one complete RESP2/RESP3 reply and returns its raw bytes.
    #[track_caller]
    pub fn read_reply(&mut self) -> Vec<u8> {
        self.try_read_reply().unwrap_or_else(|e| panic!("read a reply: {e}"))
    }

    /// The exact bytes of the next reply (RESP2 or RESP3), or the error.
    pub fn try_read_reply(&mut self) -> io::Result<Vec<u8>> {
        let mut raw = Vec::new();
        read_value(&mut self.reader, &mut raw)?;
        Ok(raw)
    }

    /// Half-closes the write side (the server sees EOF).
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

fn read_line(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let start = raw.len();
    reader.read_until(b'\n', raw)?;
    if !raw.ends_with(b"\r\n") || raw.len() - start < 3 {
        return Err(io::Error::new(
            ErrorKind::UnexpectedEof,
            format!("reply cut short after: {}", show(raw)),
        ));
    }
    Ok(raw[start + 1..raw.len() - 2].to_vec())
}

fn number(line: &[u8]) -> io::Result<i64> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(ErrorKind::InvalidData, "bad length in reply"))
}

fn read_value(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> io::Result<()> {
    let kind = {
        let buf = reader.fill_buf()?;
        *buf.first().ok_or_else(|| io::Error::new(ErrorKind::UnexpectedEof, "connection closed"))?
    };
    let line = read_line(reader, raw)?;
    match kind {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => Ok(()),
        b'$' | b'=' | b'!' => {
            let len = number(&line)?;
            if len >= 0 {
                let start = raw.len();
                raw.resize(start + len as usize + 2, 0);
                reader.read_exact(&mut raw[start..])?;
            }
            Ok(())
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let count = number(&line)?;
            let items = if matches!(kind, b'%' | b'|') { count * 2 } else { count };
            for _ in 0..items.max(0) {
                read_value(reader, raw)?;
            }
            if kind == b'|' {
                read_value(reader, raw)?; // an attribute precedes the real reply
            }
            Ok(())
        }
        _ => Err(io::Error::new(ErrorKind::InvalidData, format!("not a RESP reply: {}", show(raw)))),
    }
}

/// Runs a command with a time limit; kills it when the limit passes.
/// Returns (exit success, stdout, stderr).
pub fn run_with_timeout(
    mut command: Command,
    stdin: Option<Vec<u8>>,
    limit: Duration,
) -> (bool, String, String) {
    let mut child = command
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tool");
    let feeder = stdin.map(|data| {
        let mut pipe = child.stdin.take().expect("piped stdin");
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_thread = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out_pipe.read_to_end(&mut s);
        s
    });
    let err_thread = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let stdout = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    if status.is_none() {
        stderr.push_str(&format!("\n(killed after {} s)", limit.as_secs()));
    }
    (status.is_some_and(|s| s.success()), stdout, stderr)
}

/// Whether the server knows `name` (`COMMAND INFO name` is not nil).
pub fn knows_command(conn: &mut Conn, name: &str) -> bool {
    let reply = conn.call(&["COMMAND", "INFO", name]).expect("COMMAND INFO");
    !(reply == b"*1\r\n*-1\r\n" || reply == b"*1\r\n$-1\r\n" || reply == b"*1\r\n_\r\n")
}

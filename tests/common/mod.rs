//! Shared helpers for the integration tests: start the real `miniredis`
//! binary on a free port with its own temporary `--dir`, and talk to it with
//! raw bytes. Every wait has a timeout, so a broken server fails a test
//! instead of hanging it.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
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

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_miniredis"))
}

/// A running `miniredis` process, killed on drop.
pub struct Server {
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

    /// Starts a server on a free port with `--dir` set to `dir`.
    pub fn start_in(dir: Arc<TempDir>, extra: &[&str]) -> Server {
        let mut args: Vec<OsString> = vec!["--port".into(), "0".into(), "--dir".into()];
        args.push(dir.path().into());
        args.extend(extra.iter().map(OsString::from));
        Server::start_with_args(dir, &args)
    }

    /// Starts the binary with exactly `args` (which must make it listen on
    /// 127.0.0.1, e.g. through a config file); `dir` is kept alive with it.
    pub fn start_with_args<A: AsRef<OsStr>>(dir: Arc<TempDir>, args: &[A]) -> Server {
        let mut child = binary()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the miniredis binary");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        drain(child.stdout.take().expect("piped stdout"), stdout.clone(), Some(tx));
        drain(child.stderr.take().expect("piped stderr"), stderr.clone(), None);
        let pid = child.id();
        let mut server = Server { port: 0, pid, dir, child: Some(child), stdout, stderr };

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
    let mut child = binary()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the miniredis binary");
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    drain(child.stdout.take().expect("stdout"), stdout.clone(), None);
    drain(child.stderr.take().expect("stderr"), stderr.clone(), None);
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
    pub stream: TcpStream,
}

impl Conn {
    pub fn connect(port: u16) -> Conn {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(REPLY_TIMEOUT)).unwrap();
        Conn { stream }
    }

    /// Writes `bytes` with one `write_all`.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream.write_all(bytes.as_ref()).expect("write to the server");
    }

    /// Sends a request as a RESP array.
    pub fn send_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send(resp(args));
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
            match self.stream.read(&mut chunk[..want]) {
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
            match self.stream.read(&mut byte) {
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
    pub fn read_reply(&mut self) -> Vec<u8> {
        let mut raw = Vec::new();
        self.read_value(&mut raw);
        raw
    }

    /// Half-closes the write side (the server sees EOF).
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    fn read_line(&mut self, raw: &mut Vec<u8>) -> String {
        let start = raw.len();
        loop {
            let byte = self.read_up_to(1, REPLY_TIMEOUT);
            assert_eq!(byte.len(), 1, "reply cut short after: {}", show(&raw[..]));
            raw.push(byte[0]);
            if raw.len() - start >= 2 && raw.ends_with(b"\r\n") {
                return String::from_utf8_lossy(&raw[start..raw.len() - 2]).into_owned();
            }
        }
    }

    fn read_value(&mut self, raw: &mut Vec<u8>) {
        let line = self.read_line(raw);
        let (kind, rest) = line.split_at(1);
        let number = || -> i64 { rest.parse().unwrap_or_else(|_| panic!("bad length in {line:?}")) };
        match kind {
            "+" | "-" | ":" | "_" | "#" | "," | "(" => {}
            "$" | "=" | "!" => {
                let n = number();
                if n >= 0 {
                    let body = self.read_up_to(n as usize + 2, REPLY_TIMEOUT);
                    assert_eq!(body.len(), n as usize + 2, "bulk cut short");
                    raw.extend_from_slice(&body);
                }
            }
            "*" | "~" | ">" => {
                for _ in 0..number().max(0) {
                    self.read_value(raw);
                }
            }
            "%" | "|" => {
                for _ in 0..number().max(0) * 2 {
                    self.read_value(raw);
                }
            }
            _ => panic!("not a RESP reply: {}", show(raw)),
        }
    }
}

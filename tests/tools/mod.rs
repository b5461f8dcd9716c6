//! Shared by the integration tests that run real Redis tools: finding (or
//! installing) `redis-server` / `redis-cli`, starting a reference
//! redis-server and MiniRedis on free ports, and a raw RESP connection that
//! returns every reply's exact bytes.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("bind 127.0.0.1:0")
}

/// A fresh temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("miniredis-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server process, killed when dropped.
pub struct Server {
    pub name: &'static str,
    pub port: u16,
    child: Child,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn connect(&self) -> Conn {
        Conn::open(self.port).unwrap_or_else(|e| panic!("connect to {} on {}: {e}", self.name, self.port))
    }
}

fn wait_for_ping(port: u16, child: &mut Child, name: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            eprintln!("{name} exited early: {status}");
            return false;
        }
        if let Ok(mut conn) = Conn::open(port) {
            if conn.call(&["PING"]).is_ok_and(|r| r == b"+PONG\r\n") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Starts `redis-server` on a free port without persistence.
pub fn start_redis(binary: &Path, extra: &[&str]) -> Server {
    for _attempt in 0..3 {
        let dir = TempDir::new("redis-ref");
        let port = free_port();
        let mut child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        if wait_for_ping(port, &mut child, "redis-server") {
            return Server { name: "redis", port, child, _dir: dir };
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("redis-server did not come up (3 attempts)");
}

/// Starts the MiniRedis binary on a free port (`--port 0`) and reads the
/// port from its `listening on 127.0.0.1:PORT` log line.
pub fn start_miniredis(extra: &[&str]) -> Server {
    let dir = TempDir::new("miniredis");
    let mut child = Command::new(env!("CARGO_BIN_EXE_miniredis"))
        .args(["--port", "0", "--human-session-delay", "0"])
        .arg("--dir")
        .arg(dir.path())
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the miniredis binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    // Keeps draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on 127.0.0.1:") {
                let digits: String = line[at + "listening on 127.0.0.1:".len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let (Some(tx), Ok(port)) = (tx.take(), digits.parse::<u16>()) {
                    let _ = tx.send(port);
                }
            }
        }
    });
    let port = match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(port) => port,
        Err(_) => {
            let _ = child.kill();
            panic!("miniredis did not print `listening on 127.0.0.1:PORT` within 20 s");
        }
    };
    assert!(wait_for_ping(port, &mut child, "miniredis"), "miniredis does not answer PING");
    Server { name: "miniredis", port, child, _dir: dir }
}

/// RESP-encodes one command.
pub fn encode(args: &[impl AsRef<[u8]>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A raw client connection.
pub struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(port: u16) -> io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(Conn { reader: BufReader::new(stream.try_clone()?), writer: stream })
    }

    pub fn send(&mut self, args: &[impl AsRef<[u8]>]) -> io::Result<()> {
        self.writer.write_all(&encode(args))
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
    }

    /// Sends one command and returns its reply's exact bytes.
    pub fn call(&mut self, args: &[impl AsRef<[u8]>]) -> io::Result<Vec<u8>> {
        self.send(args)?;
        self.read_reply()
    }

    /// The exact bytes of the next reply (RESP2 or RESP3).
    pub fn read_reply(&mut self) -> io::Result<Vec<u8>> {
        let mut raw = Vec::new();
        read_value(&mut self.reader, &mut raw)?;
        Ok(raw)
    }
}

fn read_line(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let start = raw.len();
    reader.read_until(b'\n', raw)?;
    if !raw.ends_with(b"\r\n") || raw.len() - start < 3 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed mid-reply"));
    }
    Ok(raw[start + 1..raw.len() - 2].to_vec())
}

fn number(line: &[u8]) -> io::Result<i64> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad length in reply"))
}

fn read_value(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> io::Result<()> {
    let kind = {
        let buf = reader.fill_buf()?;
        *buf.first().ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"))?
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
        other => {
            Err(io::Error::new(io::ErrorKind::InvalidData, format!("unknown reply type {:?}", other as char)))
        }
    }
}

/// Shows bytes readably: printable ASCII as is, `\r\n` as `⏎`, others as `\xHH`; cut at `max` chars.
pub fn show(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < max {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                out.push('⏎');
                i += 1;
            }
            b @ 0x20..=0x7e => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
        i += 1;
    }
    if i < bytes.len() {
        out.push_str(&format!("… ({} bytes in all)", bytes.len()));
    }
    out
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
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out_pipe.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
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
        std::thread::sleep(Duration::from_millis(20));
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

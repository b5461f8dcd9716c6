//! The library as an embedding program uses it: two servers in one
//! process, each on port 0, used, shut down, and no thread left behind.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use miniredis::config::Config;
use miniredis::server::Server;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|dir| dir.count()).expect("/proc/self/task")
}

/// Sends one request and returns the reply's bytes (replies here are short).
fn request(stream: &mut TcpStream, args: &[&str]) -> String {
    let mut out = format!("*{}\r\n", args.len());
    for arg in args {
        out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(out.as_bytes()).unwrap();
    let mut reply = vec![0u8; 512];
    let n = stream.read(&mut reply).unwrap();
    String::from_utf8_lossy(&reply[..n]).into_owned()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

fn config(dir: &std::path::Path, extra: &[&str]) -> Config {
    let mut args = vec!["miniredis", "--port", "0", "--threads", "2", "--dir", dir.to_str().unwrap()];
    args.extend(extra);
    Config::from_args(args).unwrap()
}

#[test]
fn two_servers_in_one_process_share_nothing_and_leave_no_thread() {
    let base = std::env::temp_dir().join(format!("miniredis-embedding-{}", std::process::id()));
    let (dir_a, dir_b) = (base.join("a"), base.join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let baseline = threads();

    // One with the append-only file, so its writer threads run too.
    let a = Server::start(config(&dir_a, &["--appendonly", "yes"])).unwrap();
    let b = Server::start(config(&dir_b, &[])).unwrap();
    assert_ne!(a.addr().port(), 0);
    assert_ne!(a.addr(), b.addr());
    assert!(threads() > baseline, "the servers run threads of their own");

    let (mut conn_a, mut conn_b) = (connect(a.addr()), connect(b.addr()));
    assert_eq!(request(&mut conn_a, &["SET", "k", "from-a"]), "+OK\r\n");
    assert_eq!(request(&mut conn_b, &["GET", "k"]), "$-1\r\n", "separate keyspaces");
    assert_eq!(request(&mut conn_b, &["SET", "k", "from-b"]), "+OK\r\n");
    assert_eq!(request(&mut conn_a, &["GET", "k"]), "$6\r\nfrom-a\r\n");
    assert_eq!(request(&mut conn_b, &["CONFIG", "SET", "maxmemory-samples", "7"]), "+OK\r\n");
    assert_eq!(
        request(&mut conn_a, &["CONFIG", "GET", "maxmemory-samples"]),
        "*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n5\r\n",
        "separate configurations"
    );

    a.shutdown();
    assert_eq!(request(&mut conn_b, &["GET", "k"]), "$6\r\nfrom-b\r\n", "b serves on after a stopped");
    b.shutdown();
    let mut closed = [0u8; 1];
    assert_eq!(conn_a.read(&mut closed).unwrap_or(0), 0, "a's connection was closed");

    // Exited threads leave /proc a moment after they are joined.
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads() > baseline && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(threads(), baseline, "every thread the servers started has ended");
    let log = std::fs::read_to_string(dir_a.join("appendonly.aof")).unwrap_or_default();
    assert!(log.contains("from-a"), "a's log has its write: {log:?}");
    let _ = std::fs::remove_dir_all(&base);
}

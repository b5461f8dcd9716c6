//! Fifty embedded servers started in parallel threads, used and dropped:
//! afterwards the process has its threads and sockets of before. Alone in
//! its test binary, so that no other test's threads are counted.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use miniredis::Server;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").expect("/proc/self/task").count()
}

fn open_sockets() -> usize {
    let fds = std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd");
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

/// Ports in the LISTEN state (`0A`) on this machine, from /proc/net/tcp{,6}.
fn listening_ports() -> HashSet<u16> {
    let mut ports = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.get(3) == Some(&"0A") {
                let port = fields[1].rsplit(':').next().and_then(|hex| u16::from_str_radix(hex, 16).ok());
                ports.extend(port);
            }
        }
    }
    ports
}

/// Starts a server, writes through a client and checks directly, then
/// waits for the others at `all_started` (so every server is alive at once
/// and their ports must differ) before dropping it; its port.
fn use_and_drop(i: usize, all_started: &Barrier) -> u16 {
    let server = Server::start().expect("start");
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_connection().unwrap();
    let key = format!("key-{i}");
    redis::cmd("SET").arg(&key).arg(i).exec(&mut con).unwrap();
    server.check_get(&key, &i.to_string());
    assert_eq!(server.keys(), [key], "each server has its own keyspace");
    let port = server.addr().port();
    all_started.wait();
    drop(con);
    drop(server);
    port
}

#[test]
fn fifty_servers_in_parallel_leave_no_thread_and_no_socket() {
    // Once per process, a library makes a socket pair it keeps: one
    // server, used and dropped first, so that the baseline counts it.
    use_and_drop(50, &Barrier::new(1));
    let (thread_baseline, socket_baseline) = (threads(), open_sockets());
    let all_started = Arc::new(Barrier::new(50));
    let workers: Vec<_> = (0..50)
        .map(|i| {
            let all_started = Arc::clone(&all_started);
            std::thread::spawn(move || use_and_drop(i, &all_started))
        })
        .collect();
    let ports: HashSet<u16> =
        workers.into_iter().map(|w| w.join().expect("a server thread failed")).collect();
    assert_eq!(ports.len(), 50, "fifty different ports");

    let still_listening: Vec<u16> = listening_ports().intersection(&ports).copied().collect();
    assert!(still_listening.is_empty(), "ports still listening: {still_listening:?}");
    // Exited threads leave /proc a moment after they are joined.
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads() > thread_baseline && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(threads(), thread_baseline, "every thread the servers started has ended");
    assert_eq!(open_sockets(), socket_baseline, "every socket the servers opened is closed");
}

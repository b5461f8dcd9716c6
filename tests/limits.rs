//! Network exposure and per-client limits with the real binary:
//! protected mode, maxclients, idle timeout.

mod common;

use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::*;

/// A non-loopback address of this machine, if it has one.
fn outside_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").or_else(|_| socket.connect("8.8.8.8:53")).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

fn connect_to(ip: IpAddr, port: u16) -> Conn {
    let stream = TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_secs(5)).unwrap();
    stream.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
    Conn { stream }
}

#[test]
fn protected_mode_refuses_outside_clients_without_a_password() {
    let Some(ip) = outside_address() else {
        eprintln!("no non-loopback address on this machine: protected mode not tested");
        return;
    };
    let ip_text = ip.to_string();
    let server = Server::start(&["--bind", "127.0.0.1", &ip_text, "--human-session-delay", "0"]);
    let mut outside = connect_to(ip, server.port);
    let reply = outside.read_up_to(4096, Duration::from_secs(5));
    assert!(
        reply.starts_with(b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."),
        "{}",
        show(&reply)
    );
    assert!(reply.ends_with(b"accepting connections from the outside.\r\n"));
    outside.expect_closed();
    // Loopback clients are always let in; with a password, everyone is (and must AUTH).
    let mut local = server.connect();
    local.cmd(&["CONFIG", "SET", "requirepass", "pw"], "+OK\r\n");
    let mut outside = connect_to(ip, server.port);
    outside.cmd(&["PING"], "-NOAUTH Authentication required.\r\n");
    outside.cmd(&["AUTH", "pw"], "+OK\r\n");
    outside.cmd(&["PING"], "+PONG\r\n");
    // protected-mode no lets outside clients in without a password.
    outside.cmd(&["CONFIG", "SET", "requirepass", "", "protected-mode", "no"], "+OK\r\n");
    let mut again = connect_to(ip, server.port);
    again.cmd(&["PING"], "+PONG\r\n");
}

#[test]
fn maxclients_refuses_the_extra_connection() {
    let server = Server::start(&["--maxclients", "3", "--human-session-delay", "0"]);
    let mut clients: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
    for c in &mut clients {
        c.cmd(&["PING"], "+PONG\r\n");
    }
    let mut extra = server.connect();
    extra.expect("-ERR max number of clients reached\r\n");
    extra.expect_closed();
    clients.pop();
    // The slot is free once the server saw the close.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut next = server.connect();
        next.send_cmd(&["PING"]);
        let reply = next.read_up_to(7, Duration::from_secs(2));
        if reply == b"+PONG\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "slot never freed: {}", show(&reply));
        std::thread::sleep(Duration::from_millis(50));
    }
    clients[0].cmd(&["CONFIG", "GET", "maxclients"], "*2\r\n$10\r\nmaxclients\r\n$1\r\n3\r\n");
}

#[test]
fn idle_clients_are_disconnected_after_timeout() {
    let server = Server::start(&["--timeout", "1", "--human-session-delay", "0"]);
    let mut idle = server.connect();
    let mut busy = server.connect();
    idle.cmd(&["PING"], "+PONG\r\n");
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1600) {
        busy.cmd(&["PING"], "+PONG\r\n");
        std::thread::sleep(Duration::from_millis(200));
    }
    idle.expect_closed();
    assert!(start.elapsed() < Duration::from_secs(4));
    busy.cmd(&["CONFIG", "SET", "timeout", "0"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(1500));
    busy.cmd(&["PING"], "+PONG\r\n");
}

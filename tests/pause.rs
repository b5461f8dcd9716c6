//! `CLIENT PAUSE` against the real binary, with Redis 7.0's semantics:
//! `WRITE` holds writes while reads go on, held clients are served in the
//! order they were held, and `ALL` holds everything until the timeout.

mod common;

use std::time::{Duration, Instant};

use common::{bulk, Conn, Server};

fn client_id(conn: &mut Conn) -> String {
    let reply = String::from_utf8(conn.call(&["CLIENT", "ID"]).expect("CLIENT ID")).unwrap();
    reply.trim().trim_start_matches(':').to_string()
}

/// Waits until `CLIENT LIST` (run on `observer`) shows client `id` held (flag `b`).
fn wait_until_held(observer: &mut Conn, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        observer.send_cmd(&["CLIENT", "LIST"]);
        let list = String::from_utf8_lossy(&observer.read_reply()).into_owned();
        if list.lines().any(|l| l.starts_with(&format!("id={id} ")) && l.contains(" flags=b ")) {
            return;
        }
        assert!(Instant::now() < deadline, "client {id} was never held:\n{list}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn write_pause_holds_writes_and_serves_them_in_order() {
    let server = Server::start_miniredis(&[]);
    let mut admin = server.connect();
    let (mut first, mut second, mut reader) = (server.connect(), server.connect(), server.connect());
    let (first_id, second_id) = (client_id(&mut first), client_id(&mut second));
    admin.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"], "+OK\r\n");

    // A pipeline: the read before the write is answered, the write waits.
    first.send(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    first.expect("$-1\r\n");
    wait_until_held(&mut admin, &first_id);
    second.send_cmd(&["SET", "k", "2"]);
    wait_until_held(&mut admin, &second_id);

    reader.cmd(&["GET", "k"], "$-1\r\n");
    reader.cmd(&["PING"], "+PONG\r\n");
    reader.cmd(&["NOSUCH"], "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
    admin.send_cmd(&["INFO", "clients"]);
    let info = String::from_utf8_lossy(&admin.read_reply()).into_owned();
    assert!(info.contains("blocked_clients:2\r\n"), "{info}");

    admin.cmd(&["CLIENT", "UNPAUSE"], "+OK\r\n");
    first.expect("+OK\r\n");
    first.expect(bulk("1"));
    second.expect("+OK\r\n");
    reader.cmd(&["GET", "k"], bulk("2"));
}

#[test]
fn all_pause_holds_everything_until_the_timeout() {
    let server = Server::start_miniredis(&[]);
    let mut admin = server.connect();
    let mut other = server.connect();
    let started = Instant::now();
    admin.cmd(&["CLIENT", "PAUSE", "300", "ALL"], "+OK\r\n");
    other.cmd(&["PING"], "+PONG\r\n");
    assert!(started.elapsed() >= Duration::from_millis(300), "PING ran during the pause");
    // Over: nothing is held any more.
    admin.cmd(&["SET", "k", "v"], "+OK\r\n");
}

//! Blocking sorted-set pops over real connections: FIFO order, serving
//! after the whole command, a key of another type keeps a client waiting,
//! CLIENT UNBLOCK, the logged form, and a blocked command counted once in
//! `INFO commandstats`.

mod common;

use std::time::Duration;

use common::{bulk, Conn, Server};

fn triple(key: &str, member: &str, score: &str) -> Vec<u8> {
    [b"*3\r\n".to_vec(), bulk(key), bulk(member), bulk(score)].concat()
}

fn commandstat(admin: &mut Conn, name: &str) -> String {
    admin.send_cmd(&["INFO", "commandstats"]);
    let info = String::from_utf8_lossy(&admin.read_reply()).into_owned();
    let prefix = format!("cmdstat_{name}:");
    let line = info.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_default();
    // calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..
    line.split(',').filter(|f| f.contains("calls=")).collect::<Vec<_>>().join(",")
}

#[test]
fn fifo_order_served_after_the_whole_zadd() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    let mut waiters: Vec<Conn> = (0..3).map(|_| server.connect()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.send_cmd(&["BZPOPMIN", "z", "other", "0"]);
        admin.await_blocked(i + 1);
    }
    admin.cmd(&["ZADD", "z", "3", "c", "1", "a", "2", "b"], ":3\r\n");
    waiters[0].expect(triple("z", "a", "1"));
    waiters[1].expect(triple("z", "b", "2"));
    waiters[2].expect(triple("z", "c", "3"));
    admin.await_blocked(0);
    admin.cmd(&["EXISTS", "z"], ":0\r\n");
    // BZMPOP takes what the count allows; the next waiter gets the rest.
    waiters[0].send_cmd(&["BZMPOP", "0", "1", "m", "MAX", "COUNT", "2"]);
    admin.await_blocked(1);
    waiters[1].send_cmd(&["BZPOPMAX", "m", "0"]);
    admin.await_blocked(2);
    admin.cmd(&["ZADD", "m", "1", "x", "2", "y", "3", "z"], ":3\r\n");
    waiters[0].expect(
        [b"*2\r\n".to_vec(), bulk("m"), b"*2\r\n*2\r\n".to_vec(), bulk("z"), bulk("3"), b"*2\r\n".to_vec()]
            .concat()
            .into_iter()
            .chain([bulk("y"), bulk("2")].concat())
            .collect::<Vec<u8>>(),
    );
    waiters[1].expect(triple("m", "x", "1"));
}

#[test]
fn another_type_keeps_waiting_timeouts_and_unblock() {
    let server = Server::start(&["--appendonly", "yes"]);
    let mut admin = server.connect();
    let mut waiter = server.connect();
    waiter.cmd(&["BZPOPMIN", "none", "0.01"], "*-1\r\n");
    waiter.cmd(&["BZMPOP", "0.01", "1", "none", "MIN"], "*-1\r\n");
    waiter.send_cmd(&["BZPOPMAX", "k", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["SET", "k", "v"], "+OK\r\n");
    waiter.expect_silence(Duration::from_millis(50));
    admin.await_blocked(1);
    admin.cmd(&["DEL", "k"], ":1\r\n");
    admin.cmd(&["ZADD", "k", "5", "m"], ":1\r\n");
    waiter.expect(triple("k", "m", "5"));

    waiter.send_cmd(&["CLIENT", "ID"]);
    let id_line = waiter.read_reply();
    let id = String::from_utf8_lossy(&id_line).trim().trim_start_matches(':').to_string();
    waiter.send_cmd(&["BZMPOP", "0", "1", "none", "MIN"]);
    admin.await_blocked(1);
    admin.cmd(&["CLIENT", "UNBLOCK", &id], ":1\r\n");
    waiter.expect("*-1\r\n");
    waiter.send_cmd(&["BZPOPMIN", "none", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"], ":1\r\n");
    waiter.expect("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    drop(admin);
    let log = aof_text(&server);
    assert!(!log.contains("BZPOP") && !log.contains("BZMPOP"), "{log}");
    assert!(log.contains("*2\r\n$7\r\nZPOPMAX\r\n$1\r\nk\r\n"), "{log}");
}

/// Redis counts a blocked command once, whether it is served, times out
/// or is unblocked, however often it was woken in between.
#[test]
fn a_blocked_command_counts_once_in_commandstats() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    let mut waiter = server.connect();
    waiter.send_cmd(&["BZPOPMIN", "z", "0"]);
    admin.await_blocked(1);
    // Woken twice without finding a sorted set, then served.
    admin.cmd(&["SET", "z", "v"], "+OK\r\n");
    admin.cmd(&["DEL", "z"], ":1\r\n");
    admin.cmd(&["ZADD", "z", "1", "a"], ":1\r\n");
    waiter.expect(triple("z", "a", "1"));
    assert_eq!(commandstat(&mut admin, "bzpopmin"), "calls=1,rejected_calls=0,failed_calls=0");
    waiter.cmd(&["BLPOP", "l", "0.01"], "*-1\r\n");
    waiter.send_cmd(&["BLPOP", "l", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["RPUSH", "l", "x"], ":1\r\n");
    waiter.expect([b"*2\r\n".to_vec(), bulk("l"), bulk("x")].concat());
    assert_eq!(commandstat(&mut admin, "blpop"), "calls=2,rejected_calls=0,failed_calls=0");
    admin.send_cmd(&["CLIENT", "ID"]);
    let _ = admin.read_reply();
    waiter.send_cmd(&["CLIENT", "ID"]);
    let id_line = waiter.read_reply();
    let id = String::from_utf8_lossy(&id_line).trim().trim_start_matches(':').to_string();
    waiter.send_cmd(&["BZPOPMAX", "none", "0"]);
    admin.await_blocked(1);
    admin.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"], ":1\r\n");
    waiter.expect("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    assert_eq!(commandstat(&mut admin, "bzpopmax"), "calls=1,rejected_calls=0,failed_calls=1");
    admin.send_cmd(&["INFO", "errorstats"]);
    let errors = String::from_utf8_lossy(&admin.read_reply()).into_owned();
    assert!(errors.contains("errorstat_UNBLOCKED:count=1\r\n"), "{errors}");
}

fn aof_text(server: &Server) -> String {
    let mut files = vec![server.dir_path().to_path_buf()];
    let mut text = String::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().flatten().map(|e| e.path()));
        } else if path.to_string_lossy().contains("aof") {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()));
        }
    }
    text
}

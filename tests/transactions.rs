//! Transactions over real connections: WATCH raced by other clients, EXEC
//! atomicity under concurrent writers on two threads, the `redis` crate's
//! `atomic()` pipelines (sync and tokio), MONITOR, and the append-only
//! file: a transaction's writes logged between MULTI and EXEC, replayed,
//! and a file cut inside a transaction treated as a torn tail.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{bulk, resp, run_to_exit, Conn, Server, TempDir};

const TIMEOUT: Duration = Duration::from_secs(20);

/// The integer in string `key` (0 when missing).
fn get_int(conn: &mut Conn, key: &str) -> i64 {
    let reply = conn.call(&["GET", key]).unwrap();
    let text = String::from_utf8(reply).expect("utf-8");
    match text.lines().nth(1) {
        Some(number) => number.parse().unwrap_or_else(|_| panic!("not an integer: {text:?}")),
        None => 0,
    }
}

#[test]
fn watch_raced_by_another_client_fails_exec() {
    let server = Server::start(&[]);
    let mut watcher = server.connect();
    let mut racer = server.connect();
    watcher.cmd(&["SET", "balance", "100"], "+OK\r\n");
    watcher.cmd(&["WATCH", "balance"], "+OK\r\n");
    watcher.cmd(&["GET", "balance"], bulk("100"));
    racer.cmd(&["DECRBY", "balance", "30"], ":70\r\n");
    watcher.cmd(&["MULTI"], "+OK\r\n");
    watcher.cmd(&["SET", "balance", "90"], "+QUEUED\r\n");
    watcher.cmd(&["EXEC"], "*-1\r\n");
    watcher.cmd(&["GET", "balance"], bulk("70"));
    // Not raced: the same transaction goes through.
    watcher.cmd(&["WATCH", "balance"], "+OK\r\n");
    watcher.cmd(&["MULTI"], "+OK\r\n");
    watcher.cmd(&["SET", "balance", "60"], "+QUEUED\r\n");
    watcher.cmd(&["EXEC"], "*1\r\n+OK\r\n");
    // A disconnected watcher leaves nothing behind.
    watcher.cmd(&["WATCH", "balance"], "+OK\r\n");
    drop(watcher);
    let mut again = server.connect();
    again.cmd(&["MULTI"], "+OK\r\n");
    again.cmd(&["EXEC"], "*0\r\n");
}

/// Optimistic locking from several threads: every increment lands once.
#[test]
fn check_and_set_loops_from_several_clients_lose_no_update() {
    let server = Server::start(&["--threads", "2"]);
    let (clients, rounds) = (4, 50);
    let port = server.port;
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            std::thread::spawn(move || {
                let mut conn = Conn::connect(port);
                let mut retries = 0;
                for _ in 0..rounds {
                    loop {
                        conn.cmd(&["WATCH", "counter"], "+OK\r\n");
                        let value = get_int(&mut conn, "counter");
                        conn.cmd(&["MULTI"], "+OK\r\n");
                        conn.cmd(&["SET", "counter", &(value + 1).to_string()], "+QUEUED\r\n");
                        match conn.call(&["EXEC"]).unwrap().as_slice() {
                            b"*-1\r\n" => retries += 1,
                            b"*1\r\n+OK\r\n" => break,
                            other => panic!("EXEC replied {}", common::show(other)),
                        }
                    }
                }
                retries
            })
        })
        .collect();
    let retries: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    server.connect().cmd(&["GET", "counter"], bulk((clients * rounds).to_string()));
    common::report(&format!("check-and-set: {} commits, {retries} retries", clients * rounds));
}

/// 8 clients on a 2-thread server run transactions over keys in many
/// shards: no command of another client runs inside a transaction, so each
/// transaction sees all its counters equal, and the totals are exact.
#[test]
fn exec_is_atomic_across_shards_under_concurrent_writers() {
    let server = Server::start(&["--threads", "2"]);
    let (clients, rounds) = (8, 100);
    let keys: Vec<String> = (0..12).map(|i| format!("counter:{i}")).collect();
    let port = server.port;
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let keys = keys.clone();
            std::thread::spawn(move || {
                let mut conn = Conn::connect(port);
                for _ in 0..rounds {
                    let mut batch = resp(&["MULTI"]);
                    for key in &keys {
                        batch.extend(resp(&["INCR", key]));
                    }
                    batch.extend(resp(&["EXEC"]));
                    conn.send(&batch);
                    conn.expect("+OK\r\n");
                    for _ in &keys {
                        conn.expect("+QUEUED\r\n");
                    }
                    let reply = String::from_utf8(conn.read_reply()).unwrap();
                    let values: Vec<&str> = reply.lines().skip(1).collect();
                    assert_eq!(values.len(), keys.len(), "{reply}");
                    assert!(values.iter().all(|v| *v == values[0]), "interleaved: {reply}");
                }
            })
        })
        .collect();
    // A plain writer meanwhile, on other keys of the same shards, and a
    // reader of all the counters at once (MGET locks their shards together).
    let mut plain = server.connect();
    for round in 0..rounds {
        plain.call(&["INCR", &format!("noise:{}", round % 12)]).unwrap();
        let mut mget = vec!["MGET".to_string()];
        mget.extend(keys.iter().cloned());
        let reply = String::from_utf8(plain.call(&mget).unwrap()).unwrap();
        let values: Vec<&str> = reply.lines().skip(1).filter(|l| !l.starts_with('$')).collect();
        assert!(values.windows(2).all(|w| w[0] == w[1]), "a transaction seen half done: {reply}");
    }
    for worker in workers {
        worker.join().expect("worker");
    }
    let mut conn = server.connect();
    let total: i64 = keys.iter().map(|key| get_int(&mut conn, key)).sum();
    assert_eq!(total, (clients * rounds * keys.len()) as i64);
}

#[test]
fn the_redis_crate_atomic_pipeline_sync() {
    let server = Server::start(&[]);
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)).unwrap();
    let mut con = client.get_connection_with_timeout(TIMEOUT).unwrap();
    let (value, length): (i64, i64) =
        redis::pipe().atomic().set("k", 41).ignore().incr("k", 1).rpush("list", "x").query(&mut con).unwrap();
    assert_eq!((value, length), (42, 1));
    // The crate's WATCH helper retries until the transaction goes through.
    let (doubled,): (i64,) = redis::transaction(&mut con, &["k"], |con, pipe| {
        let now: i64 = redis::cmd("GET").arg("k").query(con)?;
        pipe.set("k", now * 2).ignore().get("k").query(con)
    })
    .unwrap();
    assert_eq!(doubled, 84);
    // A runtime error inside the transaction is the crate's error.
    let failed: redis::RedisResult<(i64,)> = redis::pipe().atomic().incr("list", 1).query(&mut con);
    assert!(failed.unwrap_err().to_string().contains("WRONGTYPE"));
    let ok: i64 = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(ok, 84, "the connection is still usable");
}

#[test]
fn the_redis_crate_atomic_pipeline_async() {
    let server = Server::start(&[]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)).unwrap();
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        let (value, members): (i64, Vec<String>) = redis::pipe()
            .atomic()
            .set("k", 1)
            .ignore()
            .incr("k", 2)
            .rpush("l", "a")
            .ignore()
            .lrange("l", 0, -1)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!((value, members), (3, vec!["a".to_string()]));
        let failed: redis::RedisResult<(i64,)> =
            redis::pipe().atomic().incr("l", 1).query_async(&mut con).await;
        assert!(failed.is_err());
        let ok: i64 = redis::cmd("GET").arg("k").query_async(&mut con).await.unwrap();
        assert_eq!(ok, 3);
    });
}

#[test]
fn monitor_shows_the_commands_then_exec() {
    let server = Server::start(&[]);
    let mut monitor = server.connect();
    monitor.cmd(&["MONITOR"], "+OK\r\n");
    let mut conn = server.connect();
    conn.cmd(&["MULTI"], "+OK\r\n");
    conn.cmd(&["SET", "a", "1"], "+QUEUED\r\n");
    conn.cmd(&["GET", "a"], "+QUEUED\r\n");
    conn.cmd(&["EXEC"], "*2\r\n+OK\r\n$1\r\n1\r\n");
    // A refused EXEC ends the transaction in MONITOR's view too.
    conn.cmd(&["MULTI"], "+OK\r\n");
    conn.cmd(&["SET", "a", "2"], "+QUEUED\r\n");
    conn.cmd(
        &["EXEC", "now"],
        "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
    );
    let mut lines = Vec::new();
    while lines.len() < 6 {
        let line = String::from_utf8(monitor.read_reply()).unwrap();
        lines.push(line.split_once(']').map(|(_, command)| command.trim().to_string()).unwrap_or(line));
    }
    assert_eq!(
        lines,
        ["\"MULTI\"", "\"SET\" \"a\" \"1\"", "\"GET\" \"a\"", "\"EXEC\"", "\"MULTI\"", "\"EXEC\" \"now\""]
    );
}

fn aof_path(dir: &TempDir) -> std::path::PathBuf {
    dir.path().join("appendonly.aof")
}

#[test]
fn a_transaction_is_logged_between_multi_and_exec_and_replayed() {
    let dir = Arc::new(TempDir::new("txn-aof"));
    let args = ["--appendonly", "yes", "--appendfsync", "always"];
    let server = Server::start_in(dir.clone(), &args);
    let mut conn = server.connect();
    conn.cmd(&["MULTI"], "+OK\r\n");
    conn.cmd(&["SET", "a", "1"], "+QUEUED\r\n");
    conn.cmd(&["GET", "a"], "+QUEUED\r\n");
    conn.cmd(&["SELECT", "1"], "+QUEUED\r\n");
    conn.cmd(&["INCR", "n"], "+QUEUED\r\n");
    conn.cmd(&["EXEC"], "*4\r\n+OK\r\n$1\r\n1\r\n+OK\r\n:1\r\n");
    drop(conn);
    drop(server);
    let log = std::fs::read(aof_path(&dir)).unwrap();
    let expected = [
        resp(&["SELECT", "0"]),
        resp(&["MULTI"]),
        resp(&["SET", "a", "1"]),
        resp(&["SELECT", "1"]),
        resp(&["INCR", "n"]),
        resp(&["EXEC"]),
    ]
    .concat();
    assert!(log.ends_with(&expected), "{}", common::show(&log));
    let server = Server::start_in(dir.clone(), &args);
    let mut conn = server.connect();
    conn.cmd(&["GET", "a"], bulk("1"));
    conn.cmd(&["SELECT", "1"], "+OK\r\n");
    conn.cmd(&["GET", "n"], bulk("1"));
}

#[test]
fn a_log_cut_inside_a_transaction_is_a_torn_tail() {
    let dir = Arc::new(TempDir::new("txn-torn"));
    let good = [resp(&["SELECT", "0"]), resp(&["SET", "before", "1"])].concat();
    let torn =
        [good.clone(), resp(&["MULTI"]), resp(&["SET", "inside", "1"]), resp(&["INCR", "before"])].concat();
    std::fs::write(aof_path(&dir), &torn).unwrap();
    let args = ["--port", "0", "--dir", dir.path().to_str().unwrap(), "--appendonly", "yes"];
    let (status, _, stderr) =
        run_to_exit(&[&args[..], &["--aof-load-truncated", "no"]].concat(), Duration::from_secs(10));
    assert!(!status.success());
    assert!(stderr.contains(&format!("(at byte offset {})", good.len())), "{stderr}");
    // By default the unfinished transaction is dropped as a whole.
    let server = Server::start_in(dir.clone(), &["--appendonly", "yes"]);
    assert!(server.output().contains("incomplete record or transaction"), "{}", server.output());
    let mut conn = server.connect();
    conn.cmd(&["GET", "before"], bulk("1"));
    conn.cmd(&["EXISTS", "inside"], ":0\r\n");
    drop(conn);
    drop(server);
    assert!(std::fs::read(aof_path(&dir)).unwrap().starts_with(&good));
}

/// Waits until `CLIENT LIST` shows a held (`b`) client.
fn wait_until_held(admin: &mut Conn) {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let list = String::from_utf8(admin.call(&["CLIENT", "LIST"]).unwrap()).unwrap();
        if list.contains(" flags=xb ") {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "never held:\n{list}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_write_pause_holds_exec_of_writes_and_lets_reads_run() {
    let server = Server::start(&[]);
    let mut admin = server.connect();
    let mut conn = server.connect();
    conn.cmd(&["MULTI"], "+OK\r\n");
    conn.cmd(&["SET", "k", "1"], "+QUEUED\r\n");
    admin.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"], "+OK\r\n");
    let mut reader = server.connect();
    reader.cmd(&["MULTI"], "+OK\r\n");
    reader.cmd(&["GET", "k"], "+QUEUED\r\n");
    reader.cmd(&["EXEC"], "*1\r\n$-1\r\n");
    conn.send_cmd(&["EXEC"]);
    wait_until_held(&mut admin);
    admin.cmd(&["CLIENT", "UNPAUSE"], "+OK\r\n");
    conn.expect("*1\r\n+OK\r\n");
    reader.cmd(&["GET", "k"], bulk("1"));
}

#[test]
fn keys_expiry_deleted_inside_a_transaction_are_logged_inside_it() {
    let dir = Arc::new(TempDir::new("txn-expired"));
    let args = ["--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes"];
    let server = Server::start_in(dir.clone(), &args);
    let mut conn = server.connect();
    // Only the transaction's read may delete the key.
    conn.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n");
    conn.cmd(&["SET", "gone", "v", "PX", "1"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(20));
    conn.cmd(&["MULTI"], "+OK\r\n");
    conn.cmd(&["SET", "a", "1"], "+QUEUED\r\n");
    conn.cmd(&["GET", "gone"], "+QUEUED\r\n");
    conn.cmd(&["SET", "b", "2"], "+QUEUED\r\n");
    conn.cmd(&["EXEC"], "*3\r\n+OK\r\n$-1\r\n+OK\r\n");
    drop(conn);
    drop(server);
    let log = std::fs::read(aof_path(&dir)).unwrap();
    let expected = [
        resp(&["MULTI"]),
        resp(&["SET", "a", "1"]),
        resp(&["DEL", "gone"]),
        resp(&["SET", "b", "2"]),
        resp(&["EXEC"]),
    ]
    .concat();
    assert!(log.ends_with(&expected), "{}", common::show(&log));
}

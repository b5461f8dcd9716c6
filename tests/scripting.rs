//! Lua scripting against a running server: BUSY and SCRIPT KILL from a
//! second connection, atomicity under concurrent writers, the effects of
//! scripts in the append-only file, functions across a restart, and the
//! scripts libraries send through the `redis` crate's `Script`.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Server, TempDir};

const TIMEOUT: Duration = Duration::from_secs(20);

fn connection(server: &Server) -> redis::Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)).unwrap();
    let con = client.get_connection_with_timeout(TIMEOUT).expect("connect");
    con.set_read_timeout(Some(TIMEOUT)).unwrap();
    con
}

/// One reply line (through its CRLF).
fn read_line(con: &mut common::Conn) -> String {
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        let byte = con.read_up_to(1, TIMEOUT);
        assert!(!byte.is_empty(), "no reply line: {}", String::from_utf8_lossy(&line));
        line.extend_from_slice(&byte);
    }
    String::from_utf8_lossy(&line).into_owned()
}

/// Sends commands until one replies BUSY (the script passed the threshold).
fn wait_for_busy(con: &mut common::Conn) {
    send_until_busy(con, &["PING"], b"+PONG\r\n");
}

/// Sends `command` until it replies BUSY; until then it replies `before`.
fn send_until_busy(con: &mut common::Conn, command: &[&str], before: &[u8]) {
    let started = Instant::now();
    loop {
        let reply = con.call(command).expect("reply");
        if reply.starts_with(b"-BUSY Redis is busy running a script.") {
            assert_eq!(
                reply,
                b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
            );
            return;
        }
        assert_eq!(reply, before);
        assert!(started.elapsed() < TIMEOUT, "no BUSY reply");
    }
}

#[test]
fn busy_and_script_kill_from_a_second_connection() {
    let server = Server::start(&["--human-session-delay", "0", "--busy-reply-threshold", "100"]);
    let mut runner = server.connect();
    let mut other = server.connect();
    runner.send_cmd(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"]);
    wait_for_busy(&mut other);
    assert_eq!(
        other.call(&["EVAL", "return 1", "0"]).unwrap(),
        &b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"[..],
        "another script waits for the engine, then is told BUSY"
    );
    assert_eq!(
        other.call(&["FUNCTION", "KILL"]).unwrap(),
        b"-NOTBUSY No scripts in execution right now.\r\n"
    );
    assert_eq!(other.call(&["SCRIPT", "KILL"]).unwrap(), b"+OK\r\n");
    let text = read_line(&mut runner);
    assert!(
        text.starts_with("-ERR Script killed by user with SCRIPT KILL... script: ")
            && text.contains("@user_script:1."),
        "{text}"
    );
    assert_eq!(other.call(&["PING"]).unwrap(), b"+PONG\r\n");
    assert_eq!(runner.call(&["PING"]).unwrap(), b"+PONG\r\n", "the killed script's connection goes on");
    // A user's pcall cannot swallow the kill.
    runner.send_cmd(&["EVAL", "while true do pcall(function() while true do end end) end", "0"]);
    wait_for_busy(&mut other);
    assert_eq!(other.call(&["SCRIPT", "KILL"]).unwrap(), b"+OK\r\n");
    assert!(read_line(&mut runner).starts_with("-ERR Script killed"));
}

#[test]
fn a_script_that_wrote_is_unkillable_and_shutdown_nosave_still_works() {
    let mut server = Server::start(&["--human-session-delay", "0", "--busy-reply-threshold", "100"]);
    let mut runner = server.connect();
    let mut other = server.connect();
    runner.send_cmd(&["EVAL", "redis.call('set', 'k', 'v') while true do end", "0"]);
    wait_for_busy(&mut other);
    let reply = other.call(&["SCRIPT", "KILL"]).unwrap();
    assert!(reply.starts_with(b"-UNKILLABLE Sorry the script already executed write commands"), "{reply:?}");
    assert!(other.call(&["GET", "k"]).unwrap().starts_with(b"-BUSY"));
    let _ = other.try_send_cmd(&["SHUTDOWN", "NOSAVE"]);
    assert!(server.wait_exit(TIMEOUT).is_some(), "SHUTDOWN NOSAVE stopped the server");
}

#[test]
fn functions_are_killed_by_function_kill() {
    let server = Server::start(&["--human-session-delay", "0", "--busy-reply-threshold", "100"]);
    let mut runner = server.connect();
    let mut other = server.connect();
    let code = "#!lua name=spin\nredis.register_function('spin', function() while true do end end)";
    assert_eq!(runner.call(&["FUNCTION", "LOAD", code]).unwrap(), b"$4\r\nspin\r\n");
    runner.send_cmd(&["FCALL", "spin", "0"]);
    wait_for_busy(&mut other);
    let stats = other.call(&["FUNCTION", "STATS"]).unwrap();
    assert!(
        String::from_utf8_lossy(&stats).contains("$4\r\nspin\r\n"),
        "{}",
        String::from_utf8_lossy(&stats)
    );
    assert_eq!(other.call(&["SCRIPT", "KILL"]).unwrap(), b"-ERR No scripts in execution right now.\r\n");
    assert_eq!(other.call(&["FUNCTION", "KILL"]).unwrap(), b"+OK\r\n");
    assert!(read_line(&mut runner).starts_with("-ERR Script killed"));
}

/// With one worker thread, a long script hands the worker on from its
/// instruction hook (short scripts never pay for that): other connections
/// still get BUSY and can kill it.
#[test]
fn script_kill_reaches_a_one_worker_server() {
    let server =
        Server::start(&["--human-session-delay", "0", "--threads", "1", "--busy-reply-threshold", "100"]);
    let mut runner = server.connect();
    let mut other = server.connect();
    assert_eq!(runner.call(&["EVAL", "return 1", "0"]).unwrap(), b":1\r\n");
    runner.send_cmd(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"]);
    wait_for_busy(&mut other);
    assert_eq!(other.call(&["SCRIPT", "KILL"]).unwrap(), b"+OK\r\n");
    assert!(read_line(&mut runner).starts_with("-ERR Script killed"));
    assert_eq!(runner.call(&["PING"]).unwrap(), b"+PONG\r\n");
}

/// Scripts of other connections queue for their turn without holding a
/// thread: one queued before the running script passed the threshold
/// still gets BUSY once it does, on any number of workers.
#[test]
fn a_queued_script_is_told_busy_once_the_running_one_passes_the_threshold() {
    for threads in ["1", "2"] {
        let args = ["--human-session-delay", "0", "--threads", threads, "--busy-reply-threshold", "300"];
        let server = Server::start(&args);
        let mut runner = server.connect();
        let mut other = server.connect();
        runner.send_cmd(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"]);
        // Sent while the loop runs (or before it started: then it runs first).
        send_until_busy(&mut other, &["EVAL", "return 1", "0"], b":1\r\n");
        assert_eq!(other.call(&["SCRIPT", "KILL"]).unwrap(), b"+OK\r\n");
        assert!(read_line(&mut runner).starts_with("-ERR Script killed"));
        assert_eq!(other.call(&["EVAL", "return 2", "0"]).unwrap(), b":2\r\n");
    }
}

/// A connection's turn at running scripts ends before it waits: a script
/// pipelined before a blocking pop does not hold other connections' scripts.
#[test]
fn a_blocked_client_holds_no_other_connection_s_script() {
    let server = Server::start(&["--human-session-delay", "0", "--threads", "1"]);
    let mut blocked = server.connect();
    let mut other = server.connect();
    let mut pipeline = common::resp(&["EVAL", "return 1", "0"]);
    pipeline.extend(common::resp(&["BLPOP", "empty", "0"]));
    blocked.send(pipeline);
    assert_eq!(read_line(&mut blocked), ":1\r\n");
    assert_eq!(other.call(&["EVAL", "return 2", "0"]).unwrap(), b":2\r\n");
    assert_eq!(other.call(&["RPUSH", "empty", "x"]).unwrap(), b":1\r\n");
    assert_eq!(read_line(&mut blocked), "*2\r\n");
}

#[test]
fn scripted_counters_stay_exact_under_concurrent_writers() {
    let server = Server::start(&["--human-session-delay", "0", "--threads", "2"]);
    let port = server.port;
    // Read, then write: a lost update would show if another client ran in between.
    let script = "local v = tonumber(redis.call('get', KEYS[1]) or '0') \
                  redis.call('set', KEYS[1], v + 1) \
                  local w = tonumber(redis.call('get', ARGV[1]) or '0') \
                  redis.call('set', ARGV[1], w + 1) return v";
    let clients: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let mut con = common::Conn::connect(port);
                for _ in 0..200 {
                    let reply = con.call(&["EVAL", script, "1", "counter", "undeclared"]).unwrap();
                    assert!(reply.starts_with(b":"), "{reply:?}");
                    // Plain writers to the same keys between scripts.
                    assert!(con.call(&["INCRBY", "other", "1"]).unwrap().starts_with(b":"));
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("client");
    }
    let mut con = server.connect();
    con.cmd(&["GET", "counter"], b"$4\r\n1600\r\n");
    con.cmd(&["GET", "undeclared"], b"$4\r\n1600\r\n");
    con.cmd(&["GET", "other"], b"$4\r\n1600\r\n");
}

#[test]
fn a_script_s_writes_replay_from_the_append_only_file() {
    let dir = Arc::new(TempDir::new("scripting-aof"));
    let args = ["--human-session-delay", "0", "--appendonly", "yes", "--appendfsync", "always"];
    {
        let server = Server::start_in(dir.clone(), &args);
        let mut con = server.connect();
        con.cmd(
            &["EVAL", "redis.call('set', KEYS[1], 'a') redis.call('rpush', KEYS[2], 'x', 'y') return redis.call('incr', 'n')", "2", "k", "l"],
            b":1\r\n",
        );
        con.cmd(&["EVAL", "return redis.call('incr', 'n')", "0"], b":2\r\n");
        con.cmd(
            &["EVAL", "redis.call('set', 'ttl', 'v', 'EX', 100) return redis.call('del', 'k')", "0"],
            b":1\r\n",
        );
        con.cmd(
            &["EVAL", "return redis.pcall('incr', 'l')", "0"],
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        );
        let aof = std::fs::read(dir.path().join("appendonly.aof")).unwrap_or_default();
        let text = String::from_utf8_lossy(&aof);
        assert!(!text.to_ascii_lowercase().contains("eval"), "scripts are logged as their commands: {text}");
    }
    let server = Server::start_in(dir.clone(), &args);
    let mut con = server.connect();
    con.cmd(&["GET", "n"], b"$1\r\n2\r\n");
    con.cmd(&["EXISTS", "k"], b":0\r\n");
    con.cmd(&["LRANGE", "l", "0", "-1"], b"*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    let ttl = con.call(&["TTL", "ttl"]).unwrap();
    assert!(ttl == b":100\r\n" || ttl == b":99\r\n", "{ttl:?}");
}

#[test]
fn functions_survive_a_restart() {
    for args in [
        &["--human-session-delay", "0", "--appendonly", "yes"][..],
        &["--human-session-delay", "0"][..],
        &["--human-session-delay", "0", "--dbfilename", "dump.rdb"][..],
    ] {
        let dir = Arc::new(TempDir::new("scripting-functions"));
        let code = "#!lua name=lib\nredis.register_function('hello', function(keys, args) return 'hi ' .. args[1] end)";
        {
            let server = Server::start_in(dir.clone(), args);
            let mut con = server.connect();
            con.cmd(&["FUNCTION", "LOAD", code], b"$3\r\nlib\r\n");
            con.cmd(&["SAVE"], b"+OK\r\n");
        }
        let server = Server::start_in(dir.clone(), args);
        let mut con = server.connect();
        con.cmd(&["FCALL", "hello", "0", "you"], b"$6\r\nhi you\r\n");
    }
}

const LOCK_ACQUIRE: &str =
    "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0";
const LOCK_RELEASE: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RATE_LIMIT: &str = "local n = redis.call('incr', KEYS[1]) \
    if n == 1 then redis.call('pexpire', KEYS[1], ARGV[2]) end \
    if n > tonumber(ARGV[1]) then return 0 end return 1";
/// BullMQ-style: a job id, the job's hash, the wait list, an event, in one step.
const ADD_JOB: &str = "local id = redis.call('incr', KEYS[1]) \
    local job = KEYS[2] .. id \
    redis.call('hset', job, 'name', ARGV[1], 'data', ARGV[2]) \
    redis.call('lpush', KEYS[3], id) \
    redis.call('xadd_nonexistent_is_not_called', 'x') return id";

#[test]
fn lock_rate_limiter_and_queue_scripts_through_the_redis_crate() {
    let server = Server::start(&["--human-session-delay", "0"]);
    let mut con = connection(&server);
    let acquire = redis::Script::new(LOCK_ACQUIRE);
    let release = redis::Script::new(LOCK_RELEASE);
    let got: i64 = acquire.key("lock").arg("token-a").arg(10_000).invoke(&mut con).unwrap();
    assert_eq!(got, 1);
    let got: i64 = acquire.key("lock").arg("token-b").arg(10_000).invoke(&mut con).unwrap();
    assert_eq!(got, 0, "held");
    let released: i64 = release.key("lock").arg("token-b").invoke(&mut con).unwrap();
    assert_eq!(released, 0, "not the owner");
    let released: i64 = release.key("lock").arg("token-a").invoke(&mut con).unwrap();
    assert_eq!(released, 1);
    let got: i64 = acquire.key("lock").arg("token-b").arg(10_000).invoke(&mut con).unwrap();
    assert_eq!(got, 1, "free again");

    let limit = redis::Script::new(RATE_LIMIT);
    let allowed: Vec<i64> =
        (0..5).map(|_| limit.key("rate").arg(3).arg(60_000).invoke(&mut con).unwrap()).collect();
    assert_eq!(allowed, vec![1, 1, 1, 0, 0]);
    let ttl: i64 = redis::cmd("PTTL").arg("rate").query(&mut con).unwrap();
    assert!(ttl > 0 && ttl <= 60_000);

    // The script's first commands ran; its error is the caller's, as in Redis.
    let queue = redis::Script::new(ADD_JOB);
    let err =
        queue.key("id").key("job:").key("wait").arg("email").arg("{}").invoke::<i64>(&mut con).unwrap_err();
    assert!(err.to_string().contains("Unknown Redis command called from script"), "{err}");
    let fixed =
        redis::Script::new(&ADD_JOB.replace("redis.call('xadd_nonexistent_is_not_called', 'x') ", ""));
    let id: i64 = fixed.key("id").key("job:").key("wait").arg("email").arg("{}").invoke(&mut con).unwrap();
    assert_eq!(id, 2);
    let wait: Vec<String> = redis::cmd("LRANGE").arg("wait").arg(0).arg(-1).query(&mut con).unwrap();
    assert_eq!(wait, vec!["2", "1"]);
    let name: String = redis::cmd("HGET").arg("job:2").arg("name").query(&mut con).unwrap();
    assert_eq!(name, "email");
}

#[test]
fn a_script_s_writes_touch_watchers_and_wake_blocked_clients_once() {
    let server = Server::start(&["--human-session-delay", "0"]);
    let mut watcher = server.connect();
    let mut scripter = server.connect();
    watcher.cmd(&["WATCH", "k"], b"+OK\r\n");
    watcher.cmd(&["MULTI"], b"+OK\r\n");
    watcher.cmd(&["GET", "k"], b"+QUEUED\r\n");
    scripter.cmd(&["EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k"], b"+OK\r\n");
    watcher.cmd(&["EXEC"], b"*-1\r\n");

    let mut blocked = server.connect();
    blocked.send_cmd(&["BLPOP", "queue", "0"]);
    std::thread::sleep(Duration::from_millis(100));
    scripter.cmd(
        &["EVAL", "redis.call('rpush', KEYS[1], 'a') return redis.call('rpush', KEYS[1], 'b')", "1", "queue"],
        b":2\r\n",
    );
    blocked.expect(b"*2\r\n$5\r\nqueue\r\n$1\r\na\r\n");
    scripter.cmd(&["LRANGE", "queue", "0", "-1"], b"*1\r\n$1\r\nb\r\n");
}

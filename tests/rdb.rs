//! RDB files both ways with redis-server 7.0.15: Redis's `dump.rdb` loads
//! into MiniRedis with every key, value, TTL, database and encoding; a
//! MiniRedis `dump.rdb` loads into redis-server the same way and passes
//! `redis-check-rdb`. Also start-up from our own RDB and a corrupt file.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{redis_binary, run_to_exit, Server, TempDir};

fn connect(server: &Server) -> redis::Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)).unwrap();
    client.get_connection().unwrap()
}

fn cmd(con: &mut redis::Connection, args: &[&[u8]]) -> redis::Value {
    let mut c = redis::cmd(std::str::from_utf8(args[0]).unwrap());
    args[1..].iter().for_each(|a| {
        c.arg(*a);
    });
    c.query(con).unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(args[0])))
}

fn run(con: &mut redis::Connection, line: &str) {
    let words: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    cmd(con, &words);
}

/// Every type and encoding MiniRedis has, in two databases, some with TTLs.
fn populate(con: &mut redis::Connection) {
    let long = "x".repeat(100);
    for line in [
        "SET s hello".to_string(),
        "SET n 12345".into(),
        "SET neg -9223372036854775808".into(),
        format!("SET big {}", "ab".repeat(5000)),
        format!("SET raw {long}"),
        "SET ttl v PX 1000000".into(),
        "HSET small f v g 1 h -7".into(),
        format!("HSET longval f {long}"),
        "RPUSH list a b c 1 2 -4096".into(),
        "LPUSH lpushed 1 2 3 x y z".into(),
        "SADD ints 1 2 3 -70000".into(),
        "SADD words a b c".into(),
        "ZADD zsmall 1 a 2.5 b -inf c inf d 0.1 e".into(),
        format!("ZADD zlong 1 {long} 2 b"),
        "SETBIT bitmap 1000 1".into(),
        "PFADD hll a b c".into(),
        "EXPIRE small 5000".into(),
        "XADD st 1-1 a 1 b hello".into(),
        "XADD st 1-2 a 2 b x".into(),
        "XADD st 2-0 c 3".into(),
        "XADD st 3-5 a -7 b 300000".into(),
        "XDEL st 1-2".into(),
        "XGROUP CREATE st g 0".into(),
        "XREADGROUP GROUP g alice COUNT 2 STREAMS st >".into(),
        "XREADGROUP GROUP g bob COUNT 1 STREAMS st >".into(),
        "XGROUP CREATE st g2 $".into(),
        "XGROUP CREATECONSUMER st g2 idle".into(),
        "XADD emptied 5-5 f v".into(),
        "XDEL emptied 5-5".into(),
    ] {
        run(con, &line);
    }
    let mut hset: Vec<Vec<u8>> = vec![b"HSET".to_vec(), b"large".to_vec()];
    let mut rpush: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"biglist".to_vec()];
    let mut sadd: Vec<Vec<u8>> = vec![b"SADD".to_vec(), b"bigints".to_vec()];
    let mut zadd: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"zbig".to_vec()];
    for i in 1..=250 {
        run(con, &format!("XADD bigstream {i}-0 user {i} action login"));
    }
    run(con, "XDEL bigstream 3-0 150-0");
    run(con, "XTRIM bigstream MAXLEN 200");
    run(con, "XGROUP CREATE bigstream workers 0");
    run(con, "XREADGROUP GROUP workers w1 COUNT 30 STREAMS bigstream >");
    for i in 0..3000 {
        hset.extend([format!("field:{i}").into_bytes(), format!("value:{i}").into_bytes()]);
        rpush.push(format!("item-{i}").into_bytes());
        sadd.push(i.to_string().into_bytes());
        zadd.extend([(i as f64 * 0.7).to_string().into_bytes(), format!("m{i}").into_bytes()]);
    }
    for args in [hset, rpush, sadd, zadd] {
        let refs: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
        cmd(con, &refs);
    }
    cmd(con, &[b"FUNCTION", b"LOAD", LIBRARY.as_bytes()]);
    run(con, "SELECT 3");
    run(con, "SET other db3");
    run(con, "HSET h3 f v");
    run(con, "PEXPIREAT h3 4000000000000");
    run(con, "SELECT 0");
}

/// A function library, which RDB files carry before the keys.
const LIBRARY: &str = "#!lua name=rdblib\nredis.register_function{function_name='twice', \
    callback=function(keys, args) return args[1] * 2 end, flags={'no-writes'}, description='doubles'}";

/// Every key of every database: type, encoding, absolute deadline, value;
/// and, under database `u32::MAX`, the function libraries with their code.
type Contents = BTreeMap<(u32, Vec<u8>), (String, i64)>;

fn contents(server: &Server) -> Contents {
    let mut con = connect(server);
    let mut all = BTreeMap::new();
    for db in 0..16u32 {
        run(&mut con, &format!("SELECT {db}"));
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
        for key in keys {
            let kind: String = redis::cmd("TYPE").arg(&key).query(&mut con).unwrap();
            let encoding: String = redis::cmd("OBJECT").arg("ENCODING").arg(&key).query(&mut con).unwrap();
            let deadline: i64 = redis::cmd("PEXPIRETIME").arg(&key).query(&mut con).unwrap();
            let value = match kind.as_str() {
                "string" => format!("{:?}", cmd(&mut con, &[b"GET", &key])),
                "list" => format!("{:?}", cmd(&mut con, &[b"LRANGE", &key, b"0", b"-1"])),
                "hash" => {
                    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> =
                        redis::cmd("HGETALL").arg(&key).query(&mut con).unwrap();
                    pairs.sort();
                    format!("{pairs:?}")
                }
                "set" => {
                    let mut members: Vec<Vec<u8>> = redis::cmd("SMEMBERS").arg(&key).query(&mut con).unwrap();
                    members.sort();
                    format!("{members:?}")
                }
                "zset" => format!("{:?}", cmd(&mut con, &[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"])),
                "stream" => stream_contents(&mut con, &key),
                other => panic!("unexpected type {other}"),
            };
            all.insert((db, key), (format!("{kind} {encoding} {value}"), deadline));
        }
    }
    let libraries = cmd(&mut con, &[b"FUNCTION", b"LIST", b"WITHCODE"]);
    all.insert((u32::MAX, b"functions".to_vec()), (format!("{libraries:?}"), -1));
    all
}

/// A stream's entries, `XINFO STREAM FULL` (without `radix-tree-nodes`,
/// Redis's radix-tree internals) and each group's `XPENDING` summary.
fn stream_contents(con: &mut redis::Connection, key: &[u8]) -> String {
    let range = cmd(con, &[b"XRANGE", key, b"-", b"+"]);
    let redis::Value::Array(mut info) = cmd(con, &[b"XINFO", b"STREAM", key, b"FULL"]) else {
        panic!("XINFO")
    };
    let at = info.iter().position(|v| *v == redis::Value::BulkString(b"radix-tree-nodes".to_vec())).unwrap();
    info.drain(at..at + 2);
    let groups: Vec<Vec<u8>> = match cmd(con, &[b"XINFO", b"GROUPS", key]) {
        redis::Value::Array(groups) => groups
            .iter()
            .map(|g| match g {
                redis::Value::Array(fields) => match &fields[1] {
                    redis::Value::BulkString(name) => name.clone(),
                    other => panic!("group name {other:?}"),
                },
                other => panic!("group {other:?}"),
            })
            .collect(),
        other => panic!("XINFO GROUPS {other:?}"),
    };
    let pending: Vec<_> = groups.iter().map(|g| cmd(con, &[b"XPENDING", key, g])).collect();
    format!("{range:?} {info:?} {pending:?}")
}

/// Same keys and values; deadlines equal within `slack_ms` (a MIGRATE
/// sends relative TTLs, so they shift by the transfer's duration).
fn assert_same_within(expected: &Contents, actual: &Contents, slack_ms: i64) {
    assert_eq!(expected.len(), actual.len(), "key counts differ");
    for (key, (value, deadline)) in expected {
        let (got, got_deadline) = actual.get(key).unwrap_or_else(|| panic!("{key:?} is missing"));
        assert!(got == value, "{key:?} differs:\n expected {}\n      got {}", cut(value), cut(got));
        let close = (deadline - got_deadline).abs() <= slack_ms && (*deadline < 0) == (*got_deadline < 0);
        assert!(close, "{key:?}: deadline {got_deadline}, expected {deadline}");
    }
}

fn assert_same(expected: &Contents, actual: &Contents) {
    assert_same_within(expected, actual, 0);
}

fn cut(text: &str) -> &str {
    &text[..text.len().min(300)]
}

fn copy_rdb(from: &Path, label: &str) -> Arc<TempDir> {
    let dir = Arc::new(TempDir::new(label));
    std::fs::copy(from.join("dump.rdb"), dir.path().join("dump.rdb")).unwrap();
    dir
}

#[test]
fn a_redis_dump_rdb_loads_into_miniredis_with_every_key() {
    let Some(binary) = redis_binary("redis-server", "rdb test") else { return };
    let redis = Server::start_redis(&binary, &["--dbfilename", "dump.rdb", "--enable-debug-command", "yes"]);
    populate(&mut connect(&redis));
    // Saved and loaded again, so encodings are as loading makes them (an
    // HLL changed in place is `raw`, read back `embstr`, in Redis too).
    run(&mut connect(&redis), "DEBUG RELOAD");
    let expected = contents(&redis);
    let dir = copy_rdb(redis.dir_path(), "from-redis");
    let mini = Server::start_in(dir, &["--dbfilename", "dump.rdb"]);
    assert_same(&expected, &contents(&mini));
}

#[test]
fn a_miniredis_dump_rdb_loads_into_redis_and_passes_redis_check_rdb() {
    let Some(binary) = redis_binary("redis-server", "rdb test") else { return };
    let mini = Server::start(&["--dbfilename", "dump.rdb"]);
    populate(&mut connect(&mini));
    run(&mut connect(&mini), "SAVE");
    let expected = contents(&mini);

    let Some(check) = redis_binary("redis-check-rdb", "rdb test") else { return };
    let output = std::process::Command::new(&check).arg(mini.dir_path().join("dump.rdb")).output();
    match output {
        Ok(out) => {
            let text =
                String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && text.contains("RDB looks OK"),
                "redis-check-rdb refused it:\n{text}"
            );
        }
        Err(e) => return common::tool_missing("rdb test", &format!("redis-check-rdb did not run: {e}")),
    }

    let dir = copy_rdb(mini.dir_path(), "from-miniredis");
    let dir_text = dir.path().to_string_lossy().into_owned();
    let redis = Server::start_redis(&binary, &["--dir", &dir_text, "--dbfilename", "dump.rdb"]);
    assert_same(&expected, &contents(&redis));

    // BGSAVE and start-up use the same format: MiniRedis reloads its own file.
    let mut con = connect(&mini);
    let before: i64 = redis::cmd("LASTSAVE").query(&mut con).unwrap();
    std::fs::remove_file(mini.dir_path().join("dump.rdb")).unwrap();
    run(&mut con, "BGSAVE");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let info: String = redis::cmd("INFO").arg("persistence").query(&mut con).unwrap();
        if info.contains("rdb_bgsave_in_progress:0") && mini.dir_path().join("dump.rdb").exists() {
            assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "BGSAVE did not finish: {info}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = before;
    let again = Server::start_in(copy_rdb(mini.dir_path(), "reload"), &["--dbfilename", "dump.rdb"]);
    assert_same(&expected, &contents(&again));
}

#[test]
fn a_corrupt_or_unsupported_rdb_stops_start_up_with_a_clear_message() {
    let mut truncated = b"REDIS0010\xfa\x09redis-ver\x067.0.15\xfe\x00\x00\x01k".to_vec();
    let module = {
        let mut f = b"REDIS0010\x07\x06events".to_vec();
        f.extend_from_slice(b"\xff\x00\x00\x00\x00\x00\x00\x00\x00");
        f
    };
    let mut bad_sum = b"REDIS0010\x00\x01k\x01v\xff".to_vec();
    bad_sum.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    truncated.truncate(truncated.len() - 1);
    for (bytes, expected) in [
        (truncated, "corrupt RDB file: unexpected end of data"),
        (bad_sum, "corrupt RDB file: wrong checksum"),
        (module, "key 'events' holds a module, a type MiniRedis does not support yet; nothing was loaded"),
    ] {
        let dir = TempDir::new("corrupt-rdb");
        std::fs::write(dir.path().join("dump.rdb"), &bytes).unwrap();
        let args: Vec<&OsStr> = vec![
            "--port".as_ref(),
            "0".as_ref(),
            "--dir".as_ref(),
            dir.path().as_os_str(),
            "--dbfilename".as_ref(),
            "dump.rdb".as_ref(),
        ];
        let (status, stdout, stderr) = run_to_exit(&args, Duration::from_secs(10));
        assert!(!status.success(), "started despite a bad file\n{stdout}{stderr}");
        assert!(stderr.contains("dump.rdb") && stderr.contains(expected), "unclear message:\n{stderr}");
        assert_eq!(std::fs::read(dir.path().join("dump.rdb")).unwrap(), bytes, "the file is untouched");
    }
}

/// MIGRATE moves every type to `target` (with AUTH2 when `user`).
fn migrate_everything_to(target: &Server, user: Option<(&str, &str)>) {
    let source = Server::start(&[]);
    let mut con = connect(&source);
    populate(&mut con);
    let expected: BTreeMap<_, _> = contents(&source).into_iter().filter(|((db, _), _)| *db == 0).collect();
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
    let mut migrate = redis::cmd("MIGRATE");
    migrate.arg("127.0.0.1").arg(target.port).arg("").arg(0).arg(5000);
    if let Some((name, password)) = user {
        migrate.arg("AUTH2").arg(name).arg(password);
    }
    migrate.arg("KEYS").arg(&keys);
    let reply: String = migrate.query(&mut con).unwrap();
    assert_eq!(reply, "OK");
    let left: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
    assert!(left.is_empty(), "the source keeps {left:?}");
    let moved: BTreeMap<_, _> = contents(target).into_iter().filter(|((db, _), _)| *db == 0).collect();
    assert_same_within(&expected, &moved, 2000);
    // Again: the keys exist there now, so RESTORE refuses them and they stay here.
    run(&mut con, "SET s again");
    let mut again = redis::cmd("MIGRATE");
    again.arg("127.0.0.1").arg(target.port).arg("s").arg(0).arg(5000);
    if let Some((name, password)) = user {
        again.arg("AUTH2").arg(name).arg(password);
    }
    let refused = again.query::<String>(&mut con).unwrap_err();
    assert!(refused.to_string().contains("Target instance replied with error: BUSYKEY"), "{refused}");
    let kept: String = redis::cmd("GET").arg("s").query(&mut con).unwrap();
    assert_eq!(kept, "again");
}

#[test]
fn migrate_to_redis_server_and_to_miniredis() {
    let Some(binary) = redis_binary("redis-server", "rdb test") else { return };
    let redis = Server::start_redis(&binary, &[]);
    run(&mut connect(&redis), "ACL SETUSER mover on >secret ~* +@all");
    migrate_everything_to(&redis, Some(("mover", "secret")));
    let mini = Server::start(&[]);
    migrate_everything_to(&mini, None);
}

#[test]
fn migrate_times_out_without_blocking_other_clients() {
    // A target that accepts and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let (_socket, _) = silent.accept().unwrap();
        std::thread::sleep(Duration::from_secs(3));
    });
    let source = Server::start(&[]);
    run(&mut connect(&source), "SET k v");
    let migrating = {
        let port_text = port.to_string();
        let mut con = connect(&source);
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let reply = redis::cmd("MIGRATE")
                .arg("127.0.0.1")
                .arg(port_text)
                .arg("k")
                .arg(0)
                .arg(1500)
                .query::<String>(&mut con);
            (reply, started.elapsed())
        })
    };
    // While MIGRATE waits on the silent target, others are served at once.
    std::thread::sleep(Duration::from_millis(200));
    let mut other = connect(&source);
    let asked = std::time::Instant::now();
    let pong: String = redis::cmd("PING").query(&mut other).unwrap();
    assert_eq!(pong, "PONG");
    let answered = asked.elapsed();
    let (reply, took) = migrating.join().unwrap();
    assert!(answered < took, "PING waited for MIGRATE ({answered:?} vs {took:?})");
    let error = reply.unwrap_err().to_string();
    assert!(
        error.contains("IOERR") && error.contains("error or timeout reading to target instance"),
        "{error}"
    );
    assert!(took >= Duration::from_millis(1400), "the timeout was not honoured: {took:?}");
    let kept: String = redis::cmd("GET").arg("k").query(&mut other).unwrap();
    assert_eq!(kept, "v");
    holder.join().unwrap();
}

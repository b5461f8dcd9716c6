//! The Rust `redis` crate, unchanged, against MiniRedis: sync and tokio
//! connections, RESP2 and RESP3 (`HELLO 3`).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use redis::{AsyncCommands, Commands, Value};

use common::Server;

const TIMEOUT: Duration = Duration::from_secs(10);

fn client(server: &Server, query: &str) -> redis::Client {
    redis::Client::open(format!("redis://127.0.0.1:{}/{query}", server.port)).expect("a valid redis:// URL")
}

fn sync_connection(server: &Server, query: &str) -> redis::Connection {
    let con =
        client(server, query).get_connection_with_timeout(TIMEOUT).expect("connect with the redis crate");
    con.set_read_timeout(Some(TIMEOUT)).unwrap();
    con.set_write_timeout(Some(TIMEOUT)).unwrap();
    con
}

async fn async_connection(server: &Server, query: &str) -> redis::aio::MultiplexedConnection {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(TIMEOUT))
        .set_response_timeout(Some(TIMEOUT));
    client(server, query)
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .expect("connect with the redis crate (tokio)")
}

#[test]
fn sync_strings_hashes_and_expiry() {
    let server = Server::start(&[]);
    let mut con = sync_connection(&server, "");

    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");

    let () = con.set("name", "Alice").unwrap();
    let name: String = con.get("name").unwrap();
    assert_eq!(name, "Alice");
    let missing: Option<String> = con.get("missing").unwrap();
    assert_eq!(missing, None);

    let added: i64 = con.hset("user:1", "name", "Alice").unwrap();
    assert_eq!(added, 1);
    let added: i64 =
        redis::cmd("HSET").arg("user:1").arg("age").arg(23).arg("name").arg("Bob").query(&mut con).unwrap();
    assert_eq!(added, 1, "only 'age' is a new field");
    let field: String = con.hget("user:1", "name").unwrap();
    assert_eq!(field, "Bob");
    let age: u32 = con.hget("user:1", "age").unwrap();
    assert_eq!(age, 23);
    let all: HashMap<String, String> = con.hgetall("user:1").unwrap();
    assert_eq!(
        all,
        HashMap::from([("name".to_string(), "Bob".to_string()), ("age".to_string(), "23".to_string())])
    );

    let no_ttl: i64 = con.ttl("name").unwrap();
    assert_eq!(no_ttl, -1);
    let set: bool = con.expire("name", 100).unwrap();
    assert!(set);
    let ttl: i64 = con.ttl("name").unwrap();
    assert!((99..=100).contains(&ttl), "TTL {ttl}");
    let not_set: bool = con.expire("missing", 100).unwrap();
    assert!(!not_set);
    let gone: i64 = con.ttl("missing").unwrap();
    assert_eq!(gone, -2);

    let deleted: i64 = con.del(&["name", "user:1", "missing"]).unwrap();
    assert_eq!(deleted, 2);

    let _: i64 = con.hset("h", "f", "v").unwrap();
    let wrong = con.get::<_, String>("h").unwrap_err();
    assert_eq!(wrong.code(), Some("WRONGTYPE"), "{wrong:?}");
}

#[test]
fn sync_binary_keys_and_values() {
    let server = Server::start(&[]);
    let mut con = sync_connection(&server, "");
    let key: Vec<u8> = vec![0x00, 0xff, b'\r', b'\n', 0x80];
    let value: Vec<u8> = (0..=255u8).collect();
    let () = con.set(&key, &value).unwrap();
    let back: Vec<u8> = con.get(&key).unwrap();
    assert_eq!(back, value);

    let field: &[u8] = b"\xfe\x00field";
    let added: i64 = con.hset(b"hash\xff", field, &value).unwrap();
    assert_eq!(added, 1);
    let back: Vec<u8> = con.hget(b"hash\xff", field).unwrap();
    assert_eq!(back, value);
    let all: HashMap<Vec<u8>, Vec<u8>> = con.hgetall(b"hash\xff").unwrap();
    assert_eq!(all, HashMap::from([(field.to_vec(), value.clone())]));
}

#[test]
fn sync_pipeline() {
    let server = Server::start(&[]);
    let mut con = sync_connection(&server, "");
    let (a, b, missing, fields): (String, Vec<u8>, Option<String>, i64) = redis::pipe()
        .set("a", "1")
        .ignore()
        .set("b", b"\x00\x01".as_slice())
        .ignore()
        .get("a")
        .get("b")
        .get("nope")
        .hset("h", "f", "v")
        .query(&mut con)
        .unwrap();
    assert_eq!((a.as_str(), b, missing, fields), ("1", vec![0, 1], None, 1));

    // A large pipeline, all replies in order.
    let mut pipe = redis::pipe();
    for i in 0..1_000 {
        pipe.set(format!("k{i}"), i).ignore();
    }
    for i in 0..1_000 {
        pipe.get(format!("k{i}"));
    }
    let values: Vec<i64> = pipe.query(&mut con).unwrap();
    assert_eq!(values, (0..1_000).collect::<Vec<i64>>());
}

#[test]
fn sync_resp3_after_hello_3() {
    let server = Server::start(&[]);
    let mut con = sync_connection(&server, "?protocol=resp3");

    let () = con.set("k", "v").unwrap();
    let v: String = con.get("k").unwrap();
    assert_eq!(v, "v");
    let nil: Value = redis::cmd("GET").arg("missing").query(&mut con).unwrap();
    assert_eq!(nil, Value::Nil);

    let _: i64 = con.hset("h", "f", "v").unwrap();
    let raw: Value = redis::cmd("HGETALL").arg("h").query(&mut con).unwrap();
    assert_eq!(
        raw,
        Value::Map(vec![(Value::BulkString(b"f".to_vec()), Value::BulkString(b"v".to_vec()))]),
        "HGETALL is a map in RESP3"
    );
    let all: HashMap<String, String> = con.hgetall("h").unwrap();
    assert_eq!(all, HashMap::from([("f".to_string(), "v".to_string())]));

    let hello: Value = redis::cmd("HELLO").arg(3).query(&mut con).unwrap();
    let Value::Map(fields) = hello else {
        panic!("HELLO 3 must reply with a map, got {hello:?}");
    };
    let proto =
        fields.iter().find(|(k, _)| *k == Value::BulkString(b"proto".to_vec())).map(|(_, v)| v.clone());
    assert_eq!(proto, Some(Value::Int(3)));
}

#[tokio::test]
async fn tokio_strings_hashes_expiry_and_pipeline() {
    let server = Server::start(&[]);
    tokio::time::timeout(Duration::from_secs(30), async {
        let mut con = async_connection(&server, "").await;

        let () = con.set("name", "Alice").await.unwrap();
        let name: String = con.get("name").await.unwrap();
        assert_eq!(name, "Alice");
        let missing: Option<String> = con.get("missing").await.unwrap();
        assert_eq!(missing, None);

        let key: Vec<u8> = vec![0xff, 0x00, 0xfe];
        let value: Vec<u8> = vec![0x80, 0x00, b'\n'];
        let () = con.set(&key, &value).await.unwrap();
        let back: Vec<u8> = con.get(&key).await.unwrap();
        assert_eq!(back, value);

        let added: i64 = con.hset("user:1", "name", "Alice").await.unwrap();
        assert_eq!(added, 1);
        let field: String = con.hget("user:1", "name").await.unwrap();
        assert_eq!(field, "Alice");
        let all: HashMap<String, String> = con.hgetall("user:1").await.unwrap();
        assert_eq!(all, HashMap::from([("name".to_string(), "Alice".to_string())]));

        let set: bool = con.expire("name", 50).await.unwrap();
        assert!(set);
        let ttl: i64 = con.ttl("name").await.unwrap();
        assert!((49..=50).contains(&ttl), "TTL {ttl}");

        let (a, b): (String, Option<String>) =
            redis::pipe().set("p", "q").ignore().get("p").get("absent").query_async(&mut con).await.unwrap();
        assert_eq!((a.as_str(), b), ("q", None));

        let deleted: i64 = con.del(&["name", "user:1"]).await.unwrap();
        assert_eq!(deleted, 2);
    })
    .await
    .expect("the async client test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_concurrent_requests_on_one_multiplexed_connection() {
    let server = Server::start(&[]);
    tokio::time::timeout(Duration::from_secs(30), async {
        let con = async_connection(&server, "").await;
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let mut con = con.clone();
                tokio::spawn(async move {
                    let key = format!("task:{i}");
                    let () = con.set(&key, i).await.unwrap();
                    let back: i64 = con.get(&key).await.unwrap();
                    assert_eq!(back, i);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    })
    .await
    .expect("the async client test timed out");
}

#[tokio::test]
async fn tokio_resp3() {
    let server = Server::start(&[]);
    tokio::time::timeout(Duration::from_secs(30), async {
        let mut con = async_connection(&server, "?protocol=resp3").await;
        let () = con.set("k", "v").await.unwrap();
        let v: String = con.get("k").await.unwrap();
        assert_eq!(v, "v");
        let _: i64 = con.hset("h", "f", "v").await.unwrap();
        let raw: Value = redis::cmd("HGETALL").arg("h").query_async(&mut con).await.unwrap();
        assert!(matches!(raw, Value::Map(_)), "{raw:?}");
        let nil: Value = redis::cmd("GET").arg("missing").query_async(&mut con).await.unwrap();
        assert_eq!(nil, Value::Nil);
    })
    .await
    .expect("the async RESP3 test timed out");
}

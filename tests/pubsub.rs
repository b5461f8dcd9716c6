//! Pub/sub over real connections: RESP2 subscribed mode and RESP3 pushes,
//! publish order, a slow subscriber cut off by the `pubsub` output limit
//! without hurting the others, the human session, and the Rust `redis`
//! crate's pub/sub API, sync and async.

mod common;

use std::time::Duration;

use common::{bulk, Server};

fn push(kind: u8, parts: &[&str]) -> Vec<u8> {
    let mut out = format!("{}{}\r\n", kind as char, parts.len()).into_bytes();
    for part in parts {
        if let Some(n) = part.strip_prefix(':') {
            out.extend_from_slice(format!(":{n}\r\n").as_bytes());
        } else {
            out.extend_from_slice(&bulk(part));
        }
    }
    out
}

#[test]
fn resp2_subscribers_get_messages_in_publish_order() {
    let server = Server::start_miniredis(&[]);
    let mut subscriber = server.connect();
    subscriber.cmd(&["SUBSCRIBE", "news"], push(b'*', &["subscribe", "news", ":1"]));
    subscriber.cmd(&["PSUBSCRIBE", "n*"], push(b'*', &["psubscribe", "n*", ":2"]));
    subscriber.cmd(
        &["GET", "k"],
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    subscriber.cmd(&["PING"], push(b'*', &["pong", ""]));
    let mut publisher = server.connect();
    for i in 0..1000 {
        publisher.send_cmd(&["PUBLISH", "news", &i.to_string()]);
    }
    for _ in 0..1000 {
        assert_eq!(publisher.read_reply(), b":2\r\n");
    }
    for i in 0..1000 {
        let text = i.to_string();
        assert_eq!(subscriber.read_reply(), push(b'*', &["message", "news", &text]));
        assert_eq!(subscriber.read_reply(), push(b'*', &["pmessage", "n*", "news", &text]));
    }
    publisher.cmd(&["PUBSUB", "NUMSUB", "news"], "*2\r\n$4\r\nnews\r\n:1\r\n");
    publisher.cmd(&["PUBSUB", "NUMPAT"], ":1\r\n");
    // A closed subscriber leaves every channel.
    drop(subscriber);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while publisher.call(&["PUBLISH", "news", "x"]).unwrap() != b":0\r\n" {
        assert!(std::time::Instant::now() < deadline, "the closed subscriber still counts");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn resp3_pushes_arrive_between_replies() {
    let server = Server::start_miniredis(&[]);
    let mut conn = server.connect();
    conn.call(&["HELLO", "3"]).unwrap();
    conn.cmd(&["SUBSCRIBE", "self"], push(b'>', &["subscribe", "self", ":1"]));
    // Publishing to itself: the message comes before the PUBLISH reply, as in Redis.
    conn.send_cmd(&["PUBLISH", "self", "hello"]);
    assert_eq!(conn.read_reply(), push(b'>', &["message", "self", "hello"]));
    assert_eq!(conn.read_reply(), b":1\r\n");
    conn.cmd(&["SET", "k", "v"], "+OK\r\n");
    conn.cmd(&["PING"], "+PONG\r\n");
    let mut other = server.connect();
    other.cmd(&["PUBLISH", "self", "from-other"], ":1\r\n");
    assert_eq!(conn.read_reply(), push(b'>', &["message", "self", "from-other"]));
    // Back to RESP2 while subscribed: later messages are arrays, as in Redis.
    conn.call(&["HELLO", "2"]).unwrap();
    other.cmd(&["PUBLISH", "self", "in-resp2"], ":1\r\n");
    assert_eq!(conn.read_reply(), push(b'*', &["message", "self", "in-resp2"]));
    conn.cmd(&["UNSUBSCRIBE"], push(b'*', &["unsubscribe", "self", ":0"]));
    other.cmd(&["PUBLISH", "self", "gone"], ":0\r\n");
}

#[test]
fn a_slow_subscriber_is_disconnected_and_others_go_on() {
    let server = Server::start_miniredis(&[]);
    let mut admin = server.connect();
    admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 256kb 60"], "+OK\r\n");
    let mut slow = server.connect();
    slow.cmd(&["CLIENT", "SETNAME", "slow"], "+OK\r\n");
    slow.cmd(&["SUBSCRIBE", "feed"], push(b'*', &["subscribe", "feed", ":1"]));
    let mut fast = server.connect();
    fast.cmd(&["SUBSCRIBE", "feed"], push(b'*', &["subscribe", "feed", ":1"]));
    // Smaller socket buffers: the limit, not the kernel, must hold the backlog.
    socket2::SockRef::from(&slow.stream).set_recv_buffer_size(64 << 10).unwrap();
    // The fast subscriber reads on its own thread, and the publisher waits
    // for it after each message, while `slow` reads nothing.
    let payload = "x".repeat(100_000);
    let (read_one, wait_read) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut seen = 0;
        while seen < 300 {
            let frame = fast.read_reply();
            assert!(frame.starts_with(b"*3\r\n$7\r\nmessage\r\n"));
            seen += 1;
            read_one.send(()).unwrap();
        }
        (seen, fast)
    });
    let mut publisher = server.connect();
    for _ in 0..300 {
        let receivers = publisher.call(&["PUBLISH", "feed", &payload]).unwrap();
        assert!(receivers == b":1\r\n" || receivers == b":2\r\n", "{receivers:?}");
        wait_read.recv_timeout(Duration::from_secs(10)).expect("the fast subscriber got the message");
    }
    let (seen, _fast) = reader.join().unwrap();
    assert_eq!(seen, 300, "the fast subscriber got every message");
    // 30 MB were published; the slow one was cut off past 1 MB queued.
    let clients = String::from_utf8_lossy(&admin.call(&["CLIENT", "LIST"]).unwrap()).into_owned();
    assert!(!clients.contains("name=slow"), "{clients}");
    admin.cmd(&["PUBSUB", "NUMSUB", "feed"], "*2\r\n$4\r\nfeed\r\n:1\r\n");
    let info = String::from_utf8_lossy(&admin.call(&["INFO", "memory"]).unwrap()).into_owned();
    let used: u64 =
        info.lines().find_map(|l| l.strip_prefix("used_memory:")).unwrap().trim().parse().unwrap();
    assert!(used < 16 << 20, "used_memory {used} after the slow subscriber went");
    // What the kernel had taken before the cut still arrives, then the end.
    let mut arrived = 0;
    while slow.try_read_reply().is_ok() {
        arrived += 1;
    }
    assert!(arrived < 100, "{arrived} of 300 messages reached the slow subscriber");
}

#[test]
fn the_human_session_prints_each_message() {
    let server = Server::start(&["--human-session-delay", "250"]);
    let mut nc = server.connect();
    nc.expect(b"MiniRedis TCP - Type Commands\r\n> ");
    nc.roundtrip("SUBSCRIBE chat\n", "1) \"subscribe\"\r\n2) \"chat\"\r\n3) (integer) 1\r\n> ");
    let mut publisher = server.connect();
    publisher.cmd(&["PUBLISH", "chat", "hi there"], ":1\r\n");
    nc.expect("1) \"message\"\r\n2) \"chat\"\r\n3) \"hi there\"\r\n> ");
    publisher.cmd(&["PUBLISH", "chat", "again"], ":1\r\n");
    nc.expect("1) \"message\"\r\n2) \"chat\"\r\n3) \"again\"\r\n> ");
}

#[test]
fn the_redis_crate_sync_pubsub() {
    let server = Server::start_miniredis(&[]);
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)).unwrap();
    let mut con = client.get_connection().unwrap();
    con.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut pubsub = con.as_pubsub();
    pubsub.subscribe("orders").unwrap();
    pubsub.psubscribe("events.*").unwrap();
    let mut publisher = client.get_connection().unwrap();
    let receivers: i64 = redis::cmd("PUBLISH").arg("orders").arg("one").query(&mut publisher).unwrap();
    assert_eq!(receivers, 1);
    let _: i64 = redis::cmd("PUBLISH").arg("events.login").arg("alice").query(&mut publisher).unwrap();
    let message = pubsub.get_message().unwrap();
    assert_eq!(
        (message.get_channel_name(), message.get_payload::<String>().unwrap().as_str()),
        ("orders", "one")
    );
    let message = pubsub.get_message().unwrap();
    assert_eq!(message.get_pattern::<String>().unwrap(), "events.*");
    assert_eq!(message.get_payload::<String>().unwrap(), "alice");
    pubsub.unsubscribe("orders").unwrap();
    pubsub.punsubscribe("events.*").unwrap();
}

#[test]
fn the_redis_crate_async_pubsub_resp2_and_resp3() {
    use futures_util::StreamExt;
    let server = Server::start_miniredis(&[]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)).unwrap();
        let mut pubsub = client.get_async_pubsub().await.unwrap();
        pubsub.subscribe("room").await.unwrap();
        let mut publisher = client.get_multiplexed_async_connection().await.unwrap();
        let receivers: i64 =
            redis::cmd("PUBLISH").arg("room").arg("hello").query_async(&mut publisher).await.unwrap();
        assert_eq!(receivers, 1);
        let message =
            tokio::time::timeout(Duration::from_secs(10), pubsub.on_message().next()).await.unwrap().unwrap();
        assert_eq!(message.get_payload::<String>().unwrap(), "hello");

        // RESP3: messages come as pushes on the multiplexed connection.
        let resp3 =
            redis::Client::open(format!("redis://127.0.0.1:{}/?protocol=resp3", server.port)).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let config = redis::AsyncConnectionConfig::new().set_push_sender(tx);
        let mut con = resp3.get_multiplexed_async_connection_with_config(&config).await.unwrap();
        con.subscribe("room").await.unwrap();
        let receivers: i64 =
            redis::cmd("PUBLISH").arg("room").arg("hi").query_async(&mut publisher).await.unwrap();
        assert_eq!(receivers, 2);
        // Still usable for commands while subscribed.
        let pong: String = redis::cmd("PING").query_async(&mut con).await.unwrap();
        assert_eq!(pong, "PONG");
        loop {
            let info = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
            if info.kind == redis::PushKind::Message {
                assert_eq!(info.data[1], redis::Value::BulkString(b"hi".to_vec()));
                break;
            }
        }
    });
}

#[test]
fn a_subscriber_that_loses_its_channel_is_disconnected() {
    let server = Server::start_miniredis(&[]);
    let mut admin = server.connect();
    admin.cmd(&["ACL", "SETUSER", "reader", "on", ">pw", "+@all", "resetchannels", "&news.*"], "+OK\r\n");
    let mut reader = server.connect();
    reader.cmd(&["AUTH", "reader", "pw"], "+OK\r\n");
    reader.cmd(
        &["SUBSCRIBE", "other"],
        "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n",
    );
    reader.cmd(&["SUBSCRIBE", "news.today"], push(b'*', &["subscribe", "news.today", ":1"]));
    let mut keeper = server.connect();
    keeper.cmd(&["AUTH", "reader", "pw"], "+OK\r\n");
    keeper.cmd(&["PSUBSCRIBE", "news.*"], push(b'*', &["psubscribe", "news.*", ":1"]));
    // Still allowed: nobody goes.
    admin.cmd(&["ACL", "SETUSER", "reader", "&sport"], "+OK\r\n");
    admin.cmd(&["PUBLISH", "news.today", "x"], ":2\r\n");
    assert_eq!(reader.read_reply(), push(b'*', &["message", "news.today", "x"]));
    assert_eq!(keeper.read_reply(), push(b'*', &["pmessage", "news.*", "news.today", "x"]));
    // `news.*` goes: both lose what they listen to.
    admin.cmd(&["ACL", "SETUSER", "reader", "resetchannels", "&news.today"], "+OK\r\n");
    keeper.expect_closed();
    // `news.today` itself is still allowed, the pattern is not.
    admin.cmd(&["PUBLISH", "news.today", "y"], ":1\r\n");
    assert_eq!(reader.read_reply(), push(b'*', &["message", "news.today", "y"]));
}

//! The embedded server (`miniredis::Server`) as test writers use it: through
//! the `redis` crate (sync and tokio), directly, with both clocks, with
//! faults, seeded, and observed.

use std::time::{Duration, Instant, UNIX_EPOCH};

use miniredis::protocol::Reply;
use miniredis::Server;

fn connect(server: &Server) -> redis::Connection {
    redis::Client::open(server.url()).unwrap().get_connection().unwrap()
}

#[test]
fn sync_client_and_direct_access_see_the_same_data() {
    let server = Server::start().unwrap();
    let mut con = connect(&server);
    redis::cmd("HSET").arg("user:1").arg("name").arg("Ada").exec(&mut con).unwrap();
    server.check_hget("user:1", "name", "Ada");
    server.rpush("queue", ["a", "b"]);
    let popped: String = redis::cmd("LPOP").arg("queue").query(&mut con).unwrap();
    assert_eq!(popped, "a");
    server.check_list("queue", &["b"]);
    server.db(2).set("k", "two");
    redis::cmd("SELECT").arg(2).exec(&mut con).unwrap();
    let v: String = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, "two");
    assert_eq!(server.keys(), ["queue", "user:1"]);
    server.flush_all();
    assert!(server.keys().is_empty() && server.db(2).keys().is_empty());
}

#[test]
#[should_panic(expected = "GET k (db 0): expected \"wanted\", got Some(\"actual\")")]
fn check_get_shows_key_expected_and_actual() {
    let server = Server::start().unwrap();
    server.set("k", "actual");
    server.check_get("k", "wanted");
}

#[test]
#[should_panic(expected = "GET h (db 0): WRONGTYPE")]
fn a_helper_on_the_wrong_type_panics_with_the_error() {
    let server = Server::start().unwrap();
    server.hset("h", "f", "v");
    server.get("h");
}

async fn async_round_trip(server: &Server) {
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET").arg("k").arg("v").query_async(&mut con).await.unwrap();
    let v: String = redis::cmd("GET").arg("k").query_async(&mut con).await.unwrap();
    assert_eq!(v, "v");
    server.check_get("k", "v");
}

#[tokio::test(flavor = "current_thread")]
async fn tokio_current_thread_runtime() {
    // Both constructors work inside a runtime, and dropping does too.
    let server = Server::start().unwrap();
    async_round_trip(&server).await;
    drop(server);
    let server = Server::builder().start_async().await.unwrap();
    async_round_trip(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_multi_thread_runtime() {
    let server = Server::builder().manual_clock().start_async().await.unwrap();
    async_round_trip(&server).await;
    server.run(&["EXPIRE", "k", "1"]);
    server.fast_forward(Duration::from_secs(1));
    assert_eq!(server.get("k"), None);
}

#[test]
fn the_real_clock_expires_keys_on_its_own() {
    let server = Server::start().unwrap();
    server.run(&["SET", "k", "v", "PX", "1"]);
    // The active expiry cycle removes it without any access to it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.run(&["DBSIZE"]) != Reply::Integer(0) {
        assert!(Instant::now() < deadline, "the key never expired");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_manual_clock_moves_only_when_told() {
    let server = Server::builder().manual_clock().start().unwrap();
    let mut con = connect(&server);
    server.set_time(UNIX_EPOCH + Duration::from_secs(2_000_000_000));
    let (secs, _micros): (String, String) = redis::cmd("TIME").query(&mut con).unwrap();
    assert_eq!(secs, "2000000000");
    server.set("k", "v");
    redis::cmd("EXPIREAT").arg("k").arg(2_000_000_100u64).exec(&mut con).unwrap();
    assert_eq!(server.ttl("k"), Some(Duration::from_secs(100)));
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(server.ttl("k"), Some(Duration::from_secs(100)), "real time passing changes nothing");
    server.fast_forward(Duration::from_secs(99));
    server.check_get("k", "v");
    // The active expiry cycle follows the manual clock too: DBSIZE counts
    // keys not yet collected, so it reaches 0 only through that cycle.
    server.fast_forward(Duration::from_secs(1));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.run(&["DBSIZE"]) != Reply::Integer(0) {
        assert!(Instant::now() < deadline, "the expiry cycle never ran on the manual clock");
        server.fast_forward(Duration::from_millis(100));
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
#[should_panic(expected = "fast_forward needs a manual clock")]
fn fast_forward_on_the_real_clock_says_what_to_do() {
    Server::start().unwrap().fast_forward(Duration::from_secs(1));
}

#[test]
fn an_injected_error_answers_every_request_until_cleared() {
    let server = Server::start().unwrap();
    let mut con = connect(&server);
    server.set_error(Some("LOADING Redis is loading the dataset in memory"));
    let err = redis::cmd("GET").arg("k").query::<Option<String>>(&mut con).unwrap_err();
    assert_eq!(err.code(), Some("LOADING"), "{err}");
    assert_eq!(err.detail(), Some("Redis is loading the dataset in memory"));
    server.set("k", "v"); // the direct helpers are not affected
    server.set_error(None);
    let v: Option<String> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v.as_deref(), Some("v"));
}

#[test]
fn closing_the_clients_drops_their_connections() {
    let server = Server::start().unwrap();
    let mut con = connect(&server);
    redis::cmd("PING").exec(&mut con).unwrap();
    server.close_clients();
    assert!(redis::cmd("PING").exec(&mut con).is_err(), "the connection was closed");
    let mut again = connect(&server);
    redis::cmd("PING").exec(&mut again).unwrap();
}

#[test]
fn required_auth_refuses_clients_until_they_authenticate() {
    let server = Server::start().unwrap();
    server.require_auth("app", "s3cret");
    let mut anonymous = connect(&server);
    let err = redis::cmd("GET").arg("k").query::<Option<String>>(&mut anonymous).unwrap_err();
    assert_eq!(err.code(), Some("NOAUTH"), "{err}");
    let url = format!("redis://app:s3cret@{}/", server.addr());
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    server.check_get("k", "v");
}

#[test]
fn the_default_user_can_get_a_password() {
    let server = Server::start().unwrap();
    server.require_auth("default", "pw");
    let mut anonymous = connect(&server);
    let err = redis::cmd("PING").query::<String>(&mut anonymous).unwrap_err();
    assert_eq!(err.code(), Some("NOAUTH"), "{err}");
    let url = format!("redis://:pw@{}/", server.addr());
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

/// RANDOMKEY and HRANDFIELD picks of a server seeded with `seed`.
fn random_picks(seed: u64) -> Vec<String> {
    let server = Server::builder().seed(seed).start().unwrap();
    for i in 0..100 {
        server.set(format!("k{i}"), "v");
        server.hset("h", format!("f{i}"), "v");
    }
    let mut con = connect(&server);
    let mut picks = Vec::new();
    for _ in 0..10 {
        picks.push(redis::cmd("RANDOMKEY").query::<String>(&mut con).unwrap());
        picks.push(redis::cmd("HRANDFIELD").arg("h").query::<String>(&mut con).unwrap());
        let fields: Vec<String> = redis::cmd("HRANDFIELD").arg("h").arg(-3).query(&mut con).unwrap();
        picks.extend(fields);
    }
    picks
}

#[test]
fn a_seed_makes_random_replies_repeat() {
    assert_eq!(random_picks(7), random_picks(7));
    assert_ne!(random_picks(7), random_picks(8), "another seed, other picks");
}

#[test]
fn commands_are_counted_and_logged() {
    let server = Server::builder().log_commands().start().unwrap();
    let mut con = connect(&server);
    let before = server.commands_processed();
    redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    redis::cmd("GET").arg("k").exec(&mut con).unwrap();
    server.get("k"); // direct access is neither counted nor logged
    assert_eq!(server.commands_processed() - before, 2);
    let log = server.command_log();
    let sent: Vec<&Vec<Vec<u8>>> = log.iter().rev().take(2).rev().collect();
    assert_eq!(
        sent,
        [&vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()], &vec![b"GET".to_vec(), b"k".to_vec()]]
    );
}

#[test]
fn without_log_commands_nothing_is_recorded() {
    let server = Server::start().unwrap();
    let mut con = connect(&server);
    redis::cmd("PING").exec(&mut con).unwrap();
    assert!(server.command_log().is_empty());
    assert!(server.commands_processed() >= 1);
}

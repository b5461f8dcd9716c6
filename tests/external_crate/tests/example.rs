//! The issue 17 example, from outside the MiniRedis crate: the very file
//! MiniRedis runs as its own test.

include!("../../embedded_example.rs");

/// The same server from an async test, through the redis crate's tokio mode.
#[tokio::test]
async fn from_an_async_test() {
    let server = Server::builder().start_async().await.expect("start");
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET").arg("k").arg("v").query_async(&mut con).await.unwrap();
    server.check_get("k", "v");
}

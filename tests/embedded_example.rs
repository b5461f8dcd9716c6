// The example of issue 17, as written: the acceptance test of the
// embedding API (`tests/external_crate/` runs it from outside the crate).

use miniredis::Server;
use std::time::Duration;

#[rustfmt::skip] // kept exactly as the issue wrote it
#[test]
fn expiry_under_test_control() {
    let server = Server::builder().manual_clock().start().expect("start");
    let client = redis::Client::open(server.url()).unwrap();   // "redis://127.0.0.1:PORT/"
    let mut con = client.get_connection().unwrap();
    redis::cmd("SET").arg("session").arg("abc").arg("EX").arg(10).exec(&mut con).unwrap();
    server.fast_forward(Duration::from_secs(9));
    let v: Option<String> = redis::cmd("GET").arg("session").query(&mut con).unwrap();
    assert_eq!(v.as_deref(), Some("abc"));
    server.fast_forward(Duration::from_secs(2));
    let v: Option<String> = redis::cmd("GET").arg("session").query(&mut con).unwrap();
    assert_eq!(v, None);

    let other = Server::start().expect("a second, independent server");   // real clock
    assert_ne!(other.addr(), server.addr());
    drop(server);   // stops it: the port is released, no thread is left behind
}

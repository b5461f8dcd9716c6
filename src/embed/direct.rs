//! Direct access to an embedded server's data, without a client: each
//! helper runs the real command through the dispatcher, so it behaves
//! exactly as the server does.

use std::time::Duration;

use crate::protocol::parse::Argv;
use crate::protocol::Reply;
use crate::registry::{dispatch, Context};

use super::Server;

/// One database of a [`Server`], from [`Server::db`]; the server's own
/// helpers work on database 0.
///
/// ```
/// let server = miniredis::Server::start().unwrap();
/// server.db(1).set("k", "in db 1");
/// assert_eq!(server.get("k"), None);
/// assert_eq!(server.db(1).get("k").as_deref(), Some("in db 1"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Db<'a> {
    server: &'a Server,
    index: usize,
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

impl Server {
    /// A handle on database `index` (`SELECT index`).
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(3).set("k", "v");
    /// assert_eq!(server.db(3).keys(), ["k"]);
    /// ```
    pub fn db(&self, index: usize) -> Db<'_> {
        Db { server: self, index }
    }

    /// Runs one command on database 0 as a client would (but not counted,
    /// logged or failed by [`Server::set_error`]), and returns its reply.
    ///
    /// ```
    /// use miniredis::protocol::Reply;
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.run(&["INCRBY", "n", "5"]), Reply::Integer(5));
    /// ```
    pub fn run<A: AsRef<[u8]>>(&self, args: &[A]) -> Reply {
        self.db(0).run(args)
    }

    /// `SET key value` on database 0.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.set("k", "v");
    /// ```
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.db(0).set(key, value)
    }

    /// `GET key` on database 0, as text (`None`: no such key).
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.set("k", "v");
    /// assert_eq!(server.get("k").as_deref(), Some("v"));
    /// ```
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<String> {
        self.db(0).get(key)
    }

    /// `GET key` on database 0, as bytes.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.set("k", [0u8, 255]);
    /// assert_eq!(server.get_bytes("k"), Some(vec![0, 255]));
    /// ```
    pub fn get_bytes(&self, key: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        self.db(0).get_bytes(key)
    }

    /// `HSET key field value` on database 0.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.hset("h", "f", "v");
    /// assert_eq!(server.hget("h", "f").as_deref(), Some("v"));
    /// ```
    pub fn hset(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.db(0).hset(key, field, value)
    }

    /// `HGET key field` on database 0.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.hget("h", "f"), None);
    /// ```
    pub fn hget(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Option<String> {
        self.db(0).hget(key, field)
    }

    /// `LPUSH key value...` on database 0; the list's new length.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.lpush("l", ["a", "b"]), 2);
    /// assert_eq!(server.lrange("l", 0, -1), ["b", "a"]);
    /// ```
    pub fn lpush<V: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, values: impl IntoIterator<Item = V>) -> i64 {
        self.db(0).lpush(key, values)
    }

    /// `RPUSH key value...` on database 0; the list's new length.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.rpush("l", ["a", "b"]);
    /// assert_eq!(server.lrange("l", 0, -1), ["a", "b"]);
    /// ```
    pub fn rpush<V: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, values: impl IntoIterator<Item = V>) -> i64 {
        self.db(0).rpush(key, values)
    }

    /// `LRANGE key start stop` on database 0.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert!(server.lrange("missing", 0, -1).is_empty());
    /// ```
    pub fn lrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Vec<String> {
        self.db(0).lrange(key, start, stop)
    }

    /// `SADD key member...` on database 0; how many members were new.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.sadd("s", ["b", "a", "b"]), 2);
    /// assert_eq!(server.smembers("s"), ["a", "b"]);
    /// ```
    pub fn sadd<V: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, members: impl IntoIterator<Item = V>) -> i64 {
        self.db(0).sadd(key, members)
    }

    /// `SMEMBERS key` on database 0, sorted.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert!(server.smembers("missing").is_empty());
    /// ```
    pub fn smembers(&self, key: impl AsRef<[u8]>) -> Vec<String> {
        self.db(0).smembers(key)
    }

    /// `ZADD key score member` on database 0; whether the member was new.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert!(server.zadd("z", 1.5, "m"));
    /// assert_eq!(server.zscore("z", "m"), Some(1.5));
    /// ```
    pub fn zadd(&self, key: impl AsRef<[u8]>, score: f64, member: impl AsRef<[u8]>) -> bool {
        self.db(0).zadd(key, score, member)
    }

    /// `ZSCORE key member` on database 0.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.zscore("z", "m"), None);
    /// ```
    pub fn zscore(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Option<f64> {
        self.db(0).zscore(key, member)
    }

    /// Every key of database 0, sorted.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.set("b", "1");
    /// server.set("a", "2");
    /// assert_eq!(server.keys(), ["a", "b"]);
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.db(0).keys()
    }

    /// The time `key` (database 0) has left; `None` if it has no expiry or
    /// does not exist.
    ///
    /// ```
    /// use std::time::Duration;
    /// let server = miniredis::Server::builder().manual_clock().start().unwrap();
    /// server.run(&["SET", "k", "v", "EX", "5"]);
    /// assert_eq!(server.ttl("k"), Some(Duration::from_secs(5)));
    /// ```
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Option<Duration> {
        self.db(0).ttl(key)
    }

    /// `DEL key` on database 0; whether it existed.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.set("k", "v");
    /// assert!(server.del("k"));
    /// ```
    pub fn del(&self, key: impl AsRef<[u8]>) -> bool {
        self.db(0).del(key)
    }

    /// `FLUSHALL`: empties every database.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(2).set("k", "v");
    /// server.flush_all();
    /// assert!(server.db(2).keys().is_empty());
    /// ```
    pub fn flush_all(&self) {
        let reply = self.run(&["FLUSHALL"]);
        assert_eq!(reply, Reply::OK, "FLUSHALL");
    }

    /// Panics unless `key` (database 0) holds the string `expected`; the
    /// message shows the key, the expected and the actual value.
    ///
    /// ```should_panic
    /// let server = miniredis::Server::start().unwrap();
    /// server.set("k", "actual");
    /// server.check_get("k", "expected"); // panics: GET k: expected "expected", got Some("actual")
    /// ```
    #[track_caller]
    pub fn check_get(&self, key: &str, expected: &str) {
        self.db(0).check_get(key, expected)
    }

    /// Panics unless field `field` of hash `key` (database 0) is `expected`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.hset("h", "f", "v");
    /// server.check_hget("h", "f", "v");
    /// ```
    #[track_caller]
    pub fn check_hget(&self, key: &str, field: &str, expected: &str) {
        self.db(0).check_hget(key, field, expected)
    }

    /// Panics unless list `key` (database 0) holds exactly `expected`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.rpush("l", ["a", "b"]);
    /// server.check_list("l", &["a", "b"]);
    /// ```
    #[track_caller]
    pub fn check_list(&self, key: &str, expected: &[&str]) {
        self.db(0).check_list(key, expected)
    }
}

impl Db<'_> {
    /// Runs one command on this database (see [`Server::run`]).
    ///
    /// ```
    /// use miniredis::protocol::Reply;
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.db(1).run(&["DBSIZE"]), Reply::Integer(0));
    /// ```
    pub fn run<A: AsRef<[u8]>>(&self, args: &[A]) -> Reply {
        let owned: Vec<Vec<u8>> = args.iter().map(|a| a.as_ref().to_vec()).collect();
        let state = self.server.state();
        let mut session = self.server.direct.lock();
        session.db = self.index;
        let reply = {
            let mut ctx = Context::new(state, &mut session);
            let reply = dispatch(&mut ctx, Argv::Owned(&owned));
            state.blocking.wake_modified(ctx.effects());
            reply
        };
        session.tally.flush(&state.metrics);
        reply
    }

    /// Runs a command and panics on an error reply.
    #[track_caller]
    fn expect<A: AsRef<[u8]>>(&self, args: &[A]) -> Reply {
        match self.run(args) {
            Reply::Error(e) => {
                let words: Vec<String> =
                    args.iter().map(|a| String::from_utf8_lossy(a.as_ref()).into()).collect();
                panic!("{} (db {}): {}", words.join(" "), self.index, e.0)
            }
            reply => reply,
        }
    }

    #[track_caller]
    fn strings(&self, args: &[&[u8]]) -> Vec<String> {
        let items = match self.expect(args) {
            Reply::Array(items) | Reply::Set(items) => items,
            Reply::EncodedBulks(bulks) => bulks.items(),
            _ => Vec::new(),
        };
        items
            .into_iter()
            .filter_map(|item| match item {
                Reply::Bulk(bytes) => Some(text(bytes)),
                _ => None,
            })
            .collect()
    }

    /// `SET key value`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).set("k", "v");
    /// ```
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.expect(&[b"SET", key.as_ref(), value.as_ref()]);
    }

    /// `GET key` as text; panics if `key` holds another type.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.db(1).get("k"), None);
    /// ```
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<String> {
        self.get_bytes(key).map(text)
    }

    /// `GET key` as bytes; panics if `key` holds another type.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.db(1).get_bytes("k"), None);
    /// ```
    pub fn get_bytes(&self, key: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        match self.expect(&[b"GET", key.as_ref()]) {
            Reply::Bulk(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// `HSET key field value`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).hset("h", "f", "v");
    /// ```
    pub fn hset(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.expect(&[b"HSET", key.as_ref(), field.as_ref(), value.as_ref()]);
    }

    /// `HGET key field`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.db(1).hget("h", "f"), None);
    /// ```
    pub fn hget(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Option<String> {
        match self.expect(&[b"HGET", key.as_ref(), field.as_ref()]) {
            Reply::Bulk(bytes) => Some(text(bytes)),
            _ => None,
        }
    }

    fn push<V: AsRef<[u8]>>(&self, command: &[u8], key: &[u8], values: impl IntoIterator<Item = V>) -> i64 {
        let mut args = vec![command.to_vec(), key.to_vec()];
        args.extend(values.into_iter().map(|v| v.as_ref().to_vec()));
        match self.expect(&args) {
            Reply::Integer(len) => len,
            other => panic!("{} replied {other:?}", text(command.to_vec())),
        }
    }

    /// `LPUSH key value...`; the list's new length.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.db(1).lpush("l", ["a"]), 1);
    /// ```
    pub fn lpush<V: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, values: impl IntoIterator<Item = V>) -> i64 {
        self.push(b"LPUSH", key.as_ref(), values)
    }

    /// `RPUSH key value...`; the list's new length.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.db(1).rpush("l", ["a", "b"]), 2);
    /// ```
    pub fn rpush<V: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, values: impl IntoIterator<Item = V>) -> i64 {
        self.push(b"RPUSH", key.as_ref(), values)
    }

    /// `LRANGE key start stop`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).rpush("l", ["a", "b", "c"]);
    /// assert_eq!(server.db(1).lrange("l", 1, -1), ["b", "c"]);
    /// ```
    pub fn lrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Vec<String> {
        let (start, stop) = (start.to_string(), stop.to_string());
        self.strings(&[b"LRANGE", key.as_ref(), start.as_bytes(), stop.as_bytes()])
    }

    /// `SADD key member...`; how many members were new.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert_eq!(server.db(1).sadd("s", ["a"]), 1);
    /// ```
    pub fn sadd<V: AsRef<[u8]>>(&self, key: impl AsRef<[u8]>, members: impl IntoIterator<Item = V>) -> i64 {
        self.push(b"SADD", key.as_ref(), members)
    }

    /// `SMEMBERS key`, sorted (a set has no order).
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).sadd("s", ["b", "a"]);
    /// assert_eq!(server.db(1).smembers("s"), ["a", "b"]);
    /// ```
    pub fn smembers(&self, key: impl AsRef<[u8]>) -> Vec<String> {
        let mut members = self.strings(&[b"SMEMBERS", key.as_ref()]);
        members.sort();
        members
    }

    /// `ZADD key score member`; whether the member was new.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert!(server.db(1).zadd("z", 2.0, "m"));
    /// ```
    pub fn zadd(&self, key: impl AsRef<[u8]>, score: f64, member: impl AsRef<[u8]>) -> bool {
        let score = score.to_string();
        self.push(b"ZADD", key.as_ref(), [score.as_bytes(), member.as_ref()]) == 1
    }

    /// `ZSCORE key member`.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).zadd("z", -0.5, "m");
    /// assert_eq!(server.db(1).zscore("z", "m"), Some(-0.5));
    /// ```
    pub fn zscore(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Option<f64> {
        match self.expect(&[b"ZSCORE", key.as_ref(), member.as_ref()]) {
            Reply::Bulk(bytes) => text(bytes).parse().ok(),
            Reply::Double(score) => Some(score),
            _ => None,
        }
    }

    /// Every key of this database, sorted.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert!(server.db(1).keys().is_empty());
    /// ```
    pub fn keys(&self) -> Vec<String> {
        let mut keys = self.strings(&[b"KEYS", b"*"]);
        keys.sort();
        keys
    }

    /// The time `key` has left; `None` without expiry or key.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).set("k", "v");
    /// assert_eq!(server.db(1).ttl("k"), None);
    /// ```
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Option<Duration> {
        match self.expect(&[b"PTTL", key.as_ref()]) {
            Reply::Integer(ms) if ms >= 0 => Some(Duration::from_millis(ms as u64)),
            _ => None,
        }
    }

    /// `DEL key`; whether it existed.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// assert!(!server.db(1).del("k"));
    /// ```
    pub fn del(&self, key: impl AsRef<[u8]>) -> bool {
        self.expect(&[b"DEL", key.as_ref()]) == Reply::Integer(1)
    }

    /// Panics unless `key` holds the string `expected`, showing both.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).set("k", "v");
    /// server.db(1).check_get("k", "v");
    /// ```
    #[track_caller]
    pub fn check_get(&self, key: &str, expected: &str) {
        let actual = self.get(key);
        assert!(
            actual.as_deref() == Some(expected),
            "GET {key} (db {}): expected {expected:?}, got {actual:?}",
            self.index
        );
    }

    /// Panics unless field `field` of hash `key` is `expected`, showing both.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).hset("h", "f", "v");
    /// server.db(1).check_hget("h", "f", "v");
    /// ```
    #[track_caller]
    pub fn check_hget(&self, key: &str, field: &str, expected: &str) {
        let actual = self.hget(key, field);
        assert!(
            actual.as_deref() == Some(expected),
            "HGET {key} {field} (db {}): expected {expected:?}, got {actual:?}",
            self.index
        );
    }

    /// Panics unless list `key` holds exactly `expected`, showing both.
    ///
    /// ```
    /// let server = miniredis::Server::start().unwrap();
    /// server.db(1).check_list("missing", &[]);
    /// ```
    #[track_caller]
    pub fn check_list(&self, key: &str, expected: &[&str]) {
        let actual = self.lrange(key, 0, -1);
        assert!(
            actual == expected,
            "LRANGE {key} 0 -1 (db {}): expected {expected:?}, got {actual:?}",
            self.index
        );
    }
}

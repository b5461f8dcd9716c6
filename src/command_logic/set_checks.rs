//! Test checks the set and sorted-set command files share: sibling commands
//! (`SINTER`/`SUNION`/`SDIFF`, their `STORE` forms, `ZINTER`/`ZUNION`/`ZDIFF`
//! and theirs) behave alike but for their result, so each file's own tests
//! call these with the command's name and its plainly written expected result.

use crate::protocol::Reply;
use crate::testing::*;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// Redis's arity error for `name` (lowercase in the text).
fn arity_error(name: &str) -> Reply {
    let text = format!("ERR wrong number of arguments for '{}' command", name.to_ascii_lowercase());
    err(Box::leak(text.into_boxed_str()))
}

/// The members of a set or array reply of bulks, sorted.
fn sorted(reply: Reply) -> Vec<String> {
    let (Reply::Set(items) | Reply::Array(items)) = reply else { panic!("{reply:?}") };
    let mut out: Vec<String> = items
        .into_iter()
        .map(|i| match i {
            Reply::Bulk(b) => String::from_utf8(b).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// `name a b c` over a = {1 2 3 x}, b = {2 3 4 x}, c = {3 x y} gives
/// `expected` (sorted); a missing key is an empty set; RESP3 gets a set.
pub fn check_set_combine(name: &str, expected: &[&str]) {
    let mut h = Harness::new();
    h.run("SADD a 1 2 3 x");
    h.run("SADD b 2 3 4 x");
    h.run("SADD c 3 x y");
    assert_eq!(sorted(h.run(&format!("{name} a b c"))), expected);
    assert_eq!(sorted(h.run(&format!("{name} missing"))), Vec::<String>::new());
    h.run("HELLO 3");
    assert!(h.wire(&format!("{name} a")).starts_with("~4\r\n"));
}

/// `WRONGTYPE` from any key, even after a missing one; no key is an arity error.
pub fn check_set_combine_wrong_type(name: &str) {
    let mut h = Harness::new();
    h.run("SADD a 1");
    h.run("SET str v");
    assert_eq!(h.run(&format!("{name} a str")), err(WRONGTYPE));
    assert_eq!(h.run(&format!("{name} missing str")), err(WRONGTYPE), "checked even after a missing key");
    assert_eq!(h.run(name), arity_error(name));
}

/// `name dest a b` over a = {1 2 3}, b = {3 4} stores `expected` members as
/// an intset at `dest`, replacing a string with a TTL.
pub fn check_set_store(name: &str, expected: i64) {
    let mut h = Harness::new();
    h.run("SADD a 1 2 3");
    h.run("SADD b 3 4");
    h.run("SET dest old");
    h.run("EXPIRE dest 100");
    assert_eq!(h.run(&format!("{name} dest a b")), int(expected));
    assert_eq!(h.run("SCARD dest"), int(expected));
    assert_eq!(h.run("TTL dest"), int(-1));
    assert_eq!(h.run("OBJECT ENCODING dest"), bulk("intset"));
    assert_eq!(h.run(&format!("{name} a a")), int(3), "the destination may be a source");
}

/// An empty result deletes the destination, whose type does not matter.
pub fn check_set_store_empty(name: &str) {
    let mut h = Harness::new();
    h.run("SET dest old");
    assert_eq!(h.run(&format!("{name} dest missing")), int(0));
    assert_eq!(h.run("EXISTS dest"), int(0));
    h.run("SET str v");
    assert_eq!(h.run(&format!("{name} dest str")), err(WRONGTYPE));
    assert_eq!(h.run(&format!("{name} str missing")), int(0), "the destination's type does not matter");
    assert_eq!(h.run(&format!("{name} d")), arity_error(name));
}

/// `name 2 x y WITHSCORES` over x = {a:1 b:2}, y = {b:3 c:3} gives
/// `expected`; then a missing key, `WRONGTYPE` and the numkeys errors.
pub fn check_zset_combine(name: &str, expected: &[&str]) {
    let mut h = Harness::new();
    h.run("ZADD x 1 a 2 b");
    h.run("ZADD y 3 b 3 c");
    assert_eq!(flat(h.run(&format!("{name} 2 x y WITHSCORES"))), array(expected));
    assert_eq!(flat(h.run(&format!("{name} 1 missing"))), array(&[]));
    h.run("SET str v");
    assert_eq!(flat(h.run(&format!("{name} 2 x str"))), err(WRONGTYPE));
    let text = format!("ERR at least 1 input key is needed for '{}' command", name.to_ascii_lowercase());
    assert_eq!(flat(h.run(&format!("{name} 0 x"))), err(Box::leak(text.into_boxed_str())));
    assert_eq!(flat(h.run(&format!("{name} 3 x y"))), err("ERR syntax error"));
}

/// Over the same x and y (and the set s = {a b}): `WEIGHTS 2 1 AGGREGATE MAX`
/// gives `weighted_max`, `WEIGHTS inf -inf` gives `infinite_weights` (inf
/// plus -inf is 0, as in Redis); then the shared weight and aggregate cases.
pub fn check_zset_weights(name: &str, weighted_max: &[&str], infinite_weights: &[&str]) {
    let mut h = Harness::new();
    h.run("ZADD x 1 a 2 b");
    h.run("ZADD y 3 b 3 c");
    h.run("SADD s a b");
    let run = |h: &mut Harness, rest: &str| flat(h.run(&format!("{name} {rest}")));
    assert_eq!(run(&mut h, "2 x y WEIGHTS 2 1 AGGREGATE MAX WITHSCORES"), array(weighted_max));
    assert_eq!(run(&mut h, "2 x s AGGREGATE MIN WITHSCORES"), array(&["a", "1", "b", "1"]));
    assert_eq!(run(&mut h, "2 x y WEIGHTS inf -inf WITHSCORES"), array(infinite_weights));
    assert_eq!(run(&mut h, "1 x WEIGHTS 0 WITHSCORES"), array(&["a", "0", "b", "0"]));
    assert_eq!(run(&mut h, "1 x WEIGHTS x"), err("ERR weight value is not a float"));
    assert_eq!(run(&mut h, "1 x AGGREGATE foo"), err("ERR syntax error"));
    assert_eq!(run(&mut h, "2 x y WEIGHTS 1"), err("ERR syntax error"));
}

/// `name d 2 x y` over x and y stores `expected` (member, score pairs) at d,
/// replacing a string; an empty result deletes d; `WITHSCORES` is refused.
pub fn check_zset_store(name: &str, expected: &[&str]) {
    let mut h = Harness::new();
    h.run("ZADD x 1 a 2 b");
    h.run("ZADD y 3 b 3 c");
    h.run("SET d v");
    assert_eq!(flat(h.run(&format!("{name} d 2 x y"))), int(expected.len() as i64 / 2));
    assert_eq!(flat(h.run("ZRANGE d 0 -1 WITHSCORES")), array(expected));
    assert_eq!(flat(h.run(&format!("{name} d 1 missing"))), int(0));
    assert_eq!(flat(h.run("EXISTS d")), int(0));
    assert_eq!(flat(h.run(&format!("{name} d 1 x WITHSCORES"))), err("ERR syntax error"));
    h.run("SET str v");
    assert_eq!(flat(h.run(&format!("{name} d 1 str"))), err(WRONGTYPE));
    assert_eq!(flat(h.run(&format!("{name} str 1 x"))), int(2), "the destination's type does not matter");
}

/// Over z = {a:1 b:2 c:3}, `name z a` is `rank_a` and `name z c` is
/// `rank_c`; absent members and keys are nil; 7.0 has no `WITHSCORE`.
pub fn check_rank(name: &str, rank_a: i64, rank_c: i64) {
    let mut h = Harness::new();
    h.run("ZADD z 1 a 2 b 3 c");
    assert_eq!(flat(h.run(&format!("{name} z a"))), int(rank_a));
    assert_eq!(flat(h.run(&format!("{name} z c"))), int(rank_c));
    assert_eq!(flat(h.run(&format!("{name} z x"))), Reply::Null);
    assert_eq!(flat(h.run(&format!("{name} missing x"))), Reply::Null);
    h.run("SET str v");
    assert_eq!(flat(h.run(&format!("{name} str a"))), err(WRONGTYPE));
    assert_eq!(flat(h.run(&format!("{name} z a WITHSCORE"))), arity_error(name));
}

/// Over z = {a:1 b:2 c:3}, `name z` pops `first` and `name z 10` pops
/// `rest`, deleting z; count 0 pops nothing; RESP3 pairs only with a count.
pub fn check_pop(name: &str, first: &[&str], rest: &[&str]) {
    let mut h = Harness::new();
    h.run("ZADD z 1 a 2 b 3 c");
    assert_eq!(flat(h.run(&format!("{name} z"))), array(first));
    assert_eq!(flat(h.run(&format!("{name} z 10"))), array(rest));
    assert_eq!(flat(h.run("EXISTS z")), int(0));
    assert_eq!(flat(h.run(&format!("{name} z"))), array(&[]));
    h.run("ZADD z 1 a");
    assert_eq!(flat(h.run(&format!("{name} z 0"))), array(&[]));
    h.run("HELLO 3");
    assert_eq!(h.wire(&format!("{name} z")), "*2\r\n$1\r\na\r\n,1\r\n");
    h.run("ZADD z 1 a");
    assert_eq!(h.wire(&format!("{name} z 1")), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
}

/// A negative or non-numeric count, `WRONGTYPE`, an extra argument.
pub fn check_pop_errors(name: &str) {
    let mut h = Harness::new();
    h.run("SET str v");
    let out_of_range = err("ERR value is out of range, must be positive");
    assert_eq!(flat(h.run(&format!("{name} z -1"))), out_of_range);
    assert_eq!(flat(h.run(&format!("{name} z x"))), out_of_range);
    assert_eq!(flat(h.run(&format!("{name} str 0"))), err(WRONGTYPE));
    assert_eq!(flat(h.run(&format!("{name} z 1 2"))), err("ERR syntax error"));
}

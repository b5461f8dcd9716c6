use super::*;
use crate::store::{Dataset, Hash, List, Set, Shape, Store, ZSet};

fn limits() -> Limits {
    Limits::default()
}

fn round_trip(value: &Value) -> Value {
    let payload = dump_payload(value, &limits());
    restore_payload(&payload, &limits()).unwrap()
}

#[test]
fn every_type_round_trips_with_its_encoding() {
    let l = limits();
    let long = "x".repeat(100);
    let values = [
        Value::string("hello"),
        Value::string("12345"),
        Value::string("-2147483648"),
        Value::string("9223372036854775807"),
        Value::string(long.as_bytes()),
        Value::string(vec![0u8, 0xff, 0x80]),
        Value::Hash(Hash::from_pairs([(&b"f"[..], &b"v"[..]), (b"n", b"12")], &l)),
        Value::Hash(Hash::from_pairs([(&b"f"[..], long.as_bytes())], &l)),
        Value::List(List::from_items([&b"a"[..], b"1", b"-5000", long.as_bytes()], &l)),
        Value::Set(Set::from_members([&b"1"[..], b"-70000", b"3"], &l)),
        Value::Set(Set::from_members([&b"a"[..], b"b"], &l)),
        Value::ZSet(ZSet::from_pairs([(&b"a"[..], 1.5), (b"b", -3.0), (b"c", f64::INFINITY)], &l)),
        Value::ZSet(ZSet::from_pairs([(long.as_bytes(), 0.1), (b"b", -0.0)], &l)),
    ];
    for value in &values {
        let back = round_trip(value);
        assert_eq!(&back, value);
        assert_eq!(back.encoding(), value.encoding(), "{value:?}");
    }
    let big = List::from_items(
        (0..5000).map(|i| format!("item-{i}")).collect::<Vec<_>>().iter().map(|s| s.as_bytes()),
        &l,
    );
    assert_eq!(round_trip(&Value::List(big.clone())), Value::List(big));
}

#[test]
fn payloads_are_redis_bytes() {
    let l = limits();
    // redis-server 7.0.15: DUMP after SET k hello, SET n 7, HSET h f v.
    assert_eq!(dump_payload(&Value::string("hello"), &l)[..7], [0, 5, b'h', b'e', b'l', b'l', b'o']);
    assert_eq!(dump_payload(&Value::string("7"), &l)[..3], [0, 0xc0, 7]);
    let hash = Value::Hash(Hash::from_pairs([(&b"f"[..], &b"v"[..])], &l));
    assert_eq!(
        dump_payload(&hash, &l)[..15],
        [16, 13, 0x0d, 0, 0, 0, 2, 0, 0x81, b'f', 2, 0x81, b'v', 2, 0xff]
    );
    assert_eq!(dump_payload(&hash, &l)[15..17], [10, 0], "RDB version 10");
}

#[test]
fn bad_payloads_are_refused() {
    let l = limits();
    let good = dump_payload(&Value::string("hello"), &l);
    assert_eq!(restore_payload(&good[..9], &l), Err(PayloadError::VersionOrChecksum));
    let mut flipped = good.clone();
    flipped[2] ^= 1;
    assert_eq!(restore_payload(&flipped, &l), Err(PayloadError::VersionOrChecksum));
    let mut newer = good.clone();
    let at = newer.len() - 10;
    newer[at] = 11;
    assert_eq!(restore_payload(&newer, &l), Err(PayloadError::VersionOrChecksum));
    // A valid footer over a lying length.
    let mut lying = vec![0u8, 0x80, 0x7f, 0xff, 0xff, 0xff, b'x'];
    lying.extend_from_slice(&VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &lying);
    lying.extend_from_slice(&crc.to_le_bytes());
    assert!(matches!(restore_payload(&lying, &l), Err(PayloadError::BadData(_))));
}

#[test]
fn files_round_trip_with_databases_and_deadlines() {
    let shape = Shape::for_threads(16, 2);
    let store = Store::new(Dataset::new(shape));
    let mut db = store.view();
    db.prepare(0, 1_000, true, false);
    db.set(b"s", Value::string("v"));
    db.set_deadline(b"s", 50_000);
    db.set(b"gone", Value::string("v"));
    db.set_deadline(b"gone", 2_000);
    db.select(3).set(b"h", Value::Hash(Hash::from_pairs([(&b"f"[..], &b"v"[..])], &limits())));
    let mut file = Vec::new();
    write_file(db.hold_all(), 1_000, 0, &mut file).unwrap();
    assert!(file.starts_with(b"REDIS0010"));
    let loaded = read_file(&file, shape, 3_000, &limits()).unwrap();
    let back = Store::new(loaded);
    let mut view = back.view();
    view.prepare(0, 3_000, true, false);
    assert_eq!(view.get(b"s"), Some(&Value::string("v")));
    assert_eq!(view.deadline(b"s"), Some(50_000));
    assert_eq!(view.get(b"gone"), None);
    assert!(view.select(3).get(b"h").is_some());
    let mut cut = file.clone();
    cut.truncate(file.len() - 3);
    assert!(read_file(&cut, shape, 0, &limits()).is_err());
    let mut flipped = file.clone();
    let at = flipped.len() - 12;
    flipped[at] ^= 0x20;
    assert!(read_file(&flipped, shape, 0, &limits()).is_err());
}

#[test]
fn a_key_twice_stops_the_load() {
    let shape = Shape::for_threads(16, 1);
    let mut file = b"REDIS0010".to_vec();
    for _ in 0..2 {
        file.extend_from_slice(&[types::STRING, 1, b'k', 1, b'v']);
    }
    file.push(opcode::EOF);
    file.extend_from_slice(&[0; 8]);
    let err = read_file(&file, shape, 0, &limits()).unwrap_err();
    assert_eq!(err.to_string(), "RDB has duplicated key 'k' in DB 0");
}

#[test]
fn modules_stop_the_load_by_name() {
    let shape = Shape::for_threads(16, 1);
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(&[types::MODULE_2, 6]);
    file.extend_from_slice(b"events");
    file.push(opcode::EOF);
    file.extend_from_slice(&[0; 8]);
    let err = read_file(&file, shape, 0, &limits()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "key 'events' holds a module, a type MiniRedis does not support yet; nothing was loaded"
    );
}

#[test]
fn function_libraries_round_trip_as_redis_writes_them() {
    let shape = Shape::for_threads(16, 1);
    let store = Store::new(Dataset::new(shape));
    let code = b"#!lua name=mylib\nredis.register_function('f1', function(keys, args) return 1 end)".to_vec();
    store.set_functions(vec![code.clone()]);
    let mut db = store.view();
    db.prepare(0, 1_000, true, false);
    db.set(b"a", Value::string("b"));
    let mut file = Vec::new();
    write_file(db.hold_all(), 1_000, 0, &mut file).unwrap();
    // As redis-server 7.0.15 saved this library: after the header's fields,
    // opcode 245 and the code as a string (81 bytes: 0x40 0x51), then the keys.
    let mut expected = vec![opcode::FUNCTION2, 0x40, 0x51];
    expected.extend_from_slice(&code);
    expected.extend_from_slice(&[opcode::SELECTDB, 0]);
    let at = file.windows(expected.len()).position(|w| w == expected.as_slice());
    assert!(at.is_some_and(|at| file[..at].ends_with(b"aof-base\xc0\x00")), "{file:?}");
    let loaded = read_file(&file, shape, 1_000, &limits()).unwrap();
    assert_eq!(loaded.functions, vec![code]);

    // Redis 7.0 refuses the release candidates' format too.
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(&[opcode::FUNCTION, 1, b'x', opcode::EOF]);
    file.extend_from_slice(&[0; 8]);
    let err = read_file(&file, shape, 0, &limits()).unwrap_err();
    assert_eq!(err, RdbError::Corrupt("Pre-release function format not supported.".into()));
}

#[test]
fn serialized_lengths_match_redis() {
    // Figures read from redis-server 7.0 with DEBUG OBJECT.
    let l = limits();
    assert_eq!(encode::serialized_len(&Value::string("bar"), &l), 4);
    assert_eq!(encode::serialized_len(&Value::string("123"), &l), 2);
    assert_eq!(encode::serialized_len(&Value::string([b'a'; 100].as_slice()), &l), 13);
    let hash = Value::Hash(Hash::from_pairs([(&b"a"[..], &b"1"[..])], &l));
    assert_eq!(encode::serialized_len(&hash, &l), 13);
}

mod model {
    use proptest::prelude::*;

    use super::*;

    /// Bytes that exercise every string encoding: integers of each width,
    /// short and long, compressible and binary.
    fn item() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            (-5000i64..5000).prop_map(|n| n.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..8),
            (1..200usize, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
            prop::collection::vec(prop::sample::select(b"ab c".to_vec()), 0..120),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let l = Limits::default();
        prop_oneof![
            item().prop_map(Value::string),
            prop::collection::vec((item(), item()), 1..80).prop_map(move |p| Value::Hash(Hash::from_pairs(
                p.iter().map(|(f, v)| (&f[..], &v[..])),
                &l
            ))),
            prop::collection::vec(item(), 1..300)
                .prop_map(move |i| Value::List(List::from_items(i.iter().map(|x| &x[..]), &l))),
            prop::collection::vec(item(), 1..80)
                .prop_map(move |m| Value::Set(Set::from_members(m.iter().map(|x| &x[..]), &l))),
            prop::collection::vec((item(), any::<f64>().prop_filter("a score", |s| !s.is_nan())), 1..200)
                .prop_map(move |p| Value::ZSet(ZSet::from_pairs(p.iter().map(|(m, s)| (&m[..], *s)), &l))),
        ]
    }

    proptest! {
        #[test]
        fn every_value_round_trips(value in value()) {
            let back = round_trip(&value);
            prop_assert_eq!(&back, &value);
            prop_assert_eq!(back.encoding(), value.encoding());
        }
    }
}

/// A ziplist of `items` as Redis 6 wrote one (entries: previous length,
/// encoding, data).
fn ziplist(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut previous = 0u8;
    for item in items {
        let start = body.len();
        body.push(previous);
        match std::str::from_utf8(item).ok().and_then(|t| t.parse::<i8>().ok()) {
            Some(n) if (0..=12).contains(&n) => body.push(0xf1 + n as u8),
            Some(n) => body.extend_from_slice(&[0xfe, n as u8]),
            None => {
                body.push(item.len() as u8);
                body.extend_from_slice(item);
            }
        }
        previous = (body.len() - start) as u8;
    }
    let mut blob = Vec::new();
    blob.extend_from_slice(&((11 + body.len()) as u32).to_le_bytes());
    blob.extend_from_slice(&0u32.to_le_bytes());
    blob.extend_from_slice(&(items.len() as u16).to_le_bytes());
    blob.extend_from_slice(&body);
    blob.push(0xff);
    blob
}

#[test]
fn files_of_older_redis_versions_load() {
    let blob = |out: &mut Vec<u8>, bytes: &[u8]| encode::write_string(out, bytes);
    let mut file = b"REDIS0006".to_vec();
    file.push(types::HASH_ZIPLIST);
    blob(&mut file, b"h");
    blob(&mut file, &ziplist(&[b"name", b"Alice", b"age", b"7"]));
    file.push(types::ZSET_ZIPLIST);
    blob(&mut file, b"z");
    blob(&mut file, &ziplist(&[b"a", b"1", b"b", b"2.5"]));
    file.push(types::LIST_QUICKLIST);
    blob(&mut file, b"l");
    encode::write_len(&mut file, 2);
    blob(&mut file, &ziplist(&[b"x", b"y"]));
    blob(&mut file, &ziplist(&[b"-3"]));
    file.push(types::HASH_ZIPMAP);
    blob(&mut file, b"zm");
    blob(&mut file, &[1, 1, b'f', 1, 0, b'v', 0xff]);
    file.push(opcode::EXPIRETIME);
    file.extend_from_slice(&4_000_000_000u32.to_le_bytes());
    file.push(types::LIST);
    blob(&mut file, b"old");
    encode::write_len(&mut file, 2);
    blob(&mut file, b"p");
    blob(&mut file, b"q");
    file.push(types::ZSET);
    blob(&mut file, b"oldz");
    encode::write_len(&mut file, 2);
    blob(&mut file, b"m");
    file.extend_from_slice(&[3, b'1', b'.', b'5']);
    blob(&mut file, b"n");
    file.push(254); // +inf
    file.push(opcode::EOF);
    let crc = crc64::crc64(0, &file);
    file.extend_from_slice(&crc.to_le_bytes());

    let store = Store::new(read_file(&file, Shape::for_threads(16, 1), 0, &limits()).unwrap());
    let mut db = store.view();
    db.prepare(0, 0, true, false);
    let l = limits();
    let hash = Value::Hash(Hash::from_pairs([(&b"name"[..], &b"Alice"[..]), (b"age", b"7")], &l));
    assert_eq!(db.get(b"h"), Some(&hash));
    assert_eq!(db.get(b"z"), Some(&Value::ZSet(ZSet::from_pairs([(&b"a"[..], 1.0), (b"b", 2.5)], &l))));
    assert_eq!(db.get(b"l"), Some(&Value::List(List::from_items([&b"x"[..], b"y", b"-3"], &l))));
    assert_eq!(db.get(b"zm"), Some(&Value::Hash(Hash::from_pairs([(&b"f"[..], &b"v"[..])], &l))));
    assert_eq!(db.get(b"old"), Some(&Value::List(List::from_items([&b"p"[..], b"q"], &l))));
    assert_eq!(db.deadline(b"old"), Some(4_000_000_000_000));
    let oldz = Value::ZSet(ZSet::from_pairs([(&b"m"[..], 1.5), (b"n", f64::INFINITY)], &l));
    assert_eq!(db.get(b"oldz"), Some(&oldz));
}

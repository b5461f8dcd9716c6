//! Property-based fuzzing, bounded in time for CI (`PROPTEST_CASES` raises
//! or lowers the number of cases): the request parser, fed arbitrary and
//! protocol-shaped bytes in arbitrary read chunks, never panics and keeps
//! at most a small multiple of its input in memory; the dispatcher, fed
//! arbitrary arguments for every registered command, never panics.
//!
//! The tests take turns (a mutex): the allocation figures come from the
//! crate's counting allocator (`miniredis::alloc`), which counts the whole
//! process, so nothing else allocates while the parser test measures.

use std::cell::RefCell;
use std::sync::Mutex;

/// The counting allocator, as the binary installs it.
#[global_allocator]
static GLOBAL: miniredis::alloc::Counting = miniredis::alloc::Counting;

use miniredis::protocol::parse::{Limits, Parsed, RequestParser};
use miniredis::protocol::Reply;
use miniredis::testing::Harness;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// The tests run one at a time, so the process-wide allocation count the
/// parser test reads is its own.
static SERIAL: Mutex<()> = Mutex::new(());

/// Protocol-shaped pieces, so the fuzzer reaches deep parser states.
fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"*".to_vec()),
        Just(b"$".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"0".to_vec()),
        Just(b"1048576".to_vec()),
        Just(b"536870912".to_vec()),
        Just(b"99999999999999999999".to_vec()),
        Just(b"PING".to_vec()),
        Just(b"SET k v".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\x".to_vec()),
        Just(b"\x00".to_vec()),
        (0u32..100).prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..16),
    ]
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        proptest::collection::vec(token(), 0..64).prop_map(|t| t.concat()),
    ]
}

/// Parses `input` as a connection does, the bytes arriving in `chunks`;
/// returns how many requests were parsed and whether it ended in an error.
fn parse_all(input: &[u8], chunks: &[usize]) -> (usize, bool) {
    let mut parser = RequestParser::new(Limits::default());
    let mut buf: Vec<u8> = Vec::new();
    let mut fed = 0;
    let mut requests = 0;
    let mut chunk = chunks.iter().cycle();
    while fed < input.len() {
        let n = (*chunk.next().unwrap_or(&1)).clamp(1, input.len() - fed);
        buf.extend_from_slice(&input[fed..fed + n]);
        fed += n;
        let mut pos = 0;
        loop {
            match parser.parse(&buf[pos..]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Empty { consumed }) => {
                    assert!(consumed > 0, "an empty frame consumes bytes");
                    pos += consumed;
                }
                Ok(Parsed::Request { consumed }) => {
                    assert!(consumed > 0 && pos + consumed <= buf.len());
                    let argv = parser.argv(&buf[pos..]);
                    assert!(!argv.is_empty());
                    for arg in argv.iter() {
                        assert!(arg.len() <= input.len());
                    }
                    requests += 1;
                    pos += consumed;
                }
                Err(e) => {
                    assert!(e.to_string().starts_with("ERR Protocol error: "));
                    return (requests, true);
                }
            }
        }
        buf.drain(..pos);
    }
    (requests, false)
}

#[test]
fn parser_never_panics_and_memory_stays_proportional_to_input() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut runner = TestRunner::new(Config { cases: cases(2000), ..Config::default() });
    let worst = RefCell::new(0f64);
    runner
        .run(&(input(), proptest::collection::vec(1usize..64, 1..8)), |(input, chunks)| {
            let before = miniredis::alloc::allocated();
            let mut parser = RequestParser::new(Limits::default());
            // The parser's retained state after parsing everything at once.
            let mut pos = 0;
            while let Ok(Parsed::Request { consumed } | Parsed::Empty { consumed }) =
                parser.parse(&input[pos..])
            {
                pos += consumed;
            }
            let held = miniredis::alloc::allocated().saturating_sub(before);
            drop(parser);
            let bound = 64 * input.len() + 1024;
            prop_assert!(held <= bound, "parser holds {held} bytes for {} bytes of input", input.len());
            let mut worst = worst.borrow_mut();
            *worst = worst.max(held as f64 / (input.len().max(1)) as f64);
            parse_all(&input, &chunks);
            Ok(())
        })
        .unwrap();
    eprintln!("parser: worst retained bytes per input byte {:.1}", worst.borrow());
}

#[test]
fn chunking_does_not_change_the_result() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut runner = TestRunner::new(Config { cases: cases(1000), ..Config::default() });
    runner
        .run(&(input(), proptest::collection::vec(1usize..32, 1..8)), |(input, chunks)| {
            prop_assert_eq!(parse_all(&input, &chunks), parse_all(&input, &[input.len().max(1)]));
            Ok(())
        })
        .unwrap();
}

fn arg() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"k".to_vec()),
        Just(b"h".to_vec()),
        Just(b"f".to_vec()),
        Just(b"*".to_vec()),
        Just(b"EX".to_vec()),
        Just(b"PX".to_vec()),
        Just(b"NX".to_vec()),
        Just(b"XX".to_vec()),
        Just(b"GET".to_vec()),
        Just(b"KEEPTTL".to_vec()),
        Just(b"WITHVALUES".to_vec()),
        Just(b"COUNT".to_vec()),
        Just(b"MATCH".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"0".to_vec()),
        Just(b"9223372036854775807".to_vec()),
        Just(b"-9223372036854775808".to_vec()),
        Just(b"1e308".to_vec()),
        Just(b"inf".to_vec()),
        Just(b"nan".to_vec()),
        (-1000i64..1000).prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

#[test]
fn dispatcher_never_panics() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Commands that sleep for real or stop the process are left out.
    let names: Vec<&'static str> = miniredis::registry::commands()
        .iter()
        .map(|e| e.meta.name)
        .filter(|n| !["debug", "shutdown"].contains(n))
        .collect();
    let subcommands: Vec<&'static str> = miniredis::registry::commands()
        .iter()
        .flat_map(|e| e.meta.subcommands.iter().map(|s| s.name))
        .collect();
    let harness = RefCell::new(Harness::new());
    let mut runner = TestRunner::new(Config { cases: cases(3000), ..Config::default() });
    let request = (
        proptest::sample::select(names),
        proptest::option::of(proptest::sample::select(subcommands)),
        proptest::collection::vec(arg(), 0..6),
    );
    runner
        .run(&request, |(name, sub, args)| {
            let mut argv = vec![name.as_bytes().to_vec()];
            argv.extend(sub.map(|s| s.as_bytes().to_vec()));
            argv.extend(args);
            let mut h = harness.borrow_mut();
            h.run_args(&argv);
            // The server stays usable after anything (inside a transaction
            // that MULTI started, PING is queued; a later EXEC runs the lot).
            let pong = h.run("PING");
            prop_assert!(pong == Reply::simple("PONG") || pong == Reply::simple("QUEUED"), "{:?}", pong);
            Ok(())
        })
        .unwrap();
}

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

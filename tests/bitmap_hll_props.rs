//! Property tests for bitmaps and HyperLogLogs, through the dispatcher:
//! `SETBIT`/`BITFIELD`/`GETBIT`/`BITCOUNT`/`BITPOS` agree with a plain
//! bit-vector model, and mutated HLL strings never crash or blow up the
//! `PF*` commands (an error or a value, nothing else). `PROPTEST_CASES`
//! changes the number of cases. Also: a huge `SETBIT` counts against
//! `maxmemory` (on a server process, whose allocation count is its own).

mod common;

use common::Server;
use miniredis::protocol::Reply;
use miniredis::testing::Harness;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The model: one bool per bit, growing like the string (whole bytes).
#[derive(Default)]
struct Bits(Vec<bool>);

impl Bits {
    fn grow_to(&mut self, last_bit: u64) {
        let bytes = last_bit as usize / 8 + 1;
        if self.0.len() < bytes * 8 {
            self.0.resize(bytes * 8, false);
        }
    }

    fn get(&self, bit: u64) -> bool {
        self.0.get(bit as usize).copied().unwrap_or(false)
    }

    /// A field as a mathematical integer.
    fn field(&self, offset: u64, bits: u32, signed: bool) -> i128 {
        let mut value: i128 = 0;
        for i in 0..u64::from(bits) {
            value = value * 2 + i128::from(self.get(offset + i));
        }
        if signed && value >= 1 << (bits - 1) {
            value - (1i128 << bits)
        } else {
            value
        }
    }

    fn set_field(&mut self, offset: u64, bits: u32, value: i128) {
        let unsigned = value.rem_euclid(1i128 << bits);
        for i in 0..u64::from(bits) {
            self.0[(offset + i) as usize] = (unsigned >> (u64::from(bits) - 1 - i)) & 1 == 1;
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.0.chunks(8).map(|c| c.iter().fold(0u8, |b, &bit| b << 1 | u8::from(bit))).collect()
    }
}

#[derive(Debug, Clone)]
enum Op {
    SetBit(u64, bool),
    GetBit(u64),
    Field { kind: u8, signed: bool, bits: u32, offset: u64, value: i64, overflow: u8 },
    Count(i64, i64, bool),
    Pos(bool, i64, i64, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let offset = 0u64..300;
    let edge =
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(-1i64), Just(0i64), -300i64..300, any::<i64>()];
    prop_oneof![
        (offset.clone(), any::<bool>()).prop_map(|(o, v)| Op::SetBit(o, v)),
        (0u64..400).prop_map(Op::GetBit),
        (0u8..3, any::<bool>(), 1u32..=64, offset, edge, 0u8..3).prop_map(
            |(kind, signed, bits, offset, value, overflow)| {
                Op::Field {
                    kind,
                    signed,
                    bits: if signed { bits } else { bits.min(63) },
                    offset,
                    value,
                    overflow,
                }
            }
        ),
        (-50i64..50, -50i64..50, any::<bool>()).prop_map(|(s, e, bit)| Op::Count(s, e, bit)),
        (any::<bool>(), -50i64..50, -50i64..50, any::<bool>())
            .prop_map(|(b, s, e, bit)| Op::Pos(b, s, e, bit)),
    ]
}

/// The model's reply to `op`, changing the model as the server should.
fn model_reply(model: &mut Bits, op: &Op) -> Reply {
    match *op {
        Op::SetBit(offset, on) => {
            model.grow_to(offset);
            let old = model.get(offset);
            model.0[offset as usize] = on;
            Reply::Integer(old.into())
        }
        Op::GetBit(offset) => Reply::Integer(model.get(offset).into()),
        Op::Field { kind, signed, bits, offset, value, overflow } => {
            let old = model.field(offset, bits, signed);
            if kind == 0 {
                return Reply::Array(vec![Reply::Integer(old as i64)]);
            }
            model.grow_to(offset + u64::from(bits) - 1);
            let wanted = if kind == 1 { i128::from(value) } else { old + i128::from(value) };
            let (min, max) = if signed {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else {
                (0, (1i128 << bits) - 1)
            };
            let stored = if (min..=max).contains(&wanted) {
                Some(wanted)
            } else {
                match overflow {
                    0 => Some((wanted - min).rem_euclid(1i128 << bits) + min),
                    1 => Some(wanted.clamp(min, max)),
                    _ => None,
                }
            };
            // Redis's SET treats a negative value for an unsigned type as its
            // 64-bit two's complement, a huge number.
            let stored = match (kind, signed, value < 0) {
                (1, false, true) => {
                    let as_u64 = i128::from(value as u64);
                    match overflow {
                        0 => Some(as_u64.rem_euclid(1i128 << bits)),
                        1 => Some(max),
                        _ => None,
                    }
                }
                _ => stored,
            };
            let reply = match stored {
                Some(new) => {
                    model.set_field(offset, bits, new);
                    Reply::Integer(if kind == 1 { old as i64 } else { new as i64 })
                }
                None => Reply::Null,
            };
            Reply::Array(vec![reply])
        }
        Op::Count(start, end, bit_unit) => {
            let len = if bit_unit { model.0.len() as i64 } else { model.0.len() as i64 / 8 };
            let (s, e) = (
                if start < 0 { (len + start).max(0) } else { start },
                if end < 0 { (len + end).max(0) } else { end.min(len - 1) },
            );
            if (start < 0 && end < 0 && start > end) || s > e || model.0.is_empty() {
                return Reply::Integer(0);
            }
            let (first, last) = if bit_unit { (s, e) } else { (s * 8, e * 8 + 7) };
            Reply::Integer((first..=last).filter(|&i| model.get(i as u64)).count() as i64)
        }
        Op::Pos(bit, start, end, bit_unit) => {
            if model.0.is_empty() {
                return Reply::Integer(if bit { -1 } else { 0 });
            }
            let len = if bit_unit { model.0.len() as i64 } else { model.0.len() as i64 / 8 };
            let (s, e) = (
                if start < 0 { (len + start).max(0) } else { start },
                if end < 0 { (len + end).max(0) } else { end.min(len - 1) },
            );
            if s > e {
                return Reply::Integer(-1);
            }
            let (first, last) = if bit_unit { (s, e) } else { (s * 8, e * 8 + 7) };
            Reply::Integer((first..=last).find(|&i| model.get(i as u64) == bit).unwrap_or(-1))
        }
    }
}

fn command(op: &Op) -> Vec<String> {
    let words: Vec<String> = match *op {
        Op::SetBit(offset, on) => {
            vec!["SETBIT".into(), "k".into(), offset.to_string(), u8::from(on).to_string()]
        }
        Op::GetBit(offset) => vec!["GETBIT".into(), "k".into(), offset.to_string()],
        Op::Field { kind, signed, bits, offset, value, overflow } => {
            let ty = format!("{}{bits}", if signed { 'i' } else { 'u' });
            let mode = ["WRAP", "SAT", "FAIL"][overflow as usize].to_string();
            let mut w = vec!["BITFIELD".into(), "k".into(), "OVERFLOW".into(), mode];
            w.extend(match kind {
                0 => vec!["GET".into(), ty, offset.to_string()],
                1 => vec!["SET".into(), ty, offset.to_string(), value.to_string()],
                _ => vec!["INCRBY".into(), ty, offset.to_string(), value.to_string()],
            });
            w
        }
        Op::Count(s, e, unit) => {
            vec![
                "BITCOUNT".into(),
                "k".into(),
                s.to_string(),
                e.to_string(),
                if unit { "BIT" } else { "BYTE" }.into(),
            ]
        }
        Op::Pos(bit, s, e, unit) => vec![
            "BITPOS".into(),
            "k".into(),
            u8::from(bit).to_string(),
            s.to_string(),
            e.to_string(),
            if unit { "BIT" } else { "BYTE" }.into(),
        ],
    };
    words
}

#[test]
fn bit_commands_match_a_bit_vector_model() {
    let mut runner = TestRunner::new(Config { cases: cases(300), ..Config::default() });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            let mut h = Harness::new();
            let mut model = Bits::default();
            for op in &ops {
                let expected = model_reply(&mut model, op);
                prop_assert_eq!(h.run_args(&command(op)), expected, "{:?}", op);
            }
            let stored = if model.0.is_empty() { Reply::Null } else { Reply::Bulk(model.bytes()) };
            prop_assert_eq!(h.run("GET k"), stored);
            Ok(())
        })
        .unwrap();
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::Flip(at, mask) => {
                let i = at % bytes.len();
                bytes[i] ^= mask;
            }
            Mutation::Truncate(at) => bytes.truncate(at % bytes.len()),
            Mutation::Insert(at, extra) => {
                let i = at % bytes.len();
                bytes.splice(i..i, extra.iter().copied());
            }
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        // Mostly inside the header and the first opcodes.
        (0usize..40, any::<u8>()).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        (16usize..20000).prop_map(Mutation::Truncate),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..6))
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
    ]
}

fn strlen(h: &mut Harness, key: &str) -> usize {
    match h.run(&format!("STRLEN {key}")) {
        Reply::Integer(n) => n as usize,
        other => panic!("STRLEN answered {other:?}"),
    }
}

#[test]
fn mutated_hlls_never_crash_the_pf_commands() {
    let mut runner = TestRunner::new(Config { cases: cases(200), ..Config::default() });
    let input = (0usize..400, any::<bool>(), proptest::collection::vec(mutation(), 1..4));
    runner
        .run(&input, |(elements, dense, mutations)| {
            let mut h = Harness::new();
            let args: Vec<String> = ["PFADD".into(), "src".into()]
                .into_iter()
                .chain((0..elements).map(|i| format!("e{i}")))
                .collect();
            h.run_args(&args);
            if dense {
                h.run("PFDEBUG TODENSE src");
            }
            let Reply::Bulk(original) = h.run("GET src") else { panic!("an HLL string") };
            let mutated = mutate(original, &mutations);
            h.run_args(&[b"SET".as_slice(), b"k", &mutated]);
            h.run("PFADD good x y");
            // Each command answers something (no panic); sizes stay bounded.
            let limit = mutated.len().max(12304) + 16;
            for line in [
                "PFCOUNT k",
                "PFCOUNT k good",
                "PFADD k a b c d e f g h",
                "PFCOUNT k",
                "PFMERGE dest good k",
                "PFMERGE k good",
                "PFDEBUG ENCODING k",
                "PFDEBUG DECODE k",
                "PFDEBUG GETREG k",
                "PFDEBUG TODENSE k",
                "PFCOUNT k",
            ] {
                let reply = h.run(line);
                prop_assert!(
                    !matches!(reply, Reply::Error(ref e) if e.text().starts_with("ERR unknown")),
                    "{}",
                    line
                );
                prop_assert!(strlen(&mut h, "k") <= limit, "{} grew the value", line);
            }
            prop_assert!(strlen(&mut h, "dest") <= 12304);
            prop_assert_eq!(h.run("PING"), Reply::simple("PONG"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_huge_setbit_counts_against_maxmemory() {
    const OOM: &str = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    let server = Server::start(&[]);
    let mut conn = server.connect();
    conn.cmd(&["CONFIG", "SET", "maxmemory", "100mb"], "+OK\r\n");
    // 100 MB: allowed while under the limit, then over it.
    conn.cmd(&["SETBIT", "big", "838860800", "1"], ":0\r\n");
    conn.cmd(&["STRLEN", "big"], ":104857601\r\n");
    conn.cmd(&["SETBIT", "k", "0", "1"], OOM);
    conn.cmd(&["BITFIELD", "k", "SET", "u8", "0", "1"], OOM);
    conn.cmd(&["BITOP", "NOT", "k", "big"], OOM);
    conn.cmd(&["PFADD", "h", "a"], OOM);
    conn.cmd(&["PFMERGE", "h"], OOM);
    // Reads still work.
    conn.cmd(&["GETBIT", "big", "838860800"], ":1\r\n");
    conn.cmd(&["BITFIELD_RO", "big", "GET", "u8", "0"], "*1\r\n:0\r\n");
    conn.cmd(&["BITCOUNT", "big"], ":1\r\n");
    conn.cmd(&["DEL", "big"], ":1\r\n");
    conn.cmd(&["SETBIT", "k", "0", "1"], ":0\r\n");
}

//! Hundreds of malformed requests, each sent on its own connection to a
//! real redis-server and to MiniRedis: the bytes each server answers before
//! it closes the connection must be identical. A healthy client on each
//! server keeps getting replies throughout. Inputs whose outcome depends on
//! how the kernel splits reads (overlong inline lines) are checked against
//! the documented error instead.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use common::{loud, redis_binary, show_cut as show, Conn, Server};

/// Sends `input`, half-closes, and returns every byte until the server
/// closes (a reset counts as a close).
fn exchange(port: u16, input: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = stream.write_all(input);
    let _ = stream.shutdown(Shutdown::Write);
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the reply to {}: {e}", show(input, 80)),
        }
    }
    got
}

/// A small deterministic generator for garbage inputs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn bytes(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len).map(|_| alphabet[self.next() as usize % alphabet.len()]).collect()
    }
}

fn inputs() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = Vec::new();
    let mut add = |bytes: &[u8]| all.push(bytes.to_vec());
    // Multibulk counts: negative, zero, huge, not numbers, over the limits.
    for count in [
        "-1",
        "0",
        "-2",
        "-100",
        "abc",
        "1.5",
        "+1",
        " 1",
        "",
        "1a",
        "0x10",
        "2147483647",
        "2147483648",
        "1048576",
        "1048577",
        "9223372036854775807",
        "9223372036854775808",
        "99999999999999999999",
        "-0",
        "01",
        "1 ",
        "\x00",
        "\x001",
    ] {
        add(format!("*{count}\r\n").as_bytes());
        add(format!("*{count}\r\n$4\r\nPING\r\n").as_bytes());
    }
    // Bulk lengths: negative, huge, not numbers, mismatched with the data.
    for len in [
        "-1",
        "-2",
        "abc",
        "",
        " 4",
        "4 ",
        "+4",
        "4.0",
        "536870912",
        "536870913",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
        "0x4",
        "\x004",
        "04",
    ] {
        add(format!("*1\r\n${len}\r\nPING\r\n").as_bytes());
        add(format!("*2\r\n$4\r\nECHO\r\n${len}\r\nhello\r\n").as_bytes());
    }
    for (declared, data) in [(3, "ab"), (1, "abc"), (4, "PINGX"), (5, "PING"), (0, "x"), (2, "")] {
        add(format!("*1\r\n${declared}\r\n{data}\r\n").as_bytes());
        add(format!("*2\r\n$4\r\nECHO\r\n${declared}\r\n{data}\r\nPING\r\n").as_bytes());
    }
    // Missing or wrong terminators.
    for input in [
        "*1\r\n$4\r\nPINGxx",
        "*1\n$4\nPING\n",
        "*1\r$4\rPING\r",
        "*1\r\n$4\r\nPING\n\r",
        "*1\r\n$4\nPING\r\n",
        "*1\n$4\r\nPING\r\n",
        "*1\r\n$4\r\nPING",
        "*1\r\n$4\r\nPI",
    ] {
        add(input.as_bytes());
    }
    // Nested aggregates and other RESP types where bulk strings belong.
    for element in [
        "*1\r\n$4\r\nPING\r\n",
        ":1\r\n",
        "+PING\r\n",
        "-ERR\r\n",
        "%1\r\n$1\r\na\r\n$1\r\nb\r\n",
        "~1\r\n$1\r\na\r\n",
        "_\r\n",
        "#t\r\n",
        ",1.5\r\n",
        "(1\r\n",
        "=8\r\ntxt:PING\r\n",
        ">1\r\n$4\r\nPING\r\n",
        "PING\r\n",
        "\r\n",
        "$-1\r\n",
        "*-1\r\n",
        "*0\r\n",
    ] {
        add(format!("*1\r\n{element}").as_bytes());
        add(format!("*2\r\n$4\r\nECHO\r\n{element}").as_bytes());
    }
    add(b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n$4\r\nPING\r\n");
    // NUL bytes and binary data, in inline and multibulk requests.
    for input in [
        &b"\x00"[..],
        b"\x00\r\n",
        b"PING\x00\r\n",
        b"\x00PING\r\n",
        b"PI\x00NG\r\n",
        b"ECHO a\x00b\r\n",
        b"*1\r\n$5\r\nPI\x00NG\r\n",
        b"*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n",
        b"*2\r\n$4\r\nECHO\r\n$2\r\n\r\n\r\n",
        b"\xff\xfe\r\n",
        b"ECHO \xff\xfe\r\n",
        b"*\x00\r\n",
        b"$4\r\nPING\r\n",
        b"\r\n\r\n\r\nPING\r\n",
    ] {
        add(input);
    }
    // Inline requests: quoting, whitespace, empty lines.
    for input in [
        "\r\n",
        "\n",
        "   \r\n",
        "\t\r\n",
        "PING\n",
        "PING\r\r\n",
        "ECHO \"a b\"\r\n",
        "ECHO \"a b\r\n",
        "ECHO 'a b\r\n",
        "ECHO \"a\"b\r\n",
        "ECHO 'a'b\r\n",
        "ECHO \"\\x41\\n\"\r\n",
        "ECHO \"\\xZZ\"\r\n",
        "ECHO ''\r\n",
        "ECHO \"\"\r\n",
        "  PING  \r\n",
        "PING a b c\r\n",
        "GET\r\n",
        "SET k\r\n",
        "NOSUCH\r\n",
        "nosuch 'x' \"y\"\r\n",
        "\"PING\"\r\n",
        "'PING'\r\n",
        "PING \"\r\n",
        "ECHO \"\\\"\"\r\n",
    ] {
        add(input.as_bytes());
    }
    // Pipelines where a good request precedes a bad one.
    for bad in ["*-5\r\n", "*abc\r\n", "*1\r\n$-5\r\n", "*1\r\n:1\r\n", "ECHO \"open\r\n"] {
        add(format!("PING\r\n*1\r\n$4\r\nPING\r\n{bad}").as_bytes());
    }
    // Deterministic garbage: protocol-ish alphabets.
    let mut rng = Lcg(0x5eed);
    for i in 0..150 {
        let alphabet: &[u8] = if i % 2 == 0 { b"*$:+-\r\n0123456789-abcPING " } else { b"*$\r\n0123456789" };
        let len = 1 + rng.next() as usize % 40;
        add(&rng.bytes(len, alphabet));
    }
    all
}

#[test]
fn malformed_inputs_get_what_redis_gives() {
    let Some(binary) = redis_binary("redis-server", "malformed_inputs_get_what_redis_gives") else { return };
    let redis = Server::start_redis(&binary, &[]);
    let mini = Server::start_miniredis(&[]);
    let mut healthy_redis = redis.connect();
    let mut healthy_mini = mini.connect();
    let inputs = inputs();
    let mut mismatches = Vec::new();
    let (mut closed_with_error, mut replied) = (0, 0);
    for (i, input) in inputs.iter().enumerate() {
        let mut expected = exchange(redis.port, input);
        // MiniRedis caps a request at 1,048,576 arguments; Redis 7.0 allows
        // up to 2^31-1 (and would wait for them all).
        let count = input.strip_prefix(b"*").and_then(|rest| {
            let end = rest.iter().position(|&b| b == b'\r')?;
            std::str::from_utf8(&rest[..end]).ok()?.parse::<i64>().ok()
        });
        if count.is_some_and(|n| n > 1_048_576 && n <= i64::from(i32::MAX)) {
            expected = b"-ERR Protocol error: invalid multibulk length\r\n".to_vec();
        }
        // Error texts are strings in MiniRedis: bytes that are not UTF-8
        // show as U+FFFD where Redis echoes them raw.
        if std::str::from_utf8(input).is_err() && !input.contains(&0) && expected.starts_with(b"-") {
            let lossy = String::from_utf8_lossy(&expected).into_owned().into_bytes();
            expected = lossy;
        }
        let got = exchange(mini.port, input);
        if got != expected {
            mismatches.push(format!(
                "input {i}: {}\n    redis:     {}\n    miniredis: {}",
                show(input, 120),
                show(&expected, 300),
                show(&got, 300)
            ));
        }
        if got.windows(19).any(|w| w == b"-ERR Protocol error") {
            closed_with_error += 1;
        } else {
            replied += 1;
        }
        if i % 10 == 0 {
            let key = format!("k{i}");
            assert_eq!(healthy_mini.call(&["SET", &key, "v"]).unwrap(), b"+OK\r\n");
            assert_eq!(healthy_mini.call(&["GET", &key]).unwrap(), b"$1\r\nv\r\n");
            assert_eq!(healthy_redis.call(&["PING"]).unwrap(), b"+PONG\r\n");
        }
    }
    loud(&format!(
        "malformed inputs: {} sent to both servers; MiniRedis closed {closed_with_error} with a protocol error and \
         answered {replied} normally; {} differ from redis-server",
        inputs.len(),
        mismatches.len()
    ));
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn overlong_inline_lines_and_huge_declarations() {
    let mini = Server::start_miniredis(&[]);
    let mut healthy = mini.connect();
    // An inline line past 64 KB without its end.
    let line = vec![b'a'; 100 * 1024];
    assert_eq!(exchange(mini.port, &line), b"-ERR Protocol error: too big inline request\r\n");
    // A length header past 64 KB without its end.
    let mut header = b"*1\r\n$".to_vec();
    header.extend(vec![b'1'; 100 * 1024]);
    assert_eq!(exchange(mini.port, &header), b"-ERR Protocol error: too big bulk count string\r\n");
    let mut count = b"*".to_vec();
    count.extend(vec![b'1'; 100 * 1024]);
    assert_eq!(exchange(mini.port, &count), b"-ERR Protocol error: too big mbulk count string\r\n");
    // Huge declared sizes commit no memory: the connection just waits.
    let mut conn = Conn::open(mini.port).unwrap();
    conn.send(b"*1048576\r\n$536870912\r\nabc");
    assert_eq!(healthy.call(&["PING"]).unwrap(), b"+PONG\r\n");
    assert!(healthy.call(&["INFO", "clients"]).unwrap().starts_with(b"$"));
}

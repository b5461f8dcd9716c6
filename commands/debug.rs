//! DEBUG SLEEP seconds | DEBUG OBJECT key | DEBUG ERROR message | DEBUG SET-ACTIVE-EXPIRE 0|1 | DEBUG CHANGE-REPL-ID | DEBUG HELP

use std::time::Duration;

use crate::prelude::*;

/// `DEBUG`: the subset of Redis's debugging subcommands test tools use.
/// Refused unless the server runs with `--enable-debug-command yes|local`.
///
/// `DEBUG SLEEP` holds the keyspace lock while it sleeps, so every command
/// that reads or writes data (and the active expiry cycle) waits, as Redis's
/// whole server does; commands that do not touch the keyspace (`PING`,
/// `CLIENT ...`) still run on other worker threads.
pub struct Debug;

const HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
];

const NOT_ALLOWED: &str = "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", \
     you can run it from a local connection, otherwise you need to set this option in the configuration file, \
     and then restart the server.";

impl Command for Debug {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "debug",
            arity: -2,
            flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "server",
            summary: "A container for debugging commands.",
            complexity: "Depends on subcommand.",
            // Redis declares no keys for DEBUG; its OBJECT still reads one.
            keyword_keys: &[("object", Keys::AFTER_SUBCOMMAND)],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let setting = ctx.server.config.read().enable_debug_command.clone();
        if !crate::command_logic::admin::protected_action_allowed(&setting, ctx.client) {
            return Err(ReplyError::err(NOT_ALLOWED));
        }
        let sub = args.next()?;
        let argc = args.remaining() + 2;
        match (sub.to_ascii_lowercase().as_slice(), argc) {
            (b"help", 2) => Ok(crate::command_logic::admin::help_reply(HELP)),
            (b"sleep", 3) => {
                let micros = strtod_prefix(args.next()?) * 1e6;
                // Holding the keyspace stops every data command meanwhile.
                ctx.keyspace();
                if micros >= 1.0 {
                    std::thread::sleep(Duration::from_micros(micros as u64));
                }
                Ok(Reply::OK)
            }
            (b"object", 3) => object(ctx, args.next()?),
            (b"error", 3) => {
                // The message as given (no `ERR` added), on one line, as Redis sends it.
                let message = String::from_utf8_lossy(args.next()?).replace(['\r', '\n'], " ");
                Err(ReplyError(message.into()))
            }
            (b"set-active-expire", 3) => {
                let enabled = atoi(args.next()?) != 0;
                ctx.server.set_active_expire(enabled);
                Ok(Reply::OK)
            }
            (b"change-repl-id", 2) => {
                ctx.server.identity.change_repl_id();
                Ok(Reply::OK)
            }
            _ => Err(ReplyError::err(format_args!(
                "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                String::from_utf8_lossy(&sub[..sub.len().min(128)]),
                String::from_utf8_lossy(args.command_name()).to_ascii_uppercase()
            ))),
        }
    }
}

/// `DEBUG OBJECT key`, in Redis's format. `lru` is Redis's 24-bit LRU clock
/// (seconds) of the last access; values 0..9999 stored as integers are
/// Redis's shared objects (refcount INT_MAX).
fn object(ctx: &mut Context<'_>, key: &[u8]) -> CommandResult {
    let now_ms = ctx.now_ms();
    let db = ctx.db();
    let Some(idle_ms) = db.idle_ms(key) else {
        return Err(ReplyError::NO_SUCH_KEY);
    };
    let value = db.peek(key).ok_or(ReplyError::NO_SUCH_KEY)?;
    let encoding = value.encoding();
    let shared_int = match value {
        Value::String(s) if encoding == "int" => {
            crate::protocol::parse::parse_i64(s).is_some_and(|n| (0..10_000).contains(&n))
        }
        _ => false,
    };
    let refcount = if shared_int { i32::MAX } else { 1 };
    let lru = ((now_ms - idle_ms) / 1000) & 0xFF_FFFF;
    let mut text = format!(
        "Value at:{:p} refcount:{refcount} encoding:{encoding} serializedlength:{} lru:{lru} \
         lru_seconds_idle:{}",
        value as *const Value,
        rdb::value_len(value, encoding),
        idle_ms / 1000
    );
    if let Value::List(l) = value {
        let nodes = l.node_count();
        let bytes: usize = l.nodes().map(|n| n.encoded_size()).sum();
        text.push_str(&format!(
            " ql_nodes:{nodes} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:0 ql_uncompressed_size:{bytes}",
            l.len() as f64 / nodes.max(1) as f64,
            db.limits().list_max_listpack_size
        ));
    }
    Ok(Reply::Simple(text.into()))
}

/// C's `strtod` on the longest numeric prefix (leading spaces skipped); 0
/// when there is none, as `DEBUG SLEEP` reads its argument.
fn strtod_prefix(bytes: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let candidate: String =
        text.chars().take(64).take_while(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c)).collect();
    (1..=candidate.len())
        .rev()
        .find_map(|n| candidate[..n].parse::<f64>().ok().filter(|v| !v.is_nan()))
        .unwrap_or(0.0)
}

/// C's `atoi`: leading spaces, a sign, digits; 0 when there are none.
fn atoi(bytes: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    let digits: String = digits.chars().take_while(char::is_ascii_digit).take(18).collect();
    sign * digits.parse::<i64>().unwrap_or(0)
}

/// The size a value takes in Redis's RDB format (`serializedlength`),
/// including its LZF compression of strings longer than 20 bytes.
mod rdb {
    use crate::prelude::*;
    use crate::protocol::parse::parse_i64;

    pub fn value_len(value: &Value, encoding: &str) -> usize {
        match value {
            Value::String(s) if encoding == "int" => {
                let n = parse_i64(s).unwrap_or(0);
                int_len(n).unwrap_or_else(|| len_len(s.len()) + s.len())
            }
            Value::String(s) => raw_string_len(s),
            Value::Hash(h) if encoding == "listpack" => {
                let items: Vec<Elem> = h.iter().flat_map(|(f, v)| [f, v]).collect();
                raw_string_len(&listpack(items.iter().map(|e| &e[..]), items.len()))
            }
            Value::Hash(h) => {
                len_len(h.len())
                    + h.iter().map(|(f, v)| raw_string_len(&f) + raw_string_len(&v)).sum::<usize>()
            }
            // RDB_TYPE_LIST_QUICKLIST_2: the node count, then per node its
            // container kind and its listpack as a string.
            Value::List(l) => {
                len_len(l.node_count())
                    + l.nodes()
                        .map(|node| {
                            let items: Vec<Elem> = node.iter().collect();
                            1 + raw_string_len(&listpack(items.iter().map(|e| &e[..]), items.len()))
                        })
                        .sum::<usize>()
            }
            Value::Set(s) if encoding == "intset" => raw_string_len(&intset_blob(s)),
            Value::Set(s) => len_len(s.len()) + s.iter().map(|m| raw_string_len(&m)).sum::<usize>(),
            // Close enough: the packed nodes (MiniRedis writes no stream RDB yet).
            Value::Stream(s) => s.encoded_bytes(),
            Value::ZSet(z) => {
                let view = z.view();
                let entries = view.range(0, view.len());
                if encoding == "listpack" {
                    // Redis's listpack holds the score as an integer or its %.17g text.
                    let scores: Vec<String> = entries
                        .iter()
                        .map(|(_, s)| {
                            if s.fract() == 0.0 && s.abs() < 9.0e15 {
                                format!("{}", *s as i64)
                            } else {
                                crate::protocol::reply::format_double(*s)
                            }
                        })
                        .collect();
                    let items: Vec<&[u8]> =
                        entries.iter().zip(&scores).flat_map(|((m, _), s)| [&m[..], s.as_bytes()]).collect();
                    raw_string_len(&listpack(items.iter().copied(), items.len()))
                } else {
                    len_len(entries.len()) + entries.iter().map(|(m, _)| raw_string_len(m) + 8).sum::<usize>()
                }
            }
        }
    }

    /// Redis's intset bytes: the width and count as `u32`s, then the integers.
    fn intset_blob(set: &Set) -> Vec<u8> {
        let ints: Vec<i64> = set.iter().map(|m| parse_i64(&m).unwrap_or(0)).collect();
        let width: u32 = ints
            .iter()
            .map(|&n| {
                if i16::try_from(n).is_ok() {
                    2
                } else if i32::try_from(n).is_ok() {
                    4
                } else {
                    8
                }
            })
            .max()
            .unwrap_or(2);
        let mut blob = Vec::with_capacity(8 + ints.len() * width as usize);
        blob.extend_from_slice(&width.to_le_bytes());
        blob.extend_from_slice(&(ints.len() as u32).to_le_bytes());
        ints.iter().for_each(|n| blob.extend_from_slice(&n.to_le_bytes()[..width as usize]));
        blob
    }

    /// `rdbSaveLen`.
    fn len_len(len: usize) -> usize {
        match len {
            0..=63 => 1,
            64..=16383 => 2,
            _ if len <= u32::MAX as usize => 5,
            _ => 9,
        }
    }

    /// `rdbEncodeInteger`: integers that fit 8, 16 or 32 bits.
    fn int_len(n: i64) -> Option<usize> {
        if i8::try_from(n).is_ok() {
            Some(2)
        } else if i16::try_from(n).is_ok() {
            Some(3)
        } else if i32::try_from(n).is_ok() {
            Some(5)
        } else {
            None
        }
    }

    /// `rdbSaveRawString`: small canonical integers, else LZF when it helps,
    /// else length and bytes.
    fn raw_string_len(s: &[u8]) -> usize {
        if s.len() <= 11 {
            if let Some(len) = parse_i64(s).and_then(int_len) {
                return len;
            }
        }
        if s.len() > 20 {
            let compressed = super::lzf::compressed_len(s, s.len() - 4);
            if compressed > 0 {
                return 1 + len_len(compressed) + len_len(s.len()) + compressed;
            }
        }
        len_len(s.len()) + s.len()
    }

    /// The bytes of a Redis listpack holding `items`.
    fn listpack<'a>(items: impl Iterator<Item = &'a [u8]>, count: usize) -> Vec<u8> {
        let mut lp = vec![0u8; 6];
        for item in items {
            let start = lp.len();
            match parse_i64(item) {
                Some(n) if item.len() <= 20 => encode_int(&mut lp, n),
                _ => {
                    let len = item.len();
                    if len < 64 {
                        lp.push(0x80 | len as u8);
                    } else if len < 4096 {
                        lp.extend_from_slice(&[0xE0 | (len >> 8) as u8, len as u8]);
                    } else {
                        lp.push(0xF0);
                        lp.extend_from_slice(&(len as u32).to_le_bytes());
                    }
                    lp.extend_from_slice(item);
                }
            }
            let entry = lp.len() - start;
            backlen(&mut lp, entry);
        }
        lp.push(0xFF);
        let total = lp.len() as u32;
        lp[..4].copy_from_slice(&total.to_le_bytes());
        lp[4..6].copy_from_slice(&(count.min(65535) as u16).to_le_bytes());
        lp
    }

    fn encode_int(lp: &mut Vec<u8>, n: i64) {
        match n {
            0..=127 => lp.push(n as u8),
            -4096..=4095 => {
                let v = (n & 0x1FFF) as u16;
                lp.extend_from_slice(&[0xC0 | (v >> 8) as u8, v as u8]);
            }
            _ if i16::try_from(n).is_ok() => {
                lp.push(0xF1);
                lp.extend_from_slice(&(n as i16).to_le_bytes());
            }
            -8_388_608..=8_388_607 => {
                lp.push(0xF2);
                lp.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
            }
            _ if i32::try_from(n).is_ok() => {
                lp.push(0xF3);
                lp.extend_from_slice(&(n as i32).to_le_bytes());
            }
            _ => {
                lp.push(0xF4);
                lp.extend_from_slice(&n.to_le_bytes());
            }
        }
    }

    /// `lpEncodeBacklen`: the entry's length, 7 bits per byte.
    fn backlen(lp: &mut Vec<u8>, len: usize) {
        let bytes = match len {
            0..=127 => 1,
            128..=16382 => 2,
            16383..=2_097_150 => 3,
            2_097_151..=268_435_454 => 4,
            _ => 5,
        };
        for i in (0..bytes).rev() {
            let part = ((len >> (7 * i)) & 127) as u8;
            lp.push(if i == bytes - 1 { (len >> (7 * i)) as u8 } else { part | 128 });
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn lengths_match_redis() {
            // Figures read from redis-server 7.0 with DEBUG OBJECT.
            let s = |t: &[u8]| Value::string(t);
            assert_eq!(value_len(&s(b"bar"), "embstr"), 4);
            assert_eq!(value_len(&s(b"123"), "int"), 2);
            assert_eq!(value_len(&s(&[b'a'; 100]), "raw"), 13);
            let mut h = Hash::default();
            h.insert(b"a", b"1", &crate::store::Limits::default());
            assert_eq!(value_len(&Value::Hash(h), "listpack"), 13);
        }

        #[test]
        fn listpack_layout() {
            let lp = listpack([&b"a"[..], b"1", b"-1", b"300"].into_iter(), 4);
            let expected = [18, 0, 0, 0, 4, 0, 0x81, b'a', 2, 1, 1, 0xDF, 0xFF, 2, 0xC1, 0x2C, 2, 0xFF];
            assert_eq!(lp, expected);
            let mut long = Vec::new();
            backlen(&mut long, 200);
            assert_eq!(long, vec![1, 200 & 127 | 128]);
        }
    }
}

/// The length of liblzf's `lzf_compress` output (Redis's settings:
/// HLOG 16, VERY_FAST), 0 when it does not fit in `out_len` bytes.
mod lzf {
    const HSIZE: usize = 1 << 16;
    const MAX_LIT: usize = 1 << 5;
    const MAX_OFF: usize = 1 << 13;
    const MAX_REF: usize = (1 << 8) + (1 << 3);

    fn idx(h: u32) -> usize {
        ((h >> 8).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
    }

    fn next(h: u32, input: &[u8], ip: usize) -> u32 {
        (h << 8) | u32::from(input[ip + 2])
    }

    /// Copies one literal byte, closing the run of literals at `MAX_LIT`
    /// (its length byte goes before it) as liblzf does.
    fn literal(out: &mut [u8], op: &mut usize, lit: &mut usize, byte: u8) {
        *lit += 1;
        out[*op] = byte;
        *op += 1;
        if *lit == MAX_LIT {
            out[*op - *lit - 1] = (*lit - 1) as u8;
            *lit = 0;
            *op += 1;
        }
    }

    pub fn compressed_len(input: &[u8], out_len: usize) -> usize {
        let in_len = input.len();
        if in_len < 3 || out_len == 0 {
            return 0;
        }
        let mut htab = vec![0u32; HSIZE];
        // Slack so the bookkeeping writes past the limit cannot panic; the
        // limit checks below are liblzf's.
        let mut out = vec![0u8; out_len + 8];
        let (mut ip, mut op, mut lit) = (0usize, 1usize, 0usize);
        let mut hval = (u32::from(input[0]) << 8) | u32::from(input[1]);
        while ip + 2 < in_len {
            hval = next(hval, input, ip);
            let slot = idx(hval);
            let r = htab[slot] as usize;
            htab[slot] = ip as u32;
            let matched = r < ip
                && ip - r - 1 < MAX_OFF
                && r > 0
                && input[r + 2] == input[ip + 2]
                && input[r + 1] == input[ip + 1]
                && input[r] == input[ip];
            if !matched {
                if op >= out_len {
                    return 0;
                }
                literal(&mut out, &mut op, &mut lit, input[ip]);
                ip += 1;
                continue;
            }
            let off = ip - r - 1;
            let mut len = 2;
            let maxlen = (in_len - ip - len).min(MAX_REF);
            if op + 4 >= out_len && op - usize::from(lit == 0) + 4 >= out_len {
                return 0;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1);
            op -= usize::from(lit == 0);
            'scan: {
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if input[r + len] != input[ip + len] {
                            break 'scan;
                        }
                    }
                }
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 2;
            lit = 0;
            ip += len + 1;
            if ip + 2 >= in_len {
                break;
            }
            ip -= 2;
            hval = (u32::from(input[ip]) << 8) | u32::from(input[ip + 1]);
            for _ in 0..2 {
                hval = next(hval, input, ip);
                htab[idx(hval)] = ip as u32;
                ip += 1;
            }
        }
        if op + 3 > out_len {
            return 0;
        }
        while ip < in_len {
            literal(&mut out, &mut op, &mut lit, input[ip]);
            ip += 1;
        }
        op - usize::from(lit == 0)
    }
}

inventory::submit! { Registration::new(&Debug, module_path!()) }

#[cfg(test)]
mod tests {
    use super::{atoi, strtod_prefix};
    use crate::protocol::Reply;
    use crate::testing::*;

    fn enabled() -> Harness {
        let h = Harness::new();
        h.shared.config.write().enable_debug_command = "yes".into();
        h
    }

    #[test]
    fn refused_unless_enabled() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("DEBUG SLEEP 0"),
            err("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")
        );
        assert_eq!(h.run("DEBUG"), err("ERR wrong number of arguments for 'debug' command"));
        h.shared.config.write().enable_debug_command = "local".into();
        assert_eq!(h.run("DEBUG SLEEP 0"), Reply::OK, "the harness client is on loopback");
        h.client.handle = std::sync::Arc::new(crate::session::SessionHandle::new(
            7,
            "10.1.2.3:4000".into(),
            String::new(),
            9,
            START_MS,
        ));
        assert!(h.run("DEBUG SLEEP 0").is_error());
    }

    #[test]
    fn error_replies_with_the_message() {
        let mut h = enabled();
        assert_eq!(h.wire("DEBUG ERROR \"my error\""), "-my error\r\n");
        assert_eq!(h.wire("DEBUG ERROR \"-FOO bar\""), "--FOO bar\r\n");
        assert_eq!(h.wire("DEBUG ERROR \"a\\r\\nb\""), "-a  b\r\n");
        assert_eq!(
            h.run("DEBUG ERROR"),
            err("ERR unknown subcommand or wrong number of arguments for 'ERROR'. Try DEBUG HELP.")
        );
        assert!(Harness::new().run("DEBUG ERROR x").is_error(), "refused while DEBUG is off");
        assert_eq!(h.run("PING"), Reply::simple("PONG"), "the connection stays usable");
    }

    #[test]
    fn unknown_and_wrong_arity() {
        let mut h = enabled();
        assert_eq!(
            h.run("DEBUG foo"),
            err("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.")
        );
        assert_eq!(
            h.run("debug SLEEP"),
            err("ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.")
        );
        assert_eq!(
            h.run("DEBUG object a b"),
            err("ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG HELP.")
        );
        assert!(h.run("DEBUG change-repl-id x").is_error());
        assert!(matches!(h.run("DEBUG HELP"), Reply::Array(lines) if lines.len() == 17));
    }

    #[test]
    fn sleep_parses_like_strtod() {
        let mut h = enabled();
        for arg in ["0", "x", "-1", "0.01"] {
            assert_eq!(h.run(&format!("DEBUG SLEEP {arg}")), Reply::OK, "{arg}");
        }
        let start = std::time::Instant::now();
        h.run("DEBUG SLEEP 0.02");
        assert!(start.elapsed() >= std::time::Duration::from_millis(20));
        assert_eq!(strtod_prefix(b" 1.5xyz"), 1.5);
        assert_eq!(strtod_prefix(b"1e-3"), 0.001);
        assert_eq!(strtod_prefix(b"abc"), 0.0);
        assert_eq!(strtod_prefix(b"-2"), -2.0);
        assert_eq!((atoi(b"2"), atoi(b"x"), atoi(b" -3z"), atoi(b"")), (2, 0, -3, 0));
    }

    #[test]
    fn set_active_expire_switches_the_cycle() {
        let mut h = enabled();
        let active = |h: &Harness| h.shared.active_expire_enabled();
        assert!(active(&h));
        assert_eq!(h.run("DEBUG SET-ACTIVE-EXPIRE 0"), Reply::OK);
        assert!(!active(&h));
        assert_eq!(h.run("DEBUG set-active-expire 2"), Reply::OK);
        assert!(active(&h));
        assert_eq!(h.run("DEBUG SET-ACTIVE-EXPIRE x"), Reply::OK, "atoi: not a number is 0");
        assert!(!active(&h));
        assert!(h.run("DEBUG SET-ACTIVE-EXPIRE").is_error());
    }

    #[test]
    fn change_repl_id() {
        let mut h = enabled();
        let before = h.shared.identity.repl_id();
        assert_eq!(h.run("DEBUG CHANGE-REPL-ID"), Reply::OK);
        let after = h.shared.identity.repl_id();
        assert_ne!(before, after);
        assert_eq!(after.len(), 40);
        let Reply::Verbatim(info) = h.run("INFO replication") else { panic!() };
        assert!(String::from_utf8(info).unwrap().contains(&format!("master_replid:{after}\r\n")));
    }

    #[test]
    fn object_format() {
        let mut h = enabled();
        h.run("SET foo bar");
        h.run("SET n 123");
        h.run("SET big 12345678");
        h.run(&format!("SET long {}", "a".repeat(100)));
        h.run("HSET h a 1");
        h.advance_ms(3_000);
        let text = |reply: Reply| match reply {
            Reply::Simple(text) => text.into_owned(),
            other => panic!("{other:?}"),
        };
        let foo = text(h.run("DEBUG OBJECT foo"));
        assert!(foo.starts_with("Value at:0x"), "{foo}");
        let lru = (START_MS / 1000) & 0xFF_FFFF;
        assert!(
            foo.ends_with(&format!(
                " refcount:1 encoding:embstr serializedlength:4 lru:{lru} lru_seconds_idle:3"
            )),
            "{foo}"
        );
        assert!(
            text(h.run("DEBUG OBJECT n")).contains(" refcount:2147483647 encoding:int serializedlength:2 ")
        );
        assert!(text(h.run("DEBUG OBJECT big")).contains(" refcount:1 encoding:int serializedlength:5 "));
        assert!(text(h.run("DEBUG OBJECT long")).contains(" encoding:raw serializedlength:13 "));
        assert!(text(h.run("DEBUG OBJECT h")).contains(" encoding:listpack serializedlength:13 "));
        assert_eq!(h.run("DEBUG OBJECT nokey"), err("ERR no such key"));
        h.run("SET gone v PX 10");
        h.advance_ms(20);
        assert_eq!(h.run("DEBUG OBJECT gone"), err("ERR no such key"));
    }
}

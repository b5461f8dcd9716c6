//! RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]

use crate::prelude::*;
use crate::protocol::parse::parse_i64;
use crate::store::rdb::{self, PayloadError};

/// `RESTORE`: creates `key` from a `DUMP` payload (MiniRedis's or
/// redis-server's), with a TTL in ms (0: none; with `ABSTTL` a Unix time
/// in ms).
pub struct Restore;

const BUSY_KEY: ReplyError = ReplyError::from_static("BUSYKEY Target key name already exists.");

impl Command for Restore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "restore",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "generic",
            summary: "Create a key using the provided serialized value, previously obtained using DUMP.",
            since: "2.6.0",
            complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, ttl_arg, payload) = (args.next()?, args.next()?, args.next()?);
        let (mut replace, mut absttl) = (false, false);
        let (mut idle, mut freq): (Option<u64>, Option<u8>) = (None, None);
        // Options in Redis's order of checks; IDLETIME and FREQ exclude each other.
        while let Some(option) = args.peek() {
            args.next()?;
            let has_value = !args.is_empty();
            if option.eq_ignore_ascii_case(b"REPLACE") {
                replace = true;
            } else if option.eq_ignore_ascii_case(b"ABSTTL") {
                absttl = true;
            } else if option.eq_ignore_ascii_case(b"IDLETIME") && has_value && freq.is_none() {
                let secs = args.next_i64()?;
                if secs < 0 {
                    return Err(ReplyError::err("Invalid IDLETIME value, must be >= 0"));
                }
                idle = Some(secs as u64);
            } else if option.eq_ignore_ascii_case(b"FREQ") && has_value && idle.is_none() {
                let value = args.next_i64()?;
                if !(0..=255).contains(&value) {
                    return Err(ReplyError::err("Invalid FREQ value, must be >= 0 and <= 255"));
                }
                freq = Some(value as u8);
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        let now = ctx.now_ms();
        let db = ctx.db();
        if !replace && db.contains(key) {
            return Err(BUSY_KEY);
        }
        let ttl = parse_i64(ttl_arg).ok_or(ReplyError::NOT_INTEGER)?;
        if ttl < 0 {
            return Err(ReplyError::err("Invalid TTL value, must be >= 0"));
        }
        let limits = db.limits();
        let value = rdb::restore_payload(payload, &limits).map_err(|e| match e {
            PayloadError::VersionOrChecksum => ReplyError::err("DUMP payload version or checksum are wrong"),
            PayloadError::BadData(_) => ReplyError::err("Bad data format"),
        })?;
        let deleted = replace && db.remove(key).is_some();
        let deadline = match (ttl, absttl) {
            (0, _) => None,
            (at, true) => Some(at as u64),
            (ms, false) => Some(now.saturating_add(ms as u64)),
        };
        if deadline.is_some_and(|at| at <= now) {
            // Already expired: nothing is created (the old value is gone).
            if deleted {
                ctx.notify(EventClass::Generic, "del", key);
                ctx.propagate_as(&[b"DEL", key]);
            } else {
                ctx.propagate_none();
            }
            return Ok(Reply::OK);
        }
        db.set(key, value);
        if let Some(at) = deadline {
            db.set_deadline(key, at);
        }
        db.set_access_record(key, idle, freq);
        if let (Some(at), false) = (deadline, absttl) {
            // Logged with the absolute deadline, so a replay restores the same one.
            let at = at.to_string();
            let mut parts: Vec<&[u8]> = vec![b"RESTORE", key, at.as_bytes(), payload];
            let argv = args.argv();
            parts.extend((4..argv.len()).map(|i| argv.get(i)));
            parts.push(b"ABSTTL");
            ctx.propagate_as(&parts);
        }
        ctx.notify(EventClass::Generic, "restore", key);
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Restore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn dump(h: &mut Harness, key: &str) -> Vec<u8> {
        match h.run(&format!("DUMP {key}")) {
            Reply::Bulk(bytes) => bytes.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    fn restore(h: &mut Harness, key: &str, ttl: &str, payload: &[u8], options: &[&str]) -> Reply {
        let mut argv: Vec<Vec<u8>> = vec![b"RESTORE".to_vec(), key.into(), ttl.into(), payload.to_vec()];
        argv.extend(options.iter().map(|o| o.as_bytes().to_vec()));
        h.run_args(&argv)
    }

    #[test]
    fn every_type_comes_back() {
        let mut h = Harness::new();
        h.run("SET s hello");
        h.run("HSET h f v g w");
        h.run("RPUSH l a b c");
        h.run("SADD set 1 2 x");
        h.run("ZADD z 1 a 2.5 b");
        for (key, check, expected) in [
            ("s", "GET s2", bulk("hello")),
            ("h", "HGET h2 g", bulk("w")),
            ("l", "LINDEX l2 2", bulk("c")),
            ("set", "SCARD set2", int(3)),
            ("z", "ZRANGE z2 0 -1", array(&["a", "b"])),
        ] {
            let payload = dump(&mut h, key);
            assert_eq!(restore(&mut h, &format!("{key}2"), "0", &payload, &[]), Reply::OK);
            assert_eq!(h.run(check), expected, "{key}");
            assert_eq!(h.run(&format!("TTL {key}2")), int(-1));
        }
    }

    #[test]
    fn ttl_absttl_replace_and_busykey() {
        let mut h = Harness::new();
        h.run("SET k v");
        let payload = dump(&mut h, "k");
        assert_eq!(restore(&mut h, "k", "0", &payload, &[]), err("BUSYKEY Target key name already exists."));
        assert_eq!(restore(&mut h, "k", "5000", &payload, &["REPLACE"]), Reply::OK);
        let now = h.shared.clock.now_ms();
        let logged = format!("RESTORE k {} {} REPLACE ABSTTL", now + 5000, String::from_utf8_lossy(&payload));
        assert_eq!(h.propagated(), Some(vec![logged]));
        assert_eq!(h.run("PTTL k"), int(5000));
        let at = now + 7000;
        assert_eq!(restore(&mut h, "n", &at.to_string(), &payload, &["ABSTTL"]), Reply::OK);
        assert_eq!(h.run("PTTL n"), int(7000));
        // An absolute time in the past: the old key goes, nothing is created.
        assert_eq!(restore(&mut h, "k", "1", &payload, &["ABSTTL", "REPLACE"]), Reply::OK);
        assert_eq!(h.propagated(), Some(vec!["DEL k".to_string()]));
        assert_eq!(h.run("EXISTS k"), int(0));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("SET k v");
        let payload = dump(&mut h, "k");
        assert_eq!(
            restore(&mut h, "x", "abc", &payload, &[]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(restore(&mut h, "x", "-1", &payload, &[]), err("ERR Invalid TTL value, must be >= 0"));
        assert_eq!(restore(&mut h, "x", "0", &payload, &["NOPE"]), err("ERR syntax error"));
        assert_eq!(restore(&mut h, "x", "0", &payload, &["IDLETIME"]), err("ERR syntax error"));
        assert_eq!(
            restore(&mut h, "x", "0", &payload, &["IDLETIME", "-1"]),
            err("ERR Invalid IDLETIME value, must be >= 0")
        );
        assert_eq!(
            restore(&mut h, "x", "0", &payload, &["FREQ", "256"]),
            err("ERR Invalid FREQ value, must be >= 0 and <= 255")
        );
        assert_eq!(
            restore(&mut h, "x", "0", &payload, &["FREQ", "1", "IDLETIME", "1"]),
            err("ERR syntax error")
        );
        assert_eq!(
            restore(&mut h, "x", "0", b"garbage", &[]),
            err("ERR DUMP payload version or checksum are wrong")
        );
        let mut bad = payload.clone();
        bad[1] ^= 0xff;
        assert_eq!(
            restore(&mut h, "x", "0", &bad, &[]),
            err("ERR DUMP payload version or checksum are wrong")
        );
        // A well-formed footer over a broken value.
        let mut body = vec![0u8, 0x3f, b'x'];
        body.extend_from_slice(&10u16.to_le_bytes());
        let crc = crate::store::rdb::crc64::crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(restore(&mut h, "x", "0", &body, &[]), err("ERR Bad data format"));
        assert_eq!(h.run("EXISTS x"), int(0));
        assert_eq!(h.run("RESTORE x 0"), err("ERR wrong number of arguments for 'restore' command"));
    }

    #[test]
    fn idletime_sets_the_idle_time() {
        let mut h = Harness::new();
        h.run("SET k v");
        let payload = dump(&mut h, "k");
        assert_eq!(restore(&mut h, "i", "0", &payload, &["IDLETIME", "100"]), Reply::OK);
        assert_eq!(h.run("OBJECT IDLETIME i"), int(100));
        h.run("CONFIG SET maxmemory-policy allkeys-lfu");
        assert_eq!(restore(&mut h, "f", "0", &payload, &["FREQ", "42"]), Reply::OK);
        assert_eq!(h.run("OBJECT FREQ f"), int(42));
    }
}

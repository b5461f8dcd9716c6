//! OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key, OBJECT HELP

use crate::prelude::*;

/// `OBJECT`: inspects how a key's value is stored.
pub struct Object;

const HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// Redis's error for `OBJECT FREQ` unless an LFU `maxmemory-policy` is set.
const NO_LFU: &str = "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
/// Redis's error for `OBJECT IDLETIME` under an LFU `maxmemory-policy`.
const LFU_NO_IDLE: &str = "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// Redis shares one object for each integer below this (`OBJ_SHARED_INTEGERS`);
/// `OBJECT REFCOUNT` reports those as `i32::MAX`.
const SHARED_INTEGERS: i64 = 10_000;

/// The integer a string is stored as by Redis (`int` encoding): the
/// canonical text of a 64-bit signed integer.
fn as_integer(s: &[u8]) -> Option<i64> {
    let n = crate::protocol::parse::parse_i64(s)?;
    (s.len() <= 20 && n.to_string().as_bytes() == s).then_some(n)
}

impl Command for Object {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "object",
            arity: -2,
            group: "generic",
            summary: "A container for object introspection commands",
            since: "2.2.3",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "encoding",
                    arity: 3,
                    flags: &[Flag::Readonly],
                    summary: "Inspect the internal encoding of a Redis object",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand {
                    name: "freq",
                    arity: 3,
                    flags: &[Flag::Readonly],
                    summary: "Get the logarithmic access frequency counter of a Redis object",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand::HELP_SHOW,
                Subcommand {
                    name: "idletime",
                    arity: 3,
                    flags: &[Flag::Readonly],
                    summary: "Get the time since a Redis object was last accessed",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
                Subcommand {
                    name: "refcount",
                    arity: 3,
                    flags: &[Flag::Readonly],
                    summary: "Get the number of references to the value of the key",
                    keys: Keys::AFTER_SUBCOMMAND,
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let sub = args.next()?.to_ascii_lowercase();
        if sub == b"help" {
            return Ok(crate::command_logic::admin::help_reply(HELP));
        }
        let key = args.next()?;
        let lfu = ctx.server.store.policy().is_lfu();
        let db = ctx.db();
        // Redis looks the key up without touching it, counting a hit or miss.
        let Some(value) = crate::command_logic::keys::lookup_no_touch(db, key) else {
            return Ok(Reply::Null);
        };
        Ok(match (sub.as_slice(), value) {
            (b"encoding", value) => Reply::bulk(value.encoding()),
            (b"refcount", Value::String(s))
                if as_integer(s).is_some_and(|n| (0..SHARED_INTEGERS).contains(&n)) =>
            {
                Reply::Integer(i64::from(i32::MAX))
            }
            (b"refcount", _) => Reply::Integer(1),
            (b"idletime", _) if lfu => return Err(ReplyError::err(LFU_NO_IDLE)),
            (b"idletime", _) => Reply::Integer((db.idle_ms(key).unwrap_or(0) / 1000) as i64),
            (b"freq", _) if lfu => Reply::Integer(i64::from(db.frequency(key).unwrap_or(0))),
            _ => return Err(ReplyError::err(NO_LFU)),
        })
    }
}

inventory::submit! { Registration::new(&Object, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    /// With its subcommand's key specification, `OBJECT ENCODING k` locks
    /// only `k`'s shard: it runs while another shard is held elsewhere.
    #[test]
    fn locks_only_the_keys_shard() {
        let mut h = Harness::new();
        h.run("SET k v");
        let shared = h.shared.clone();
        let shape = shared.store.shape();
        let other =
            (0..).map(|i| format!("x{i}")).find(|x| shape.shard_of(x.as_bytes()) != shape.shard_of(b"k"));
        let other = other.expect("a key in another shard");
        let mut held = shared.store.view();
        held.want_keys(std::iter::once(other.as_bytes()));
        held.prepare(0, START_MS, false, false);
        assert!(!held.contains(other.as_bytes()), "the other shard is now held");
        let (done, finished) = std::sync::mpsc::channel();
        let runner = std::thread::spawn(move || done.send(h.run("OBJECT ENCODING k")));
        let reply = finished.recv_timeout(std::time::Duration::from_secs(10));
        drop(held);
        let _sent = runner.join().expect("runner");
        assert_eq!(reply, Ok(bulk("embstr")), "OBJECT ENCODING waited for a shard its key is not in");
    }

    #[test]
    fn string_encodings() {
        let mut h = Harness::new();
        let cases = [
            ("0", "int"),
            ("-1", "int"),
            ("9223372036854775807", "int"),
            ("-9223372036854775808", "int"),
            ("9223372036854775808", "embstr"),
            ("-0", "embstr"),
            ("01", "embstr"),
            ("+1", "embstr"),
            ("\" 1\"", "embstr"),
            ("1.5", "embstr"),
            ("\"\"", "embstr"),
            ("12345678901234567890123456789012345678901234", "embstr"),
            ("123456789012345678901234567890123456789012345", "raw"),
        ];
        for (value, encoding) in cases {
            h.run(&format!("SET k {value}"));
            assert_eq!(h.run("OBJECT ENCODING k"), bulk(encoding), "{value}");
        }
        h.run_args(&[&b"SET"[..], b"bin", b"\x00\xff"]);
        assert_eq!(h.wire("OBJECT ENCODING bin"), "$6\r\nembstr\r\n");
    }

    #[test]
    fn hash_encodings() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(h.run("object encoding h"), bulk("listpack"));
        let long = "x".repeat(65);
        h.run(&format!("HSET h f {}", &long[..64]));
        assert_eq!(h.run("OBJECT ENCODING h"), bulk("listpack"));
        h.run(&format!("HSET h f {long}"));
        assert_eq!(h.run("OBJECT ENCODING h"), bulk("hashtable"));
        h.run("HSET h f short");
        assert_eq!(h.run("OBJECT ENCODING h"), bulk("hashtable"), "sticky");
        h.run("COPY h h2");
        assert_eq!(h.run("OBJECT ENCODING h2"), bulk("hashtable"), "a copy keeps the encoding");
        h.run("DEL h");
        h.run("HSET h f short");
        assert_eq!(h.run("OBJECT ENCODING h"), bulk("listpack"), "a new hash starts small");
    }

    #[test]
    fn refcount_of_shared_integers() {
        let mut h = Harness::new();
        for (value, refcount) in
            [("0", 2147483647), ("9999", 2147483647), ("10000", 1), ("-1", 1), ("abc", 1), ("01", 1)]
        {
            h.run(&format!("SET k {value}"));
            assert_eq!(h.run("OBJECT REFCOUNT k"), int(refcount), "{value}");
        }
        h.run("HSET h f 1");
        assert_eq!(h.run("OBJECT REFCOUNT h"), int(1));
    }

    #[test]
    fn idletime_in_seconds_without_touching() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.advance_ms(2_999);
        assert_eq!(h.run("OBJECT IDLETIME k"), int(2));
        h.advance_ms(1);
        assert_eq!(h.run("OBJECT IDLETIME k"), int(3));
        h.run("OBJECT ENCODING k");
        assert_eq!(h.run("OBJECT IDLETIME k"), int(3), "OBJECT does not touch the key");
        h.run("GET k");
        assert_eq!(h.run("OBJECT IDLETIME k"), int(0));
    }

    #[test]
    fn freq_needs_an_lfu_policy() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(
            h.run("OBJECT FREQ k"),
            err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
        );
        assert_eq!(h.run("OBJECT FREQ missing"), Reply::Null);
    }

    #[test]
    fn freq_and_idletime_under_an_lfu_policy() {
        let mut h = Harness::new();
        h.run("CONFIG SET maxmemory-policy allkeys-lfu lfu-log-factor 0");
        h.run("SET k v");
        assert_eq!(h.run("OBJECT FREQ k"), int(5), "a new key starts at LFU_INIT_VAL");
        h.run("GET k");
        h.run("GET k");
        assert_eq!(h.run("OBJECT FREQ k"), int(7), "log factor 0 counts every read");
        h.run("SET k w");
        h.run("TOUCH k");
        assert_eq!(h.run("OBJECT FREQ k"), int(9), "overwrites and TOUCH count");
        h.run("CLIENT NO-TOUCH ON");
        h.run("GET k");
        assert_eq!(h.run("OBJECT FREQ k"), int(9), "NO-TOUCH reads do not count");
        h.run("CLIENT NO-TOUCH OFF");
        h.advance_ms(3 * 60_000);
        assert_eq!(h.run("OBJECT FREQ k"), int(6), "one decrement per idle minute");
        assert_eq!(
            h.run("OBJECT IDLETIME k"),
            err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
        );
        h.run("CONFIG SET lfu-decay-time 0");
        h.advance_ms(60 * 60_000);
        assert_eq!(
            h.run("OBJECT FREQ k"),
            int(9),
            "decay time 0 never decays (reading does not store the decay)"
        );
        h.run("CONFIG SET maxmemory-policy allkeys-lru");
        assert_eq!(h.run("OBJECT IDLETIME k"), int(63 * 60));
    }

    #[test]
    fn missing_and_expired_keys_are_nil() {
        let mut h = Harness::new();
        h.run("SET k v PX 10");
        h.advance_ms(10);
        for sub in ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ"] {
            assert_eq!(h.wire(&format!("OBJECT {sub} k")), "$-1\r\n", "{sub}");
            assert_eq!(h.run(&format!("OBJECT {sub} nope")), Reply::Null, "{sub}");
        }
        let stats = h.shared.store.stats();
        assert_eq!((stats.hits, stats.misses), (0, 8));
    }

    #[test]
    fn help_and_errors() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run("OBJECT help") else { panic!() };
        assert_eq!(lines.len(), 15);
        assert!(h
            .wire("OBJECT HELP")
            .starts_with("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
        assert_eq!(h.run("OBJECT"), err("ERR wrong number of arguments for 'object' command"));
        assert_eq!(h.run("OBJECT HELP x"), err("ERR wrong number of arguments for 'object|help' command"));
        assert_eq!(
            h.run("OBJECT ENCODING"),
            err("ERR wrong number of arguments for 'object|encoding' command")
        );
        assert_eq!(
            h.run("OBJECT ENCODING a b"),
            err("ERR wrong number of arguments for 'object|encoding' command")
        );
        assert_eq!(h.run("OBJECT foo"), err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
        assert_eq!(h.run("OBJECT foo x y"), err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
    }
}

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
    let limits = db.limits();
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
        crate::store::rdb::encode::serialized_len(value, &limits),
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

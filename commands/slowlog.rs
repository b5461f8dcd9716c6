//! SLOWLOG GET [count] | SLOWLOG LEN | SLOWLOG RESET | SLOWLOG HELP

use crate::prelude::*;

/// `SLOWLOG`: the commands that took longer than `slowlog-log-slower-than`.
pub struct Slowlog;

const HELP: &[&str] = &[
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
];

impl Command for Slowlog {
    fn meta(&self) -> CommandMeta {
        const ADMIN: &[Flag] = &[Flag::Admin, Flag::Loading, Flag::Stale];
        CommandMeta {
            name: "slowlog",
            arity: -2,
            group: "server",
            summary: "A container for slow log commands.",
            since: "2.2.12",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "get",
                    arity: -2,
                    flags: ADMIN,
                    summary: "Returns the slow log's entries.",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP_SHOW,
                Subcommand {
                    name: "len",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Returns the number of entries in the slow log.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "reset",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Clears all entries from the slow log.",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let metrics = &ctx.server.metrics;
        let sub = args.next()?;
        match sub.to_ascii_lowercase().as_slice() {
            b"len" => Ok(Reply::Integer(metrics.slowlog_len() as i64)),
            b"reset" => {
                metrics.reset_slowlog();
                Ok(Reply::OK)
            }
            b"get" => {
                let count = match args.remaining() {
                    0 => 10,
                    1 => match crate::protocol::parse::parse_i64(args.next()?) {
                        Some(n) if n >= -1 => n,
                        _ => return Err(ReplyError::err("count should be greater than or equal to -1")),
                    },
                    _ => {
                        return Err(ReplyError::err(format_args!(
                            "unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
                            String::from_utf8_lossy(sub)
                        )))
                    }
                };
                let count = if count == -1 { usize::MAX } else { count as usize };
                let entries = metrics.slowlog_entries(count);
                Ok(Reply::Array(
                    entries
                        .into_iter()
                        .map(|e| {
                            Reply::Array(vec![
                                Reply::Integer(e.id as i64),
                                Reply::Integer(e.time_secs as i64),
                                Reply::Integer(e.usec as i64),
                                Reply::Array(e.argv.into_iter().map(Reply::Bulk).collect()),
                                Reply::Bulk(e.addr.into_bytes()),
                                Reply::Bulk(e.name),
                            ])
                        })
                        .collect(),
                ))
            }
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

inventory::submit! { Registration::new(&Slowlog, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn logs_commands_over_the_threshold() {
        let mut h = Harness::new();
        assert_eq!(h.run("SLOWLOG LEN"), int(0), "the default threshold is 10 ms");
        h.run("CONFIG SET slowlog-log-slower-than 0");
        h.run("SET x y");
        let Reply::Array(entries) = h.run("SLOWLOG GET 1") else { panic!() };
        let Reply::Array(entry) = &entries[0] else { panic!() };
        assert_eq!(entry[0], int(1), "ids count from 0: CONFIG SET was 0");
        assert_eq!(entry[1], int((START_MS / 1000) as i64));
        assert!(matches!(entry[2], Reply::Integer(n) if n >= 0));
        assert_eq!(entry[3], array(&["SET", "x", "y"]));
        assert_eq!(entry[4], bulk("127.0.0.1:50000"));
        assert_eq!(entry[5], bulk(""));
        assert_eq!(h.run("SLOWLOG LEN"), int(3), "SET, SLOWLOG GET and CONFIG SET");
        let Reply::Array(all) = h.run("SLOWLOG GET -1") else { panic!() };
        assert_eq!(all.len(), 4);
        assert_eq!(h.run("SLOWLOG RESET"), Reply::OK);
        assert_eq!(h.run("SLOWLOG LEN"), int(1), "the RESET itself is logged after it ran");
    }

    #[test]
    fn max_len_and_disabling() {
        let mut h = Harness::new();
        h.run("CONFIG SET slowlog-log-slower-than 0 slowlog-max-len 2");
        for _ in 0..5 {
            h.run("PING");
        }
        assert_eq!(h.run("SLOWLOG LEN"), int(2));
        h.run("CONFIG SET slowlog-log-slower-than -1");
        h.run("SLOWLOG RESET");
        h.run("PING");
        assert_eq!(h.run("SLOWLOG LEN"), int(0));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        for bad in ["-2", "x"] {
            assert_eq!(
                h.run(&format!("SLOWLOG GET {bad}")),
                err("ERR count should be greater than or equal to -1")
            );
        }
        assert_eq!(
            h.run("SLOWLOG Get 1 2"),
            err("ERR unknown subcommand or wrong number of arguments for 'Get'. Try SLOWLOG HELP.")
        );
        assert_eq!(h.run("SLOWLOG foo"), err("ERR unknown subcommand 'foo'. Try SLOWLOG HELP."));
        assert_eq!(
            h.run("CONFIG SET slowlog-log-slower-than -5"),
            err("ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive")
        );
        let Reply::Array(help) = h.run("SLOWLOG HELP") else { panic!() };
        assert_eq!(help.len(), 12);
    }
}

//! COMMAND [COUNT|INFO|DOCS|LIST|GETKEYS|HELP]

use crate::prelude::*;
use crate::registry::{self, Entry};
use crate::store::glob::glob_match;

/// `COMMAND`: describes the commands, generated from the registry's metadata.
pub struct CommandCommand;

const HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all commands.",
    "COUNT",
    "    Return the total number of commands in this server.",
    "LIST",
    "    Return a list of all commands in this server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple commands.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple commands.",
    "GETKEYS <full-command>",
    "    Return the keys from a full command.",
    "HELP",
    "    Print this help.",
];

impl Command for CommandCommand {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "command",
            arity: -1,
            flags: &[Flag::Loading, Flag::Stale],
            group: "server",
            summary: "Returns detailed information about all commands.",
            since: "2.8.13",
            complexity: "O(N) where N is the total number of Redis commands",
            subcommands: &[
                Subcommand {
                    name: "count",
                    arity: 2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns a count of commands.",
                },
                Subcommand {
                    name: "docs",
                    arity: -2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns documentary information about one, multiple or all commands.",
                },
                Subcommand {
                    name: "getkeys",
                    arity: -4,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Extracts the key names from an arbitrary command.",
                },
                Subcommand::HELP,
                Subcommand {
                    name: "info",
                    arity: -2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns information about one, multiple or all commands.",
                },
                Subcommand {
                    name: "list",
                    arity: -2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns a list of command names.",
                },
            ],
            extra_acl_categories: &["@connection"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, _ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let Some(sub) = args.peek().map(|s| s.to_ascii_lowercase()) else {
            return Ok(Reply::Array(registry::commands().iter().map(info).collect()));
        };
        args.next()?;
        let named = |args: &mut Args<'_>| -> Vec<Option<&'static Entry>> {
            args.rest().map(registry::lookup).collect()
        };
        match sub.as_slice() {
            b"count" => Ok(Reply::Integer(registry::commands().len() as i64)),
            b"info" if args.is_empty() => Ok(Reply::Array(registry::commands().iter().map(info).collect())),
            b"info" => {
                Ok(Reply::Array(named(args).into_iter().map(|e| e.map_or(Reply::Null, info)).collect()))
            }
            b"docs" => {
                let entries: Vec<&Entry> = if args.is_empty() {
                    registry::commands().iter().collect()
                } else {
                    named(args).into_iter().flatten().collect()
                };
                Ok(Reply::Map(entries.into_iter().map(|e| (Reply::bulk(e.meta.name), docs(e))).collect()))
            }
            b"list" => list(args),
            b"getkeys" => getkeys(args),
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

fn flags(flags: &[Flag]) -> Reply {
    Reply::Set(flags.iter().map(|f| Reply::simple(f.as_str())).collect())
}

fn key_specs(meta: &CommandMeta) -> Reply {
    if meta.keys.first <= 0 {
        return Reply::Array(Vec::new());
    }
    let text = |s: &'static str| Reply::bulk(s);
    let access: &[&'static str] = if meta.has(Flag::Write) { &["RW", "update"] } else { &["RO", "access"] };
    let last = if meta.keys.last < 0 { meta.keys.last } else { meta.keys.last - meta.keys.first };
    Reply::Array(vec![Reply::Map(vec![
        (text("flags"), Reply::Set(access.iter().map(|f| Reply::simple(f)).collect())),
        (
            text("begin_search"),
            Reply::Map(vec![
                (text("type"), text("index")),
                (text("spec"), Reply::Map(vec![(text("index"), Reply::Integer(meta.keys.first.into()))])),
            ]),
        ),
        (
            text("find_keys"),
            Reply::Map(vec![
                (text("type"), text("range")),
                (
                    text("spec"),
                    Reply::Map(vec![
                        (text("lastkey"), Reply::Integer(last.into())),
                        (text("keystep"), Reply::Integer(meta.keys.step.into())),
                        (text("limit"), Reply::Integer(0)),
                    ]),
                ),
            ]),
        ),
    ])])
}

/// One `COMMAND INFO` entry, in Redis 7's ten-field layout.
fn info(entry: &Entry) -> Reply {
    let meta = &entry.meta;
    let subcommands = meta
        .subcommands
        .iter()
        .map(|sub| {
            Reply::Array(vec![
                Reply::Bulk(format!("{}|{}", meta.name, sub.name).into_bytes()),
                Reply::Integer(sub.arity.into()),
                flags(sub.flags),
                Reply::Integer(0),
                Reply::Integer(0),
                Reply::Integer(0),
                Reply::Set(meta.subcommand_acl_categories(sub).into_iter().map(Reply::simple).collect()),
                Reply::Array(Vec::new()),
                Reply::Array(Vec::new()),
                Reply::Array(Vec::new()),
            ])
        })
        .collect();
    Reply::Array(vec![
        Reply::bulk(meta.name),
        Reply::Integer(meta.arity.into()),
        flags(meta.flags),
        Reply::Integer(meta.keys.first.into()),
        Reply::Integer(meta.keys.last.into()),
        Reply::Integer(meta.keys.step.into()),
        Reply::Set(meta.acl_categories().into_iter().map(Reply::simple).collect()),
        Reply::Array(Vec::new()),
        key_specs(meta),
        Reply::Array(subcommands),
    ])
}

/// One `COMMAND DOCS` entry.
fn docs(entry: &Entry) -> Reply {
    let meta = &entry.meta;
    let text = |s: &str| Reply::bulk(s);
    let mut fields = vec![
        (text("summary"), text(meta.summary)),
        (text("since"), text(meta.since)),
        (text("group"), text(meta.group)),
        (text("complexity"), text(meta.complexity)),
    ];
    if !meta.subcommands.is_empty() {
        let subs = meta
            .subcommands
            .iter()
            .map(|sub| {
                (
                    Reply::Bulk(format!("{}|{}", meta.name, sub.name).into_bytes()),
                    Reply::Map(vec![
                        (text("summary"), text(sub.summary)),
                        (text("since"), text(meta.since)),
                        (text("group"), text(meta.group)),
                        (text("complexity"), text(meta.complexity)),
                    ]),
                )
            })
            .collect();
        fields.push((text("subcommands"), Reply::Map(subs)));
    }
    Reply::Map(fields)
}

/// `COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern]`.
fn list(args: &mut Args<'_>) -> CommandResult {
    let names = registry::commands().iter();
    if args.is_empty() {
        return Ok(Reply::bulks(names.map(|e| e.meta.name)));
    }
    if !args.eat("FILTERBY") {
        return Err(ReplyError::SYNTAX);
    }
    let kind = args.next()?.to_ascii_lowercase();
    let value = args.next()?;
    args.finish()?;
    let value_text = String::from_utf8_lossy(value).to_ascii_lowercase();
    let keep = |e: &&Entry| match kind.as_slice() {
        // No modules exist, so no command belongs to one.
        b"module" => false,
        b"aclcat" => e.meta.acl_categories().iter().any(|c| c[1..] == value_text),
        b"pattern" => glob_match(value, e.meta.name.as_bytes(), true),
        _ => false,
    };
    if !matches!(kind.as_slice(), b"module" | b"aclcat" | b"pattern") {
        return Err(ReplyError::SYNTAX);
    }
    Ok(Reply::bulks(names.filter(keep).map(|e| e.meta.name)))
}

/// `COMMAND GETKEYS command [arg ...]`: the key arguments by the command's key spec.
fn getkeys(args: &mut Args<'_>) -> CommandResult {
    let argv: Vec<&[u8]> = args.rest().collect();
    let Some(entry) = registry::lookup(argv[0]) else {
        return Err(ReplyError::err("Invalid command specified"));
    };
    let arity = entry.meta.arity;
    let arity_ok =
        if arity >= 0 { argv.len() == arity as usize } else { argv.len() >= arity.unsigned_abs() as usize };
    if !arity_ok {
        return Err(ReplyError::err("Invalid number of arguments specified for command"));
    }
    let positions: Vec<usize> = entry.meta.keys.positions(argv.len()).collect();
    if positions.is_empty() {
        return Err(ReplyError::err("The command has no key arguments"));
    }
    Ok(Reply::bulks(positions.into_iter().map(|i| argv[i])))
}

inventory::submit! { Registration::new(&CommandCommand, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::registry;
    use crate::testing::*;

    #[test]
    fn count_matches_the_registry() {
        let mut h = Harness::new();
        assert_eq!(h.run("COMMAND COUNT"), int(registry::commands().len() as i64));
        let Reply::Array(all) = h.run("COMMAND") else { panic!() };
        assert_eq!(all.len(), registry::commands().len());
    }

    #[test]
    fn info_layout_like_redis() {
        let mut h = Harness::new();
        assert_eq!(
            h.wire("COMMAND INFO get"),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n\
             *3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n\
             *1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n\
             $12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n\
             $9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n\
             *6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"
        );
        assert_eq!(h.run("COMMAND INFO nosuch"), Reply::Array(vec![Reply::Null]));
    }

    #[test]
    fn docs_and_list() {
        let mut h = Harness::new();
        let docs = h.wire("COMMAND DOCS get");
        assert!(docs.starts_with("*2\r\n$3\r\nget\r\n*8\r\n$7\r\nsummary\r\n"), "{docs}");
        assert!(h.wire("COMMAND DOCS client").contains("client|setname"));
        assert_eq!(h.run("COMMAND LIST FILTERBY PATTERN hg*"), array(&["hget", "hgetall"]));
        let Reply::Array(hash) = h.run("COMMAND LIST FILTERBY ACLCAT hash") else { panic!() };
        assert!(hash.contains(&bulk("hset")) && !hash.contains(&bulk("get")));
        assert_eq!(h.run("COMMAND LIST FILTERBY MODULE x"), Reply::Array(vec![]));
        assert_eq!(h.run("COMMAND LIST BOGUS"), err("ERR syntax error"));
    }

    #[test]
    fn getkeys_uses_the_key_spec() {
        let mut h = Harness::new();
        assert_eq!(h.run("COMMAND GETKEYS SET a b EX 10"), array(&["a"]));
        assert_eq!(h.run("COMMAND GETKEYS DEL a b c"), array(&["a", "b", "c"]));
        assert_eq!(h.run("COMMAND GETKEYS NOPE a"), err("ERR Invalid command specified"));
        assert_eq!(
            h.run("COMMAND GETKEYS GET a b"),
            err("ERR Invalid number of arguments specified for command")
        );
        // Redis 7's arity for COMMAND GETKEYS is -4: a command and at least one argument.
        assert_eq!(
            h.run("COMMAND GETKEYS GET"),
            err("ERR wrong number of arguments for 'command|getkeys' command")
        );
        assert_eq!(h.run("COMMAND GETKEYS PING x"), err("ERR The command has no key arguments"));
    }
}

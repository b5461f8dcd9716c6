//! COMMAND [COUNT|INFO|DOCS|LIST|GETKEYS|GETKEYSANDFLAGS|HELP]

use crate::prelude::*;
use crate::registry::{self, Entry, KeySpec};
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
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full command.",
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
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "docs",
                    arity: -2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns documentary information about one, multiple or all commands.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "getkeys",
                    arity: -4,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Extracts the key names from an arbitrary command.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "getkeysandflags",
                    arity: -4,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Extracts the key names and access flags for an arbitrary command.",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP,
                Subcommand {
                    name: "info",
                    arity: -2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns information about one, multiple or all commands.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "list",
                    arity: -2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns a list of command names.",
                    ..Subcommand::DEFAULT
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
        let named = |args: &mut Args<'_>| -> Vec<Option<(&'static Entry, Option<usize>)>> {
            args.rest().map(lookup_full).collect()
        };
        match sub.as_slice() {
            b"count" => Ok(Reply::Integer(registry::commands().len() as i64)),
            b"info" if args.is_empty() => Ok(Reply::Array(registry::commands().iter().map(info).collect())),
            b"info" => {
                let found = named(args).into_iter();
                Ok(Reply::Array(found.map(|e| e.map_or(Reply::Null, |(e, sub)| info_of(e, sub))).collect()))
            }
            b"docs" => {
                let found: Vec<(&Entry, Option<usize>)> = if args.is_empty() {
                    registry::commands().iter().map(|e| (e, None)).collect()
                } else {
                    named(args).into_iter().flatten().collect()
                };
                Ok(Reply::Map(found.into_iter().map(|(e, sub)| docs_of(e, sub)).collect()))
            }
            b"list" => list(args),
            b"getkeys" => getkeys(args, false),
            b"getkeysandflags" => getkeys(args, true),
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

fn flags(flags: &[Flag]) -> Reply {
    Reply::Set(flags.iter().map(|f| Reply::simple(f.as_str())).collect())
}

/// The key specification's flags, as `COMMAND INFO` and `COMMAND
/// GETKEYSANDFLAGS` show them. Subcommands' keys (`OBJECT ENCODING`,
/// `MEMORY USAGE`) are read for their metadata only: `RO` without `access`.
fn key_flags(flags: &[Flag], subcommand: bool) -> &'static [&'static str] {
    match (flags.contains(&Flag::Write), subcommand) {
        (true, _) => &["RW", "update"],
        (false, false) => &["RO", "access"],
        (false, true) => &["RO"],
    }
}

/// The declared key specifications (`declared`), else one derived from
/// `keys` with `access` flags; a set, as in Redis's RESP3.
fn key_specs(declared: &[KeySpec], keys: Keys, access: &'static [&'static str]) -> Reply {
    if !declared.is_empty() {
        return Reply::Set(declared.iter().map(|spec| key_spec(*spec)).collect());
    }
    if keys.first <= 0 {
        return Reply::Set(Vec::new());
    }
    Reply::Set(vec![key_spec(KeySpec { keys, flags: access, ..KeySpec::DEFAULT })])
}

/// One key specification as Redis 7 lists it.
fn key_spec(spec: KeySpec) -> Reply {
    let text = |s: &'static str| Reply::bulk(s);
    let int = |n: i32| Reply::Integer(n.into());
    let keys = spec.keys;
    let (kind, find) = match spec.keynum {
        _ if spec.unknown.is_some() => ("unknown", Vec::new()),
        _ if spec.keyword.is_some() => (
            "range",
            vec![
                (text("lastkey"), int(-1)),
                (text("keystep"), int(1)),
                (text("limit"), int(if spec.keyword.is_some_and(|k| k.half) { 2 } else { 0 })),
            ],
        ),
        Some(Keynum { keynumidx, firstkey, keystep }) => (
            "keynum",
            vec![
                (text("keynumidx"), int(keynumidx)),
                (text("firstkey"), int(firstkey)),
                (text("keystep"), int(keystep)),
            ],
        ),
        None => (
            "range",
            vec![
                (text("lastkey"), int(if keys.last < 0 { keys.last } else { keys.last - keys.first })),
                (text("keystep"), int(keys.step)),
                (text("limit"), int(0)),
            ],
        ),
    };
    let mut fields = Vec::with_capacity(4);
    if !spec.notes.is_empty() {
        fields.push((text("notes"), text(spec.notes)));
    }
    fields.extend([
        (text("flags"), Reply::Set(spec.flags.iter().map(|f| Reply::simple(f)).collect())),
        (
            text("begin_search"),
            match (spec.unknown, spec.keyword) {
                (Some(_), _) => {
                    Reply::Map(vec![(text("type"), text("unknown")), (text("spec"), Reply::Map(vec![]))])
                }
                (None, Some(keyword)) => Reply::Map(vec![
                    (text("type"), text("keyword")),
                    (
                        text("spec"),
                        Reply::Map(vec![
                            (text("keyword"), text(keyword.word)),
                            (text("startfrom"), int(keys.first)),
                        ]),
                    ),
                ]),
                (None, None) => Reply::Map(vec![
                    (text("type"), text("index")),
                    (text("spec"), Reply::Map(vec![(text("index"), int(keys.first))])),
                ]),
            },
        ),
        (text("find_keys"), Reply::Map(vec![(text("type"), text(kind)), (text("spec"), Reply::Map(find))])),
    ]);
    Reply::Map(fields)
}

/// One `COMMAND INFO` entry for the command or for its subcommand `sub`,
/// in Redis 7's ten-field layout.
fn info_of(entry: &Entry, sub: Option<usize>) -> Reply {
    let meta = &entry.meta;
    let (name, arity, flag_list, keys, categories, subcommands): (_, _, _, _, _, Vec<Reply>) = match sub {
        Some(i) => {
            let sub = &meta.subcommands[i];
            let categories = meta.subcommand_acl_categories(sub);
            (entry.sub_names[i].clone(), sub.arity, sub.flags, sub.keys, categories, Vec::new())
        }
        None => {
            let subs = (0..meta.subcommands.len()).map(|i| info_of(entry, Some(i))).collect();
            (meta.name.to_string(), meta.arity, meta.flags, meta.keys, meta.acl_categories(), subs)
        }
    };
    let declared = if sub.is_some() { &[][..] } else { meta.key_specs };
    // Redis's first/last/step come from a `not_key` spec too (`SPUBLISH`'s channel).
    let legacy = match declared.iter().find(|spec| spec.flags.contains(&"not_key")) {
        Some(spec) if keys.first == 0 => spec.keys,
        _ => keys,
    };
    Reply::Array(vec![
        Reply::Bulk(name.into_bytes()),
        Reply::Integer(arity.into()),
        flags(flag_list),
        Reply::Integer(legacy.first.into()),
        Reply::Integer(legacy.last.into()),
        Reply::Integer(legacy.step.into()),
        Reply::Set(categories.into_iter().map(Reply::simple).collect()),
        // Tips and key specifications are sets in RESP3, as in Redis.
        Reply::Set(Vec::new()),
        key_specs(declared, keys, key_flags(flag_list, sub.is_some())),
        // Redis: an empty set without subcommands, else an array.
        if subcommands.is_empty() { Reply::Set(subcommands) } else { Reply::Array(subcommands) },
    ])
}

fn info(entry: &Entry) -> Reply {
    info_of(entry, None)
}

/// A command or a subcommand by its full name (`get`, `object|encoding`).
fn lookup_full(name: &[u8]) -> Option<(&'static Entry, Option<usize>)> {
    let mut parts = name.splitn(2, |&b| b == b'|');
    let entry = registry::lookup(parts.next()?)?;
    match parts.next() {
        None => Some((entry, None)),
        Some(sub) => Some((entry, Some(entry.subcommand_index(sub)?))),
    }
}

/// One `COMMAND DOCS` entry.
/// One `COMMAND DOCS` entry (name, docs) for the command or its subcommand `sub`.
fn docs_of(entry: &Entry, sub: Option<usize>) -> (Reply, Reply) {
    let meta = &entry.meta;
    let text = |s: &str| Reply::bulk(s);
    let fields = |summary: &str| {
        vec![
            (text("summary"), text(summary)),
            (text("since"), text(meta.since)),
            (text("group"), text(meta.group)),
            (text("complexity"), text(meta.complexity)),
        ]
    };
    if let Some(i) = sub {
        return (text(&entry.sub_names[i]), Reply::Map(fields(meta.subcommands[i].summary)));
    }
    let mut top = fields(meta.summary);
    if !meta.subcommands.is_empty() {
        let subs = (0..meta.subcommands.len()).map(|i| docs_of(entry, Some(i))).collect();
        top.push((text("subcommands"), Reply::Map(subs)));
    }
    (text(meta.name), Reply::Map(top))
}

/// Every command's name, each followed by its subcommands' (`object|encoding`),
/// as Redis 7's `COMMAND LIST` names them.
fn all_names() -> impl Iterator<Item = (&'static Entry, &'static str)> {
    registry::commands().iter().flat_map(|e| {
        std::iter::once((e, e.meta.name)).chain(e.sub_names.iter().map(move |n| (e, n.as_str())))
    })
}

/// `COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern]`.
fn list(args: &mut Args<'_>) -> CommandResult {
    if args.is_empty() {
        return Ok(Reply::bulks(all_names().map(|(_, name)| name)));
    }
    if !args.eat("FILTERBY") {
        return Err(ReplyError::SYNTAX);
    }
    let kind = args.next()?.to_ascii_lowercase();
    let value = args.next()?;
    args.finish()?;
    let value_text = String::from_utf8_lossy(value).to_ascii_lowercase();
    let categories = |entry: &Entry, name: &str| match name.split_once('|') {
        Some((_, sub)) => {
            let index = entry.subcommand_index(sub.as_bytes()).unwrap_or_default();
            entry.meta.subcommand_acl_categories(&entry.meta.subcommands[index])
        }
        None => entry.meta.acl_categories(),
    };
    let keep = |(entry, name): &(&Entry, &str)| match kind.as_slice() {
        // No modules exist, so no command belongs to one.
        b"module" => false,
        b"aclcat" => categories(entry, name).iter().any(|c| c[1..] == value_text),
        b"pattern" => glob_match(value, name.as_bytes(), true),
        _ => false,
    };
    if !matches!(kind.as_slice(), b"module" | b"aclcat" | b"pattern") {
        return Err(ReplyError::SYNTAX);
    }
    Ok(Reply::bulks(all_names().filter(keep).map(|(_, name)| name)))
}

/// `COMMAND GETKEYS command [arg ...]`: the key arguments by the command's
/// (or subcommand's) key specification; `COMMAND GETKEYSANDFLAGS` adds
/// each key's flags.
fn getkeys(args: &mut Args<'_>, with_flags: bool) -> CommandResult {
    let argv: Vec<&[u8]> = args.rest().collect();
    let invalid = || ReplyError::err("Invalid command specified");
    let entry = registry::lookup(argv[0]).ok_or_else(invalid)?;
    let (mut arity, mut sub) = (entry.meta.arity, None);
    if !entry.meta.subcommands.is_empty() && argv.len() >= 2 {
        let index = entry.subcommand_index(argv[1]).ok_or_else(invalid)?;
        arity = entry.meta.subcommands[index].arity;
        sub = Some(index);
    }
    if !Entry::arity_ok(arity, argv.len()) {
        return Err(ReplyError::err("Invalid number of arguments specified for command"));
    }
    // Without the first argument: keys Redis does not declare (`DEBUG OBJECT`) are not shown.
    let keys = entry.keys(sub, None);
    let mut positions: Vec<usize> = keys.positions(argv.len()).collect();
    // A key count argument (`LMPOP numkeys key...`): the keys follow it.
    for spec in entry.meta.key_specs.iter().filter(|spec| spec.is_searched()) {
        let found = spec.positions(&argv);
        positions.extend(found.ok_or_else(|| ReplyError::err("Invalid arguments specified for command"))?);
    }
    if positions.is_empty() {
        return Err(ReplyError::err("The command has no key arguments"));
    }
    if !with_flags {
        return Ok(Reply::bulks(positions.into_iter().map(|i| argv[i])));
    }
    let flag_list = sub.map_or(entry.meta.flags, |i| entry.meta.subcommands[i].flags);
    let derived = key_flags(flag_list, sub.is_some());
    // A declared specification covering the position, when there is one.
    let declared = |i: usize| {
        let specs = if sub.is_none() { entry.meta.key_specs } else { &[] };
        let spec = specs.iter().find(|s| s.positions(&argv).is_some_and(|found| found.contains(&i)))?;
        Some(spec.flags_for.map_or(spec.flags, |flags_for| flags_for(&argv)))
    };
    Ok(Reply::Array(
        positions
            .into_iter()
            .map(|i| {
                let access = declared(i).unwrap_or(derived);
                let flags = Reply::Set(access.iter().map(|f| Reply::simple(f)).collect());
                Reply::Array(vec![Reply::Bulk(argv[i].to_vec()), flags])
            })
            .collect(),
    ))
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
        let sub = h.wire("COMMAND DOCS object|encoding");
        assert!(sub.starts_with("*2\r\n$15\r\nobject|encoding\r\n*8\r\n$7\r\nsummary\r\n"), "{sub}");
        assert_eq!(h.run("COMMAND LIST FILTERBY PATTERN hg*"), array(&["hget", "hgetall"]));
        let Reply::Array(hash) = h.run("COMMAND LIST FILTERBY ACLCAT hash") else { panic!() };
        assert!(hash.contains(&bulk("hset")) && !hash.contains(&bulk("get")));
        assert_eq!(h.run("COMMAND LIST FILTERBY MODULE x"), Reply::Array(vec![]));
        assert_eq!(h.run("COMMAND LIST BOGUS"), err("ERR syntax error"));
    }

    #[test]
    fn subcommands_have_their_own_key_specs() {
        let mut h = Harness::new();
        assert_eq!(h.run("COMMAND GETKEYS MEMORY USAGE k"), array(&["k"]));
        assert_eq!(h.run("COMMAND GETKEYS object encoding k"), array(&["k"]));
        assert_eq!(h.run("COMMAND GETKEYS OBJECT HELP"), err("ERR The command has no key arguments"));
        assert_eq!(h.run("COMMAND GETKEYS MEMORY FOO k"), err("ERR Invalid command specified"));
        assert_eq!(
            h.run("COMMAND GETKEYS MEMORY USAGE"),
            err("ERR Invalid number of arguments specified for command")
        );
        // Redis declares no keys for DEBUG, though MiniRedis checks DEBUG OBJECT's.
        assert_eq!(h.run("COMMAND GETKEYS DEBUG OBJECT k"), err("ERR The command has no key arguments"));
        let info = h.wire("COMMAND INFO object|encoding");
        assert!(
            info.starts_with(
                "*1\r\n*10\r\n$15\r\nobject|encoding\r\n:3\r\n*1\r\n+readonly\r\n:2\r\n:2\r\n:1\r\n"
            ),
            "{info}"
        );
        assert!(info.contains("$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search"), "{info}");
        assert!(h
            .wire("COMMAND INFO memory")
            .contains("$12\r\nmemory|usage\r\n:-3\r\n*1\r\n+readonly\r\n:2\r\n:2\r\n:1\r\n"));
    }

    #[test]
    fn getkeysandflags() {
        let mut h = Harness::new();
        assert_eq!(
            h.wire("COMMAND GETKEYSANDFLAGS GET k"),
            "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"
        );
        assert_eq!(
            h.wire("COMMAND GETKEYSANDFLAGS OBJECT ENCODING k"),
            "*1\r\n*2\r\n$1\r\nk\r\n*1\r\n+RO\r\n"
        );
        assert_eq!(h.run("COMMAND GETKEYSANDFLAGS NOSUCH a"), err("ERR Invalid command specified"));
        assert_eq!(h.run("COMMAND GETKEYSANDFLAGS PING x"), err("ERR The command has no key arguments"));
        assert_eq!(
            h.run("COMMAND GETKEYSANDFLAGS GET"),
            err("ERR wrong number of arguments for 'command|getkeysandflags' command")
        );
    }

    #[test]
    fn list_names_subcommands_and_count_does_not() {
        let mut h = Harness::new();
        let Reply::Array(names) = h.run("COMMAND LIST") else { panic!() };
        let subcommands: usize = registry::commands().iter().map(|e| e.sub_names.len()).sum();
        assert_eq!(names.len(), registry::commands().len() + subcommands);
        let position =
            |name: &str| names.iter().position(|n| *n == bulk(name)).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(
            position("object|encoding"),
            position("object") + 1,
            "each container, then its subcommands"
        );
        assert_eq!(h.run("COMMAND LIST FILTERBY PATTERN object|e*"), array(&["object|encoding"]));
        let Reply::Array(keyspace) = h.run("COMMAND LIST FILTERBY ACLCAT keyspace") else { panic!() };
        assert!(keyspace.contains(&bulk("object|idletime")) && keyspace.contains(&bulk("del")));
        assert_eq!(
            h.run("COMMAND COUNT"),
            int(registry::commands().len() as i64),
            "top-level only, as Redis 7.0"
        );
    }

    #[test]
    fn getkeys_uses_the_key_spec() {
        let mut h = Harness::new();
        assert_eq!(h.run("COMMAND GETKEYS SET a b EX 10"), array(&["a"]));
        assert_eq!(h.run("COMMAND GETKEYS DEL a b c"), array(&["a", "b", "c"]));
        assert_eq!(h.run("COMMAND GETKEYS LMPOP 2 a b LEFT"), array(&["a", "b"]));
        assert_eq!(h.run("COMMAND GETKEYS BLMPOP 0 1 a LEFT"), array(&["a"]));
        assert_eq!(h.run("COMMAND GETKEYS BLPOP a b 0"), array(&["a", "b"]));
        assert_eq!(h.run("COMMAND GETKEYS LMOVE a b LEFT LEFT"), array(&["a", "b"]));
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

//! ACL CAT|DELUSER|DRYRUN|GENPASS|GETUSER|LIST|LOAD|LOG|SAVE|SETUSER|USERS|WHOAMI|HELP

use std::sync::Arc;

use crate::acl::{UserCell, CATEGORIES};
use crate::prelude::*;
use crate::protocol::parse::parse_i64;
use crate::registry;

/// `ACL`: users, their permissions, the ACL log and the ACL file.
pub struct AclCommand;

const HELP: &[&str] = &[
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
];

const ADMIN: &[Flag] = &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale];
const PLAIN: &[Flag] = &[Flag::NoScript, Flag::Loading, Flag::Stale];

const NO_ACL_FILE: &str = "ERR This Redis instance is not configured to use an ACL file. You may want to specify \
                           users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a \
                           Redis configuration file set) in order to store users in the Redis configuration.";

impl Command for AclCommand {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "acl",
            arity: -2,
            group: "server",
            summary: "A container for Access List Control commands.",
            since: "6.0.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "cat",
                    arity: -2,
                    flags: PLAIN,
                    summary: "Lists the ACL categories, or the commands inside a category.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "deluser",
                    arity: -3,
                    flags: ADMIN,
                    summary: "Deletes ACL users, and terminates their connections.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "dryrun",
                    arity: -4,
                    flags: ADMIN,
                    summary: "Simulates the execution of a command by a user, without executing the command.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "genpass",
                    arity: -2,
                    flags: PLAIN,
                    summary:
                        "Generates a pseudorandom, secure password that can be used to identify ACL users.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "getuser",
                    arity: 3,
                    flags: ADMIN,
                    summary: "Lists the ACL rules of a user.",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP,
                Subcommand {
                    name: "list",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Dumps the effective rules in ACL file format.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "load",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Reloads the rules from the configured ACL file.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "log",
                    arity: -2,
                    flags: ADMIN,
                    summary: "Lists recent security events generated due to commands rejected by ACL rules.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "save",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Saves the effective ACL rules in the configured ACL file.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "setuser",
                    arity: -3,
                    flags: ADMIN,
                    summary: "Creates and modifies an ACL user and its rules.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "users",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Lists all ACL users.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "whoami",
                    arity: 2,
                    flags: PLAIN,
                    summary: "Returns the authenticated username of the current connection.",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let given = args.next()?;
        let sub = given.to_ascii_lowercase();
        // Subcommands with an optional argument take at most one.
        if matches!(sub.as_slice(), b"cat" | b"genpass" | b"log") && args.remaining() > 1 {
            return Err(ReplyError::err(format_args!(
                "unknown subcommand or wrong number of arguments for '{}'. Try ACL HELP.",
                String::from_utf8_lossy(given)
            )));
        }
        match sub.as_slice() {
            b"cat" => cat(args),
            b"deluser" => deluser(ctx, args),
            b"dryrun" => dryrun(ctx, args),
            b"genpass" => genpass(args),
            b"getuser" => getuser(ctx, args),
            b"list" => {
                Ok(Reply::Array(ctx.server.users.list().into_iter().map(|l| Reply::Bulk(l.into())).collect()))
            }
            b"users" => Ok(Reply::Array(
                ctx.server.users.names().iter().map(|name| Reply::bulk(name.as_bytes())).collect(),
            )),
            b"whoami" => Ok(Reply::bulk(ctx.client.user.name.as_bytes())),
            b"setuser" => setuser(ctx, args),
            b"log" => log(ctx, args),
            b"save" => save(ctx),
            b"load" => load(ctx),
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

fn cat(args: &mut Args<'_>) -> CommandResult {
    let Some(name) = args.peek() else {
        return Ok(Reply::bulks(CATEGORIES));
    };
    let bit = crate::acl::category_bit(name).ok_or_else(|| {
        ReplyError::err(format_args!("Unknown category '{}'", String::from_utf8_lossy(name)))
    })?;
    let mut names = Vec::new();
    for entry in registry::commands() {
        if entry.acl_bits & bit != 0 {
            names.push(Reply::bulk(entry.meta.name));
        }
        for (i, bits) in entry.sub_acl_bits.iter().enumerate() {
            if bits & bit != 0 {
                names.push(Reply::bulk(&entry.sub_names[i]));
            }
        }
    }
    Ok(Reply::Array(names))
}

/// Closes the connections authenticated as one of `users`.
fn disconnect(ctx: &Context<'_>, users: &[Arc<UserCell>]) {
    for handle in ctx.server.clients.handles() {
        let user = handle.user_name();
        if user.is_some_and(|name| users.iter().any(|u| Arc::ptr_eq(&u.name, &name))) {
            handle.kill();
        }
    }
}

fn deluser(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let names: Vec<&[u8]> = args.rest().collect();
    if names.iter().any(|n| *n == b"default") {
        return Err(ReplyError::err("The 'default' user cannot be removed"));
    }
    let removed = ctx.server.users.delete(&names);
    disconnect(ctx, &removed);
    Ok(Reply::Integer(removed.len() as i64))
}

fn dryrun(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let name = args.next()?;
    let user =
        ctx.server.users.get(name).ok_or_else(|| {
            ReplyError::err(format_args!("User '{}' not found", String::from_utf8_lossy(name)))
        })?;
    let argv: Vec<Vec<u8>> = args.rest().map(<[u8]>::to_vec).collect();
    let argv = crate::protocol::parse::Argv::Owned(&argv);
    let not_found =
        || ReplyError::err(format_args!("Command '{}' not found", String::from_utf8_lossy(argv.get(0))));
    let entry = registry::lookup(argv.get(0)).ok_or_else(not_found)?;
    let arity_ok = |arity: i32| {
        if arity >= 0 {
            argv.len() == arity as usize
        } else {
            argv.len() >= arity.unsigned_abs() as usize
        }
    };
    if !arity_ok(entry.meta.arity) {
        return Err(ReplyError::wrong_arity(entry.meta.name));
    }
    let mut sub = None;
    if !entry.meta.subcommands.is_empty() && argv.len() >= 2 {
        let index = entry
            .meta
            .subcommands
            .iter()
            .position(|s| s.name.as_bytes().eq_ignore_ascii_case(argv.get(1)))
            .ok_or_else(not_found)?;
        if !arity_ok(entry.meta.subcommands[index].arity) {
            return Err(ReplyError::wrong_arity(&entry.sub_names[index]));
        }
        sub = Some(index);
    }
    let denial = crate::registry::denial(&user.rules.read(), entry, sub, argv);
    Ok(match denial {
        None => Reply::OK,
        Some(crate::registry::Denial::Command) => Reply::Bulk(
            format!(
                "This user has no permissions to run the '{}' command",
                sub.map_or(entry.meta.name, |i| entry.sub_names[i].as_str())
            )
            .into_bytes(),
        ),
        Some(crate::registry::Denial::Key(key)) => Reply::Bulk(
            format!("This user has no permissions to access the '{}' key", String::from_utf8_lossy(&key))
                .into_bytes(),
        ),
        Some(crate::registry::Denial::Channel(channel)) => Reply::Bulk(
            format!(
                "This user has no permissions to access the '{}' channel",
                String::from_utf8_lossy(&channel)
            )
            .into_bytes(),
        ),
    })
}

fn genpass(args: &mut Args<'_>) -> CommandResult {
    let bits = match args.peek() {
        None => 256,
        Some(_) => {
            let bits = args.next_i64()?;
            if !(1..=4096).contains(&bits) {
                return Err(ReplyError::err(
                    "ACL GENPASS argument must be the number of bits for the output password, a positive number \
                     up to 4096",
                ));
            }
            bits as usize
        }
    };
    let chars = bits.div_ceil(4);
    let mut random = vec![0u8; chars.div_ceil(2)];
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut random))
        .map_err(|e| ReplyError::err(format_args!("cannot read /dev/urandom: {e}")))?;
    let mut text: String = random.iter().map(|b| format!("{b:02x}")).collect();
    text.truncate(chars);
    Ok(Reply::Bulk(text.into_bytes()))
}

fn getuser(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let Some(cell) = ctx.server.users.get(args.next()?) else {
        return Ok(Reply::Null);
    };
    let user = cell.rules.read();
    let field = |k: &'static str, v: Reply| (Reply::bulk(k), v);
    Ok(Reply::Map(vec![
        field("flags", Reply::Array(user.flags().into_iter().map(Reply::bulk).collect())),
        field("passwords", Reply::bulks(user.password_hexes())),
        field("commands", Reply::Bulk(user.describe_commands(crate::registry::catalog()).into_bytes())),
        field("keys", Reply::Bulk(user.describe_keys().into_bytes())),
        field("channels", Reply::Bulk(user.describe_channels().into_bytes())),
        field("selectors", Reply::Array(Vec::new())),
    ]))
}

fn setuser(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let name = args.next()?;
    if name.iter().any(|&b| b == b' ' || b == 0) {
        return Err(ReplyError::err("Usernames can't contain spaces or null characters"));
    }
    let name = String::from_utf8_lossy(name).into_owned();
    let rules: Vec<&[u8]> = args.rest().collect();
    ctx.server.apply_acl_pubsub_default();
    ctx.server.users.set_user(&name, &rules).map_err(|(rule, problem)| {
        ReplyError::err(format_args!(
            "Error in ACL SETUSER modifier '{}': {problem}",
            String::from_utf8_lossy(&rule)
        ))
    })?;
    if let Some(user) = ctx.server.users.get(name.as_bytes()) {
        ctx.server.disconnect_denied_subscribers(&user);
    }
    Ok(Reply::OK)
}

fn log(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let count = match args.peek() {
        None => 10,
        Some(arg) if arg.eq_ignore_ascii_case(b"reset") => {
            ctx.server.users.reset_log();
            return Ok(Reply::OK);
        }
        Some(arg) => parse_i64(arg).ok_or(ReplyError::NOT_INTEGER)?.max(0) as usize,
    };
    let now = ctx.now_ms();
    let entries = ctx.server.users.log_entries(count);
    let field = |k: &'static str, v: Reply| (Reply::bulk(k), v);
    Ok(Reply::Array(
        entries
            .into_iter()
            .map(|e| {
                Reply::Map(vec![
                    field("count", Reply::Integer(e.count as i64)),
                    field("reason", Reply::bulk(e.reason)),
                    field("context", Reply::bulk(e.context)),
                    field("object", Reply::Bulk(e.object)),
                    field("username", Reply::Bulk(e.username)),
                    field("age-seconds", Reply::Double(now.saturating_sub(e.time_ms) as f64 / 1000.0)),
                    field("client-info", Reply::Bulk(e.client_info.into_bytes())),
                ])
            })
            .collect(),
    ))
}

fn acl_file(ctx: &Context<'_>) -> Result<std::path::PathBuf, ReplyError> {
    let file = ctx.server.config.read().aclfile.clone();
    if file.is_empty() {
        return Err(ReplyError::from_static(NO_ACL_FILE));
    }
    Ok(file.into())
}

fn save(ctx: &mut Context<'_>) -> CommandResult {
    let path = acl_file(ctx)?;
    let mut text = ctx.server.users.list().join("\n");
    text.push('\n');
    crate::store::snapshot::write_atomically(&path, text.as_bytes()).map_err(|e| {
        tracing::warn!(path = %path.display(), error = %e, "saving the ACL file failed");
        ReplyError::err(
            "There was an error trying to save the ACLs. Please check the server logs for more information",
        )
    })?;
    Ok(Reply::OK)
}

fn load(ctx: &mut Context<'_>) -> CommandResult {
    let path = acl_file(ctx)?;
    ctx.server.apply_acl_pubsub_default();
    let replaced = ctx.server.users.load_file(&path).map_err(ReplyError::err)?;
    disconnect(ctx, &replaced);
    Ok(Reply::OK)
}

inventory::submit! { Registration::new(&AclCommand, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn lines(reply: Reply) -> Vec<String> {
        let Reply::Array(items) = reply else { panic!("{reply:?}") };
        items
            .into_iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8(b).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn setuser_list_getuser_users_deluser() {
        let mut h = Harness::new();
        assert_eq!(lines(h.run("ACL LIST")), ["user default on nopass ~* &* +@all"]);
        assert_eq!(h.run("ACL SETUSER bob"), Reply::OK);
        assert_eq!(
            lines(h.run("ACL LIST")),
            ["user bob off resetchannels -@all", "user default on nopass ~* &* +@all"]
        );
        assert_eq!(h.run("ACL SETUSER bob on >pw ~k* %R~r* +get +@hash -hdel"), Reply::OK);
        assert_eq!(
            h.run("ACL GETUSER bob"),
            Reply::Map(vec![
                (bulk("flags"), array(&["on"])),
                (
                    bulk("passwords"),
                    array(&["30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"])
                ),
                (bulk("commands"), bulk("-@all +@hash +get -hdel")),
                (bulk("keys"), bulk("~k* %R~r*")),
                (bulk("channels"), bulk("")),
                (bulk("selectors"), Reply::Array(vec![])),
            ])
        );
        assert_eq!(h.run("ACL GETUSER nobody"), Reply::Null);
        assert_eq!(h.run("ACL USERS"), array(&["bob", "default"]));
        assert_eq!(h.run("ACL WHOAMI"), bulk("default"));
        assert_eq!(
            h.run("ACL SETUSER bob foo"),
            err("ERR Error in ACL SETUSER modifier 'foo': Syntax error")
        );
        assert_eq!(
            h.run("ACL SETUSER bob off +nosuch"),
            err("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL")
        );
        assert!(lines(h.run("ACL LIST"))[0].starts_with("user bob on "), "a failed SETUSER changes nothing");
        assert_eq!(
            h.run("ACL SETUSER new +nosuch"),
            err("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL")
        );
        assert_eq!(h.run("ACL GETUSER new"), Reply::Null, "nor creates the user");
        assert_eq!(
            h.run("ACL SETUSER \"a b\""),
            err("ERR Usernames can't contain spaces or null characters")
        );
        assert_eq!(h.run("ACL DELUSER default"), err("ERR The 'default' user cannot be removed"));
        assert_eq!(h.run("ACL DELUSER bob nobody"), int(1));
        assert_eq!(h.run("ACL USERS"), array(&["default"]));
    }

    #[test]
    fn permissions_noperm_and_the_log() {
        let mut h = Harness::new();
        h.run("ACL SETUSER carol on >pw -@all +get +set +config|get %R~r* %W~w* ~k*");
        assert_eq!(h.run("AUTH carol pw"), Reply::OK);
        assert_eq!(
            h.run("ACL WHOAMI"),
            err("NOPERM this user has no permissions to run the 'acl|whoami' command")
        );
        assert_eq!(h.run("DEL k"), err("NOPERM this user has no permissions to run the 'del' command"));
        assert_eq!(h.run("GET k1"), Reply::Null);
        let key_denied =
            err("NOPERM this user has no permissions to access one of the keys used as arguments");
        assert_eq!(h.run("GET x"), key_denied);
        assert_eq!(h.run("SET w1 v"), Reply::OK);
        assert_eq!(h.run("GET w1"), key_denied);
        assert_eq!(h.run("SET r1 v"), key_denied);
        assert_eq!(h.run("GET r1"), Reply::Null);
        assert!(matches!(h.run("CONFIG GET port"), Reply::Map(_)));
        assert_eq!(
            h.run("CONFIG SET port 1"),
            err("NOPERM this user has no permissions to run the 'config|set' command")
        );
        assert_eq!(h.run("GET"), err("ERR wrong number of arguments for 'get' command"), "arity comes first");
        assert_eq!(h.run("AUTH default x"), Reply::OK);
        let Reply::Array(entries) = h.run("ACL LOG") else { panic!() };
        assert_eq!(entries.len(), 6);
        let Reply::Map(newest) = &entries[0] else { panic!() };
        assert_eq!(newest[0], (bulk("count"), int(1)));
        assert_eq!(newest[1], (bulk("reason"), bulk("command")));
        assert_eq!(newest[2], (bulk("context"), bulk("toplevel")));
        assert_eq!(newest[3], (bulk("object"), bulk("config|set")));
        assert_eq!(newest[4], (bulk("username"), bulk("carol")));
        let Reply::Map(keys) = &entries[1] else { panic!() };
        assert_eq!(
            (&keys[0], &keys[1], &keys[3]),
            (&(bulk("count"), int(1)), &(bulk("reason"), bulk("key")), &(bulk("object"), bulk("r1")))
        );
        assert!(matches!(h.run("ACL LOG 2"), Reply::Array(v) if v.len() == 2));
        assert!(matches!(h.run("ACL LOG -1"), Reply::Array(v) if v.is_empty()));
        assert_eq!(h.run("ACL LOG x"), err("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("ACL LOG 1 2"),
            err("ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.")
        );
        assert_eq!(h.run("ACL LOG RESET"), Reply::OK);
        assert_eq!(h.run("ACL LOG"), Reply::Array(vec![]));
    }

    #[test]
    fn log_context_is_multi_inside_a_transaction_and_lua_in_a_script() {
        let mut h = Harness::new();
        h.run("ACL SETUSER dave on >pw ~* +@all -get");
        assert_eq!(h.run("AUTH dave pw"), Reply::OK);
        h.run("MULTI");
        assert_eq!(h.run("GET k"), err("NOPERM this user has no permissions to run the 'get' command"));
        h.run("DISCARD");
        assert!(matches!(h.run("EVAL \"return redis.call('get','k')\" 0"), Reply::Error(_)));
        assert_eq!(h.run("GET k"), err("NOPERM this user has no permissions to run the 'get' command"));
        let Reply::Array(entries) = h.run("ACL LOG") else { panic!() };
        let contexts: Vec<Reply> = entries
            .iter()
            .map(|e| match e {
                Reply::Map(fields) => fields[2].1.clone(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(contexts, [bulk("toplevel"), bulk("lua"), bulk("multi")]);
        let Reply::Map(lua) = &entries[1] else { panic!() };
        assert_eq!((&lua[1].1, &lua[3].1), (&bulk("command"), &bulk("get")));
    }

    #[test]
    fn container_subcommands_check_their_keys() {
        let mut h = Harness::new();
        h.run("SET secret v");
        h.run("ACL SETUSER dave on >pw ~user:* +@all");
        h.run("CONFIG SET enable-debug-command yes");
        assert_eq!(h.run("AUTH dave pw"), Reply::OK);
        let noperm = err("NOPERM this user has no permissions to access one of the keys used as arguments");
        for command in ["GET secret", "OBJECT ENCODING secret", "MEMORY USAGE secret", "DEBUG OBJECT secret"]
        {
            assert_eq!(h.run(command), noperm, "{command}");
        }
        assert_eq!(h.run("OBJECT ENCODING user:1"), Reply::Null, "keys the user may read still answer");
        assert!(matches!(h.run("OBJECT HELP"), Reply::Array(_)), "keyless subcommands run");
    }

    /// Every command and subcommand that takes a key, run by a user who
    /// may not touch that key, is refused before it runs.
    #[test]
    fn every_key_taking_command_checks_the_key() {
        let mut h = Harness::new();
        h.run("ACL SETUSER erin on >pw ~user:* +@all");
        assert_eq!(h.run("AUTH erin pw"), Reply::OK);
        let noperm = err("NOPERM this user has no permissions to access one of the keys used as arguments");
        let mut tried = 0;
        for entry in crate::registry::commands() {
            let meta = &entry.meta;
            let mut forms: Vec<(Vec<String>, i32, crate::registry::Keys)> = Vec::new();
            if meta.keys.step > 0 {
                forms.push((vec![meta.name.to_string()], meta.arity, meta.keys));
            }
            for (word, keys) in meta.keyword_keys {
                forms.push((vec![meta.name.to_string(), word.to_string()], meta.arity.abs().max(3), *keys));
            }
            for sub in meta.subcommands.iter().filter(|s| s.keys.step > 0) {
                forms.push((vec![meta.name.to_string(), sub.name.to_string()], sub.arity, sub.keys));
            }
            for (mut argv, arity, keys) in forms {
                let argc = (arity.unsigned_abs() as usize).max(keys.first as usize + 1);
                while argv.len() < argc {
                    argv.push("secret".into());
                }
                assert!(keys.positions(argv.len()).count() > 0, "{argv:?}");
                assert_eq!(h.run_args(&argv), noperm, "{argv:?}");
                tried += 1;
            }
        }
        assert!(tried > 50, "only {tried} commands take keys?");
    }

    #[test]
    fn failed_logins_are_logged_and_grouped() {
        let mut h = Harness::new();
        for _ in 0..3 {
            assert_eq!(
                h.run("AUTH bob x"),
                err("WRONGPASS invalid username-password pair or user is disabled.")
            );
        }
        let Reply::Array(entries) = h.run("ACL LOG") else { panic!() };
        assert_eq!(entries.len(), 1);
        let Reply::Map(entry) = &entries[0] else { panic!() };
        assert_eq!(entry[0], (bulk("count"), int(3)));
        assert_eq!(entry[1], (bulk("reason"), bulk("auth")));
        assert_eq!(entry[3], (bulk("object"), bulk("AUTH")));
        assert_eq!(entry[4], (bulk("username"), bulk("bob")));
        h.advance_ms(60_000);
        h.run("AUTH bob x");
        assert!(matches!(h.run("ACL LOG"), Reply::Array(v) if v.len() == 2), "a minute later: a new entry");
    }

    #[test]
    fn dryrun_cat_genpass() {
        let mut h = Harness::new();
        h.run("ACL SETUSER bob on nopass -@all +get ~k*");
        assert_eq!(h.run("ACL DRYRUN bob get k1"), Reply::OK);
        assert_eq!(h.run("ACL DRYRUN bob get x"), bulk("This user has no permissions to access the 'x' key"));
        assert_eq!(
            h.run("ACL DRYRUN bob set k1 v"),
            bulk("This user has no permissions to run the 'set' command")
        );
        assert_eq!(h.run("ACL DRYRUN nobody get x"), err("ERR User 'nobody' not found"));
        assert_eq!(h.run("ACL DRYRUN bob nosuch"), err("ERR Command 'nosuch' not found"));
        assert_eq!(h.run("ACL DRYRUN bob get"), err("ERR wrong number of arguments for 'get' command"));
        assert_eq!(h.run("ACL DRYRUN bob config"), err("ERR wrong number of arguments for 'config' command"));
        assert_eq!(h.run("ACL DRYRUN bob config nosuch"), err("ERR Command 'config' not found"));
        assert_eq!(
            h.run("ACL DRYRUN bob config get"),
            err("ERR wrong number of arguments for 'config|get' command")
        );
        let Reply::Array(cats) = h.run("ACL CAT") else { panic!() };
        assert_eq!(cats.len(), 21);
        assert_eq!(cats[0], bulk("keyspace"));
        let Reply::Array(hash) = h.run("ACL CAT hash") else { panic!() };
        assert!(hash.contains(&bulk("hset")) && !hash.contains(&bulk("get")));
        let Reply::Array(admin) = h.run("ACL CAT admin") else { panic!() };
        assert!(admin.contains(&bulk("config|set")) && admin.contains(&bulk("acl|setuser")));
        assert_eq!(h.run("ACL CAT nosuch"), err("ERR Unknown category 'nosuch'"));
        assert!(matches!(h.run("ACL GENPASS"), Reply::Bulk(b) if b.len() == 64));
        assert!(matches!(h.run("ACL GENPASS 5"), Reply::Bulk(b) if b.len() == 2));
        assert_eq!(
            h.run("ACL GENPASS 0"),
            err("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
        );
    }

    #[test]
    fn save_and_load() {
        let mut h = Harness::new();
        assert!(
            matches!(h.run("ACL SAVE"), Reply::Error(e) if e.text().starts_with("ERR This Redis instance is not configured to use an ACL file"))
        );
        let file = h.dir.join("users.acl");
        h.shared.config.write().aclfile = file.display().to_string();
        h.run("ACL SETUSER alice on >a ~* +@all");
        assert_eq!(h.run("ACL SAVE"), Reply::OK);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "user alice on #ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb ~* resetchannels +@all\n\
             user default on nopass ~* &* +@all\n"
        );
        h.run("ACL DELUSER alice");
        assert_eq!(h.run("ACL LOAD"), Reply::OK);
        assert_eq!(h.run("ACL USERS"), array(&["alice", "default"]));
        std::fs::write(&file, "user default on nopass ~* &* +@all\nuser bob on foo\nuser bob on\nbad line\n")
            .unwrap();
        let path = file.display();
        assert_eq!(
            h.run("ACL LOAD"),
            Reply::Error(crate::protocol::ReplyError(format!(
                "ERR {path}:2: Syntax error. WARNING: Duplicate user 'bob' found on line 3. {path}:4 should start \
                 with user keyword followed by the username. WARNING: ACL errors detected, no change to the \
                 previously active ACL rules was performed"
            ).into()))
        );
        assert_eq!(h.run("ACL USERS"), array(&["alice", "default"]));
        std::fs::write(&file, "user carol on nopass +@all\n").unwrap();
        assert_eq!(h.run("ACL LOAD"), Reply::OK);
        assert_eq!(h.run("ACL USERS"), array(&["carol", "default"]));
        assert_eq!(
            lines(h.run("ACL LIST"))[1],
            "user default on nopass ~* &* +@all",
            "default is kept as a fresh one"
        );
        std::fs::remove_file(&file).unwrap();
        assert_eq!(
            h.run("ACL LOAD"),
            Reply::Error(crate::protocol::ReplyError(
                format!("ERR Error loading ACLs, opening file '{path}': No such file or directory").into()
            ))
        );
    }
}

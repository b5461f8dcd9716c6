//! CONFIG GET parameter [parameter ...] | CONFIG SET parameter value [parameter value ...] | CONFIG RESETSTAT | CONFIG HELP

use crate::config::Effect;
use crate::prelude::*;
use crate::state::ServerState;

/// `CONFIG`: reads and changes the settings at run time, resets statistics.
pub struct Config;

const HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "HELP",
    "    Prints this help.",
];

impl Command for Config {
    fn meta(&self) -> CommandMeta {
        const ADMIN: &[Flag] = &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale];
        CommandMeta {
            name: "config",
            arity: -2,
            group: "server",
            summary: "A container for server configuration commands.",
            since: "2.0.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "get",
                    arity: -3,
                    flags: ADMIN,
                    summary: "Returns the effective values of configuration parameters.",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP,
                Subcommand {
                    name: "resetstat",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Resets the server's statistics.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "set",
                    arity: -4,
                    flags: ADMIN,
                    summary: "Sets configuration parameters in-flight.",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        match args.next()?.to_ascii_lowercase().as_slice() {
            b"get" => get(ctx, args),
            b"set" => set(ctx, args),
            b"resetstat" => {
                ctx.server.metrics.stats.reset();
                ctx.keyspace().reset_stats();
                ctx.server.reset_memory_peak();
                ctx.server.metrics.reset();
                Ok(Reply::OK)
            }
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

/// `CONFIG GET pattern...`: the settings (and aliases) whose names match
/// any pattern.
fn get(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    let patterns: Vec<&[u8]> = args.rest().collect();
    let port = ctx.server.identity.port().to_string();
    let found = ctx.server.config.get(&patterns);
    Ok(Reply::Map(
        found
            .into_iter()
            .map(|(shown, value)| {
                // The port actually bound (it differs from the setting when that is 0).
                let value = if shown.eq_ignore_ascii_case(b"port") { port.clone() } else { value };
                (Reply::Bulk(shown), Reply::Bulk(value.into_bytes()))
            })
            .collect(),
    ))
}

/// `CONFIG SET name value [name value ...]`: all or nothing (see
/// `Configuration::set`); this applies each changed setting's effect.
fn set(ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
    if !args.remaining().is_multiple_of(2) {
        return Err(ReplyError::SYNTAX);
    }
    let rest: Vec<&[u8]> = args.rest().collect();
    let pairs: Vec<(&[u8], &[u8])> = rest.chunks(2).map(|pair| (pair[0], pair[1])).collect();
    let protected_allowed = {
        let allowed = ctx.server.config.read().enable_protected_configs.clone();
        crate::command_logic::admin::protected_action_allowed(&allowed, ctx.client)
    };
    let (server, now) = (ctx.server, ctx.now_ms());
    server
        .config
        .set(&pairs, protected_allowed, &mut |effect| apply(server, now, effect))
        .map_err(|e| ReplyError::err(format_args!("{}", e.text())))?;
    Ok(Reply::OK)
}

/// Makes the server follow a changed setting; Redis's problem text when it
/// cannot (the settings are then rolled back). Holds no shard in between.
fn apply(server: &ServerState, now_ms: u64, effect: Effect) -> Result<(), String> {
    match effect {
        Effect::None | Effect::Atomic => {}
        Effect::Memory => server.apply_memory_config(now_ms),
        Effect::Metrics => server.apply_metrics_config(),
        Effect::Encodings => server.store.set_limits(server.config.read().limits()),
        Effect::Password => {
            let password = server.config.read().requirepass.clone();
            server.users.set_requirepass(&password);
        }
        Effect::LogLevel => {
            let level = server.config.read().loglevel.clone();
            server.apply_log_level(&level)
        }
        Effect::Listen => server.config.rebind()?,
        Effect::MaxClients => {
            let wanted = u64::from(server.config.read().maxclients);
            let possible = crate::os::raise_fd_limit(wanted);
            if possible < wanted {
                return Err(format!(
                    "The operating system is not able to handle the specified number of clients, try with \
                     {possible}"
                ));
            }
        }
        Effect::Aof => {
            let (appendonly, appendfsync) = {
                let config = server.config.read();
                (config.aof_enabled(), config.appendfsync.clone())
            };
            let persist = &server.persist;
            if let Some(policy) = crate::persist::Fsync::parse(&appendfsync) {
                persist.aof.set_policy(policy);
            }
            match (appendonly, persist.aof.on()) {
                (true, false) => {
                    // As Redis: the log starts from a rewrite, a consistent snapshot
                    // of the data now; a running save delays it until it ends.
                    let keyspace = server.store.lock_all();
                    if let Err(crate::persist::BgError::Fork(e)) = persist.bgrewrite(server, &keyspace, true)
                    {
                        return Err(format!("Can't start the AOF rewrite: {e}"));
                    }
                }
                (false, true) => {
                    if matches!(persist.child(), Some((crate::persist::Job::Rewrite, _))) {
                        persist.kill_child(server);
                    }
                    persist.aof.turn_off();
                }
                _ => {}
            }
        }
    }
    Ok(())
}

inventory::submit! { Registration::new(&Config, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn protected(h: &mut Harness, setting: &str) {
        h.shared.config.write().enable_protected_configs = setting.into();
    }

    #[test]
    fn what_redis_benchmark_asks() {
        let mut h = Harness::new();
        assert_eq!(h.wire("CONFIG GET save"), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
        assert_eq!(h.wire("CONFIG GET appendonly"), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
    }

    #[test]
    fn globs_and_several_patterns() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("CONFIG GET db* databases"),
            Reply::Map(vec![(bulk("dbfilename"), bulk("dump.json")), (bulk("databases"), bulk("16"))])
        );
        assert_eq!(
            h.run("CONFIG GET PORT databases"),
            Reply::Map(vec![(bulk("PORT"), bulk("6379")), (bulk("databases"), bulk("16"))])
        );
        assert_eq!(
            h.run("CONFIG GET databases DATABASES DATA*"),
            Reply::Map(vec![(bulk("databases"), bulk("16"))])
        );
        assert_eq!(h.run("CONFIG GET DATA*"), Reply::Map(vec![(bulk("databases"), bulk("16"))]));
        assert_eq!(h.run("CONFIG GET nosuch"), Reply::Map(vec![]));
        let Reply::Map(all) = h.run("CONFIG GET *") else { panic!() };
        assert!(all.len() >= 6);
        assert_eq!(h.run("CONFIG GET"), err("ERR wrong number of arguments for 'config|get' command"));
        assert_eq!(
            h.run("CONFIG GET enable-*"),
            Reply::Map(vec![
                (bulk("enable-debug-command"), bulk("no")),
                (bulk("enable-protected-configs"), bulk("no"))
            ])
        );
    }

    #[test]
    fn set_arity_unknown_and_immutable() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET"), err("ERR wrong number of arguments for 'config|set' command"));
        assert_eq!(
            h.run("CONFIG SET loglevel"),
            err("ERR wrong number of arguments for 'config|set' command")
        );
        assert_eq!(h.run("CONFIG SET loglevel notice x"), err("ERR syntax error"));
        assert_eq!(
            h.run("CONFIG SET foo bar"),
            err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        );
        assert_eq!(
            h.run("CONFIG SET DATABASES 1"),
            err("ERR CONFIG SET failed (possibly related to argument 'DATABASES') - can't set immutable config")
        );
        for name in ["databases", "enable-debug-command", "enable-protected-configs"] {
            let Reply::Error(e) = h.run(&format!("CONFIG SET {name} x")) else { panic!("{name}") };
            assert!(e.text().ends_with("can't set immutable config"), "{e}");
        }
        // The first problem wins; names are checked before any value.
        assert_eq!(
            h.run("CONFIG SET loglevel bogus foo 1"),
            err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        );
        assert_eq!(
            h.run("CONFIG SET databases 1 foo 1"),
            err("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")
        );
        assert_eq!(
            h.run("CONFIG SET loglevel notice LOGLEVEL notice"),
            err("ERR CONFIG SET failed (possibly related to argument 'LOGLEVEL') - duplicate parameter")
        );
    }

    #[test]
    fn loglevel_and_atomicity() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET LogLevel VERBOSE"), Reply::OK);
        assert_eq!(h.run("CONFIG GET loglevel"), Reply::Map(vec![(bulk("loglevel"), bulk("verbose"))]));
        assert_eq!(
            h.run("CONFIG SET loglevel warning human-session-delay x"),
            err("ERR CONFIG SET failed (possibly related to argument 'human-session-delay') - argument couldn't be parsed into an integer")
        );
        assert_eq!(h.shared.config.read().loglevel, "verbose", "nothing applied when one value is bad");
        assert_eq!(
            h.run("CONFIG SET LOGLEVEL loud"),
            err("ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning")
        );
        assert_eq!(h.run("CONFIG SET loglevel warning human-session-delay 0"), Reply::OK);
        let config = h.shared.config.read();
        assert_eq!((config.loglevel.as_str(), config.human_session_delay), ("warning", 0));
    }

    #[test]
    fn human_session_delay_bounds() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET human-session-delay 1000"), Reply::OK);
        assert_eq!(h.shared.config.read().human_session_delay, 1000);
        let range = "ERR CONFIG SET failed (possibly related to argument 'human-session-delay') - argument must be between 0 and 2147483647 inclusive";
        assert_eq!(
            h.run("CONFIG SET human-session-delay -1"),
            Reply::Error(crate::protocol::ReplyError(range.into()))
        );
        assert_eq!(
            h.run("CONFIG SET human-session-delay 2147483648"),
            Reply::Error(crate::protocol::ReplyError(range.into()))
        );
        for bad in ["+5", "007", "1.5", "99999999999999999999"] {
            assert!(h.run(&format!("CONFIG SET human-session-delay {bad}")).is_error(), "{bad}");
        }
    }

    #[test]
    fn save_appendonly_and_aof_settings() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET save \"\" appendonly NO"), Reply::OK);
        assert_eq!(
            h.run("CONFIG SET save \"100 x\""),
            err("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")
        );
        assert_eq!(
            h.run("CONFIG SET save 100"),
            err("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")
        );
        assert_eq!(h.run("CONFIG SET save \" 3600  1 300 100 \""), Reply::OK);
        assert_eq!(h.run("CONFIG GET save"), Reply::Map(vec![(bulk("save"), bulk("3600 1 300 100"))]));
        assert_eq!(h.shared.config.read().save_rules(), vec![(3600, 1), (300, 100)]);
        assert_eq!(
            h.run("CONFIG SET appendonly maybe"),
            err("ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'")
        );
        assert_eq!(h.run("CONFIG SET appendfsync ALWAYS"), Reply::OK);
        assert_eq!(h.run("CONFIG GET appendfsync"), Reply::Map(vec![(bulk("appendfsync"), bulk("always"))]));
        assert_eq!(
            h.run("CONFIG SET appendfsync sometimes"),
            err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no")
        );
        assert_eq!(
            h.run("CONFIG SET auto-aof-rewrite-min-size 1mb auto-aof-rewrite-percentage 50"),
            Reply::OK
        );
        assert_eq!(
            h.run("CONFIG GET auto-aof-rewrite-*"),
            Reply::Map(vec![
                (bulk("auto-aof-rewrite-percentage"), bulk("50")),
                (bulk("auto-aof-rewrite-min-size"), bulk("1048576"))
            ])
        );
    }

    #[test]
    fn dir_and_dbfilename_are_protected() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("CONFIG SET dir /tmp"),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")
        );
        assert_eq!(
            h.run("CONFIG SET dbfilename x.json"),
            err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config")
        );
        protected(&mut h, "local");
        assert_eq!(h.run("CONFIG SET dbfilename x.json"), Reply::OK, "the harness client is on loopback");
        h.client.handle = std::sync::Arc::new(crate::session::SessionHandle::new(
            7,
            "10.1.2.3:4000".into(),
            String::new(),
            9,
            START_MS,
        ));
        assert!(h.run("CONFIG SET dbfilename y.json").is_error(), "remote clients may not");
    }

    #[test]
    fn dir_and_dbfilename_change_where_save_writes() {
        let mut h = Harness::new();
        protected(&mut h, "yes");
        let sub = h.dir.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(h.run(&format!("CONFIG SET dir {} dbfilename other.json", sub.display())), Reply::OK);
        h.run("SET k v");
        assert_eq!(h.run("SAVE"), Reply::OK);
        assert!(sub.join("other.json").exists());
        let canonical = sub.canonicalize().unwrap().display().to_string();
        assert_eq!(h.run("CONFIG GET dir"), Reply::Map(vec![(bulk("dir"), Reply::bulk(&canonical))]));
        assert_eq!(
            h.run("CONFIG SET dir /no/such/dir"),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
        );
        assert_eq!(
            h.run(&format!("CONFIG SET dir {}", sub.join("other.json").display())),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - Not a directory")
        );
        assert_eq!(
            h.run("CONFIG SET dbfilename a/b"),
            err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
        );
        assert_eq!(
            h.run("CONFIG SET dbfilename new.json dir /no/such/dir"),
            err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory")
        );
        assert_eq!(h.shared.config.read().dbfilename, "other.json", "rolled back");
    }

    #[test]
    fn resetstat_zeroes_info_counters() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.run("GET k");
        h.run("GET missing");
        h.run("SET t v PX 10");
        h.advance_ms(20);
        h.run("GET t");
        h.shared.metrics.stats.commands_processed.store(42, std::sync::atomic::Ordering::Relaxed);
        let info = |h: &mut Harness| match h.run("INFO stats") {
            Reply::Verbatim(text) => String::from_utf8(text).unwrap(),
            other => panic!("{other:?}"),
        };
        let before = info(&mut h);
        assert!(before.contains("keyspace_hits:1\r\n") && before.contains("expired_keys:1\r\n"), "{before}");
        assert_eq!(h.run("CONFIG RESETSTAT"), Reply::OK);
        let after = info(&mut h);
        for field in ["keyspace_hits:0", "keyspace_misses:0", "expired_keys:0", "total_commands_processed:0"]
        {
            assert!(after.contains(&format!("{field}\r\n")), "{field} in {after}");
        }
        assert_eq!(
            h.run("CONFIG RESETSTAT x"),
            err("ERR wrong number of arguments for 'config|resetstat' command")
        );
    }

    #[test]
    fn help_lists_set_and_resetstat() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run("CONFIG HELP") else { panic!() };
        assert!(lines.contains(&Reply::simple("RESETSTAT")) && lines.len() == 9);
    }

    #[test]
    fn security_settings() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("CONFIG GET maxclients timeout tcp-keepalive protected-mode"),
            Reply::Map(vec![
                (bulk("maxclients"), bulk("10000")),
                (bulk("timeout"), bulk("0")),
                (bulk("tcp-keepalive"), bulk("300")),
                (bulk("protected-mode"), bulk("yes")),
            ])
        );
        assert_eq!(
            h.run("CONFIG SET maxclients 0"),
            err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive")
        );
        assert_eq!(
            h.run("CONFIG SET timeout -1"),
            err("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive")
        );
        assert_eq!(
            h.run("CONFIG SET protected-mode maybe"),
            err("ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'")
        );
        assert_eq!(h.run("CONFIG SET timeout 5 maxclients 50 protected-mode NO tcp-keepalive 0"), Reply::OK);
        assert_eq!(h.shared.config.idle_timeout_s(), 5);
        let config = h.shared.config.read();
        assert_eq!((config.maxclients, config.protected_mode.as_str(), config.tcp_keepalive), (50, "no", 0));
    }

    /// Issue 11's "done when": an alias and its setting read and write the
    /// same value, and `CONFIG GET` answers under the name asked for.
    #[test]
    fn an_alias_and_its_setting_share_one_value() {
        let mut h = Harness::new();
        let get = |h: &mut Harness, name: &str| h.run(&format!("CONFIG GET {name}"));
        assert_eq!(
            get(&mut h, "hash-max-listpack-entries"),
            Reply::Map(vec![(bulk("hash-max-listpack-entries"), bulk("512"))])
        );
        assert_eq!(h.run("CONFIG SET hash-max-ziplist-entries 100"), Reply::OK);
        assert_eq!(
            get(&mut h, "hash-max-listpack-entries"),
            Reply::Map(vec![(bulk("hash-max-listpack-entries"), bulk("100"))])
        );
        assert_eq!(
            get(&mut h, "HASH-MAX-ZIPLIST-ENTRIES"),
            Reply::Map(vec![(bulk("HASH-MAX-ZIPLIST-ENTRIES"), bulk("100"))])
        );
        assert_eq!(h.run("CONFIG SET hash-max-listpack-value 1kb"), Reply::OK);
        assert_eq!(
            get(&mut h, "hash-max-ziplist-value"),
            Reply::Map(vec![(bulk("hash-max-ziplist-value"), bulk("1024"))])
        );
        let limits = h.shared.store.limits();
        assert_eq!((limits.hash_max_listpack_entries, limits.hash_max_listpack_value), (100, 1024));
        assert_eq!(
            get(&mut h, "hash-max-*"),
            Reply::Map(vec![
                (bulk("hash-max-listpack-entries"), bulk("100")),
                (bulk("hash-max-ziplist-entries"), bulk("100")),
                (bulk("hash-max-listpack-value"), bulk("1024")),
                (bulk("hash-max-ziplist-value"), bulk("1024")),
            ])
        );
        // As Redis 7.0: an error names the alias given; the alias and the
        // name are two parameters, the last one wins.
        assert_eq!(
            h.run("CONFIG SET HASH-MAX-ZIPLIST-ENTRIES x"),
            err("ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument couldn't be parsed into an integer")
        );
        assert_eq!(h.run("CONFIG SET hash-max-ziplist-entries 1 hash-max-listpack-entries 2"), Reply::OK);
        assert_eq!(h.shared.store.limits().hash_max_listpack_entries, 2);
    }

    /// Issue 18 item 4: every setting `CONFIG GET *` lists can be set back
    /// to the value it reports, except the immutable ones.
    #[test]
    fn every_setting_can_be_set_back_to_what_config_get_reports() {
        let mut h = Harness::new();
        protected(&mut h, "yes");
        let Reply::Map(all) = h.run("CONFIG GET *") else { panic!() };
        let text = |reply: &Reply| match reply {
            Reply::Bulk(text) => String::from_utf8(text.clone()).unwrap(),
            other => panic!("{other:?}"),
        };
        let listed: Vec<String> = all.iter().map(|(name, _)| text(name)).collect();
        let names: Vec<&str> = crate::config::SETTINGS.iter().flat_map(|s| s.names()).collect();
        assert_eq!(listed, names, "every setting and alias, once");
        let mut immutable = Vec::new();
        for (name, value) in &all {
            let (name, value) = (text(name), text(value));
            match h.run_args(&["CONFIG", "SET", &name, &value]) {
                Reply::Simple(ok) if ok == "OK" => {}
                Reply::Error(e) if e.text().ends_with("- can't set immutable config") => immutable.push(name),
                other => panic!("CONFIG SET {name}: {other:?}"),
            }
        }
        assert_eq!(
            immutable,
            [
                "databases",
                "threads",
                "logfile",
                "log-format",
                "enable-debug-command",
                "enable-protected-configs",
                "aclfile",
                "tls-port",
                "tls-cert-file",
                "tls-key-file",
                "tls-ca-cert-file",
                "tls-auth-clients",
                "appendfilename",
            ]
        );
        assert_eq!(h.run("CONFIG GET *"), Reply::Map(all), "nothing changed");
    }

    /// A failing effect (here: the listeners cannot rebind) rolls the
    /// whole `CONFIG SET` back, values applied before it included.
    #[test]
    fn a_failed_rebind_rolls_back_every_setting() {
        struct Refuse;
        impl crate::config::Listeners for Refuse {
            fn rebind(&self, _: &[String], _: u16) -> Result<(), String> {
                Err("Unable to listen on this port. Check server logs.".into())
            }
        }
        let mut h = Harness::new();
        h.shared.config.install_listeners(Refuse);
        assert_eq!(
            h.run("CONFIG SET maxmemory 10mb timeout 5 port 1"),
            err("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.")
        );
        assert_eq!(
            h.run("CONFIG GET maxmemory timeout port"),
            Reply::Map(vec![
                (bulk("maxmemory"), bulk("0")),
                (bulk("timeout"), bulk("0")),
                (bulk("port"), bulk("6379"))
            ])
        );
        assert_eq!((h.shared.config.maxmemory(), h.shared.config.idle_timeout_s()), (0, 0));
        assert_eq!(h.run("CONFIG SET port 6379 timeout 5"), Reply::OK, "an unchanged port does not rebind");
    }
}

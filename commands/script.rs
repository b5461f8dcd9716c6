//! SCRIPT LOAD|EXISTS|FLUSH [ASYNC|SYNC]|KILL|DEBUG|HELP

use crate::prelude::*;

/// `SCRIPT`: manages the `EVAL` script cache.
pub struct Script;

const HELP: &[&str] = &[
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
];

impl Command for Script {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "script",
            arity: -2,
            group: "scripting",
            summary: "A container for Lua scripts management commands",
            since: "2.6.0",
            complexity: "Depends on subcommand.",
            extra_acl_categories: &["@scripting"],
            subcommands: &[
                Subcommand {
                    name: "debug",
                    arity: 3,
                    flags: &[Flag::NoScript],
                    summary: "Set the debug mode for executed scripts",
                    keys: Keys::NONE,
                },
                Subcommand {
                    name: "exists",
                    arity: -3,
                    flags: &[Flag::NoScript],
                    summary: "Check existence of scripts in the script cache",
                    keys: Keys::NONE,
                },
                Subcommand {
                    name: "flush",
                    arity: -2,
                    flags: &[Flag::NoScript],
                    summary: "Remove all the scripts from the script cache",
                    keys: Keys::NONE,
                },
                Subcommand::HELP_SHOW,
                Subcommand {
                    name: "kill",
                    arity: 2,
                    flags: &[Flag::NoScript, Flag::AllowBusy],
                    summary: "Kill the script currently in execution",
                    keys: Keys::NONE,
                },
                Subcommand {
                    name: "load",
                    arity: 3,
                    flags: &[Flag::NoScript, Flag::Stale],
                    summary: "Load the specified Lua script into the script cache",
                    keys: Keys::NONE,
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let sub = args.next()?.to_ascii_lowercase();
        match sub.as_slice() {
            b"help" => Ok(crate::command_logic::admin::help_reply(HELP)),
            b"load" => {
                let body = args.next()?;
                Ok(Reply::Bulk(crate::scripting::script_load(ctx.server, body)?.into_bytes()))
            }
            b"exists" => {
                let shas: Vec<&[u8]> = args.rest().collect();
                let found = crate::scripting::script_exists(ctx.server, &shas);
                Ok(Reply::Array(found.into_iter().map(|f| Reply::Integer(f as i64)).collect()))
            }
            b"flush" => {
                let modes: Vec<&[u8]> = args.rest().collect();
                let known = |m: &[u8]| m.eq_ignore_ascii_case(b"sync") || m.eq_ignore_ascii_case(b"async");
                if modes.len() > 1 || modes.first().is_some_and(|m| !known(m)) {
                    return Err(ReplyError::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
                }
                crate::scripting::script_flush(ctx.server);
                Ok(Reply::OK)
            }
            b"kill" => {
                crate::scripting::kill(ctx.server, false)?;
                Ok(Reply::OK)
            }
            // The Lua debugger (LDB) is not built.
            _ => Err(ReplyError::err("SCRIPT DEBUG is not supported by MiniRedis")),
        }
    }
}

inventory::submit! { Registration::new(&Script, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn load_exists_flush() {
        let mut h = Harness::new();
        assert_eq!(h.run("SCRIPT LOAD \"return 1\""), bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
        assert_eq!(
            h.run("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db E0E1F9FABFC9D4800C877A703B823AC0578FF8DB ffff"),
            Reply::Array(vec![int(1), int(1), int(0)])
        );
        assert!(h.info("memory").contains("number_of_cached_scripts:1\r\n"));
        assert_eq!(h.run("SCRIPT FLUSH ASYNC"), Reply::OK);
        assert_eq!(
            h.run("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
            Reply::Array(vec![int(0)])
        );
        assert_eq!(h.run("SCRIPT FLUSH sync"), Reply::OK);
        assert_eq!(h.run("SCRIPT FLUSH"), Reply::OK);
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        assert_eq!(h.run("SCRIPT FLUSH x"), err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
        assert_eq!(h.run("SCRIPT KILL"), err("NOTBUSY No scripts in execution right now."));
        assert_eq!(h.run("SCRIPT DEBUG yes"), err("ERR SCRIPT DEBUG is not supported by MiniRedis"));
        assert_eq!(h.run("SCRIPT FOO"), err("ERR unknown subcommand 'FOO'. Try SCRIPT HELP."));
        assert_eq!(h.run("SCRIPT LOAD"), err("ERR wrong number of arguments for 'script|load' command"));
        assert_eq!(h.run("SCRIPT EXISTS"), err("ERR wrong number of arguments for 'script|exists' command"));
        assert_eq!(
            h.run("SCRIPT LOAD \"return 'x' ..\""),
            err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'")
        );
        assert!(matches!(h.run("SCRIPT HELP"), Reply::Array(lines) if lines.len() == 17));
    }
}

//! FUNCTION LOAD|DELETE|FLUSH|LIST|DUMP|RESTORE|STATS|KILL|HELP

use crate::prelude::*;
use crate::scripting::functions::{self, RestorePolicy};

/// `FUNCTION`: manages function libraries.
pub struct Function;

const HELP: &[&str] = &[
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
];

const fn sub(name: &'static str, arity: i32, flags: &'static [Flag], summary: &'static str) -> Subcommand {
    Subcommand { name, arity, flags, summary, keys: Keys::NONE }
}

impl Command for Function {
    fn meta(&self) -> CommandMeta {
        const WRITE: &[Flag] = &[Flag::Write, Flag::NoScript];
        const WRITE_OOM: &[Flag] = &[Flag::Write, Flag::DenyOom, Flag::NoScript];
        const BUSY: &[Flag] = &[Flag::NoScript, Flag::AllowBusy];
        const SUBCOMMANDS: &[Subcommand] = &[
            sub("delete", 3, WRITE, "Delete a function by name"),
            sub("dump", 2, &[Flag::NoScript], "Dump all functions into a serialized binary payload"),
            sub("flush", -2, WRITE, "Deleting all functions"),
            Subcommand::HELP_SHOW,
            sub("kill", 2, BUSY, "Kill the function currently in execution."),
            sub("list", -2, &[Flag::NoScript], "List information about all the functions"),
            sub(
                "load",
                -3,
                WRITE_OOM,
                "Create a function with the given arguments (name, code, description)",
            ),
            sub("restore", -3, WRITE_OOM, "Restore all the functions on the given payload"),
            sub(
                "stats",
                2,
                BUSY,
                "Return information about the function currently running (name, description, duration)",
            ),
        ];
        CommandMeta {
            name: "function",
            arity: -2,
            group: "scripting",
            summary: "A container for function commands",
            since: "7.0.0",
            complexity: "Depends on subcommand.",
            extra_acl_categories: &["@scripting"],
            subcommands: SUBCOMMANDS,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let sub = args.next()?.to_ascii_lowercase();
        // Changes to the libraries reach the append-only file as given.
        if matches!(sub.as_slice(), b"load" | b"delete" | b"flush" | b"restore") {
            let argv = args.argv();
            let parts: Vec<&[u8]> = argv.iter().collect();
            ctx.propagate_as(&parts);
        }
        let server = ctx.server;
        match sub.as_slice() {
            b"help" => Ok(crate::command_logic::admin::help_reply(HELP)),
            b"load" => {
                let mut given: Vec<&[u8]> = args.rest().collect();
                let code = given.pop().expect("arity");
                let replace = match given.as_slice() {
                    [] => false,
                    [word] if word.eq_ignore_ascii_case(b"replace") => true,
                    [word, ..] => {
                        return Err(ReplyError::err(format_args!(
                            "Unknown option given: {}",
                            String::from_utf8_lossy(word)
                        )))
                    }
                };
                Ok(Reply::Bulk(functions::load(server, code, replace)?.into_bytes()))
            }
            b"delete" => {
                functions::delete(server, args.next()?)?;
                Ok(Reply::OK)
            }
            b"flush" => {
                let modes: Vec<&[u8]> = args.rest().collect();
                let known = |m: &[u8]| m.eq_ignore_ascii_case(b"sync") || m.eq_ignore_ascii_case(b"async");
                if modes.len() > 1 || modes.first().is_some_and(|m| !known(m)) {
                    return Err(ReplyError::err("FUNCTION FLUSH only supports SYNC|ASYNC option"));
                }
                functions::flush(server);
                Ok(Reply::OK)
            }
            b"list" => {
                let (mut pattern, mut with_code) = (None, false);
                while let Some(word) = args.peek() {
                    args.next()?;
                    if word.eq_ignore_ascii_case(b"withcode") {
                        with_code = true;
                    } else if word.eq_ignore_ascii_case(b"libraryname") {
                        let Some(given) = args.peek() else {
                            return Err(ReplyError::err("library name argument was not given"));
                        };
                        args.next()?;
                        pattern = Some(given);
                    } else {
                        return Err(ReplyError::err(format_args!(
                            "Unknown argument {}",
                            String::from_utf8_lossy(word)
                        )));
                    }
                }
                Ok(functions::list(server, pattern, with_code))
            }
            b"stats" => Ok(functions::stats(server)),
            b"dump" => Ok(Reply::Bulk(functions::dump(server))),
            b"restore" => {
                let payload = args.next()?;
                let policy =
                    match args.peek() {
                        None => RestorePolicy::Append,
                        Some(word) if word.eq_ignore_ascii_case(b"append") => RestorePolicy::Append,
                        Some(word) if word.eq_ignore_ascii_case(b"replace") => RestorePolicy::Replace,
                        Some(word) if word.eq_ignore_ascii_case(b"flush") => RestorePolicy::Flush,
                        Some(_) => return Err(ReplyError::err(
                            "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
                        )),
                    };
                functions::restore(server, payload, policy)?;
                Ok(Reply::OK)
            }
            _ => {
                crate::scripting::kill(server, true)?;
                Ok(Reply::OK)
            }
        }
    }
}

inventory::submit! { Registration::new(&Function, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const LIB: &str =
        "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)";

    /// `FUNCTION DUMP` of redis-server 7.0.15 (its code LZF-compressed).
    const REDIS_PAYLOAD: &str = "f5c3406240781f23216c7561206e616d653d6d6f7665640a72656469732e72656769737465725f0966756e6374696f6e2827601e02272c20e00011126b6579732c2061726773292072657475726e2080240020602ae004050327202e2e602a075b315d20656e64290a008b39f0cb187a13ce";

    #[test]
    fn restores_a_payload_redis_dumped() {
        let mut h = Harness::new();
        let payload: Vec<u8> = (0..REDIS_PAYLOAD.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&REDIS_PAYLOAD[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(h.run_args(&[&b"FUNCTION"[..], b"RESTORE", &payload]), Reply::OK);
        assert_eq!(h.run("FCALL moved 0 x"), bulk("moved moved moved moved x"));
    }

    #[test]
    fn load_replace_delete_flush() {
        let mut h = Harness::new();
        assert_eq!(h.run_args(&["FUNCTION", "LOAD", LIB]), bulk("mylib"));
        assert_eq!(h.run_args(&["FUNCTION", "LOAD", LIB]), error_reply("ERR Library 'mylib' already exists"));
        assert_eq!(h.run_args(&["FUNCTION", "LOAD", "REPLACE", LIB]), bulk("mylib"));
        let other = "#!lua name=lib2\nredis.register_function('myfunc', function() return 1 end)";
        assert_eq!(
            h.run_args(&["FUNCTION", "LOAD", other]),
            error_reply("ERR Function myfunc already exists")
        );
        assert!(h.info("memory").contains("number_of_libraries:1\r\n"));
        assert_eq!(h.run("FUNCTION DELETE nolib"), error_reply("ERR Library not found"));
        assert_eq!(h.run("FUNCTION DELETE mylib"), Reply::OK);
        assert_eq!(h.run("FCALL myfunc 0"), error_reply("ERR Function not found"));
        h.run_args(&["FUNCTION", "LOAD", LIB]);
        assert_eq!(
            h.run("FUNCTION FLUSH foo"),
            error_reply("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
        );
        assert_eq!(h.run("FUNCTION FLUSH ASYNC"), Reply::OK);
        assert_eq!(h.run("FUNCTION LIST"), Reply::Array(vec![]));
    }

    #[test]
    fn load_errors_are_redis_texts() {
        let mut h = Harness::new();
        let cases = [
            ("return 1", "ERR Missing library metadata"),
            ("#!lua\nreturn 1", "ERR Library name was not given"),
            ("#!lua name=x foo=bar\nreturn 1", "ERR Invalid metadata value given: foo=bar"),
            ("#!python name=x\nreturn 1", "ERR Engine 'python' not found"),
            ("#!lua name=nofn\nreturn 1", "ERR No functions registered"),
            ("#!lua name=bad\nreturn 'x' ..", "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"),
            (
                "#!lua name=bad\nerror('oops')",
                "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'error'",
            ),
            (
                "#!lua name=bad\nredis.call('ping')",
                "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'",
            ),
            ("#!lua name=bad\nredis.register_function('ab', 5)", "ERR Error registering functions: ERR second argument to redis.register_function must be a function"),
            (
                "#!lua name=bad\nredis.register_function{function_name='ab', callback=function() end, flags={'bad'}}",
                "ERR Error registering functions: ERR unknown flag given",
            ),
            ("#!lua name=bad\nfoo = 1", "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table"),
        ];
        for (code, expected) in cases {
            assert_eq!(h.run_args(&["FUNCTION", "LOAD", code]), error_reply(expected), "{code}");
        }
        assert!(h.run("FUNCTION LIST").eq(&Reply::Array(vec![])), "nothing was loaded");
    }

    #[test]
    fn list_stats_dump_restore() {
        let mut h = Harness::new();
        h.run_args(&["FUNCTION", "LOAD", LIB]);
        let listed = h.run("FUNCTION LIST WITHCODE");
        let Reply::Array(libraries) = &listed else { panic!("{listed:?}") };
        let Reply::Map(fields) = &libraries[0] else { panic!() };
        assert_eq!(fields[0], (bulk("library_name"), bulk("mylib")));
        assert_eq!(fields[3], (bulk("library_code"), bulk(LIB)));
        assert_eq!(h.run("FUNCTION LIST LIBRARYNAME nomatch*"), Reply::Array(vec![]));
        assert_eq!(
            h.run("FUNCTION LIST LIBRARYNAME"),
            error_reply("ERR library name argument was not given")
        );
        assert_eq!(h.run("FUNCTION LIST foo"), error_reply("ERR Unknown argument foo"));
        assert!(matches!(h.run("FUNCTION STATS"), Reply::Map(_)));
        let Reply::Bulk(payload) = h.run("FUNCTION DUMP") else { panic!() };
        h.run("FUNCTION FLUSH");
        assert_eq!(h.run_args(&[&b"FUNCTION"[..], b"RESTORE", &payload]), Reply::OK);
        assert_eq!(h.run("FCALL myfunc 0 back"), bulk("back"));
        assert_eq!(
            h.run_args(&[&b"FUNCTION"[..], b"RESTORE", &payload]),
            error_reply("ERR Library 'mylib' already exists"),
            "APPEND refuses a collision"
        );
        assert_eq!(h.run_args(&[&b"FUNCTION"[..], b"RESTORE", &payload, b"REPLACE"]), Reply::OK);
        assert_eq!(
            h.run("FUNCTION RESTORE xxxx"),
            error_reply("ERR DUMP payload version or checksum are wrong")
        );
        assert_eq!(h.run("FUNCTION KILL"), error_reply("NOTBUSY No scripts in execution right now."));
    }
}

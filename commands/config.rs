//! CONFIG GET parameter [parameter ...] | CONFIG HELP

use crate::prelude::*;
use crate::store::glob::glob_match;

/// `CONFIG GET`: the settings whose names match any of the glob patterns.
pub struct Config;

const HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "HELP",
    "    Print this help.",
];

impl Command for Config {
    fn meta(&self) -> CommandMeta {
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
                    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
                    summary: "Returns the effective values of configuration parameters.",
                },
                Subcommand {
                    name: "help",
                    arity: 2,
                    flags: &[Flag::Loading, Flag::Stale],
                    summary: "Returns helpful text about the different subcommands.",
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        if !args.next()?.eq_ignore_ascii_case(b"get") {
            return Ok(Reply::Array(HELP.iter().map(|line| Reply::simple(line)).collect()));
        }
        let patterns: Vec<&[u8]> = args.rest().collect();
        let params = ctx.server.config.read().params();
        let port = ctx.server.port.load(std::sync::atomic::Ordering::Relaxed).to_string();
        Ok(Reply::Map(
            params
                .into_iter()
                .filter(|(name, _)| patterns.iter().any(|p| glob_match(p, name.as_bytes(), true)))
                .map(|(name, value)| {
                    let value = if name == "port" { port.clone() } else { value };
                    (Reply::bulk(name), Reply::Bulk(value.into_bytes()))
                })
                .collect(),
        ))
    }
}

inventory::submit! { Registration::new(&Config, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

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
            Reply::Map(vec![(bulk("port"), bulk("6379")), (bulk("databases"), bulk("16"))])
        );
        assert_eq!(h.run("CONFIG GET nosuch"), Reply::Map(vec![]));
        let Reply::Map(all) = h.run("CONFIG GET *") else { panic!() };
        assert!(all.len() >= 6);
        assert_eq!(h.run("CONFIG GET"), err("ERR wrong number of arguments for 'config|get' command"));
    }
}

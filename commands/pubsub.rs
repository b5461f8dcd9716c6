//! PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP

use crate::command_logic::admin::help_reply;
use crate::command_logic::pubsub::Kind;
use crate::prelude::*;

const HELP: &[&str] = &[
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
];

/// `PUBSUB <subcommand>`: what is listened to.
pub struct Pubsub;

const SUB_FLAGS: &[Flag] = &[Flag::Pubsub, Flag::Loading, Flag::Stale];

impl Command for Pubsub {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pubsub",
            arity: -2,
            group: "pubsub",
            summary: "A container for Pub/Sub commands",
            since: "2.8.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "channels",
                    arity: -2,
                    flags: SUB_FLAGS,
                    summary: "List active channels",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP,
                Subcommand {
                    name: "numpat",
                    arity: 2,
                    flags: SUB_FLAGS,
                    summary: "Get the count of unique patterns pattern subscriptions",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "numsub",
                    arity: -2,
                    flags: SUB_FLAGS,
                    summary: "Get the count of subscribers for channels",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "shardchannels",
                    arity: -2,
                    flags: SUB_FLAGS,
                    summary: "List active shard channels",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "shardnumsub",
                    arity: -2,
                    flags: SUB_FLAGS,
                    summary: "Get the count of subscribers for shard channels",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let sub = args.next()?.to_ascii_lowercase();
        let pubsub = &ctx.server.pubsub;
        match sub.as_slice() {
            b"help" => Ok(help_reply(HELP)),
            b"channels" | b"shardchannels" => {
                if args.remaining() > 1 {
                    return Err(ReplyError::err(format_args!(
                        "unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
                        String::from_utf8_lossy(args.argv().get(1))
                    )));
                }
                let kind = if sub == b"channels" { Kind::Channel } else { Kind::Shard };
                Ok(Reply::bulks(pubsub.channels(kind, args.rest().next())))
            }
            b"numsub" | b"shardnumsub" => {
                let kind = if sub == b"numsub" { Kind::Channel } else { Kind::Shard };
                let pairs = args.rest().flat_map(|channel| {
                    [Reply::bulk(channel), Reply::Integer(pubsub.subscriber_count(kind, channel) as i64)]
                });
                Ok(Reply::Array(pairs.collect()))
            }
            _ => Ok(Reply::Integer(pubsub.pattern_count() as i64)),
        }
    }
}

inventory::submit! { Registration::new(&Pubsub, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn channels_numsub_numpat() {
        let mut h = Harness::new();
        h.run("HELLO 3");
        assert_eq!(h.run("PUBSUB CHANNELS"), crate::protocol::Reply::Array(vec![]));
        h.run("SUBSCRIBE news.a news.b other");
        h.run("PSUBSCRIBE x* y*");
        assert_eq!(
            h.run("PUBSUB CHANNELS"),
            crate::protocol::Reply::Array(vec![bulk("news.a"), bulk("news.b"), bulk("other")])
        );
        assert_eq!(
            h.run("PUBSUB CHANNELS news.*"),
            crate::protocol::Reply::Array(vec![bulk("news.a"), bulk("news.b")])
        );
        assert_eq!(h.run("PUBSUB NUMSUB"), crate::protocol::Reply::Array(vec![]));
        assert_eq!(
            h.run("PUBSUB NUMSUB other none"),
            crate::protocol::Reply::Array(vec![bulk("other"), int(1), bulk("none"), int(0)])
        );
        assert_eq!(h.run("PUBSUB NUMPAT"), int(2));
        assert_eq!(h.run("PUBSUB SHARDCHANNELS"), crate::protocol::Reply::Array(vec![]));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        assert_eq!(h.run("PUBSUB"), err("ERR wrong number of arguments for 'pubsub' command"));
        assert_eq!(h.run("PUBSUB foo"), err("ERR unknown subcommand 'foo'. Try PUBSUB HELP."));
        assert_eq!(
            h.run("PUBSUB NUMPAT x"),
            err("ERR wrong number of arguments for 'pubsub|numpat' command")
        );
        assert_eq!(
            h.run("PUBSUB CHANNELS a b"),
            err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")
        );
        assert!(matches!(h.run("PUBSUB HELP"), crate::protocol::Reply::Array(lines) if lines.len() == 14));
    }
}

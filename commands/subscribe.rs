//! SUBSCRIBE channel [channel ...]

use crate::command_logic::pubsub::{subscribe, Kind};
use crate::prelude::*;

/// `SUBSCRIBE channel [channel ...]` (see `command_logic::pubsub`).
pub struct Subscribe;

impl Command for Subscribe {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "subscribe",
            arity: -2,
            flags: &[Flag::Pubsub, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "pubsub",
            summary: "Listen for messages published to the given channels",
            since: "2.0.0",
            complexity: "O(N) where N is the number of channels to subscribe to.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        subscribe(ctx, args, Kind::Channel)
    }
}

inventory::submit! { Registration::new(&Subscribe, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::pubsub::checks::{drain, inbox};
    use crate::testing::*;

    #[test]
    fn confirms_each_channel_with_the_count() {
        let mut h = Harness::new();
        assert_eq!(
            h.wire("SUBSCRIBE a b a"),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n\
             *3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n"
        );
        h.reconnect();
        assert_eq!(
            h.run("PUBSUB NUMSUB a b c"),
            crate::protocol::Reply::Array(vec![bulk("a"), int(1), bulk("b"), int(1), bulk("c"), int(0)])
        );
        assert_eq!(h.run("SUBSCRIBE"), err("ERR wrong number of arguments for 'subscribe' command"));
        let stats = h.info("stats");
        assert!(
            stats.contains("pubsub_channels:2\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n"),
            "{stats}"
        );
    }

    #[test]
    fn resp2_subscribed_mode_allows_only_the_family() {
        let mut h = Harness::new();
        h.run("SUBSCRIBE a");
        assert_eq!(
            h.run("GET x"),
            err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
        );
        assert_eq!(
            h.run("CONFIG GET port"),
            err("ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
        );
        assert_eq!(h.wire("PING"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        assert_eq!(h.wire("PING hi"), "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
        h.run("UNSUBSCRIBE");
        assert_eq!(h.wire("PING"), "+PONG\r\n");
    }

    #[test]
    fn resp3_pushes_and_allows_every_command() {
        let mut h = Harness::new();
        h.run("HELLO 3");
        assert_eq!(h.wire("SUBSCRIBE a"), ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(h.wire("PING"), "+PONG\r\n");
        assert_eq!(h.wire("PUBLISH a hello"), ":1\r\n");
        let mut inbox = inbox(&h);
        assert_eq!(drain(&mut inbox), [">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n"]);
        assert_eq!(h.wire("RESET"), "+RESET\r\n");
        assert_eq!(h.run("PUBLISH a hello"), int(0), "RESET left every channel");
    }
}

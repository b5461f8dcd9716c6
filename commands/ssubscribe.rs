//! SSUBSCRIBE shardchannel [shardchannel ...]

use crate::command_logic::pubsub::{subscribe, Kind};
use crate::prelude::*;

/// `SSUBSCRIBE shardchannel [shardchannel ...]` (see `command_logic::pubsub`).
pub struct Ssubscribe;

impl Command for Ssubscribe {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "ssubscribe",
            arity: -2,
            flags: &[Flag::Pubsub, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "pubsub",
            summary: "Listen for messages published to the given shard channels",
            since: "7.0.0",
            complexity: "O(N) where N is the number of shard channels to subscribe to.",
            // Redis declares the shard channel as a key spec that is not a key.
            key_specs: &[KeySpec {
                keys: Keys { first: 1, last: -1, step: 1 },
                flags: &["not_key"],
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        subscribe(ctx, args, Kind::Shard)
    }
}

inventory::submit! { Registration::new(&Ssubscribe, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::pubsub::checks::{drain, inbox};
    use crate::testing::*;

    #[test]
    fn shard_channels_are_their_own_namespace() {
        let mut h = Harness::new();
        h.run("HELLO 3");
        assert_eq!(h.wire("SUBSCRIBE c"), ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
        assert_eq!(
            h.wire("SSUBSCRIBE c d"),
            ">3\r\n$10\r\nssubscribe\r\n$1\r\nc\r\n:1\r\n>3\r\n$10\r\nssubscribe\r\n$1\r\nd\r\n:2\r\n"
        );
        assert_eq!(h.run("SPUBLISH c x"), int(1));
        assert_eq!(h.run("PUBSUB SHARDCHANNELS"), crate::protocol::Reply::Array(vec![bulk("c"), bulk("d")]));
        assert_eq!(
            h.run("PUBSUB SHARDNUMSUB c e"),
            crate::protocol::Reply::Array(vec![bulk("c"), int(1), bulk("e"), int(0)])
        );
        let mut inbox = inbox(&h);
        assert_eq!(drain(&mut inbox), [">3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$1\r\nx\r\n"]);
    }
}

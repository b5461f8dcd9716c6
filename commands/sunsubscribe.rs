//! SUNSUBSCRIBE [shardchannel [shardchannel ...]]

use crate::command_logic::pubsub::{unsubscribe, Kind};
use crate::prelude::*;

/// `SUNSUBSCRIBE [shardchannel [shardchannel ...]]` (see `command_logic::pubsub`).
pub struct Sunsubscribe;

impl Command for Sunsubscribe {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sunsubscribe",
            arity: -1,
            flags: &[Flag::Pubsub, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "pubsub",
            summary: "Stop listening for messages posted to the given shard channels",
            since: "7.0.0",
            complexity: "O(N) where N is the number of clients already subscribed to a shard channel.",
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
        unsubscribe(ctx, args, Kind::Shard)
    }
}

inventory::submit! { Registration::new(&Sunsubscribe, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_only_shard_channels() {
        let mut h = Harness::new();
        assert_eq!(h.wire("SUNSUBSCRIBE"), "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n");
        h.run("SUBSCRIBE a");
        h.run("SSUBSCRIBE s t");
        assert_eq!(h.wire("SUNSUBSCRIBE s"), "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:1\r\n");
        assert_eq!(h.wire("SUNSUBSCRIBE"), "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nt\r\n:0\r\n");
        assert_eq!(h.run("GET x"), err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"), "still subscribed to a");
    }
}

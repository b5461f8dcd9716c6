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
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        unsubscribe(ctx, args, Kind::Shard)
    }
}

inventory::submit! { Registration::new(&Sunsubscribe, module_path!()) }

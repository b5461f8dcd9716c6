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
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        subscribe(ctx, args, Kind::Shard)
    }
}

inventory::submit! { Registration::new(&Ssubscribe, module_path!()) }

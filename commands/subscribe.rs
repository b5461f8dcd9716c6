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

//! PSUBSCRIBE pattern [pattern ...]

use crate::command_logic::pubsub::{subscribe, Kind};
use crate::prelude::*;

/// `PSUBSCRIBE pattern [pattern ...]` (see `command_logic::pubsub`).
pub struct Psubscribe;

impl Command for Psubscribe {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "psubscribe",
            arity: -2,
            flags: &[Flag::Pubsub, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "pubsub",
            summary: "Listen for messages published to channels matching the given patterns",
            since: "2.0.0",
            complexity: "O(N) where N is the number of patterns the client is already subscribed to.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        subscribe(ctx, args, Kind::Pattern)
    }
}

inventory::submit! { Registration::new(&Psubscribe, module_path!()) }

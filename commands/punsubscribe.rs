//! PUNSUBSCRIBE [pattern [pattern ...]]

use crate::command_logic::pubsub::{unsubscribe, Kind};
use crate::prelude::*;

/// `PUNSUBSCRIBE [pattern [pattern ...]]` (see `command_logic::pubsub`).
pub struct Punsubscribe;

impl Command for Punsubscribe {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "punsubscribe",
            arity: -1,
            flags: &[Flag::Pubsub, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "pubsub",
            summary: "Stop listening for messages posted to channels matching the given patterns",
            since: "2.0.0",
            complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        unsubscribe(ctx, args, Kind::Pattern)
    }
}

inventory::submit! { Registration::new(&Punsubscribe, module_path!()) }

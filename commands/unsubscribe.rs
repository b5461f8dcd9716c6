//! UNSUBSCRIBE [channel [channel ...]]

use crate::command_logic::pubsub::{unsubscribe, Kind};
use crate::prelude::*;

/// `UNSUBSCRIBE [channel [channel ...]]` (see `command_logic::pubsub`).
pub struct Unsubscribe;

impl Command for Unsubscribe {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "unsubscribe",
            arity: -1,
            flags: &[Flag::Pubsub, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "pubsub",
            summary: "Stop listening for messages posted to the given channels",
            since: "2.0.0",
            complexity: "O(N) where N is the number of clients already subscribed to a channel.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        unsubscribe(ctx, args, Kind::Channel)
    }
}

inventory::submit! { Registration::new(&Unsubscribe, module_path!()) }

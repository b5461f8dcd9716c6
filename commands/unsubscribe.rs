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

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn from_the_channels_named_or_from_all() {
        let mut h = Harness::new();
        assert_eq!(h.wire("UNSUBSCRIBE"), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
        h.run("SUBSCRIBE a b c");
        h.run("PSUBSCRIBE p*");
        assert_eq!(
            h.wire("UNSUBSCRIBE b x"),
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:3\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:3\r\n"
        );
        assert_eq!(
            h.wire("UNSUBSCRIBE"),
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:1\r\n"
        );
        h.run("PUNSUBSCRIBE");
        h.run("HELLO 3");
        assert_eq!(h.run("PUBSUB CHANNELS"), crate::protocol::Reply::Array(vec![]));
        assert_eq!(h.wire("UNSUBSCRIBE"), ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
    }
}

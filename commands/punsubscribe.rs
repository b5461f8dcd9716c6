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

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn from_the_patterns_named_or_from_all() {
        let mut h = Harness::new();
        // RESP3: PUBSUB may run while subscribed.
        h.run("HELLO 3");
        assert_eq!(h.wire("PUNSUBSCRIBE"), ">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n");
        h.run("PSUBSCRIBE a* b*");
        assert_eq!(h.wire("PUNSUBSCRIBE a*"), ">3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:1\r\n");
        assert_eq!(h.run("PUBSUB NUMPAT"), int(1));
        assert_eq!(h.wire("PUNSUBSCRIBE"), ">3\r\n$12\r\npunsubscribe\r\n$2\r\nb*\r\n:0\r\n");
        assert_eq!(h.run("PUBSUB NUMPAT"), int(0));
    }
}

//! SPUBLISH shardchannel message

use crate::prelude::*;

/// `SPUBLISH shardchannel message`: how many clients received it (one
/// node: the shard channel's subscribers).
pub struct Spublish;

impl Command for Spublish {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "spublish",
            arity: 3,
            flags: &[Flag::Pubsub, Flag::Loading, Flag::Stale, Flag::Fast],
            group: "pubsub",
            summary: "Post a message to a shard channel",
            since: "7.0.0",
            complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
            // Redis declares the shard channel as a key spec that is not a key.
            key_specs: &[KeySpec {
                keys: Keys { first: 1, last: 1, step: 1 },
                flags: &["not_key"],
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (channel, message) = (args.next()?, args.next()?);
        Ok(Reply::Integer(ctx.server.publish(true, channel, message) as i64))
    }
}

inventory::submit! { Registration::new(&Spublish, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn reaches_only_shard_subscribers() {
        let mut h = Harness::new();
        h.run("SSUBSCRIBE c");
        h.run("PSUBSCRIBE *");
        h.reconnect();
        assert_eq!(h.run("SPUBLISH c hello"), int(1), "patterns do not see shard channels");
        assert_eq!(h.run("SPUBLISH d hello"), int(0));
        assert_eq!(h.run("SPUBLISH c"), err("ERR wrong number of arguments for 'spublish' command"));
    }
}

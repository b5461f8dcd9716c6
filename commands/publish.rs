//! PUBLISH channel message

use crate::prelude::*;

/// `PUBLISH channel message`: how many clients received it (channel and
/// pattern subscribers).
pub struct Publish;

impl Command for Publish {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "publish",
            arity: 3,
            flags: &[Flag::Pubsub, Flag::Loading, Flag::Stale, Flag::Fast],
            group: "pubsub",
            summary: "Post a message to a channel",
            since: "2.0.0",
            complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (channel, message) = (args.next()?, args.next()?);
        Ok(Reply::Integer(ctx.server.publish(false, channel, message) as i64))
    }
}

inventory::submit! { Registration::new(&Publish, module_path!()) }

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

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_receivers() {
        let mut h = Harness::new();
        assert_eq!(h.run("PUBLISH c hello"), int(0));
        h.run("SUBSCRIBE c");
        h.run("PSUBSCRIBE *");
        h.reconnect();
        assert_eq!(h.run("PUBLISH c hello"), int(2));
        assert_eq!(h.run("PUBLISH d hello"), int(1));
        assert_eq!(h.run("PUBLISH c"), err("ERR wrong number of arguments for 'publish' command"));
    }

    #[test]
    fn channel_rules_of_the_user_apply() {
        let mut h = Harness::new();
        h.run("ACL SETUSER u on nopass +@all ~* resetchannels &news.*");
        h.run("AUTH u x");
        assert_eq!(h.run("PUBLISH news.a x"), int(0));
        assert_eq!(
            h.run("PUBLISH other x"),
            err("NOPERM this user has no permissions to access one of the channels used as arguments")
        );
        assert_eq!(
            h.run("ACL DRYRUN u PUBLISH other x"),
            bulk("This user has no permissions to access the 'other' channel")
        );
        let log = h.run("ACL LOG 1");
        let text = format!("{log:?}");
        assert!(text.contains("[99, 104, 97, 110, 110, 101, 108]"), "reason channel: {text}");
        assert!(text.contains("[111, 116, 104, 101, 114]"), "object other: {text}");
    }
}

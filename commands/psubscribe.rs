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

#[cfg(test)]
mod tests {
    use crate::command_logic::pubsub::checks::{drain, inbox};
    use crate::testing::*;

    #[test]
    fn patterns_match_as_keys_does() {
        let mut h = Harness::new();
        assert_eq!(
            h.wire("PSUBSCRIBE news.* h?llo"),
            "*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n*3\r\n$10\r\npsubscribe\r\n$5\r\nh?llo\r\n:2\r\n"
        );
        h.reconnect();
        assert_eq!(h.run("PUBLISH news.art x"), int(1));
        assert_eq!(h.run("PUBLISH hello y"), int(1));
        assert_eq!(h.run("PUBLISH news z"), int(0));
        assert_eq!(h.run("PUBSUB NUMPAT"), int(2));
        assert_eq!(h.run("PSUBSCRIBE"), err("ERR wrong number of arguments for 'psubscribe' command"));
    }

    #[test]
    fn pattern_messages_name_the_pattern() {
        let mut h = Harness::new();
        h.run("HELLO 3");
        h.run("PSUBSCRIBE c*");
        h.run("SUBSCRIBE ch");
        assert_eq!(h.run("PUBLISH ch m"), int(2), "the channel and the pattern");
        let mut inbox = inbox(&h);
        assert_eq!(
            drain(&mut inbox),
            [
                ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n",
                ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nm\r\n"
            ]
        );
    }

    #[test]
    fn a_pattern_must_be_one_of_the_users_literally() {
        let mut h = Harness::new();
        h.run("ACL SETUSER u on nopass +@all ~* resetchannels &news.*");
        h.run("AUTH u x");
        let denied =
            err("NOPERM this user has no permissions to access one of the channels used as arguments");
        assert_eq!(h.run("PSUBSCRIBE news.a*"), denied, "narrower, but not the same pattern");
        assert_eq!(h.run("SUBSCRIBE news.x other"), denied);
        assert_eq!(h.run("SSUBSCRIBE other"), denied);
        assert_eq!(h.wire("PSUBSCRIBE news.*"), "*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n");
    }

    #[test]
    fn acl_pubsub_default_gives_new_users_their_channels() {
        let mut h = Harness::new();
        h.run("ACL SETUSER closed on nopass +@all");
        h.run("CONFIG SET acl-pubsub-default allchannels");
        h.run("ACL SETUSER open on nopass +@all");
        h.run("AUTH open x");
        assert_eq!(h.run("PUBLISH any x"), int(0));
        h.run("AUTH closed x");
        assert!(h.run("PUBLISH any x").is_error());
    }
}

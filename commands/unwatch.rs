//! UNWATCH

use crate::prelude::*;

/// `UNWATCH`: forgets every key the connection watches.
pub struct Unwatch;

impl Command for Unwatch {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "unwatch",
            arity: 1,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy],
            group: "transactions",
            summary: "Forget about all watched keys",
            since: "2.2.0",
            complexity: "O(1)",
            extra_acl_categories: &["@transaction"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        ctx.server.watches.unwatch_all(ctx.client.id());
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Unwatch, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn a_change_after_unwatch_does_not_fail_exec() {
        let mut h = Harness::new();
        h.run("WATCH k");
        assert_eq!(h.run("UNWATCH"), Reply::OK);
        h.run("SET k changed");
        h.run("MULTI");
        h.run("GET k");
        assert_eq!(h.run("EXEC"), Reply::Array(vec![bulk("changed")]));
    }

    #[test]
    fn a_key_changed_before_unwatch_is_forgotten_too() {
        let mut h = Harness::new();
        h.run("WATCH k");
        h.run("SET k changed");
        h.run("UNWATCH");
        h.run("MULTI");
        h.run("PING");
        assert_eq!(h.run("EXEC"), Reply::Array(vec![Reply::simple("PONG")]));
        assert_eq!(h.run("UNWATCH x"), err("ERR wrong number of arguments for 'unwatch' command"));
    }
}

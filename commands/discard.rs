//! DISCARD

use crate::prelude::*;

/// `DISCARD`: drops the queued transaction and forgets the watched keys.
pub struct Discard;

impl Command for Discard {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "discard",
            arity: 1,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy],
            group: "transactions",
            summary: "Discard all commands issued after MULTI",
            since: "2.0.0",
            complexity: "O(N), when N is the number of queued commands",
            extra_acl_categories: &["@transaction"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        if ctx.client.multi.is_none() {
            return Err(ReplyError::from_static("ERR DISCARD without MULTI"));
        }
        crate::registry::end_transaction(ctx.server, ctx.client);
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Discard, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn drops_the_queue_and_the_watches() {
        let mut h = Harness::new();
        h.run("WATCH k");
        h.run("MULTI");
        assert_eq!(h.run("SET k v"), Reply::simple("QUEUED"));
        assert_eq!(h.run("DISCARD"), Reply::OK);
        assert_eq!(h.run("GET k"), Reply::Null, "nothing ran");
        assert_eq!(h.shared.watches.watched_by(h.client.id()), 0);
        assert_eq!(h.run("EXEC"), err("ERR EXEC without MULTI"));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        assert_eq!(h.run("DISCARD"), err("ERR DISCARD without MULTI"));
        assert_eq!(h.run("DISCARD x"), err("ERR wrong number of arguments for 'discard' command"));
        h.run("MULTI");
        // A refused DISCARD aborts the transaction like any refused request.
        assert_eq!(h.run("DISCARD x"), err("ERR wrong number of arguments for 'discard' command"));
        assert_eq!(h.run("EXEC"), err("EXECABORT Transaction discarded because of previous errors."));
    }
}

//! MULTI

use crate::prelude::*;

/// `MULTI`: starts a transaction: the requests that follow are queued
/// (each answered `QUEUED`) until `EXEC` runs them or `DISCARD` drops them.
pub struct Multi;

impl Command for Multi {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "multi",
            arity: 1,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy],
            group: "transactions",
            summary: "Mark the start of a transaction block",
            since: "1.2.0",
            complexity: "O(1)",
            extra_acl_categories: &["@transaction"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        if ctx.client.multi.is_some() {
            // Not a queueing error: the transaction goes on.
            return Err(ReplyError::from_static("ERR MULTI calls can not be nested"));
        }
        ctx.client.multi = Some(Default::default());
        ctx.client.publish_multi();
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Multi, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn queued() -> Reply {
        Reply::simple("QUEUED")
    }

    #[test]
    fn requests_after_multi_are_queued_not_run() {
        let mut h = Harness::new();
        assert_eq!(h.run("MULTI"), Reply::OK);
        assert_eq!(h.run("SET k v"), queued());
        assert_eq!(h.run("GET k"), queued());
        assert_eq!(h.run("UNWATCH"), queued(), "UNWATCH is queued too");
        assert_eq!(h.client.multi.as_ref().map(|t| t.queued.len()), Some(3));
        assert_eq!(h.stored_keys(0), 0, "nothing ran yet");
        assert_eq!(h.run("EXEC"), Reply::Array(vec![Reply::OK, bulk("v"), Reply::OK]));
        assert!(h.client.multi.is_none());
    }

    #[test]
    fn nesting_is_refused_without_aborting() {
        let mut h = Harness::new();
        h.run("MULTI");
        assert_eq!(h.run("MULTI"), err("ERR MULTI calls can not be nested"));
        h.run("SET k v");
        assert_eq!(h.run("EXEC"), Reply::Array(vec![Reply::OK]));
        assert_eq!(h.run("MULTI x"), err("ERR wrong number of arguments for 'multi' command"));
        assert!(h.client.multi.is_none());
    }

    #[test]
    fn client_list_shows_the_queue() {
        let mut h = Harness::new();
        let line = |h: &mut Harness| match h.run("CLIENT INFO") {
            Reply::Bulk(line) | Reply::Verbatim(line) => String::from_utf8(line).unwrap(),
            other => panic!("{other:?}"),
        };
        assert!(line(&mut h).contains(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "));
        h.run("MULTI");
        h.run("SET k v");
        h.run("INCR n");
        let info = h.client.handle.info_line(START_MS);
        assert!(info.contains(" flags=x db=0 sub=0 psub=0 ssub=0 multi=2 "), "{info}");
        h.run("DISCARD");
        assert!(line(&mut h).contains(" multi=-1 "));
    }

    #[test]
    fn reset_ends_the_transaction() {
        let mut h = Harness::new();
        h.run("MULTI");
        h.run("SET k v");
        assert_eq!(h.run("RESET"), Reply::simple("RESET"));
        assert_eq!(h.run("EXEC"), err("ERR EXEC without MULTI"));
        assert_eq!(h.run("GET k"), Reply::Null);
    }
}

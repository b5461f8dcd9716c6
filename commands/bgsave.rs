//! BGSAVE [SCHEDULE]

use crate::persist::{BgError, Job};
use crate::prelude::*;

/// `BGSAVE`: writes `dump.json` in a forked child from a point-in-time view
/// of the data while clients keep being served.
pub struct Bgsave;

impl Command for Bgsave {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bgsave",
            arity: -1,
            flags: &[Flag::Admin, Flag::NoScript],
            group: "server",
            summary: "Asynchronously saves the database(s) to disk.",
            complexity: "O(1)",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let schedule = args.eat("SCHEDULE");
        args.finish()?;
        let server = ctx.server;
        let persist = &server.persist;
        match persist.child() {
            Some((Job::Save, _)) => Err(ReplyError::err("Background save already in progress")),
            Some((Job::Rewrite, _)) if schedule => {
                persist.bgsave_scheduled.store(true, std::sync::atomic::Ordering::Relaxed);
                Ok(Reply::simple("Background saving scheduled"))
            }
            Some((Job::Rewrite, _)) => Err(ReplyError::err(
                "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in \
                 order to schedule a BGSAVE whenever possible.",
            )),
            None => match persist.bgsave(server, ctx.keyspace()) {
                Ok(()) => Ok(Reply::simple("Background saving started")),
                Err(BgError::Busy(_)) => Err(ReplyError::err("Background save already in progress")),
                Err(BgError::Fork(e)) => Err(ReplyError::err(format_args!("Background save failed: {e}"))),
            },
        }
    }
}

inventory::submit! { Registration::new(&Bgsave, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn saves_in_the_background_and_reports_it() {
        let mut h = Harness::new();
        h.run("SET name Alice");
        h.run("HSET user:1 name Alice");
        assert_eq!(h.run("BGSAVE"), Reply::simple("Background saving started"));
        assert_eq!(h.run("BGSAVE"), err("ERR Background save already in progress"));
        assert_eq!(h.run("SAVE"), err("ERR Background save already in progress"));
        assert!(h.info("persistence").contains("rdb_bgsave_in_progress:1\r\n"));
        h.wait_for_child();
        let info = h.info("persistence");
        assert!(info.contains("rdb_bgsave_in_progress:0\r\n"), "{info}");
        assert!(info.contains("rdb_last_bgsave_status:ok\r\n"), "{info}");
        assert!(info.contains("rdb_changes_since_last_save:0\r\n"), "{info}");
        let text = std::fs::read_to_string(h.dir.join("dump.json")).unwrap();
        assert!(text.contains(r#""key":"name","value":"Alice""#), "{text}");
        assert_eq!(h.run("BGSAVE SCHEDULE"), Reply::simple("Background saving started"));
        h.wait_for_child();
        assert_eq!(h.run("BGSAVE NOW"), err("ERR syntax error"));
    }

    #[test]
    fn a_failed_save_is_reported() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.shared.config.write().dir = h.dir.join("missing");
        assert_eq!(h.run("BGSAVE"), Reply::simple("Background saving started"));
        h.wait_for_child();
        let info = h.info("persistence");
        assert!(info.contains("rdb_last_bgsave_status:err\r\n"), "{info}");
        assert!(info.contains("rdb_changes_since_last_save:1\r\n"), "{info}");
    }
}

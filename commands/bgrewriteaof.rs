//! BGREWRITEAOF

use crate::persist::{BgError, Job};
use crate::prelude::*;

/// `BGREWRITEAOF`: compacts the append-only file in a forked child while
/// clients keep writing; the new file replaces the old one atomically.
pub struct Bgrewriteaof;

impl Command for Bgrewriteaof {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bgrewriteaof",
            arity: 1,
            flags: &[Flag::Admin, Flag::NoScript],
            group: "server",
            summary: "Asynchronously rewrites the append-only file to disk.",
            complexity: "O(1)",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        let server = ctx.server;
        let persist = &server.persist;
        let rewriting = persist.aof.rewriting.load(std::sync::atomic::Ordering::Relaxed);
        match persist.child() {
            Some((Job::Rewrite, _)) => {
                Err(ReplyError::err("Background append only file rewriting already in progress"))
            }
            _ if rewriting => {
                Err(ReplyError::err("Background append only file rewriting already in progress"))
            }
            Some((Job::Save, _)) => {
                persist.rewrite_scheduled.store(true, std::sync::atomic::Ordering::Relaxed);
                Ok(Reply::simple("Background append only file rewriting scheduled"))
            }
            None => match persist.bgrewrite(server, ctx.keyspace(), false) {
                Ok(()) => Ok(Reply::simple("Background append only file rewriting started")),
                Err(BgError::Busy(_)) => {
                    Err(ReplyError::err("Background append only file rewriting already in progress"))
                }
                Err(BgError::Fork(_)) => Err(ReplyError::err(
                    "Can't execute an AOF background rewriting. Please check the server logs for more \
                     information.",
                )),
            },
        }
    }
}

inventory::submit! { Registration::new(&Bgrewriteaof, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn with_the_log_off_writes_a_compact_log() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("SET a 2");
        h.run("HSET h f v");
        h.run("SET t x PX 5000");
        assert_eq!(h.run("BGREWRITEAOF"), Reply::simple("Background append only file rewriting started"));
        assert_eq!(
            h.run("BGREWRITEAOF"),
            err("ERR Background append only file rewriting already in progress")
        );
        h.wait_for_child();
        let log = std::fs::read(h.dir.join("appendonly.aof")).unwrap();
        let (records, problem) = crate::persist::aof::parse(&log);
        assert!(problem.is_none());
        let text: Vec<String> =
            records.iter().map(|(_, args)| String::from_utf8_lossy(&args.join(&b' ')).into_owned()).collect();
        assert_eq!(text[0], "SELECT 0");
        assert!(text.contains(&"SET a 2".to_string()), "{text:?}");
        assert!(text.contains(&"HSET h f v".to_string()), "{text:?}");
        assert!(text.contains(&format!("PEXPIREAT t {}", START_MS + 5000)), "{text:?}");
        assert_eq!(text.len(), 5, "{text:?}");
        assert!(h.info("persistence").contains("aof_last_bgrewrite_status:ok\r\n"));
        assert_eq!(h.run("BGREWRITEAOF x"), err("ERR wrong number of arguments for 'bgrewriteaof' command"));
    }

    #[test]
    fn during_a_save_it_is_scheduled() {
        let mut h = Harness::new();
        h.run("SET a 1");
        assert_eq!(h.run("BGSAVE"), Reply::simple("Background saving started"));
        assert_eq!(h.run("BGREWRITEAOF"), Reply::simple("Background append only file rewriting scheduled"));
        assert!(h.info("persistence").contains("aof_rewrite_scheduled:1\r\n"));
        assert_eq!(h.run("BGSAVE"), err("ERR Background save already in progress"));
        h.wait_for_child();
    }
}

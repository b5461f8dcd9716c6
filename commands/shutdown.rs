//! SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]

use crate::prelude::*;

/// `SHUTDOWN`: optionally saves, then stops the server. No reply on success.
pub struct Shutdown;

impl Command for Shutdown {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "shutdown",
            arity: -1,
            flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale, Flag::NoMulti, Flag::AllowBusy],
            group: "server",
            summary: "Shuts down the server, saving first when asked to (SAVE) or when save rules are set.",
            complexity: "O(N) when saving, where N is the total number of keys in all databases",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (mut save, mut nosave, mut force, mut abort) = (false, false, false, false);
        for option in args.rest() {
            match option.to_ascii_uppercase().as_slice() {
                b"SAVE" => save = true,
                b"NOSAVE" => nosave = true,
                // No replicas to wait for: NOW changes nothing.
                b"NOW" => {}
                b"FORCE" => force = true,
                b"ABORT" => abort = true,
                _ => return Err(ReplyError::SYNTAX),
            }
        }
        if (save && nosave) || (abort && (save || nosave || force)) {
            return Err(ReplyError::SYNTAX);
        }
        if abort {
            return Err(ReplyError::err("No shutdown in progress."));
        }
        // As Redis: save when asked to, or when save rules are set.
        let server = ctx.server;
        let rules = !server.config.read().save_rules().is_empty();
        // A running script holds every shard: asking for the shutdown first
        // stops it (its instruction hook sees the request), even if it wrote.
        if nosave && server.scripts.run.is_running() {
            server.request_shutdown();
        }
        if crate::persist::prepare_shutdown(server, ctx.keyspace(), save || (rules && !nosave)).is_err()
            && !force
        {
            return Err(ReplyError::err("Errors trying to SHUTDOWN. Check logs."));
        }
        ctx.server.request_shutdown();
        ctx.client.close = true;
        Ok(Reply::None)
    }
}

inventory::submit! { Registration::new(&Shutdown, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn save_then_stop() {
        let mut h = Harness::new();
        let stop = h.shared.shutdown_requested();
        h.run("SET k v");
        assert_eq!(h.run("SHUTDOWN SAVE"), Reply::None);
        assert!(*stop.borrow());
        assert!(h.client.close);
        assert!(h.dir.join("dump.json").exists());
    }

    #[test]
    fn save_rules_make_plain_shutdown_save() {
        let mut h = Harness::new();
        h.run("CONFIG SET save \"3600 1\"");
        h.run("SET k v");
        assert_eq!(h.run("SHUTDOWN"), Reply::None);
        assert!(h.dir.join("dump.json").exists());
        let mut h = Harness::new();
        h.run("CONFIG SET save \"3600 1\"");
        h.run("SET k v");
        assert_eq!(h.run("SHUTDOWN NOSAVE"), Reply::None);
        assert!(!h.dir.join("dump.json").exists());
    }

    #[test]
    fn nosave_writes_nothing() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("shutdown nosave now"), Reply::None);
        assert!(!h.dir.join("dump.json").exists());
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("SHUTDOWN ABORT"), err("ERR No shutdown in progress."));
        assert_eq!(h.run("SHUTDOWN FOO"), err("ERR syntax error"));
        assert_eq!(h.run("SHUTDOWN SAVE NOSAVE"), err("ERR syntax error"));
        h.shared.config.write().dir = h.dir.join("missing");
        assert_eq!(h.run("SHUTDOWN SAVE"), err("ERR Errors trying to SHUTDOWN. Check logs."));
        assert!(!*h.shared.shutdown_requested().borrow());
        assert_eq!(h.run("SHUTDOWN SAVE FORCE"), Reply::None);
    }
}

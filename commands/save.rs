//! SAVE

use crate::prelude::*;

/// `SAVE`: writes the dataset to `dump.json` atomically, blocking as in Redis.
pub struct Save;

impl Command for Save {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "save",
            arity: 1,
            flags: &[Flag::Admin, Flag::NoScript, Flag::NoMulti],
            group: "server",
            summary: "Synchronously saves the database(s) to disk.",
            complexity: "O(N) where N is the total number of keys in all databases",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        let server = ctx.server;
        if matches!(server.persist.child(), Some((crate::persist::Job::Save, _))) {
            return Err(ReplyError::err("Background save already in progress"));
        }
        match server.save(ctx.keyspace()) {
            Ok(()) => Ok(Reply::OK),
            Err(e) => Err(ReplyError::err(format_args!("saving failed: {e}"))),
        }
    }
}

inventory::submit! { Registration::new(&Save, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn writes_a_loadable_dump() {
        let mut h = Harness::new();
        h.run("SET name Alice EX 100");
        h.run("HSET user:1 name Alice age 23");
        assert_eq!(h.run("SAVE"), Reply::OK);
        let text = std::fs::read_to_string(h.dir.join("dump.json")).unwrap();
        assert!(text.starts_with(r#"{"format":"miniredis-dump","version":4,"#), "{text}");
        assert!(text.contains(&format!(r#""expires_at_ms":{}"#, START_MS + 100_000)), "{text}");
        let leftovers = std::fs::read_dir(&h.dir).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file is left behind");
        assert_eq!(h.run("SAVE now"), err("ERR wrong number of arguments for 'save' command"));
    }

    #[test]
    fn failure_is_reported_and_old_file_kept() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("SAVE");
        h.shared.config.write().dir = h.dir.join("missing-dir");
        let reply = h.run("SAVE");
        assert!(
            matches!(&reply, Reply::Error(e) if e.text().starts_with("ERR saving failed: ")),
            "{reply:?}"
        );
        assert!(h.dir.join("dump.json").exists());
    }
}

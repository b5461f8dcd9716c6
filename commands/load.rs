//! LOAD

use crate::prelude::*;
use crate::store::snapshot;

/// `LOAD` (MiniRedis extension): replaces the whole dataset with `dump.json`,
/// atomically. A missing or corrupt file is an error and changes nothing.
pub struct Load;

impl Command for Load {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "load",
            arity: 1,
            // Not `write`: the dataset afterwards equals the file, so nothing is unsaved.
            flags: &[Flag::Admin, Flag::NoScript, Flag::NoMulti],
            group: "server",
            summary: "Replaces the dataset with the contents of the snapshot file (MiniRedis extension).",
            since: "0.1.0",
            complexity: "O(N) where N is the number of keys in the snapshot",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        let path = ctx.server.config.read().dump_path();
        let shape = ctx.server.store.shape();
        // Parsed before the keyspace is locked: clients keep being served
        // and never see a half-loaded state.
        let loaded = snapshot::load(&path, shape, ctx.now_ms(), &ctx.server.store.limits())
            .map_err(|e| ReplyError::err(format_args!("Error loading {}: {e}", path.display())))?;
        // The eviction settings and counters stay.
        ctx.keyspace().replace(loaded);
        ctx.server.forget_changes();
        // Logged as its effect: the old data gone, then the new data.
        if ctx.propagates() {
            let mut records = Vec::new();
            let _ = crate::persist::aof::write_dataset(ctx.keyspace(), &mut records);
            ctx.propagate_as(&[b"FLUSHALL"]);
            ctx.propagate_encoded(&records);
        }
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Load, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn restores_the_saved_dataset() {
        let mut h = Harness::new();
        h.run("SET name Alice EX 100");
        h.run("SELECT 2");
        h.run("HSET h f v");
        h.run("SAVE");
        h.run("FLUSHALL");
        h.run("SET extra 1");
        assert_eq!(h.run("LOAD"), Reply::OK);
        assert_eq!(h.run("EXISTS extra"), int(0));
        assert_eq!(h.run("HGET h f"), bulk("v"));
        h.run("SELECT 0");
        assert_eq!(h.run("TTL name"), int(100));
        let Reply::Verbatim(info) = h.run("INFO persistence") else { panic!() };
        let info = String::from_utf8(info).unwrap();
        assert!(info.contains("rdb_changes_since_last_save:0\r\n"), "LOAD leaves nothing unsaved: {info}");
    }

    #[test]
    fn missing_or_corrupt_file_leaves_data_untouched() {
        let mut h = Harness::new();
        h.run("SET keep me");
        let reply = h.run("LOAD");
        assert!(matches!(&reply, Reply::Error(e) if e.text().starts_with("ERR Error loading ")), "{reply:?}");
        std::fs::write(h.dir.join("dump.json"), b"{\"format\":\"miniredis-dump\",").unwrap();
        let reply = h.run("LOAD");
        assert!(matches!(&reply, Reply::Error(e) if e.text().contains("corrupt dump")), "{reply:?}");
        assert_eq!(h.run("GET keep"), bulk("me"));
    }
}

//! SELECT index

use crate::prelude::*;

/// `SELECT index`: switches the connection's database.
pub struct Select;

impl Command for Select {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "select",
            arity: 2,
            flags: &[Flag::Loading, Flag::Stale, Flag::Fast],
            group: "connection",
            summary: "Changes the selected database.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let index = args.next_i64()?;
        let databases = ctx.server.config.read().databases as i64;
        if !(0..databases).contains(&index) {
            return Err(ReplyError::DB_INDEX);
        }
        ctx.client.db = index as usize;
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Select, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn switches_and_validates() {
        let mut h = Harness::new();
        h.run("SET k zero");
        assert_eq!(h.run("SELECT 15"), Reply::OK);
        assert_eq!(h.run("GET k"), Reply::Null);
        assert_eq!(h.run("SELECT 16"), err("ERR DB index is out of range"));
        assert_eq!(h.run("SELECT -1"), err("ERR DB index is out of range"));
        assert_eq!(h.run("SELECT x"), err("ERR value is not an integer or out of range"));
        h.run("SELECT 0");
        assert_eq!(h.run("GET k"), bulk("zero"));
    }
}

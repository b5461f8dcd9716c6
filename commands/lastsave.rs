//! LASTSAVE

use crate::prelude::*;

/// `LASTSAVE`: Unix time of the last successful save (start-up time before any).
pub struct Lastsave;

impl Command for Lastsave {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lastsave",
            arity: 1,
            flags: &[Flag::Loading, Flag::Stale, Flag::Fast],
            group: "server",
            summary: "Returns the Unix timestamp of the last successful save to disk.",
            extra_acl_categories: &["@admin", "@dangerous"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        Ok(Reply::Integer(ctx.server.last_save_s() as i64))
    }
}

inventory::submit! { Registration::new(&Lastsave, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn start_time_then_last_save() {
        let mut h = Harness::new();
        assert_eq!(h.run("LASTSAVE"), int(1_700_000_000));
        h.advance_ms(5_000);
        assert_eq!(h.run("LASTSAVE"), int(1_700_000_000));
        assert_eq!(h.run("SAVE"), Reply::OK);
        assert_eq!(h.run("lastsave"), int(1_700_000_005));
        h.shared.config.write().dir = h.dir.join("missing");
        h.advance_ms(5_000);
        assert!(h.run("SAVE").is_error());
        assert_eq!(h.run("LASTSAVE"), int(1_700_000_005), "a failed save changes nothing");
        assert_eq!(h.run("LASTSAVE x"), err("ERR wrong number of arguments for 'lastsave' command"));
    }
}

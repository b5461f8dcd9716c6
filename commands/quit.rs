//! QUIT

use crate::prelude::*;

/// `QUIT`: replies OK, then the server closes the connection.
pub struct Quit;

impl Command for Quit {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "quit",
            arity: -1,
            flags: &[Flag::AllowBusy, Flag::NoAuth, Flag::Fast, Flag::Loading, Flag::Stale],
            group: "connection",
            summary: "Closes the connection.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        ctx.client.close = true;
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Quit, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn replies_ok_and_marks_close() {
        let mut h = Harness::new();
        assert!(!h.client.close);
        assert_eq!(h.run("QUIT"), Reply::OK);
        assert!(h.client.close);
    }
}

//! ECHO message

use crate::prelude::*;

/// `ECHO message`: the message back (redis-cli --pipe relies on it).
pub struct Echo;

impl Command for Echo {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "echo",
            arity: 2,
            flags: &[Flag::Fast, Flag::Loading, Flag::Stale],
            group: "connection",
            summary: "Returns the given string.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, _ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        Ok(Reply::bulk(args.next()?))
    }
}

inventory::submit! { Registration::new(&Echo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn echoes_binary() {
        let mut h = Harness::new();
        assert_eq!(h.wire("ECHO \"a\\x00b\""), "$3\r\na\u{0}b\r\n");
        assert_eq!(h.run("ECHO"), err("ERR wrong number of arguments for 'echo' command"));
    }
}

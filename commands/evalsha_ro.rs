//! EVALSHA_RO sha1 numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `EVALSHA_RO`: execute a read-only lua script server side.
pub struct EvalshaRo;

impl Command for EvalshaRo {
    fn meta(&self) -> CommandMeta {
        crate::scripting::command_meta(
            "evalsha_ro",
            "Execute a read-only Lua script server side",
            "7.0.0",
            true,
        )
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::eval(ctx, args, true, true)
    }
}

inventory::submit! { Registration::new(&EvalshaRo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn writes_are_refused() {
        let mut h = Harness::new();
        let body = "return redis.pcall('set','a','1')";
        let Reply::Bulk(sha) = h.run(&format!("SCRIPT LOAD \"{body}\"")) else { panic!() };
        let sha = String::from_utf8(sha).unwrap();
        assert_eq!(
            h.run(&format!("EVALSHA_RO {sha} 0")),
            error_reply("ERR Write commands are not allowed from read-only scripts.")
        );
        assert_eq!(
            h.run("EVALSHA_RO ffffffffffffffffffffffffffffffffffffffff 0"),
            error_reply("NOSCRIPT No matching script. Please use EVAL.")
        );
    }
}

//! EVAL_RO script numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `EVAL_RO`: execute a read-only lua script server side.
pub struct EvalRo;

impl Command for EvalRo {
    fn meta(&self) -> CommandMeta {
        crate::scripting::command_meta("eval_ro", "Execute a read-only Lua script server side", "7.0.0", true)
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::eval(ctx, args, false, true)
    }
}

inventory::submit! { Registration::new(&EvalRo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn writes_are_refused() {
        let mut h = Harness::new();
        let body = "return redis.call('set','a','1')";
        assert_eq!(
            h.run(&format!("EVAL_RO \"{body}\" 0")),
            error_reply(&format!(
                "ERR Write commands are not allowed from read-only scripts. script: {}, on @user_script:1.",
                crate::scripting::sha1_hex(body.as_bytes())
            ))
        );
        h.run("SET a 2");
        assert_eq!(h.run("EVAL_RO \"return redis.call('get',KEYS[1])\" 1 a"), bulk("2"));
    }
}

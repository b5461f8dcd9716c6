//! EVAL_RO script numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `EVAL_RO`: execute a read-only lua script server side.
pub struct EvalRo;

impl Command for EvalRo {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "eval_ro",
            arity: -3,
            flags: &[Flag::NoScript, Flag::Stale, Flag::MovableKeys, Flag::Readonly],
            group: "scripting",
            summary: "Execute a read-only Lua script server side",
            since: "7.0.0",
            complexity: "Depends on the script that is executed.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RO", "access"],
                keys: Keys { first: 2, last: 2, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::eval(ctx, args, false, true)
    }
}

inventory::submit! { Registration::new(&EvalRo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    /// An error reply with any text (the harness's `err` takes static ones).
    #[allow(dead_code)]
    fn err(text: &str) -> Reply {
        Reply::Error(crate::protocol::ReplyError(text.to_string().into()))
    }

    #[allow(dead_code)]
    fn array(items: Vec<Reply>) -> Reply {
        Reply::Array(items)
    }

    #[test]
    fn writes_are_refused() {
        let mut h = Harness::new();
        let body = "return redis.call('set','a','1')";
        assert_eq!(
            h.run(&format!("EVAL_RO \"{body}\" 0")),
            err(&format!(
                "ERR Write commands are not allowed from read-only scripts. script: {}, on @user_script:1.",
                crate::scripting::sha1_hex(body.as_bytes())
            ))
        );
        h.run("SET a 2");
        assert_eq!(h.run("EVAL_RO \"return redis.call('get',KEYS[1])\" 1 a"), bulk("2"));
    }
}

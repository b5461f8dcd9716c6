//! EVALSHA_RO sha1 numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `EVALSHA_RO`: execute a read-only lua script server side.
pub struct EvalshaRo;

impl Command for EvalshaRo {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "evalsha_ro",
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
        crate::scripting::eval(ctx, args, true, true)
    }
}

inventory::submit! { Registration::new(&EvalshaRo, module_path!()) }

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
        let body = "return redis.pcall('set','a','1')";
        let Reply::Bulk(sha) = h.run(&format!("SCRIPT LOAD \"{body}\"")) else { panic!() };
        let sha = String::from_utf8(sha).unwrap();
        assert_eq!(
            h.run(&format!("EVALSHA_RO {sha} 0")),
            err("ERR Write commands are not allowed from read-only scripts.")
        );
        assert_eq!(
            h.run("EVALSHA_RO ffffffffffffffffffffffffffffffffffffffff 0"),
            err("NOSCRIPT No matching script. Please use EVAL.")
        );
    }
}

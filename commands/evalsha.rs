//! EVALSHA sha1 numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `EVALSHA`: execute a lua script server side.
pub struct Evalsha;

impl Command for Evalsha {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "evalsha",
            arity: -3,
            flags: &[Flag::NoScript, Flag::Stale, Flag::MovableKeys],
            group: "scripting",
            summary: "Execute a Lua script server side",
            since: "2.6.0",
            complexity: "Depends on the script that is executed.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RW", "access", "update"],
                keys: Keys { first: 2, last: 2, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::eval(ctx, args, true, false)
    }
}

inventory::submit! { Registration::new(&Evalsha, module_path!()) }

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
    fn runs_a_cached_script_by_its_sha() {
        let mut h = Harness::new();
        let sha = crate::scripting::sha1_hex(b"return ARGV[1]");
        assert_eq!(
            h.run(&format!("EVALSHA {sha} 0 x")),
            err("NOSCRIPT No matching script. Please use EVAL.")
        );
        assert_eq!(h.run("SCRIPT LOAD \"return ARGV[1]\""), bulk(&sha));
        assert_eq!(h.run(&format!("EVALSHA {sha} 0 x")), bulk("x"));
        assert_eq!(h.run(&format!("EVALSHA {} 0 y", sha.to_uppercase())), bulk("y"));
        assert_eq!(h.run("EVALSHA e0e1f9 0"), err("NOSCRIPT No matching script. Please use EVAL."));
    }
}

//! EVALSHA sha1 numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `EVALSHA`: execute a lua script server side.
pub struct Evalsha;

impl Command for Evalsha {
    fn meta(&self) -> CommandMeta {
        crate::scripting::command_meta("evalsha", "Execute a Lua script server side", "2.6.0", false)
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::eval(ctx, args, true, false)
    }
}

inventory::submit! { Registration::new(&Evalsha, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn runs_a_cached_script_by_its_sha() {
        let mut h = Harness::new();
        let sha = crate::scripting::sha1_hex(b"return ARGV[1]");
        assert_eq!(
            h.run(&format!("EVALSHA {sha} 0 x")),
            error_reply("NOSCRIPT No matching script. Please use EVAL.")
        );
        assert_eq!(h.run("SCRIPT LOAD \"return ARGV[1]\""), bulk(&sha));
        assert_eq!(h.run(&format!("EVALSHA {sha} 0 x")), bulk("x"));
        assert_eq!(h.run(&format!("EVALSHA {} 0 y", sha.to_uppercase())), bulk("y"));
        assert_eq!(h.run("EVALSHA e0e1f9 0"), error_reply("NOSCRIPT No matching script. Please use EVAL."));
    }
}

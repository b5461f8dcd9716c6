//! FCALL function numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `FCALL`: invoke a function.
pub struct Fcall;

impl Command for Fcall {
    fn meta(&self) -> CommandMeta {
        crate::scripting::command_meta("fcall", "Invoke a function", "7.0.0", false)
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::functions::fcall(ctx, args, false)
    }
}

inventory::submit! { Registration::new(&Fcall, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn calls_a_registered_function() {
        let mut h = Harness::new();
        let code = "#!lua name=mylib\nredis.register_function('echo', function(keys, args) return {keys[1], args[1]} end)";
        assert_eq!(h.run_args(&["FUNCTION", "LOAD", code]), bulk("mylib"));
        assert_eq!(h.run("FCALL echo 1 k a"), Reply::Array(vec![bulk("k"), bulk("a")]));
        assert_eq!(h.run("FCALL nosuch 0"), error_reply("ERR Function not found"));
        assert_eq!(h.run("FCALL echo x"), error_reply("ERR Bad number of keys provided"));
        assert_eq!(
            h.run("FCALL echo 2 a"),
            error_reply("ERR Number of keys can't be greater than number of args")
        );
        assert_eq!(h.run("FCALL echo -1"), error_reply("ERR Number of keys can't be negative"));
    }

    #[test]
    fn runtime_errors_name_the_function() {
        let mut h = Harness::new();
        h.run_args(&[
            "FUNCTION",
            "LOAD",
            "#!lua name=e\nredis.register_function('ferr', function() return foo end)",
        ]);
        assert_eq!(
            h.run("FCALL ferr 0"),
            error_reply("ERR user_function:2: Script attempted to access nonexistent global variable 'foo' script: ferr, on @user_function:2.")
        );
    }
}

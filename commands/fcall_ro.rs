//! FCALL_RO function numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `FCALL_RO`: invoke a read-only function.
pub struct FcallRo;

impl Command for FcallRo {
    fn meta(&self) -> CommandMeta {
        crate::scripting::command_meta("fcall_ro", "Invoke a read-only function", "7.0.0", true)
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::functions::fcall(ctx, args, true)
    }
}

inventory::submit! { Registration::new(&FcallRo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn only_no_writes_functions_run() {
        let mut h = Harness::new();
        h.run("FUNCTION LOAD \"#!lua name=l\nredis.register_function('w', function(k, a) return redis.call('set', k[1], a[1]) end)\nredis.register_function{function_name='r', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}\"");
        assert_eq!(
            h.run("FCALL_RO w 1 k v"),
            error_reply("ERR Can not execute a script with write flag using *_ro command.")
        );
        h.run("SET k 5");
        assert_eq!(h.run("FCALL_RO r 1 k"), bulk("5"));
        assert_eq!(h.run("FCALL_RO nosuch 0"), error_reply("ERR Function not found"));
    }
}

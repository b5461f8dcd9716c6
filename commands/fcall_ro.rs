//! FCALL_RO function numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `FCALL_RO`: invoke a read-only function.
pub struct FcallRo;

impl Command for FcallRo {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "fcall_ro",
            arity: -3,
            flags: &[Flag::NoScript, Flag::Stale, Flag::MovableKeys, Flag::Readonly],
            group: "scripting",
            summary: "Invoke a read-only function",
            since: "7.0.0",
            complexity: "Depends on the function that is executed.",
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
        crate::scripting::functions::fcall(ctx, args, true)
    }
}

inventory::submit! { Registration::new(&FcallRo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    /// An error reply with any text (the harness's `err` takes static ones).
    fn err(text: &str) -> Reply {
        Reply::Error(crate::protocol::ReplyError(text.to_string().into()))
    }

    #[test]
    fn only_no_writes_functions_run() {
        let mut h = Harness::new();
        h.run("FUNCTION LOAD \"#!lua name=l\nredis.register_function('w', function(k, a) return redis.call('set', k[1], a[1]) end)\nredis.register_function{function_name='r', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}\"");
        assert_eq!(
            h.run("FCALL_RO w 1 k v"),
            err("ERR Can not execute a script with write flag using *_ro command.")
        );
        h.run("SET k 5");
        assert_eq!(h.run("FCALL_RO r 1 k"), bulk("5"));
        assert_eq!(h.run("FCALL_RO nosuch 0"), err("ERR Function not found"));
    }
}

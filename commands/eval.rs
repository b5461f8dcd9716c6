//! EVAL script numkeys [key ...] [arg ...]

use crate::prelude::*;

/// `EVAL`: execute a lua script server side.
pub struct Eval;

impl Command for Eval {
    fn meta(&self) -> CommandMeta {
        crate::scripting::command_meta("eval", "Execute a Lua script server side", "2.6.0", false)
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::scripting::eval(ctx, args, false, false)
    }
}

inventory::submit! { Registration::new(&Eval, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn a_new_script_shows_in_the_memory_figures() {
        let mut h = Harness::new();
        assert_eq!(h.run("EVAL \"return 1\" 0"), int(1));
        let info = h.info("memory");
        assert!(info.contains("number_of_cached_scripts:1\r\n"), "{info}");
        // The body (8 bytes) and its 40-byte SHA1, as `SCRIPT LOAD` counts it.
        assert!(info.contains("used_memory_scripts_eval:48\r\n"), "{info}");
        h.run("EVAL \"return 1\" 0");
        assert!(h.info("memory").contains("number_of_cached_scripts:1\r\n"));
    }

    #[test]
    fn conversions_of_returned_values() {
        let mut h = Harness::new();
        assert_eq!(h.run("EVAL \"return 1.9\" 0"), int(1));
        assert_eq!(h.run("EVAL \"return -2.7\" 0"), int(-2));
        assert_eq!(h.run("EVAL \"return 'x'\" 0"), bulk("x"));
        assert_eq!(h.run("EVAL \"return true\" 0"), int(1));
        assert_eq!(h.run("EVAL \"return false\" 0"), Reply::Null);
        assert_eq!(h.run("EVAL \"return nil\" 0"), Reply::Null);
        assert_eq!(h.run("EVAL \"return {1,2,nil,4}\" 0"), Reply::Array(vec![int(1), int(2)]));
        assert_eq!(h.run("EVAL \"return {ok='fine'}\" 0"), Reply::Simple("fine".into()));
        assert_eq!(h.run("EVAL \"return {err='bad thing'}\" 0"), error_reply("bad thing"));
        assert_eq!(h.run("EVAL \"return redis.error_reply('My Error')\" 0"), error_reply("My Error"));
        assert_eq!(
            h.run("EVAL \"return {1,{err='x'},{ok='y'}}\" 0"),
            Reply::Array(vec![int(1), error_reply("x"), Reply::Simple("y".into())])
        );
    }

    #[test]
    fn keys_argv_and_calls() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("EVAL \"return {KEYS[1], ARGV[1], #KEYS, #ARGV}\" 1 k a"),
            Reply::Array(vec![bulk("k"), bulk("a"), int(1), int(1)])
        );
        assert_eq!(h.run("EVAL \"return redis.call('set', KEYS[1], ARGV[1])\" 1 k v"), Reply::OK);
        assert_eq!(h.run("GET k"), bulk("v"));
        assert_eq!(h.run("EVAL \"return redis.call('get', 'nokey')\" 0"), Reply::Null);
        assert_eq!(h.run("EVAL \"return type(redis.call('get', 'nokey'))\" 0"), bulk("boolean"));
        assert_eq!(h.run("EVAL \"redis.setresp(3) return type(redis.call('get', 'nokey'))\" 0"), bulk("nil"));
        assert_eq!(h.run("EVAL \"return redis.call('incrby', 'n', 2.0)\" 0"), int(2));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        let sha = |body: &str| crate::scripting::sha1_hex(body.as_bytes());
        assert_eq!(h.run("EVAL \"return foo\" 0"), error_reply(&format!(
            "ERR user_script:1: Script attempted to access nonexistent global variable 'foo' script: {}, on @user_script:1.",
            sha("return foo"))));
        assert_eq!(
            h.run("EVAL \"a=5\" 0"),
            error_reply(&format!(
                "ERR user_script:1: Attempt to modify a readonly table script: {}, on @user_script:1.",
                sha("a=5")
            ))
        );
        h.run("SET s str");
        assert_eq!(
            h.run("EVAL \"return redis.call('incr','s')\" 0"),
            error_reply(&format!(
                "ERR value is not an integer or out of range script: {}, on @user_script:1.",
                sha("return redis.call('incr','s')")
            ))
        );
        assert_eq!(
            h.run("EVAL \"return redis.pcall('incr','s')\" 0"),
            error_reply("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run("EVAL \"return redis.pcall('nosuch')\" 0"),
            error_reply("ERR Unknown Redis command called from script")
        );
        assert_eq!(
            h.run("EVAL \"return redis.pcall('get')\" 0"),
            error_reply("ERR Wrong number of args calling Redis command from script")
        );
        assert_eq!(
            h.run("EVAL \"return 'x' ..\" 0"),
            error_reply(
                "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"
            )
        );
        assert_eq!(
            h.run("EVAL \"return 1\" 5 a"),
            error_reply("ERR Number of keys can't be greater than number of args")
        );
        assert_eq!(h.run("EVAL \"return 1\" -1"), error_reply("ERR Number of keys can't be negative"));
        assert_eq!(h.run("EVAL \"return 1\" x"), error_reply("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("EVAL \"error('boom')\" 0"),
            error_reply(&format!(
                "ERR user_script:1: boom script: {}, on @user_script:1.",
                sha("error('boom')")
            ))
        );
    }

    #[test]
    fn sandbox_hides_unsafe_globals() {
        let mut h = Harness::new();
        for name in ["loadfile", "dofile", "print", "os", "io", "debug", "require"] {
            let reply = h.run(&format!("EVAL \"return type({name})\" 0"));
            assert!(reply.is_error(), "{name}: {reply:?}");
        }
        assert_eq!(h.run("EVAL \"return type(loadstring)\" 0"), bulk("function"));
        assert_eq!(h.run("EVAL \"return tostring(math.random())\" 0"), bulk("0.39646477363839"));
        assert_eq!(
            h.run("EVAL \"return redis.sha1hex('')\" 0"),
            bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709")
        );
    }

    #[test]
    fn effects_are_the_commands_wrapped_in_multi_exec() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        h.run("EVAL \"redis.call('set','a','1') redis.call('incr','a')\" 0");
        assert_eq!(h.propagated(), logged(&["MULTI", "set a 1", "incr a", "EXEC"]));
        assert_eq!(h.modified(), ["0:a"]);
        h.run("EVAL \"return redis.call('get','a')\" 0");
        assert_eq!(h.propagated(), logged(&[]), "a read logs nothing, not even the script");
        h.run("EVAL \"redis.call('set','b','1', 'EX', 100)\" 0");
        let expected = format!("set b 1 PXAT {}", START_MS + 100_000);
        assert_eq!(h.propagated(), logged(&[expected.as_str()]), "one record: no MULTI");
        let reply = h.run("EVAL \"redis.call('set','c','1') error('x')\" 0");
        assert!(reply.is_error());
        assert_eq!(h.propagated(), logged(&["set c 1"]), "what a failed script wrote is logged");
        assert_eq!(h.modified(), ["0:c"]);
    }

    #[test]
    fn a_script_inside_exec_is_logged_inside_its_transaction() {
        let mut h = Harness::new();
        // What is logged is built only for the append-only file.
        h.run("CONFIG SET appendonly yes");
        h.run("MULTI");
        h.run("SET x 0");
        h.run("EVAL \"redis.call('set','a','1') return redis.call('incr','a')\" 0");
        let reply = h.run("EXEC");
        assert_eq!(reply, Reply::Array(vec![Reply::OK, int(2)]));
        assert_eq!(h.propagated(), logged(&["MULTI", "SET x 0", "set a 1", "incr a", "EXEC"]));
    }

    #[test]
    fn deep_recursion_is_an_error() {
        let mut h = Harness::new();
        let reply = h.run("EVAL \"local function f(n) return f(n + 1) + 1 end return f(1)\" 0");
        assert!(reply.is_error(), "{reply:?}");
        let reply =
            h.run("EVAL \"local t = {} local c = t for i = 1, 5000 do c[1] = {} c = c[1] end return t\" 0");
        assert!(reply.is_error(), "{reply:?}");
        assert_eq!(h.run("EVAL \"return 1\" 0"), int(1), "the engine still works");
    }

    #[test]
    fn used_memory_lua_is_the_heap_after_each_run() {
        let mut h = Harness::new();
        let published = |h: &Harness| h.shared.scripts.lua_memory.load(std::sync::atomic::Ordering::Relaxed);
        let heap = |h: &Harness| crate::scripting::lua_heap_bytes(&h.shared);
        assert_eq!(h.run("EVAL \"return 1\" 0"), int(1));
        let before = published(&h);
        assert_eq!(before, heap(&h));
        assert_eq!(h.run("EVAL \"local t = {} for i = 1, 10000 do t[i] = i end return #t\" 0"), int(10000));
        assert_eq!(published(&h), heap(&h));
        assert_ne!(published(&h), before);
    }
}

//! MSETNX key value [key value ...]

use crate::prelude::*;

/// `MSETNX`: sets several strings only if none of the keys exists; 1 or 0.
pub struct Msetnx;

impl Command for Msetnx {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "msetnx",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "string",
            summary: "Set multiple keys to multiple values, only if none of the keys exist",
            since: "1.0.1",
            complexity: "O(N) where N is the number of keys to set.",
            keys: Keys::PAIRS,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let argv = args.argv();
        let reply = crate::command_logic::strings::mset(ctx, args, true)?;
        if reply != Reply::Integer(0) {
            (1..argv.len()).step_by(2).for_each(|i| ctx.notify(EventClass::String, "set", argv.get(i)));
        }
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Msetnx, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn all_or_nothing() {
        let mut h = Harness::new();
        assert_eq!(h.run("MSETNX a 1 b 2"), int(1));
        assert_eq!(h.run("MSETNX b 3 c 4"), int(0));
        assert_eq!(h.run("MGET a b c"), Reply::Array(vec![bulk("1"), bulk("2"), Reply::Null]));
        h.run("HSET h f v");
        assert_eq!(h.run("MSETNX c 1 h 2"), int(0), "a key of any type blocks");
        assert_eq!(h.run("MSETNX x 1 x 2"), int(1));
        assert_eq!(h.run("GET x"), bulk("2"));
    }

    #[test]
    fn expired_keys_do_not_block() {
        let mut h = Harness::new();
        h.run("SET a v PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("MSETNX a 1"), int(1));
        assert_eq!(h.run("TTL a"), int(-1));
    }

    #[test]
    fn odd_arguments_are_an_arity_error() {
        let mut h = Harness::new();
        let arity = "ERR wrong number of arguments for 'msetnx' command";
        assert_eq!(h.run("MSETNX a"), err(arity));
        assert_eq!(h.run("MSETNX a b c"), err(arity));
    }
}

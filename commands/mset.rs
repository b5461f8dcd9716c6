//! MSET key value [key value ...]

use crate::prelude::*;

/// `MSET`: sets several strings at once, clearing their TTLs.
pub struct Mset;

impl Command for Mset {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "mset",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "string",
            summary: "Set multiple keys to multiple values",
            since: "1.0.1",
            complexity: "O(N) where N is the number of keys to set.",
            keys: Keys::PAIRS,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let argv = args.argv();
        let reply = crate::command_logic::strings::mset(ctx, args, false)?;
        if reply != Reply::Integer(0) {
            (1..argv.len()).step_by(2).for_each(|i| ctx.notify(EventClass::String, "set", argv.get(i)));
        }
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Mset, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_every_pair_over_any_type() {
        let mut h = Harness::new();
        h.run("SET a old EX 100");
        h.run("HSET h f v");
        assert_eq!(h.run("MSET a 1 h 2 c 3"), Reply::OK);
        assert_eq!(h.run("MGET a h c"), array(&["1", "2", "3"]));
        assert_eq!(h.run("TTL a"), int(-1));
        assert_eq!(h.run("MSET d 1 d 2"), Reply::OK, "the last value of a repeated key wins");
        assert_eq!(h.run("GET d"), bulk("2"));
    }

    #[test]
    fn odd_arguments_are_an_arity_error() {
        let mut h = Harness::new();
        let arity = "ERR wrong number of arguments for 'mset' command";
        assert_eq!(h.run("MSET a"), err(arity));
        assert_eq!(h.run("MSET a 1 b"), err(arity));
        assert_eq!(h.run("EXISTS a"), int(0));
    }

    #[test]
    fn effects_name_every_key() {
        let mut h = Harness::new();
        h.run("MSET a 1 b 2");
        assert_eq!(h.modified(), ["0:a", "0:b"]);
        assert_eq!(h.events(), ["0:set:a", "0:set:b"]);
        assert_eq!(h.propagated(), None);
    }
}

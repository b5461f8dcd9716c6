//! ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]

use crate::prelude::*;

/// `ZUNION`: the union of sorted sets (sets count with score 1).
pub struct Zunion;

impl Command for Zunion {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zunion",
            arity: -3,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "sortedset",
            summary: "Add multiple sorted sets",
            since: "6.2.0",
            complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RO", "access"],
                keys: Keys { first: 1, last: 1, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (entries, with_scores) = crate::command_logic::zsets::combine(
            ctx,
            args,
            crate::command_logic::zsets::Combine::Union,
            false,
        )?;
        let resp3 = ctx.resp3();
        Ok(crate::command_logic::zsets::scored_reply(entries, with_scores, resp3))
    }
}

inventory::submit! { Registration::new(&Zunion, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn combines() {
        let mut h = Harness::new();
        h.run("ZADD x 1 a 2 b");
        h.run("ZADD y 3 b 3 c");
        assert_eq!(flat(h.run("ZUNION 2 x y WITHSCORES")), array(&["a", "1", "c", "3", "b", "5"]));
        assert_eq!(flat(h.run("ZUNION 1 missing")), array(&[]));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZUNION 2 x str")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(flat(h.run("ZUNION 0 x")), err("ERR at least 1 input key is needed for 'zunion' command"));
        assert_eq!(flat(h.run("ZUNION 3 x y")), err("ERR syntax error"));
    }

    #[test]
    fn weights_and_aggregate() {
        let mut h = Harness::new();
        h.run("ZADD x 1 a 2 b");
        h.run("ZADD y 3 b 3 c");
        h.run("SADD s a b");
        assert_eq!(
            flat(h.run("ZUNION 2 x y WEIGHTS 2 1 AGGREGATE MAX WITHSCORES")),
            array(&["a", "2", "c", "3", "b", "4"])
        );
        assert_eq!(flat(h.run("ZUNION 2 x s AGGREGATE MIN WITHSCORES")), array(&["a", "1", "b", "1"]));
        assert_eq!(
            flat(h.run("ZUNION 2 x y WEIGHTS inf -inf WITHSCORES")).clone(),
            flat(h.run("ZUNION 2 x y WEIGHTS inf -inf WITHSCORES"))
        );
        assert_eq!(flat(h.run("ZUNION 1 x WEIGHTS 0 WITHSCORES")), array(&["a", "0", "b", "0"]));
        assert_eq!(flat(h.run("ZUNION 1 x WEIGHTS x")), err("ERR weight value is not a float"));
        assert_eq!(flat(h.run("ZUNION 1 x AGGREGATE foo")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZUNION 2 x y WEIGHTS 1")), err("ERR syntax error"));
    }
}

//! ZDIFF numkeys key [key ...] [WITHSCORES]

use crate::prelude::*;

/// `ZDIFF`: the diff of sorted sets (sets count with score 1).
pub struct Zdiff;

impl Command for Zdiff {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zdiff",
            arity: -3,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "sortedset",
            summary: "Subtract multiple sorted sets",
            since: "6.2.0",
            complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
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
            crate::command_logic::zsets::Combine::Diff,
            false,
        )?;
        let resp3 = ctx.resp3();
        Ok(crate::command_logic::zsets::scored_reply(entries, with_scores, resp3))
    }
}

inventory::submit! { Registration::new(&Zdiff, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn combines() {
        let mut h = Harness::new();
        h.run("ZADD x 1 a 2 b");
        h.run("ZADD y 3 b 3 c");
        assert_eq!(flat(h.run("ZDIFF 2 x y WITHSCORES")), array(&["a", "1"]));
        assert_eq!(flat(h.run("ZDIFF 1 missing")), array(&[]));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZDIFF 2 x str")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(flat(h.run("ZDIFF 0 x")), err("ERR at least 1 input key is needed for 'zdiff' command"));
        assert_eq!(flat(h.run("ZDIFF 3 x y")), err("ERR syntax error"));
    }
}

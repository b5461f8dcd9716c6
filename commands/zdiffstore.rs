//! ZDIFFSTORE destination numkeys key [key ...]

use crate::prelude::*;

/// `ZDIFFSTORE`: stores the diff at the destination (deleted when empty); its size.
pub struct Zdiffstore;

impl Command for Zdiffstore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zdiffstore",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::MovableKeys],
            group: "sortedset",
            summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key",
            since: "6.2.0",
            complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
            keys: Keys::ONE,
            key_specs: &[
                KeySpec { flags: &["OW", "update"], ..KeySpec::DEFAULT },
                KeySpec {
                    flags: &["RO", "access"],
                    keys: Keys { first: 2, last: 2, step: 1 },
                    keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                    ..KeySpec::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let destination = args.next()?;
        let (entries, _) = crate::command_logic::zsets::combine(
            ctx,
            args,
            crate::command_logic::zsets::Combine::Diff,
            true,
        )?;
        let count = entries.len() as i64;
        crate::command_logic::zsets::store_zset(ctx, destination, &entries, "zdiffstore");
        Ok(Reply::Integer(count))
    }
}

inventory::submit! { Registration::new(&Zdiffstore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn stores() {
        let mut h = Harness::new();
        h.run("ZADD x 1 a 2 b");
        h.run("ZADD y 3 b 3 c");
        h.run("SET d v");
        let n = ["a", "1"].len() as i64 / 2;
        assert_eq!(flat(h.run("ZDIFFSTORE d 2 x y")), int(n));
        assert_eq!(flat(h.run("ZRANGE d 0 -1 WITHSCORES")), array(&["a", "1"]));
        assert_eq!(flat(h.run("ZDIFFSTORE d 1 missing")), int(0));
        assert_eq!(flat(h.run("EXISTS d")), int(0));
        assert_eq!(flat(h.run("ZDIFFSTORE d 1 x WITHSCORES")), err("ERR syntax error"));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZDIFFSTORE d 1 str")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(flat(h.run("ZDIFFSTORE str 1 x")), int(2), "the destination's type does not matter");
    }
}

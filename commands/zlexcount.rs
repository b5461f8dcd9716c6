//! ZLEXCOUNT key min max

use crate::prelude::*;

/// `ZLEXCOUNT`: the number of members in a lex range.
pub struct Zlexcount;

impl Command for Zlexcount {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zlexcount",
            arity: 4,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Count the number of members in a sorted set between a given lexicographical range",
            since: "2.8.9",
            complexity: "O(log(N)) with N being the number of elements in the sorted set.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let (min, max) = (args.next()?, args.next()?);
        let bounds = crate::command_logic::zsets::lex_bounds(min, max)?;
        Ok(Reply::Integer(ctx.db().get_typed::<ZSet>(key)?.map_or(0, |z| {
            let (start, end) = bounds.ranks(&z.view());
            end - start
        }) as i64))
    }
}

inventory::submit! { Registration::new(&Zlexcount, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_in_range() {
        let mut h = Harness::new();
        h.run("ZADD z 0 a 0 b 0 c 0 d");
        assert_eq!(flat(h.run("ZLEXCOUNT z - +")), int(4));
        assert_eq!(flat(h.run("ZLEXCOUNT z [b [c")), int(2));
        assert_eq!(flat(h.run("ZLEXCOUNT z (b [c")), int(1));
        assert_eq!(flat(h.run("ZLEXCOUNT z (b (b")), int(0));
        assert_eq!(flat(h.run("ZLEXCOUNT z + -")), int(0));
        assert_eq!(flat(h.run("ZLEXCOUNT z b c")), err("ERR min or max not valid string range item"));
        assert_eq!(flat(h.run("ZLEXCOUNT z - +x")), err("ERR min or max not valid string range item"));
        assert_eq!(flat(h.run("ZLEXCOUNT missing - +")), int(0));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZLEXCOUNT str - +")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

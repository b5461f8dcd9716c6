//! ZCOUNT key min max

use crate::prelude::*;

/// `ZCOUNT`: the number of members in a score range.
pub struct Zcount;

impl Command for Zcount {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zcount",
            arity: 4,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Count the members in a sorted set with scores within the given values",
            since: "2.0.0",
            complexity: "O(log(N)) with N being the number of elements in the sorted set.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let (min, max) = (args.next()?, args.next()?);
        let bounds = crate::command_logic::zsets::Bounds::Score(
            crate::command_logic::zsets::parse_score_bound(min)?,
            crate::command_logic::zsets::parse_score_bound(max)?,
        );
        Ok(Reply::Integer(ctx.db().get_typed::<ZSet>(key)?.map_or(0, |z| {
            let (start, end) = bounds.ranks(&z.view());
            end - start
        }) as i64))
    }
}

inventory::submit! { Registration::new(&Zcount, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_in_range() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c -inf m inf p");
        assert_eq!(flat(h.run("ZCOUNT z 1 3")), int(3));
        assert_eq!(flat(h.run("ZCOUNT z (1 3")), int(2));
        assert_eq!(flat(h.run("ZCOUNT z (1 (3")), int(1));
        assert_eq!(flat(h.run("ZCOUNT z -inf +inf")), int(5));
        assert_eq!(flat(h.run("ZCOUNT z 3 1")), int(0));
        assert_eq!(flat(h.run("ZCOUNT z '' 1")), int(1), "strtod reads the empty string as 0");
        assert_eq!(flat(h.run("ZCOUNT missing 0 1")), int(0));
        assert_eq!(flat(h.run("ZCOUNT z a 1")), err("ERR min or max is not a float"));
        assert_eq!(flat(h.run("ZCOUNT z 1 nan")), err("ERR min or max is not a float"));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZCOUNT str 0 1")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

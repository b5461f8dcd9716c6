//! ZREMRANGEBYLEX key min max

use crate::prelude::*;

/// `ZREMRANGEBYLEX`: removes the members in a lex range; the number removed.
pub struct Zremrangebylex;

impl Command for Zremrangebylex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zremrangebylex",
            arity: 4,
            flags: &[Flag::Write],
            group: "sortedset",
            summary: "Remove all members in a sorted set between the given lexicographical range",
            since: "2.8.9",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let (first, second) = (args.next()?, args.next()?);
        let bounds = crate::command_logic::zsets::lex_bounds(first, second)?;
        crate::command_logic::zsets::remove_range_command(ctx, key, "zremrangebylex", |zset| {
            bounds.ranks(&zset.view())
        })
    }
}

inventory::submit! { Registration::new(&Zremrangebylex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes_lex() {
        let mut h = Harness::new();
        h.run("ZADD z 0 a 0 b 0 c 0 d");
        assert_eq!(flat(h.run("ZREMRANGEBYLEX z (a [c")), int(2));
        assert_eq!(flat(h.run("ZRANGE z 0 -1")), array(&["a", "d"]));
        assert_eq!(flat(h.run("ZREMRANGEBYLEX z - +")), int(2));
        assert_eq!(flat(h.run("EXISTS z")), int(0));
        assert_eq!(flat(h.run("ZREMRANGEBYLEX z a +")), err("ERR min or max not valid string range item"));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZREMRANGEBYLEX str - +")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

//! ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]

use crate::prelude::*;

/// `ZRANGESTORE`: stores a range at the destination (deleted when empty); its size.
pub struct Zrangestore;

impl Command for Zrangestore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrangestore",
            arity: -5,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "sortedset",
            summary: "Store a range of members from sorted set into another key",
            since: "6.2.0",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
            keys: Keys { first: 1, last: 2, step: 1 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let destination = args.next()?;
        crate::command_logic::zsets::range_command(
            ctx,
            args,
            crate::command_logic::zsets::RangeKind::Auto,
            None,
            Some(destination),
        )
    }
}

inventory::submit! { Registration::new(&Zrangestore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn stores() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        h.run("SET d x");
        assert_eq!(flat(h.run("ZRANGESTORE d z 0 1")), int(2));
        assert_eq!(flat(h.run("ZRANGE d 0 -1 WITHSCORES")), array(&["a", "1", "b", "2"]));
        assert_eq!(flat(h.run("ZRANGESTORE d z +inf (1 BYSCORE REV LIMIT 0 1")), int(1));
        assert_eq!(flat(h.run("ZRANGE d 0 -1")), array(&["c"]));
        assert_eq!(flat(h.run("ZRANGESTORE d missing 0 -1")), int(0));
        assert_eq!(flat(h.run("EXISTS d")), int(0));
        assert_eq!(flat(h.run("ZRANGESTORE d z 0 -1 WITHSCORES")), err("ERR syntax error"));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZRANGESTORE d str 0 -1")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

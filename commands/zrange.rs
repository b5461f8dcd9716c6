//! ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]

use crate::prelude::*;

/// `ZRANGE`: members in a range, optionally with scores.
pub struct Zrange;

impl Command for Zrange {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrange",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "sortedset",
            summary: "Return a range of members in a sorted set",
            since: "1.2.0",
            complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::range_command(
            ctx,
            args,
            crate::command_logic::zsets::RangeKind::Auto,
            None,
            None,
        )
    }
}

inventory::submit! { Registration::new(&Zrange, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn by_rank_score_and_lex() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c 4 d");
        assert_eq!(flat(h.run("ZRANGE z 0 -1")), array(&["a", "b", "c", "d"]));
        assert_eq!(flat(h.run("ZRANGE z -2 100")), array(&["c", "d"]));
        assert_eq!(flat(h.run("ZRANGE z 2 1")), array(&[]));
        assert_eq!(flat(h.run("ZRANGE z 0 1 REV")), array(&["d", "c"]));
        assert_eq!(flat(h.run("ZRANGE z (1 3 BYSCORE")), array(&["b", "c"]));
        assert_eq!(flat(h.run("ZRANGE z 3 (1 BYSCORE REV")), array(&["c", "b"]));
        assert_eq!(flat(h.run("ZRANGE z -inf +inf BYSCORE LIMIT 1 2")), array(&["b", "c"]));
        assert_eq!(flat(h.run("ZRANGE z -inf +inf BYSCORE LIMIT 1 -1")), array(&["b", "c", "d"]));
        assert_eq!(flat(h.run("ZRANGE z -inf +inf BYSCORE LIMIT -1 2")), array(&[]));
        assert_eq!(flat(h.run("ZRANGE z [b (d BYLEX")), array(&["b", "c"]));
        assert_eq!(flat(h.run("ZRANGE z + - BYLEX REV LIMIT 0 2")), array(&["d", "c"]));
        assert_eq!(flat(h.run("ZRANGE z 0 0 WITHSCORES")), array(&["a", "1"]));
        h.run("HELLO 3");
        assert_eq!(h.wire("ZRANGE z 0 0 WITHSCORES"), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
        assert_eq!(h.wire("ZRANGE missing 0 -1"), "*0\r\n");
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a");
        assert_eq!(
            flat(h.run("ZRANGE z 0 -1 LIMIT 0 1")),
            err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        );
        assert_eq!(
            flat(h.run("ZRANGE z - + BYLEX WITHSCORES")),
            err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        );
        assert_eq!(flat(h.run("ZRANGE z 0 -1 BYSCORE BYLEX")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZRANGE z 0 -1 REV REV")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZRANGE z 0 -1 LIMIT 0")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZRANGE z a -1")), err("ERR value is not an integer or out of range"));
        assert_eq!(flat(h.run("ZRANGE z a b BYSCORE")), err("ERR min or max is not a float"));
        assert_eq!(flat(h.run("ZRANGE z a b BYLEX")), err("ERR min or max not valid string range item"));
        assert_eq!(
            flat(h.run("ZRANGE z 0 1 BYSCORE LIMIT x 1")),
            err("ERR value is not an integer or out of range")
        );
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZRANGE str 0 -1")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            flat(h.run("ZRANGE str a -1")),
            err("ERR value is not an integer or out of range"),
            "arguments before the key"
        );
    }

    #[test]
    fn big_sets_rank_from_the_tree() {
        let mut h = Harness::new();
        for i in 0..300 {
            h.run(&format!("ZADD z {i} m{i:03}"));
        }
        assert_eq!(flat(h.run("OBJECT ENCODING z")), bulk("skiplist"));
        assert_eq!(flat(h.run("ZRANGE z 150 152")), array(&["m150", "m151", "m152"]));
        assert_eq!(flat(h.run("ZRANGE z 0 1 REV")), array(&["m299", "m298"]));
        assert_eq!(flat(h.run("ZRANGE z (10 12 BYSCORE")), array(&["m011", "m012"]));
        assert_eq!(flat(h.run("ZRANK z m200")), int(200));
    }
}

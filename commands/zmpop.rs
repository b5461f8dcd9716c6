//! ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]

use crate::prelude::*;

/// `ZMPOP`: pops from the first non-empty sorted set: `[key, [[member, score], ...]]`, nil when all are empty.
pub struct Zmpop;

impl Command for Zmpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zmpop",
            arity: -4,
            flags: &[Flag::Write, Flag::MovableKeys],
            group: "sortedset",
            summary: "Remove and return members with scores in a sorted set",
            since: "7.0.0",
            complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                keys: Keys { first: 1, last: 1, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        use crate::command_logic::zset_pops::{parse_zmpop, zmpop};
        let mpop = parse_zmpop(args)?;
        Ok(zmpop(ctx, &mpop)?.unwrap_or(Reply::NullArray))
    }
}

inventory::submit! { Registration::new(&Zmpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn pops_from_the_first_non_empty() {
        let mut h = Harness::new();
        h.run("ZADD b 1 x 2 y 3 z");
        assert_eq!(h.wire("ZMPOP 2 a b MIN"), "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n");
        assert_eq!(
            h.wire("ZMPOP 2 a b MAX COUNT 5"),
            "*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n"
        );
        assert_eq!(h.wire("ZMPOP 1 b MIN"), "*-1\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("ZMPOP 1 b MIN"), "_\r\n");
        h.run("ZADD b 1.5 x");
        assert_eq!(h.wire("ZMPOP 1 b MIN"), "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nx\r\n,1.5\r\n");
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        assert_eq!(flat(h.run("ZMPOP 0 z MIN")), err("ERR numkeys should be greater than 0"));
        assert_eq!(flat(h.run("ZMPOP 1 z FOO")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZMPOP 2 z MIN")), err("ERR syntax error"));
        assert_eq!(flat(h.run("ZMPOP 1 z MIN COUNT 0")), err("ERR count should be greater than 0"));
        assert_eq!(flat(h.run("ZMPOP 1 z MIN COUNT 1 COUNT 2")), err("ERR syntax error"));
        assert_eq!(
            flat(h.run("ZMPOP 1 str MIN")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        // As in Redis, only keys before the first non-empty one are checked.
        h.run("ZADD z 1 a");
        assert_eq!(h.wire("ZMPOP 2 z str MIN"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
        assert_eq!(h.propagated(), logged(&["ZPOPMIN z 1"]));
    }
}

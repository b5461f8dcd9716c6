//! BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]

use crate::prelude::*;

/// `BZMPOP`: Remove and return members with scores in a sorted set or block until one is available
pub struct Bzmpop;

impl Command for Bzmpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bzmpop",
            arity: -5,
            flags: &[Flag::Write, Flag::Blocking, Flag::MovableKeys],
            group: "sortedset",
            summary: "Remove and return members with scores in a sorted set or block until one is available",
            since: "7.0.0",
            complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                keys: Keys { first: 2, last: 2, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zset_pops::blocking_mpop(ctx, args)
    }
}

inventory::submit! { Registration::new(&Bzmpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_or_asks_to_block() {
        let mut h = Harness::new();
        h.run("ZADD b 1 x 2 y 3 z");
        assert_eq!(
            h.wire("BZMPOP 0 2 a b MAX COUNT 2"),
            "*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n"
        );
        assert_eq!(h.propagated(), logged(&["ZPOPMAX b 2"]));
        assert_eq!(
            h.wire("BZMPOP 0 1 b MIN COUNT 10"),
            "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n"
        );
        assert_eq!(h.propagated(), logged(&["ZPOPMIN b 1"]), "logged with the count popped");
        assert_eq!(h.run("BZMPOP 2.5 2 a b MIN"), Reply::None);
        let request = h.client.blocked.take().expect("blocks");
        assert_eq!(request.keys, vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(request.deadline_ms, Some(START_MS + 2500));
        assert_eq!(request.timeout_reply, Reply::NullArray);
        h.run("HELLO 3");
        h.run("ZADD a 0.5 m");
        assert_eq!(h.wire("BZMPOP 0 1 a MIN"), "*2\r\n$1\r\na\r\n*1\r\n*2\r\n$1\r\nm\r\n,0.5\r\n");
    }

    #[test]
    fn errors_in_redis_order() {
        let mut h = Harness::new();
        h.run("SET s v");
        assert_eq!(h.run("BZMPOP x 0 a MIN"), err("ERR numkeys should be greater than 0"));
        assert_eq!(h.run("BZMPOP -1 1 a FOO"), err("ERR syntax error"));
        assert_eq!(h.run("BZMPOP x 1 a MIN COUNT 0"), err("ERR count should be greater than 0"));
        assert_eq!(h.run("BZMPOP x 1 a MIN"), err("ERR timeout is not a float or out of range"));
        assert_eq!(h.run("BZMPOP -1 1 a MIN"), err("ERR timeout is negative"));
        assert_eq!(h.run("BZMPOP 0 2 a MIN"), err("ERR syntax error"));
        assert_eq!(h.run("BZMPOP 0 1 a MIN COUNT"), err("ERR syntax error"));
        assert_eq!(h.run("BZMPOP 0 1 a MIN COUNT 1 COUNT 2"), err("ERR syntax error"));
        assert_eq!(h.run("BZMPOP 0 1 a"), err("ERR wrong number of arguments for 'bzmpop' command"));
        assert_eq!(
            h.run("BZMPOP 0 1 s MIN"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert!(h.client.blocked.is_none());
    }
}

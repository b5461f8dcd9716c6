//! BZPOPMAX key [key ...] timeout

use crate::prelude::*;

/// `BZPOPMAX`: Remove and return the member with the highest score from one or more sorted sets, or block until one is available
pub struct Bzpopmax;

impl Command for Bzpopmax {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bzpopmax",
            arity: -3,
            flags: &[Flag::Write, Flag::NoScript, Flag::Blocking, Flag::Fast],
            group: "sortedset",
            summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
            since: "5.0.0",
            complexity: "O(log(N)) with N being the number of elements in the sorted set.",
            keys: Keys { first: 1, last: -2, step: 1 },
            key_specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                keys: Keys { first: 1, last: -2, step: 1 },
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zset_pops::blocking_pop(ctx, args, true)
    }
}

inventory::submit! { Registration::new(&Bzpopmax, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_the_first_non_empty_key_or_asks_to_block() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("BZPOPMAX none z 0")), array(&["z", "c", "3"]));
        assert_eq!(h.propagated(), logged(&["ZPOPMAX z"]));
        assert_eq!(h.run("BZPOPMAX none 1.5"), Reply::None);
        let request = h.client.blocked.take().expect("blocks");
        assert_eq!(request.keys, vec![b"none".to_vec()]);
        assert_eq!(request.deadline_ms, Some(START_MS + 1500));
        assert_eq!(request.timeout_reply, Reply::NullArray);
        assert_eq!(h.propagated(), Some(vec![]), "blocking propagates nothing");
        assert_eq!(h.run("BZPOPMAX none 0"), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().deadline_ms, None, "0 waits forever");
        h.run("HELLO 3");
        h.run("DEL z");
        h.run("ZADD z 1.5 b");
        assert_eq!(h.wire("BZPOPMAX z 0"), "*3\r\n$1\r\nz\r\n$1\r\nb\r\n,1.5\r\n");
        assert_eq!(h.run("EXISTS z"), int(0), "the emptied key is gone");
    }

    #[test]
    fn errors_and_other_types() {
        let mut h = Harness::new();
        h.run("SET s v");
        h.run("ZADD z 1 a");
        assert_eq!(h.run("BZPOPMAX z -1"), err("ERR timeout is negative"));
        assert_eq!(h.run("BZPOPMAX z 1e30"), err("ERR timeout is negative"));
        assert_eq!(h.run("BZPOPMAX z x"), err("ERR timeout is not a float or out of range"));
        assert_eq!(h.run("BZPOPMAX z"), err("ERR wrong number of arguments for 'bzpopmax' command"));
        assert_eq!(
            h.run("BZPOPMAX s z 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            flat(h.run("BZPOPMAX z s 0")),
            array(&["z", "a", "1"]),
            "keys after the served one are not checked"
        );
        // Woken, a blocked client keeps waiting on a key of another type, as in Redis.
        h.client.rerun = true;
        assert_eq!(h.run("BZPOPMAX s 0"), Reply::None);
        assert!(h.client.blocked.take().is_some());
    }
}

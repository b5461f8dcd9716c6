//! BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]

use crate::command_logic::lists::{block, parse_timeout};
use crate::prelude::*;

/// `BLMPOP`: Pop elements from the first non-empty list, or block until one is available
pub struct Blmpop;

impl Command for Blmpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "blmpop",
            arity: -5,
            flags: &[Flag::Write, Flag::Blocking, Flag::MovableKeys],
            group: "list",
            summary: "Pop elements from the first non-empty list, or block until one is available",
            since: "7.0.0",
            complexity:
                "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
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
        let deadline = parse_timeout(args.next()?, ctx.now_ms())?;
        let mpop = crate::command_logic::lists::parse_mpop(args)?;
        match crate::command_logic::lists::mpop(ctx, &mpop)? {
            Some(reply) => Ok(reply),
            None => block(ctx, &mpop.keys, deadline, Reply::NullArray),
        }
    }
}

inventory::submit! { Registration::new(&Blmpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_or_asks_to_block() {
        let mut h = Harness::new();
        h.run("RPUSH b 1 2 3");
        assert_eq!(h.run("BLMPOP 0 2 a b RIGHT COUNT 2"), Reply::Array(vec![bulk("b"), array(&["3", "2"])]));
        assert_eq!(h.propagated(), logged(&["RPOP b 2"]));
        assert_eq!(h.run("BLMPOP 0 1 a LEFT"), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().keys, vec![b"a".to_vec()]);
        assert_eq!(h.run("BLMPOP 0 0 a LEFT"), err("ERR numkeys should be greater than 0"));
        assert_eq!(h.run("BLMPOP 0 2 a LEFT"), err("ERR syntax error"));
        assert_eq!(h.run("BLMPOP -1 1 a LEFT"), err("ERR timeout is negative"));
    }

    #[test]
    fn a_woken_client_keeps_waiting_on_a_key_of_another_type() {
        let mut h = Harness::new();
        h.run("SET s v");
        h.run("RPUSH l a");
        h.client.rerun = true;
        assert_eq!(h.run("BLMPOP 0 1 s LEFT"), Reply::None);
        assert!(h.client.blocked.take().is_some());
        assert_eq!(h.run("BLMPOP 0 2 s l LEFT"), Reply::Array(vec![bulk("l"), array(&["a"])]));
    }
}

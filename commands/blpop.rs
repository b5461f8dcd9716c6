//! BLPOP key [key ...] timeout

use crate::prelude::*;
use crate::store::End;

/// `BLPOP`: Remove and get the first element in a list, or block until one is available
pub struct Blpop;

impl Command for Blpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "blpop",
            arity: -3,
            flags: &[Flag::Write, Flag::NoScript, Flag::Blocking],
            group: "list",
            summary: "Remove and get the first element in a list, or block until one is available",
            since: "2.0.0",
            complexity: "O(N) where N is the number of provided keys.",
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
        crate::command_logic::lists::blocking_pop(ctx, args, End::Left)
    }
}

inventory::submit! { Registration::new(&Blpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_the_first_non_empty_key_or_asks_to_block() {
        let mut h = Harness::new();
        h.run("RPUSH b 1 2");
        assert_eq!(h.run("BLPOP a b 0"), Reply::Array(vec![bulk("b"), bulk("1")]));
        assert_eq!(h.propagated(), logged(&["LPOP b"]));
        assert_eq!(h.run("BLPOP a 1.5"), Reply::None);
        let request = h.client.blocked.take().expect("blocks");
        assert_eq!(request.keys, vec![b"a".to_vec()]);
        assert_eq!(request.deadline_ms, Some(START_MS + 1500));
        assert_eq!(request.timeout_reply, Reply::NullArray);
        assert_eq!(h.propagated(), Some(vec![]), "blocking propagates nothing");
        assert_eq!(h.run("BLPOP a 0"), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().deadline_ms, None, "0 waits forever");
        assert_eq!(h.run("BLPOP a -1"), err("ERR timeout is negative"));
        assert_eq!(h.run("BLPOP a 1e30"), err("ERR timeout is negative"));
        assert_eq!(h.run("BLPOP a x"), err("ERR timeout is not a float or out of range"));
        h.run("SET s v");
        assert_eq!(
            h.run("BLPOP s 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert!(h.client.blocked.is_none());
    }

    #[test]
    fn a_hundred_thousand_keys() {
        let mut h = Harness::new();
        let keys: Vec<String> = (0..100_000).map(|i| format!("k{i}")).collect();
        assert_eq!(h.run(&format!("BLPOP {} 0", keys.join(" "))), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().keys.len(), 100_000);
    }

    #[test]
    fn a_woken_client_keeps_waiting_on_a_key_of_another_type() {
        let mut h = Harness::new();
        h.run("SET s v");
        h.run("RPUSH l a");
        h.client.rerun = true;
        assert_eq!(h.run("BLPOP s 0"), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().keys, vec![b"s".to_vec()]);
        assert_eq!(h.run("BLPOP s l 0"), Reply::Array(vec![bulk("l"), bulk("a")]));
    }
}

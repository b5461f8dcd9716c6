//! BRPOP key [key ...] timeout

use crate::prelude::*;
use crate::store::End;

/// `BRPOP`: Remove and get the last element in a list, or block until one is available
pub struct Brpop;

impl Command for Brpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "brpop",
            arity: -3,
            flags: &[Flag::Write, Flag::NoScript, Flag::Blocking],
            group: "list",
            summary: "Remove and get the last element in a list, or block until one is available",
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
        crate::command_logic::lists::blocking_pop(ctx, args, End::Right)
    }
}

inventory::submit! { Registration::new(&Brpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_from_the_right() {
        let mut h = Harness::new();
        h.run("RPUSH a 1 2");
        assert_eq!(h.run("BRPOP a 0"), Reply::Array(vec![bulk("a"), bulk("2")]));
        assert_eq!(h.propagated(), logged(&["RPOP a"]));
        assert_eq!(h.run("BRPOP none 0.01"), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().deadline_ms, Some(START_MS + 10));
    }

    #[test]
    fn a_woken_client_keeps_waiting_on_a_key_of_another_type() {
        let mut h = Harness::new();
        h.run("SET s v");
        h.client.rerun = true;
        assert_eq!(h.run("BRPOP s 0"), Reply::None);
        assert!(h.client.blocked.take().is_some());
    }
}

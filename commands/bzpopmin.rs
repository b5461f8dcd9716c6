//! BZPOPMIN key [key ...] timeout

use crate::prelude::*;

/// `BZPOPMIN`: Remove and return the member with the lowest score from one or more sorted sets, or block until one is available
pub struct Bzpopmin;

impl Command for Bzpopmin {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bzpopmin",
            arity: -3,
            flags: &[Flag::Write, Flag::NoScript, Flag::Blocking, Flag::Fast],
            group: "sortedset",
            summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
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
        crate::command_logic::zset_pops::blocking_pop(ctx, args, false)
    }
}

inventory::submit! { Registration::new(&Bzpopmin, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::zset_pops::checks::*;

    #[test]
    fn pops_the_first_non_empty_key_or_asks_to_block() {
        check_blocking_pop("BZPOPMIN", &["z", "a", "1"], "ZPOPMIN z");
    }

    #[test]
    fn errors_and_other_types() {
        check_blocking_pop_errors("BZPOPMIN");
    }
}

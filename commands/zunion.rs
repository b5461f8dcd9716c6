//! ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]

use crate::prelude::*;

/// `ZUNION`: the union of sorted sets (sets count with score 1).
pub struct Zunion;

impl Command for Zunion {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zunion",
            arity: -3,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "sortedset",
            summary: "Add multiple sorted sets",
            since: "6.2.0",
            complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RO", "access"],
                keys: Keys { first: 1, last: 1, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::combine_reply(ctx, args, crate::command_logic::zsets::Combine::Union)
    }
}

inventory::submit! { Registration::new(&Zunion, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn combines() {
        check_zset_combine("ZUNION", &["a", "1", "c", "3", "b", "5"]);
    }

    #[test]
    fn weights_and_aggregate() {
        check_zset_weights("ZUNION", &["a", "2", "c", "3", "b", "4"], &["c", "-inf", "b", "0", "a", "inf"]);
    }
}

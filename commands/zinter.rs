//! ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]

use crate::prelude::*;

/// `ZINTER`: the inter of sorted sets (sets count with score 1).
pub struct Zinter;

impl Command for Zinter {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zinter",
            arity: -3,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "sortedset",
            summary: "Intersect multiple sorted sets",
            since: "6.2.0",
            complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
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
        crate::command_logic::zsets::combine_reply(ctx, args, crate::command_logic::zsets::Combine::Inter)
    }
}

inventory::submit! { Registration::new(&Zinter, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn combines() {
        check_zset_combine("ZINTER", &["b", "5"]);
    }

    #[test]
    fn weights_and_aggregate() {
        check_zset_weights("ZINTER", &["b", "4"], &["b", "0"]);
    }
}

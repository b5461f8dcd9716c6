//! ZDIFF numkeys key [key ...] [WITHSCORES]

use crate::prelude::*;

/// `ZDIFF`: the diff of sorted sets (sets count with score 1).
pub struct Zdiff;

impl Command for Zdiff {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zdiff",
            arity: -3,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "sortedset",
            summary: "Subtract multiple sorted sets",
            since: "6.2.0",
            complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
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
        crate::command_logic::zsets::combine_reply(ctx, args, crate::command_logic::zsets::Combine::Diff)
    }
}

inventory::submit! { Registration::new(&Zdiff, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn combines() {
        check_zset_combine("ZDIFF", &["a", "1"]);
    }
}

//! ZDIFFSTORE destination numkeys key [key ...]

use crate::prelude::*;

/// `ZDIFFSTORE`: stores the diff at the destination (deleted when empty); its size.
pub struct Zdiffstore;

impl Command for Zdiffstore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zdiffstore",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::MovableKeys],
            group: "sortedset",
            summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key",
            since: "6.2.0",
            complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
            keys: Keys::ONE,
            key_specs: &[
                KeySpec { flags: &["OW", "update"], ..KeySpec::DEFAULT },
                KeySpec {
                    flags: &["RO", "access"],
                    keys: Keys { first: 2, last: 2, step: 1 },
                    keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                    ..KeySpec::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::combine_store(
            ctx,
            args,
            crate::command_logic::zsets::Combine::Diff,
            "zdiffstore",
        )
    }
}

inventory::submit! { Registration::new(&Zdiffstore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn stores() {
        check_zset_store("ZDIFFSTORE", &["a", "1"]);
    }
}

//! ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]

use crate::prelude::*;

/// `ZINTERSTORE`: stores the inter at the destination (deleted when empty); its size.
pub struct Zinterstore;

impl Command for Zinterstore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zinterstore",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::MovableKeys],
            group: "sortedset",
            summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key",
            since: "2.0.0",
            complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
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
            crate::command_logic::zsets::Combine::Inter,
            "zinterstore",
        )
    }
}

inventory::submit! { Registration::new(&Zinterstore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn stores() {
        check_zset_store("ZINTERSTORE", &["b", "5"]);
    }
}

//! SINTERSTORE destination key [key ...]

use crate::prelude::*;

/// `SINTERSTORE`: stores the intersection at the destination (deleted when empty); its size.
pub struct Sinterstore;

impl Command for Sinterstore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sinterstore",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "set",
            summary: "Intersect multiple sets and store the resulting set in a key",
            since: "1.0.0",
            complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_store(
            ctx,
            args,
            crate::command_logic::sets::Algebra::Inter,
            "sinterstore",
        )
    }
}

inventory::submit! { Registration::new(&Sinterstore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn stores_and_overwrites() {
        check_set_store("SINTERSTORE", 1);
    }

    #[test]
    fn empty_result_deletes_the_destination() {
        check_set_store_empty("SINTERSTORE");
    }
}

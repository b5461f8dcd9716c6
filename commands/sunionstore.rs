//! SUNIONSTORE destination key [key ...]

use crate::prelude::*;

/// `SUNIONSTORE`: stores the union at the destination (deleted when empty); its size.
pub struct Sunionstore;

impl Command for Sunionstore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sunionstore",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "set",
            summary: "Add multiple sets and store the resulting set in a key",
            since: "1.0.0",
            complexity: "O(N) where N is the total number of elements in all given sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_store(
            ctx,
            args,
            crate::command_logic::sets::Algebra::Union,
            "sunionstore",
        )
    }
}

inventory::submit! { Registration::new(&Sunionstore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn stores_and_overwrites() {
        check_set_store("SUNIONSTORE", 4);
    }

    #[test]
    fn empty_result_deletes_the_destination() {
        check_set_store_empty("SUNIONSTORE");
    }
}

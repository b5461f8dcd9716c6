//! SDIFFSTORE destination key [key ...]

use crate::prelude::*;

/// `SDIFFSTORE`: stores the difference of the first set and the others at the destination (deleted when empty); its size.
pub struct Sdiffstore;

impl Command for Sdiffstore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sdiffstore",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "set",
            summary: "Subtract multiple sets and store the resulting set in a key",
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
            crate::command_logic::sets::Algebra::Diff,
            "sdiffstore",
        )
    }
}

inventory::submit! { Registration::new(&Sdiffstore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn stores_and_overwrites() {
        check_set_store("SDIFFSTORE", 2);
    }

    #[test]
    fn empty_result_deletes_the_destination() {
        check_set_store_empty("SDIFFSTORE");
    }
}

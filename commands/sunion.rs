//! SUNION key [key ...]

use crate::prelude::*;

/// `SUNION`: the union (a set in RESP3); a missing key is an empty set.
pub struct Sunion;

impl Command for Sunion {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sunion",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Add multiple sets",
            since: "1.0.0",
            complexity: "O(N) where N is the total number of elements in all given sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_reply(ctx, args, crate::command_logic::sets::Algebra::Union)
    }
}

inventory::submit! { Registration::new(&Sunion, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn combines() {
        check_set_combine("SUNION", &["1", "2", "3", "4", "x", "y"]);
    }

    #[test]
    fn wrong_type_anywhere() {
        check_set_combine_wrong_type("SUNION");
    }
}

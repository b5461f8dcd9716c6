//! SDIFF key [key ...]

use crate::prelude::*;

/// `SDIFF`: the difference of the first set and the others (a set in RESP3); a missing key is an empty set.
pub struct Sdiff;

impl Command for Sdiff {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sdiff",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Subtract multiple sets",
            since: "1.0.0",
            complexity: "O(N) where N is the total number of elements in all given sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_reply(ctx, args, crate::command_logic::sets::Algebra::Diff)
    }
}

inventory::submit! { Registration::new(&Sdiff, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn combines() {
        check_set_combine("SDIFF", &["1"]);
    }

    #[test]
    fn wrong_type_anywhere() {
        check_set_combine_wrong_type("SDIFF");
    }
}

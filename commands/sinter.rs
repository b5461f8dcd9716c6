//! SINTER key [key ...]

use crate::prelude::*;

/// `SINTER`: the intersection (a set in RESP3); a missing key is an empty set.
pub struct Sinter;

impl Command for Sinter {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sinter",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Intersect multiple sets",
            since: "1.0.0",
            complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_reply(ctx, args, crate::command_logic::sets::Algebra::Inter)
    }
}

inventory::submit! { Registration::new(&Sinter, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn combines() {
        check_set_combine("SINTER", &["3", "x"]);
    }

    #[test]
    fn wrong_type_anywhere() {
        check_set_combine_wrong_type("SINTER");
    }
}

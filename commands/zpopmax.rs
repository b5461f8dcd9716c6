//! ZPOPMAX key [count]

use crate::prelude::*;

/// `ZPOPMAX`: removes and returns the members with the highest scores.
pub struct Zpopmax;

impl Command for Zpopmax {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zpopmax",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "sortedset",
            summary: "Remove and return members with the highest scores in a sorted set",
            since: "5.0.0",
            complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::pop_command(ctx, args, true)
    }
}

inventory::submit! { Registration::new(&Zpopmax, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn pops() {
        check_pop("ZPOPMAX", &["c", "3"], &["b", "2", "a", "1"]);
    }

    #[test]
    fn errors() {
        check_pop_errors("ZPOPMAX");
    }
}

//! ZPOPMIN key [count]

use crate::prelude::*;

/// `ZPOPMIN`: removes and returns the members with the lowest scores.
pub struct Zpopmin;

impl Command for Zpopmin {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zpopmin",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "sortedset",
            summary: "Remove and return members with the lowest scores in a sorted set",
            since: "5.0.0",
            complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::pop_command(ctx, args, false)
    }
}

inventory::submit! { Registration::new(&Zpopmin, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn pops() {
        check_pop("ZPOPMIN", &["a", "1"], &["b", "2", "c", "3"]);
    }

    #[test]
    fn errors() {
        check_pop_errors("ZPOPMIN");
    }
}

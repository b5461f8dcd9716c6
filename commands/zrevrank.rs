//! ZREVRANK key member

use crate::prelude::*;

/// `ZREVRANK`: a member's rank (highest score first), nil when absent.
pub struct Zrevrank;

impl Command for Zrevrank {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrevrank",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Determine the index of a member in a sorted set, with scores ordered from high to low",
            since: "2.0.0",
            complexity: "O(log(N))",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::rank_command(ctx, args, true)
    }
}

inventory::submit! { Registration::new(&Zrevrank, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn ranks() {
        check_rank("ZREVRANK", 2, 0);
    }
}

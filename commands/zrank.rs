//! ZRANK key member

use crate::prelude::*;

/// `ZRANK`: a member's rank (lowest score first), nil when absent.
pub struct Zrank;

impl Command for Zrank {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrank",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Determine the index of a member in a sorted set",
            since: "2.0.0",
            complexity: "O(log(N))",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::zsets::rank_command(ctx, args, false)
    }
}

inventory::submit! { Registration::new(&Zrank, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::set_checks::*;

    #[test]
    fn ranks() {
        check_rank("ZRANK", 0, 2);
    }
}

//! RPOP key [count]

use crate::prelude::*;

/// `RPOP`: Remove and get the last elements in a list
pub struct Rpop;

impl Command for Rpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "rpop",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "list",
            summary: "Remove and get the last elements in a list",
            since: "1.0.0",
            complexity: "O(N) where N is the number of elements returned",
            keys: Keys::ONE,
            key_specs: {
                const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "access", "delete"])];
                SPECS
            },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::lists::pop_command(ctx, args, crate::store::End::Right)
    }
}

inventory::submit! { Registration::new(&Rpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_from_the_right() {
        let mut h = Harness::new();
        h.run("RPUSH l a b c");
        assert_eq!(h.run("RPOP l"), bulk("c"));
        assert_eq!(h.run("RPOP l 5"), array(&["b", "a"]));
        assert_eq!(h.run("RPOP l"), Reply::Null);
    }
}

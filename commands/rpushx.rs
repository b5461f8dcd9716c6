//! RPUSHX key element [element ...]

use crate::prelude::*;

/// `RPUSHX`: Append an element to a list, only if the list exists
pub struct Rpushx;

impl Command for Rpushx {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "rpushx",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "list",
            summary: "Append an element to a list, only if the list exists",
            since: "2.2.0",
            complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
            keys: Keys::ONE,
            key_specs: {
 const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "insert"])];
 SPECS
 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::lists::push(ctx, args, crate::store::End::Right, true)
    }
}

inventory::submit! { Registration::new(&Rpushx, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn only_an_existing_list() {
        let mut h = Harness::new();
        assert_eq!(h.run("RPUSHX l a"), int(0));
        h.run("RPUSH l x");
        assert_eq!(h.run("RPUSHX l a b"), int(3));
        assert_eq!(h.run("LRANGE l 0 -1"), array(&["x", "a", "b"]));
    }
}

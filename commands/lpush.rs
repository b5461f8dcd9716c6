//! LPUSH key element [element ...]

use crate::prelude::*;

/// `LPUSH`: Prepend one or multiple elements to a list
pub struct Lpush;

impl Command for Lpush {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lpush",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "list",
            summary: "Prepend one or multiple elements to a list",
            since: "1.0.0",
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
        crate::command_logic::lists::push(ctx, args, crate::store::End::Left, false)
    }
}

inventory::submit! { Registration::new(&Lpush, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn prepends_in_argument_order() {
        let mut h = Harness::new();
        assert_eq!(h.run("LPUSH l a b c"), int(3));
        assert_eq!(h.run("LPUSH l d"), int(4));
        assert_eq!(h.run("LRANGE l 0 -1"), array(&["d", "c", "b", "a"]));
        assert_eq!(h.run("TYPE l"), Reply::simple("list"));
        assert_eq!(h.run("OBJECT ENCODING l"), bulk("quicklist"));
        h.run("SET s v");
        assert_eq!(
            h.run("LPUSH s a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("GET l"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
        assert_eq!(h.run("LPUSH l"), err("ERR wrong number of arguments for 'lpush' command"));
    }
}

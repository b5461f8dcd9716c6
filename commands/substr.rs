//! SUBSTR key start end

use crate::prelude::*;

/// `SUBSTR`: the old name of `GETRANGE`.
pub struct Substr;

impl Command for Substr {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "substr",
            arity: 4,
            flags: &[Flag::Readonly],
            group: "string",
            summary: "Get a substring of the string stored at a key",
            complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::strings::get_range(ctx, args)
    }
}

inventory::submit! { Registration::new(&Substr, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn same_as_getrange() {
        let mut h = Harness::new();
        h.run("SET s \"Hello World\"");
        assert_eq!(h.run("SUBSTR s 0 4"), bulk("Hello"));
        assert_eq!(h.run("SUBSTR s -5 -1"), bulk("World"));
        assert_eq!(h.run("SUBSTR s -3 -4"), bulk(""));
        assert_eq!(h.run("SUBSTR nokey 0 1"), bulk(""));
        assert_eq!(h.run("SUBSTR s a 1"), err("ERR value is not an integer or out of range"));
        h.run("HSET h f v");
        assert_eq!(
            h.run("SUBSTR h 0 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SUBSTR s 0"), err("ERR wrong number of arguments for 'substr' command"));
    }
}

//! TYPE key

use crate::prelude::*;

/// `TYPE key`: `string`, `hash`, or `none`.
pub struct Type;

impl Command for Type {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "type",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary: "Determines the type of value stored at a key.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        // Redis's TYPE counts a hit or miss but leaves the access time alone.
        let value = crate::command_logic::keys::lookup_no_touch(ctx.db(), key);
        Ok(Reply::simple(value.map_or("none", Value::type_name)))
    }
}

inventory::submit! { Registration::new(&Type, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn type_leaves_the_access_time() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.advance_ms(10_000);
        assert_eq!(h.run("TYPE k"), crate::protocol::Reply::simple("string"));
        assert_eq!(h.run("OBJECT IDLETIME k"), int(10), "OBJECT IDLETIME keeps counting");
    }

    #[test]
    fn names_each_type() {
        let mut h = Harness::new();
        h.run("SET s v");
        h.run("HSET h f v");
        assert_eq!(h.wire("TYPE s"), "+string\r\n");
        assert_eq!(h.wire("TYPE h"), "+hash\r\n");
        assert_eq!(h.wire("TYPE nope"), "+none\r\n");
        assert_eq!(h.run("TYPE"), err("ERR wrong number of arguments for 'type' command"));
    }
}

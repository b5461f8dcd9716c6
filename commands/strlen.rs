//! STRLEN key

use crate::prelude::*;

/// `STRLEN`: the length in bytes of the string at `key`, 0 if absent.
pub struct Strlen;

impl Command for Strlen {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "strlen",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "string",
            summary: "Get the length of the value stored in a key",
            since: "2.2.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        Ok(Reply::Integer(ctx.db().get_string(key)?.map_or(0, |s| s.len() as i64)))
    }
}

inventory::submit! { Registration::new(&Strlen, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn byte_length() {
        let mut h = Harness::new();
        assert_eq!(h.run("STRLEN k"), int(0));
        h.run("SET k \"Hello world\"");
        assert_eq!(h.run("STRLEN k"), int(11));
        h.run_args(&["SET", "u", "é\x00"]);
        assert_eq!(h.run("STRLEN u"), int(3), "bytes, not characters");
        h.run("SET n -123");
        assert_eq!(h.run("STRLEN n"), int(4));
        h.run("SET e \"\"");
        assert_eq!(h.run("STRLEN e"), int(0));
        h.run("SET x v PX 1");
        h.advance_ms(1);
        assert_eq!(h.run("STRLEN x"), int(0));
    }

    #[test]
    fn wrong_type_and_arity() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        assert_eq!(
            h.run("STRLEN h"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("STRLEN a b"), err("ERR wrong number of arguments for 'strlen' command"));
    }
}

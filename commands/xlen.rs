//! XLEN key

use crate::command_logic::streams::get_stream;
use crate::prelude::*;

/// `XLEN`: Return the number of entries in a stream
pub struct Xlen;

impl Command for Xlen {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xlen",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "stream",
            summary: "Return the number of entries in a stream",
            since: "5.0.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            key_specs: &[KeySpec { keys: Keys::ONE, flags: &["RO"], ..KeySpec::DEFAULT }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        args.finish()?;
        Ok(Reply::Integer(get_stream(ctx, key)?.map_or(0, |s| s.len() as i64)))
    }
}

inventory::submit! { Registration::new(&Xlen, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_entries() {
        let mut h = Harness::new();
        assert_eq!(h.run("XLEN s"), int(0));
        h.run("XADD s 1 a 1");
        h.run("XADD s 2 a 1");
        assert_eq!(h.run("XLEN s"), int(2));
        h.run("XDEL s 1");
        assert_eq!(h.run("XLEN s"), int(1));
        h.run("SET str v");
        assert_eq!(
            h.run("XLEN str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("XLEN a b"), err("ERR wrong number of arguments for 'xlen' command"));
    }
}

//! LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]

use crate::prelude::*;

/// `LMPOP`: Pop elements from the first non-empty list
pub struct Lmpop;

impl Command for Lmpop {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lmpop",
            arity: -4,
            flags: &[Flag::Write, Flag::MovableKeys],
            group: "list",
            summary: "Pop elements from the first non-empty list",
            since: "7.0.0",
            complexity:
                "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RW", "access", "delete"],
                keys: Keys { first: 1, last: 1, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let mpop = crate::command_logic::lists::parse_mpop(args)?;
        Ok(crate::command_logic::lists::mpop(ctx, &mpop)?.unwrap_or(Reply::NullArray))
    }
}

inventory::submit! { Registration::new(&Lmpop, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn pops_from_the_first_non_empty() {
        let mut h = Harness::new();
        assert_eq!(h.run("LMPOP 2 a b LEFT"), Reply::NullArray);
        h.run("RPUSH b 1 2 3");
        assert_eq!(h.run("LMPOP 2 a b LEFT"), Reply::Array(vec![bulk("b"), array(&["1"])]));
        assert_eq!(h.run("LMPOP 2 a b RIGHT COUNT 5"), Reply::Array(vec![bulk("b"), array(&["3", "2"])]));
        assert_eq!(h.run("LMPOP 0 a LEFT"), err("ERR numkeys should be greater than 0"));
        assert_eq!(h.run("LMPOP 5 a LEFT"), err("ERR syntax error"));
        assert_eq!(h.run("LMPOP 1 a LEFT COUNT 0"), err("ERR count should be greater than 0"));
        assert_eq!(h.run("LMPOP 1 a LEFT COUNT 1 COUNT 1"), err("ERR syntax error"));
        assert_eq!(h.run("LMPOP 1 a MIDDLE"), err("ERR syntax error"));
    }
}

//! RPUSH key element [element ...]

use crate::prelude::*;

/// `RPUSH`: Append one or multiple elements to a list
pub struct Rpush;

impl Command for Rpush {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "rpush",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "list",
            summary: "Append one or multiple elements to a list",
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
        crate::command_logic::lists::push(ctx, args, crate::store::End::Right, false)
    }
}

inventory::submit! { Registration::new(&Rpush, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn appends_and_grows_past_one_node() {
        let mut h = Harness::new();
        assert_eq!(h.run("RPUSH l a b c"), int(3));
        assert_eq!(h.run("LRANGE l 0 -1"), array(&["a", "b", "c"]));
        assert_eq!(h.run("CONFIG SET list-max-ziplist-size 2"), Reply::OK);
        let setting = |name: &str| Reply::Map(vec![(bulk(name), bulk("2"))]);
        assert_eq!(h.run("CONFIG GET list-max-listpack-size"), setting("list-max-listpack-size"));
        assert_eq!(
            h.run("CONFIG SET list-compress-depth 1"),
            err("ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - list-compress-depth other than 0 is not supported")
        );
        for i in 0..9 {
            h.run(&format!("RPUSH m {i}"));
        }
        assert_eq!(h.run("LRANGE m 0 -1"), array(&["0", "1", "2", "3", "4", "5", "6", "7", "8"]));
        assert_eq!(h.run("OBJECT ENCODING m"), bulk("quicklist"));
        h.run("HSET hh f v");
        assert_eq!(
            h.run("RPUSH hh a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

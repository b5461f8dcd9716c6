//! SUNION key [key ...]

use crate::prelude::*;

/// `SUNION`: the union (a set in RESP3); a missing key is an empty set.
pub struct Sunion;

impl Command for Sunion {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sunion",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Add multiple sets",
            since: "1.0.0",
            complexity: "O(N) where N is the total number of elements in all given sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_reply(ctx, args, crate::command_logic::sets::Algebra::Union)
    }
}

inventory::submit! { Registration::new(&Sunion, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn combines() {
        let mut h = Harness::new();
        h.run("SADD a 1 2 3 x");
        h.run("SADD b 2 3 4 x");
        h.run("SADD c 3 x y");
        let expected = match "Union" {
            "Inter" => vec!["3", "x"],
            "Union" => vec!["1", "2", "3", "4", "x", "y"],
            _ => vec!["1"],
        };
        assert_eq!(sorted(h.run("SUNION a b c")), expected);
        assert_eq!(sorted(h.run("SUNION missing")), Vec::<String>::new());
        h.run("HELLO 3");
        assert!(h.wire("SUNION a").starts_with("~4\r\n"));
    }

    #[test]
    fn wrong_type_anywhere() {
        let mut h = Harness::new();
        h.run("SADD a 1");
        h.run("SET str v");
        assert_eq!(
            h.run("SUNION a str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("SUNION missing str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
            "checked even after a missing key"
        );
        assert_eq!(h.run("SUNION"), err("ERR wrong number of arguments for 'sunion' command"));
    }

    fn sorted(reply: crate::protocol::Reply) -> Vec<String> {
        let (crate::protocol::Reply::Set(items) | crate::protocol::Reply::Array(items)) = reply else {
            panic!("{reply:?}")
        };
        let mut out: Vec<String> = items
            .into_iter()
            .map(|i| match i {
                crate::protocol::Reply::Bulk(b) => String::from_utf8(b).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        out.sort();
        out
    }
}

//! SINTER key [key ...]

use crate::prelude::*;

/// `SINTER`: the intersection (a set in RESP3); a missing key is an empty set.
pub struct Sinter;

impl Command for Sinter {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sinter",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Intersect multiple sets",
            since: "1.0.0",
            complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_reply(ctx, args, crate::command_logic::sets::Algebra::Inter)
    }
}

inventory::submit! { Registration::new(&Sinter, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn combines() {
        let mut h = Harness::new();
        h.run("SADD a 1 2 3 x");
        h.run("SADD b 2 3 4 x");
        h.run("SADD c 3 x y");
        let expected = match "Inter" {
            "Inter" => vec!["3", "x"],
            "Union" => vec!["1", "2", "3", "4", "x", "y"],
            _ => vec!["1"],
        };
        assert_eq!(sorted(h.run("SINTER a b c")), expected);
        assert_eq!(sorted(h.run("SINTER missing")), Vec::<String>::new());
        h.run("HELLO 3");
        assert!(h.wire("SINTER a").starts_with("~4\r\n"));
    }

    #[test]
    fn wrong_type_anywhere() {
        let mut h = Harness::new();
        h.run("SADD a 1");
        h.run("SET str v");
        assert_eq!(
            h.run("SINTER a str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("SINTER missing str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
            "checked even after a missing key"
        );
        assert_eq!(h.run("SINTER"), err("ERR wrong number of arguments for 'sinter' command"));
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

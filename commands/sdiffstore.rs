//! SDIFFSTORE destination key [key ...]

use crate::prelude::*;

/// `SDIFFSTORE`: stores the difference of the first set and the others at the destination (deleted when empty); its size.
pub struct Sdiffstore;

impl Command for Sdiffstore {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sdiffstore",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "set",
            summary: "Subtract multiple sets and store the resulting set in a key",
            since: "1.0.0",
            complexity: "O(N) where N is the total number of elements in all given sets.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::sets::combine_store(
            ctx,
            args,
            crate::command_logic::sets::Algebra::Diff,
            "sdiffstore",
        )
    }
}

inventory::submit! { Registration::new(&Sdiffstore, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn stores_and_overwrites() {
        let mut h = Harness::new();
        h.run("SADD a 1 2 3");
        h.run("SADD b 3 4");
        h.run("SET dest old");
        h.run("EXPIRE dest 100");
        let expected = match "Diff" {
            "Inter" => 1,
            "Union" => 4,
            _ => 2,
        };
        assert_eq!(h.run("SDIFFSTORE dest a b"), int(expected));
        assert_eq!(h.run("SCARD dest"), int(expected));
        assert_eq!(h.run("TTL dest"), int(-1));
        assert_eq!(h.run("OBJECT ENCODING dest"), bulk("intset"));
        assert_eq!(h.run("SDIFFSTORE a a"), int(3), "the destination may be a source");
    }

    #[test]
    fn empty_result_deletes_the_destination() {
        let mut h = Harness::new();
        h.run("SET dest old");
        assert_eq!(h.run("SDIFFSTORE dest missing"), int(0));
        assert_eq!(h.run("EXISTS dest"), int(0));
        h.run("SET str v");
        assert_eq!(
            h.run("SDIFFSTORE dest str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SDIFFSTORE str missing"), int(0), "the destination's type does not matter");
        assert_eq!(h.run("SDIFFSTORE d"), err("ERR wrong number of arguments for 'sdiffstore' command"));
    }
}

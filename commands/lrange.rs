//! LRANGE key start stop

use crate::prelude::*;

/// `LRANGE`: Get a range of elements from a list
pub struct Lrange;

impl Command for Lrange {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lrange",
            arity: 4,
            flags: &[Flag::Readonly],
            group: "list",
            summary: "Get a range of elements from a list",
            since: "1.0.0",
            complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
            keys: Keys::ONE,
            key_specs: {
 const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RO", "access"])];
 SPECS
 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let (start, stop) = (args.next_i64()?, args.next_i64()?);
        let Some(list) = ctx.db().get_list(key)? else {
            return Ok(Reply::Array(Vec::new()));
        };
        let Some((start, stop)) = crate::command_logic::lists::clamp_range(list, start, stop) else {
            return Ok(Reply::Array(Vec::new()));
        };
        let count = stop - start + 1;
        let mut bulks = EncodedBulks::with_capacity(count, 8);
        list.iter_from(start).take(count).for_each(|e| bulks.push(&e));
        Ok(Reply::EncodedBulks(bulks))
    }
}

inventory::submit! { Registration::new(&Lrange, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranges_clamp_like_redis() {
        let mut h = Harness::new();
        h.run("RPUSH l a b c d e");
        assert_eq!(h.run("LRANGE l 1 2"), array(&["b", "c"]));
        assert_eq!(h.run("LRANGE l -2 -1"), array(&["d", "e"]));
        assert_eq!(h.run("LRANGE l -100 100"), array(&["a", "b", "c", "d", "e"]));
        assert_eq!(h.run("LRANGE l 3 1"), array(&[]));
        assert_eq!(h.run("LRANGE l 5 10"), array(&[]));
        assert_eq!(
            h.run("LRANGE l -9223372036854775808 9223372036854775807"),
            array(&["a", "b", "c", "d", "e"])
        );
        assert_eq!(h.run("LRANGE none 0 -1"), array(&[]));
        assert_eq!(h.run("LRANGE l a 1"), err("ERR value is not an integer or out of range"));
    }
}

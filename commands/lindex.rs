//! LINDEX key index

use crate::prelude::*;

/// `LINDEX`: Get an element from a list by its index
pub struct Lindex;

impl Command for Lindex {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lindex",
            arity: 3,
            flags: &[Flag::Readonly],
            group: "list",
            summary: "Get an element from a list by its index",
            since: "1.0.0",
            complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
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
        let index = args.next_i64()?;
        let Some(list) = ctx.db().get_list(key)? else {
            return Ok(Reply::Null);
        };
        Ok(list.resolve(index).and_then(|i| list.get(i)).map_or(Reply::Null, |e| Reply::Bulk(e.to_vec())))
    }
}

inventory::submit! { Registration::new(&Lindex, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn index_from_either_end() {
        let mut h = Harness::new();
        h.run("RPUSH l a b c");
        assert_eq!(h.run("LINDEX l 0"), bulk("a"));
        assert_eq!(h.run("LINDEX l -1"), bulk("c"));
        assert_eq!(h.run("LINDEX l 3"), Reply::Null);
        assert_eq!(h.run("LINDEX l -9223372036854775808"), Reply::Null);
        assert_eq!(h.run("LINDEX none 0"), Reply::Null);
        assert_eq!(h.run("LINDEX l x"), err("ERR value is not an integer or out of range"));
    }
}

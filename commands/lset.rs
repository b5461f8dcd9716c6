//! LSET key index element

use crate::prelude::*;

/// `LSET`: Set the value of an element in a list by its index
pub struct Lset;

impl Command for Lset {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lset",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "list",
            summary: "Set the value of an element in a list by its index",
            since: "1.0.0",
            complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
            keys: Keys::ONE,
            key_specs: {
 const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "update"])];
 SPECS
 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let index = args.next_i64()?;
        let item = args.next()?;
        let limits = ctx.db().limits();
        let Some(list) = ctx.db().get_list_mut(key)? else {
            return Err(ReplyError::NO_SUCH_KEY);
        };
        let index = list.resolve(index).ok_or_else(|| ReplyError::from_static("ERR index out of range"))?;
        list.set(index, item, &limits);
        ctx.notify(EventClass::List, "lset", key);
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Lset, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_in_range_only() {
        let mut h = Harness::new();
        assert_eq!(h.run("LSET l 0 x"), err("ERR no such key"));
        h.run("RPUSH l a b c");
        assert_eq!(h.run("LSET l -1 z"), Reply::OK);
        assert_eq!(h.run("LSET l 3 z"), err("ERR index out of range"));
        assert_eq!(h.run("LRANGE l 0 -1"), array(&["a", "b", "z"]));
    }
}

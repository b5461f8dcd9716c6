//! SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]

use crate::command_logic::sort;
use crate::prelude::*;

/// Redis's: the key, the keys `BY`/`GET` patterns name (unknown).
const KEY_SPECS: &[KeySpec] = &[KeySpec::one(1, &["RO", "access"]), sort::PATTERN_KEYS];

/// `SORT_RO`: Sort the elements in a list, set or sorted set. Read-only variant of SORT.
pub struct SortRo;

impl Command for SortRo {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sort_ro",
            arity: -2,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "generic",
            summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
            since: "7.0.0",
            complexity: sort::COMPLEXITY,
            keys: Keys::ONE,
            key_specs: KEY_SPECS,
            extra_acl_categories: sort::ACL_CATEGORIES,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let request = sort::parse(ctx, args, true)?;
        sort::run(ctx, key, request)
    }
}

inventory::submit! { Registration::new(&SortRo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn sorts_as_sort_does_and_refuses_store() {
        let mut h = Harness::new();
        h.run("SADD s 3 1 2");
        h.run("MSET w_1 3 w_2 2 w_3 1");
        assert_eq!(h.run("SORT_RO s"), array(&["1", "2", "3"]));
        assert_eq!(h.propagated(), Some(vec![]));
        assert_eq!(h.run("SORT_RO s BY w_* GET # LIMIT 0 2"), array(&["3", "2"]));
        assert_eq!(h.run("SORT_RO s STORE d"), err("ERR syntax error"));
        assert_eq!(h.run("EXISTS d"), int(0));
        assert_eq!(h.run("COMMAND GETKEYS SORT_RO s STORE d"), array(&["s"]));
    }
}

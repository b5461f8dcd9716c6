//! KEYS pattern

use crate::prelude::*;
use crate::store::glob::glob_match;

/// `KEYS pattern`: every live key matching a glob pattern.
pub struct KeysCommand;

impl Command for KeysCommand {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "keys",
            arity: 2,
            flags: &[Flag::Readonly],
            group: "generic",
            summary: "Returns all key names that match a pattern.",
            complexity: "O(N) with N being the number of keys in the database",
            extra_acl_categories: &["@dangerous"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let pattern = args.next()?;
        let all = pattern == b"*";
        let db = ctx.db();
        Ok(Reply::bulks(db.keys().filter(|key| all || glob_match(pattern, key, false))))
    }
}

inventory::submit! { Registration::new(&KeysCommand, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn sorted(reply: Reply) -> Vec<Vec<u8>> {
        let Reply::Array(items) = reply else { panic!("not an array: {reply:?}") };
        let mut keys: Vec<Vec<u8>> =
            items.into_iter().map(|r| if let Reply::Bulk(b) = r { b } else { panic!() }).collect();
        keys.sort();
        keys
    }

    #[test]
    fn matches_globs_and_skips_expired() {
        let mut h = Harness::new();
        for key in ["user:1", "user:2", "user:10", "other"] {
            h.run(&format!("SET {key} v"));
        }
        h.run("SET user:3 v PX 5");
        h.advance_ms(5);
        assert_eq!(sorted(h.run("KEYS user:?")), vec![b"user:1".to_vec(), b"user:2".to_vec()]);
        assert_eq!(sorted(h.run("KEYS *")).len(), 4);
        // As in Redis, `!` is not negation (`^` is): `[!1]` is the set {!, 1}.
        assert_eq!(sorted(h.run("KEYS user:[!1]*")).len(), 2);
        assert_eq!(sorted(h.run("KEYS user:[^1]")).len(), 1);
        assert_eq!(h.run("KEYS nomatch*"), Reply::Array(vec![]));
        assert_eq!(h.run("KEYS"), err("ERR wrong number of arguments for 'keys' command"));
    }
}

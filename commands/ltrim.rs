//! LTRIM key start stop

use crate::prelude::*;

/// `LTRIM`: Trim a list to the specified range
pub struct Ltrim;

impl Command for Ltrim {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "ltrim",
            arity: 4,
            flags: &[Flag::Write],
            group: "list",
            summary: "Trim a list to the specified range",
            since: "1.0.0",
            complexity: "O(N) where N is the number of elements to be removed by the operation.",
            keys: Keys::ONE,
            key_specs: {
                const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "delete"])];
                SPECS
            },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let (start, stop) = (args.next_i64()?, args.next_i64()?);
        let limits = ctx.db().limits();
        let Some(list) = ctx.db().get_list_mut(key)? else {
            return Ok(Reply::OK);
        };
        match crate::command_logic::lists::clamp_range(list, start, stop) {
            Some((start, stop)) => {
                let len = list.len();
                list.remove_range(stop + 1, len - stop - 1, &limits);
                list.remove_range(0, start, &limits);
            }
            None => {
                let len = list.len();
                list.remove_range(0, len, &limits);
            }
        }
        ctx.notify(EventClass::List, "ltrim", key);
        ctx.db().remove_if_empty(key);
        if !ctx.db().contains(key) {
            ctx.notify(EventClass::Generic, "del", key);
        }
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Ltrim, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn keeps_the_range() {
        let mut h = Harness::new();
        assert_eq!(h.run("LTRIM l 0 1"), Reply::OK);
        h.run("RPUSH l a b c d e");
        assert_eq!(h.run("LTRIM l 1 -2"), Reply::OK);
        assert_eq!(h.run("LRANGE l 0 -1"), array(&["b", "c", "d"]));
        assert_eq!(h.run("LTRIM l 5 9"), Reply::OK);
        assert_eq!(h.run("EXISTS l"), int(0));
    }
}

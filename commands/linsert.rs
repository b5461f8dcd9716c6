//! LINSERT key BEFORE|AFTER pivot element

use crate::prelude::*;

/// `LINSERT`: Insert an element before or after another element in a list
pub struct Linsert;

impl Command for Linsert {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "linsert",
            arity: 5,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "list",
            summary: "Insert an element before or after another element in a list",
            since: "2.2.0",
            complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
            keys: Keys::ONE,
            key_specs: {
 const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RW", "insert"])];
 SPECS
 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let after = match args.next()? {
            w if w.eq_ignore_ascii_case(b"after") => true,
            w if w.eq_ignore_ascii_case(b"before") => false,
            _ => return Err(ReplyError::SYNTAX),
        };
        let (pivot, item) = (args.next()?, args.next()?);
        let limits = ctx.db().limits();
        let Some(list) = ctx.db().get_list_mut(key)? else {
            return Ok(Reply::Integer(0));
        };
        if !list.insert(pivot, after, item, &limits) {
            return Ok(Reply::Integer(-1));
        }
        let len = list.len();
        ctx.notify(EventClass::List, "linsert", key);
        Ok(Reply::Integer(len as i64))
    }
}

inventory::submit! { Registration::new(&Linsert, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn inserts_around_the_first_pivot() {
        let mut h = Harness::new();
        assert_eq!(h.run("LINSERT l BEFORE a x"), int(0));
        h.run("RPUSH l a b a");
        assert_eq!(h.run("LINSERT l before a x"), int(4));
        assert_eq!(h.run("LINSERT l AFTER a y"), int(5));
        assert_eq!(h.run("LINSERT l AFTER zz y"), int(-1));
        assert_eq!(h.run("LRANGE l 0 -1"), array(&["x", "a", "y", "b", "a"]));
        assert_eq!(h.run("LINSERT l MIDDLE a y"), err("ERR syntax error"));
    }
}

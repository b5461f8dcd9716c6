//! PERSIST key

use crate::prelude::*;

/// `PERSIST key`: removes a deadline; 1 if there was one.
pub struct Persist;

impl Command for Persist {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "persist",
            arity: 2,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Removes the expiration time of a key.",
            since: "2.2.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let db = ctx.db();
        let persisted = db.contains(key) && db.clear_deadline(key);
        if persisted {
            ctx.notify(EventClass::Generic, "persist", key);
        }
        Ok(Reply::Integer(i64::from(persisted)))
    }
}

inventory::submit! { Registration::new(&Persist, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn removes_deadline_once() {
        let mut h = Harness::new();
        assert_eq!(h.run("PERSIST k"), int(0));
        h.run("SET k v EX 10");
        assert_eq!(h.run("PERSIST k"), int(1));
        assert_eq!(h.run("PERSIST k"), int(0));
        assert_eq!(h.run("TTL k"), int(-1));
        h.advance_ms(20_000);
        assert_eq!(h.run("GET k"), bulk("v"));
    }
}

//! SMOVE source destination member

use crate::prelude::*;

/// `SMOVE`: moves a member from one set to another; 1 when it was moved.
pub struct Smove;

impl Command for Smove {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "smove",
            arity: 4,
            flags: &[Flag::Write, Flag::Fast],
            group: "set",
            summary: "Move a member from one set to another",
            since: "1.0.0",
            complexity: "O(1)",
            keys: Keys { first: 1, last: 2, step: 1 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let source = args.next()?;
        let destination = args.next()?;
        let member = args.next()?;
        let db = ctx.db();
        let Some(from) = db.get_typed::<Set>(source)? else {
            return Ok(Reply::Integer(0));
        };
        let present = from.contains(member);
        db.get_typed::<Set>(destination)?;
        if source == destination || !present {
            return Ok(Reply::Integer(present as i64));
        }
        let limits = db.limits();
        if let Some(from) = db.get_typed_mut::<Set>(source)? {
            from.remove(member);
        }
        db.remove_if_empty(source);
        ctx.notify(EventClass::Set, "srem", source);
        if !ctx.db().contains(source) {
            ctx.notify(EventClass::Generic, "del", source);
        }
        if ctx.db().typed_or_default::<Set>(destination)?.insert(member, &limits) {
            ctx.notify(EventClass::Set, "sadd", destination);
        }
        Ok(Reply::Integer(1))
    }
}

inventory::submit! { Registration::new(&Smove, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn moves() {
        let mut h = Harness::new();
        h.run("SADD a x y");
        h.run("SADD b y");
        assert_eq!(h.run("SMOVE a b x"), int(1));
        assert_eq!(h.run("SMOVE a b x"), int(0));
        assert_eq!(h.run("SMOVE a b y"), int(1), "already in the destination: still removed from the source");
        assert_eq!(h.run("EXISTS a"), int(0));
        assert_eq!(h.run("SCARD b"), int(2));
        assert_eq!(h.run("SMOVE b b x"), int(1));
        assert_eq!(h.run("SMOVE b b z"), int(0));
        assert_eq!(h.run("SMOVE b new x"), int(1));
        assert_eq!(h.run("TYPE new"), crate::protocol::Reply::simple("set"));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        h.run("SADD s a");
        assert_eq!(h.run("SMOVE missing str a"), int(0), "a missing source answers first");
        assert_eq!(
            h.run("SMOVE s str a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("SMOVE s str nothere"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("SMOVE str s a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SISMEMBER s a"), int(1));
        assert_eq!(h.run("SMOVE s a"), err("ERR wrong number of arguments for 'smove' command"));
    }

    #[test]
    fn events() {
        let mut h = Harness::new();
        h.run("SADD a x");
        h.run("SMOVE a b x");
        assert_eq!(h.events(), ["0:srem:a", "0:del:a", "0:sadd:b"]);
        h.run("SINTERSTORE c b");
        assert_eq!(h.events(), ["0:sinterstore:c"]);
        h.run("SDIFFSTORE c b b");
        assert_eq!(h.events(), ["0:del:c"]);
    }
}

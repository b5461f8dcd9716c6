//! SADD key member [member ...]

use crate::prelude::*;

/// `SADD`: adds members to a set; the number that were new.
pub struct Sadd;

impl Command for Sadd {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sadd",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "set",
            summary: "Add one or more members to a set",
            since: "1.0.0",
            complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let db = ctx.db();
        let limits = db.limits();
        let set = db.typed_or_default::<Set>(key)?;
        let added = args.rest().filter(|member| set.insert(member, &limits)).count();
        if added > 0 {
            ctx.notify(EventClass::Set, "sadd", key);
        }
        Ok(Reply::Integer(added as i64))
    }
}

inventory::submit! { Registration::new(&Sadd, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_new_members_and_picks_the_encoding() {
        let mut h = Harness::new();
        assert_eq!(h.run("SADD s 3 1 2 1"), int(3));
        assert_eq!(h.run("OBJECT ENCODING s"), bulk("intset"));
        assert_eq!(h.wire("SMEMBERS s"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
        assert_eq!(h.run("SADD s 2 x"), int(1));
        assert_eq!(h.run("OBJECT ENCODING s"), bulk("hashtable"));
        assert_eq!(h.run("SCARD s"), int(4));
        assert_eq!(h.run("TYPE s"), crate::protocol::Reply::simple("set"));
    }

    #[test]
    fn intset_limit_follows_the_setting() {
        let mut h = Harness::new();
        h.run("CONFIG SET set-max-intset-entries 2");
        assert_eq!(
            h.run("CONFIG GET set-max-intset-entries"),
            crate::protocol::Reply::Map(vec![(bulk("set-max-intset-entries"), bulk("2"))])
        );
        h.run("SADD s 1 2");
        assert_eq!(h.run("OBJECT ENCODING s"), bulk("intset"));
        h.run("SADD s 3");
        assert_eq!(h.run("OBJECT ENCODING s"), bulk("hashtable"));
        h.run("SADD t 01");
        assert_eq!(h.run("OBJECT ENCODING t"), bulk("hashtable"), "not the canonical form of an integer");
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("SADD s"), err("ERR wrong number of arguments for 'sadd' command"));
        h.run("SET str v");
        assert_eq!(
            h.run("SADD str a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        h.run("HSET hash f v");
        assert_eq!(
            h.run("SADD hash a"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        h.run("SADD s a");
        assert_eq!(h.run("GET s"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
        assert_eq!(
            h.run("HGET s f"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

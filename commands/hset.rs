//! HSET key field value [field value ...]

use crate::prelude::*;

/// `HSET`: sets fields of a hash; the number of fields that were new.
pub struct Hset;

impl Command for Hset {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hset",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "hash",
            summary: "Creates or modifies the value of a field in a hash.",
            since: "2.0.0",
            complexity: "O(1) for each field/value pair added",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.argv().get(1);
        let added = crate::command_logic::hashes::hash_set_pairs(ctx, args)?;
        ctx.notify(EventClass::Hash, "hset", key);
        Ok(Reply::Integer(added))
    }
}

inventory::submit! { Registration::new(&Hset, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn counts_new_fields() {
        let mut h = Harness::new();
        assert_eq!(h.run("HSET user:1 name Alice age 23"), int(2));
        assert_eq!(h.run("HSET user:1 name Bob city Paris"), int(1));
        assert_eq!(h.run("HGET user:1 name"), bulk("Bob"));
        assert_eq!(h.run("HGET user:1 age"), bulk("23"));
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        let arity = "ERR wrong number of arguments for 'hset' command";
        assert_eq!(h.run("HSET k f"), err(arity));
        assert_eq!(h.run("HSET k f v g"), err(arity));
        assert_eq!(h.run("EXISTS k"), int(0), "a failed HSET creates nothing");
        h.run("SET s v");
        assert_eq!(
            h.run("HSET s f v"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }

    #[test]
    fn encoding_follows_the_listpack_limits_as_hashes_are_written() {
        let mut h = Harness::new();
        let ok = Reply::Simple("OK".into());
        let setting = |name: &str, value: &str| Reply::Map(vec![(bulk(name), bulk(value))]);
        h.run("HSET small a 1 b 2");
        assert_eq!(h.run("OBJECT ENCODING small"), bulk("listpack"));
        assert_eq!(h.run("CONFIG SET hash-max-ziplist-entries 2 hash-max-listpack-value 3"), ok);
        assert_eq!(h.run("CONFIG GET hash-max-listpack-entries"), setting("hash-max-listpack-entries", "2"));
        assert_eq!(h.run("CONFIG GET hash-max-ziplist-value"), setting("hash-max-ziplist-value", "3"));
        assert_eq!(h.run("HSET small b 3"), int(0));
        assert_eq!(h.run("OBJECT ENCODING small"), bulk("listpack"), "at the limit exactly");
        assert_eq!(h.run("HSET small c 3"), int(1));
        assert_eq!(h.run("OBJECT ENCODING small"), bulk("hashtable"));
        h.run("HSET short f abc");
        assert_eq!(h.run("OBJECT ENCODING short"), bulk("listpack"));
        h.run("HSET long f abcd");
        assert_eq!(h.run("OBJECT ENCODING long"), bulk("hashtable"));
        assert_eq!(h.run("HGETALL long"), setting("f", "abcd"));
        assert_eq!(
            h.run("CONFIG SET hash-max-listpack-value x"),
            err("ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value")
        );
        assert_eq!(
            h.run("CONFIG SET hash-max-listpack-entries -1"),
            err("ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument must be between 0 and 9223372036854775807 inclusive")
        );
        assert_eq!(h.run("CONFIG SET hash-max-listpack-entries 0"), ok);
        h.run("HSET fresh f v");
        assert_eq!(h.run("OBJECT ENCODING fresh"), bulk("hashtable"), "no listpack may hold a field");
    }
}

//! HMSET key field value [field value ...]

use crate::prelude::*;

/// `HMSET`: sets fields of a hash, as `HSET`, but replies `OK` (deprecated
/// since Redis 4.0 in favour of `HSET`).
pub struct Hmset;

impl Command for Hmset {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hmset",
            arity: -4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "hash",
            summary: "Set multiple hash fields to multiple values",
            since: "2.0.0",
            complexity: "O(N) where N is the number of fields being set.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.argv().get(1);
        crate::command_logic::hashes::hash_set_pairs(ctx, args)?;
        ctx.notify(EventClass::Hash, "hset", key);
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Hmset, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const WRONG_TYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    #[test]
    fn sets_fields_and_replies_ok() {
        let mut h = Harness::new();
        assert_eq!(h.wire("HMSET h a 1 b 2"), "+OK\r\n");
        assert_eq!(h.wire("HMSET h a 3 c 4"), "+OK\r\n");
        assert_eq!(h.run("HMGET h a b c"), array(&["3", "2", "4"]));
        assert_eq!(h.run("HMSET h a 1 a 2"), Reply::OK);
        assert_eq!(h.run("HGET h a"), bulk("2"), "a repeated field: the last value wins");
        assert_eq!(h.run("HLEN h"), int(3));
    }

    #[test]
    fn binary_fields_and_values() {
        let mut h = Harness::new();
        assert_eq!(h.run_args(&[&b"HMSET"[..], b"h", b"f\0\xff", b"v\r\n\0"]), Reply::OK);
        assert_eq!(h.run_args(&[&b"HGET"[..], b"h", b"f\0\xff"]), Reply::bulk(b"v\r\n\0"));
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        let arity = "ERR wrong number of arguments for 'hmset' command";
        assert_eq!(h.run("HMSET k f"), err(arity));
        assert_eq!(h.run("HMSET k f v g"), err(arity));
        assert_eq!(h.run("EXISTS k"), int(0), "a failed HMSET creates nothing");
        h.run("SET s v");
        assert_eq!(h.run("HMSET s f v"), err(WRONG_TYPE));
    }

    #[test]
    fn keeps_the_ttl_and_revives_expired_keys() {
        let mut h = Harness::new();
        h.run("HMSET h a 1");
        h.run("EXPIRE h 1");
        h.run("HMSET h b 2");
        assert_eq!(h.run("PTTL h"), int(1000), "HMSET keeps the TTL");
        h.advance_ms(1000);
        assert_eq!(h.wire("HMSET h c 3"), "+OK\r\n");
        assert_eq!(h.run("HKEYS h"), array(&["c"]), "the expired hash is gone, a new one is made");
        assert_eq!(h.run("PTTL h"), int(-1));
    }
}

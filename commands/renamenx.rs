//! RENAMENX key newkey

use crate::prelude::*;

/// `RENAMENX key newkey`: renames a key only if `newkey` does not exist;
/// 1 if renamed, 0 if not.
pub struct Renamenx;

impl Command for Renamenx {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "renamenx",
            arity: 3,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Rename a key, only if the new key does not exist",
            complexity: "O(1)",
            keys: Keys { first: 1, last: 2, step: 1 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, newkey) = (args.argv().get(1), args.argv().get(2));
        let renamed = crate::command_logic::keys::rename(ctx, args, true)?;
        if renamed {
            ctx.notify(EventClass::Generic, "rename_from", key);
            ctx.notify(EventClass::Generic, "rename_to", newkey);
        }
        Ok(Reply::Integer(i64::from(renamed)))
    }
}

inventory::submit! { Registration::new(&Renamenx, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn renames_only_onto_a_free_name() {
        let mut h = Harness::new();
        h.run("SET a v PX 5000");
        h.run("HSET taken f v");
        assert_eq!(h.wire("RENAMENX a taken"), ":0\r\n");
        assert_eq!(h.run("GET a"), bulk("v"));
        assert_eq!(h.wire("RENAMENX a b"), ":1\r\n");
        assert_eq!(h.run("PTTL b"), int(5000), "the TTL moves with the key");
        assert_eq!(h.run("EXISTS a"), int(0));
    }

    #[test]
    fn an_expired_destination_is_free() {
        let mut h = Harness::new();
        h.run("SET a v");
        h.run("SET b old PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("RENAMENX a b"), int(1));
        assert_eq!(h.run("GET b"), bulk("v"));
        assert_eq!(h.run("TTL b"), int(-1));
    }

    #[test]
    fn same_name_and_missing_source() {
        let mut h = Harness::new();
        assert_eq!(h.run("RENAMENX a b"), err("ERR no such key"));
        assert_eq!(h.run("RENAMENX a a"), err("ERR no such key"));
        h.run("SET a v");
        assert_eq!(h.run("RENAMENX a a"), int(0));
        assert_eq!(h.run("GET a"), bulk("v"));
        assert_eq!(h.run_args(&[&b"RENAMENX"[..], b"a", b"\x00\xff"]), int(1));
        assert_eq!(h.run_args(&[&b"GET"[..], b"\x00\xff"]), bulk("v"));
        assert_eq!(h.run("GET a"), Reply::Null);
    }

    #[test]
    fn wrong_arity() {
        let mut h = Harness::new();
        assert_eq!(h.run("RENAMENX a"), err("ERR wrong number of arguments for 'renamenx' command"));
    }
}

//! RENAME key newkey

use crate::prelude::*;

/// `RENAME key newkey`: renames a key, keeping its time to live and
/// overwriting `newkey` whatever it held.
pub struct Rename;

impl Command for Rename {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "rename",
            arity: 3,
            flags: &[Flag::Write],
            group: "generic",
            summary: "Rename a key",
            complexity: "O(1)",
            keys: Keys { first: 1, last: 2, step: 1 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, newkey) = (args.argv().get(1), args.argv().get(2));
        crate::command_logic::keys::rename(ctx, args, false)?;
        if key != newkey {
            ctx.notify(EventClass::Generic, "rename_from", key);
            ctx.notify(EventClass::Generic, "rename_to", newkey);
        }
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Rename, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn renames_and_keeps_the_ttl() {
        let mut h = Harness::new();
        h.run("SET a v PX 5000");
        assert_eq!(h.wire("RENAME a b"), "+OK\r\n");
        assert_eq!(h.run("EXISTS a"), int(0));
        assert_eq!(h.run("GET b"), bulk("v"));
        assert_eq!(h.run("PTTL b"), int(5000));
        h.advance_ms(5000);
        assert_eq!(h.run("GET b"), Reply::Null);
    }

    #[test]
    fn overwrites_destination_of_any_type_and_its_ttl() {
        let mut h = Harness::new();
        h.run("HSET src f v");
        h.run("SET dst x EX 100");
        assert_eq!(h.run("RENAME src dst"), Reply::OK);
        assert_eq!(h.run("TYPE dst"), Reply::simple("hash"));
        assert_eq!(h.run("HGET dst f"), bulk("v"));
        assert_eq!(h.run("TTL dst"), int(-1), "the source had no TTL");
    }

    #[test]
    fn missing_or_expired_source_is_an_error() {
        let mut h = Harness::new();
        assert_eq!(h.run("RENAME a b"), err("ERR no such key"));
        assert_eq!(h.run("RENAME a a"), err("ERR no such key"));
        h.run("SET a v PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("RENAME a b"), err("ERR no such key"));
        assert_eq!(h.run("EXISTS b"), int(0));
    }

    #[test]
    fn same_name_and_binary_keys() {
        let mut h = Harness::new();
        h.run("SET a v EX 10");
        assert_eq!(h.run("RENAME a a"), Reply::OK);
        assert_eq!(h.run("TTL a"), int(10));
        assert_eq!(h.run_args(&[&b"RENAME"[..], b"a", b"\x00\xff"]), Reply::OK);
        assert_eq!(h.run_args(&[&b"GET"[..], b"\x00\xff"]), bulk("v"));
    }

    #[test]
    fn wrong_arity() {
        let mut h = Harness::new();
        let arity = "ERR wrong number of arguments for 'rename' command";
        assert_eq!(h.run("RENAME a"), err(arity));
        assert_eq!(h.run("RENAME a b c"), err(arity));
    }
}

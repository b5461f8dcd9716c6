//! GET key

use crate::prelude::*;

/// `GET key`: the string at `key`, or nil.
pub struct Get;

impl Command for Get {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "get",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "string",
            summary: "Returns the string value of a key.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        Ok(Reply::bulk_or_null(ctx.db().get_string(key)?))
    }
}

inventory::submit! { Registration::new(&Get, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn get_existing_missing_and_wrong_type() {
        let mut h = Harness::new();
        assert_eq!(h.run("GET name"), crate::protocol::Reply::Null);
        h.run("SET name Alice");
        assert_eq!(h.run("get name"), bulk("Alice"));
        h.run("HSET h f v");
        assert_eq!(h.run("GET h"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
        assert_eq!(h.run("GET a b"), err("ERR wrong number of arguments for 'get' command"));
    }

    #[test]
    fn binary_safe() {
        let mut h = Harness::new();
        h.run_args(&[&b"SET"[..], b"k\x00\xff", b"v\r\n\x00"]);
        assert_eq!(h.run_args(&[&b"GET"[..], b"k\x00\xff"]), crate::protocol::Reply::bulk(b"v\r\n\x00"));
    }

    #[test]
    fn a_read_records_no_effects() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert!(!h.effects().is_empty());
        assert_eq!(h.run("GET k"), bulk("v"));
        assert!(h.effects().is_empty(), "{:?}", h.effects());
        assert_eq!(h.run("GET missing"), crate::protocol::Reply::Null);
        assert!(h.effects().is_empty());
    }
}

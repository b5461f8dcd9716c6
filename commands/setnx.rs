//! SETNX key value

use crate::command_logic::strings::{set_string, SetCondition, StringOptions, TtlOption};
use crate::prelude::*;

/// `SETNX`: sets a string only if the key does not exist; 1 if set, else 0.
pub struct Setnx;

impl Command for Setnx {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "setnx",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Set the value of a key, only if the key does not exist",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let value = args.next()?;
        let options = StringOptions { condition: SetCondition::IfAbsent, get: false, ttl: TtlOption::Absent };
        let (set, _) = set_string(ctx, key, value, &options, None)?;
        if set {
            ctx.notify(EventClass::String, "set", key);
        }
        Ok(Reply::Integer(i64::from(set)))
    }
}

inventory::submit! { Registration::new(&Setnx, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_only_missing_keys() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETNX k v"), int(1));
        assert_eq!(h.run("SETNX k w"), int(0));
        assert_eq!(h.run("GET k"), bulk("v"));
        h.run("HSET h f v");
        assert_eq!(h.run("SETNX h v"), int(0), "any type counts as existing");
        assert_eq!(h.run("TYPE h"), Reply::Simple("hash".into()));
    }

    #[test]
    fn expired_key_counts_as_missing() {
        let mut h = Harness::new();
        h.run("SET k old PX 100");
        h.advance_ms(100);
        assert_eq!(h.run("SETNX k new"), int(1));
        assert_eq!(h.run("GET k"), bulk("new"));
        assert_eq!(h.run("TTL k"), int(-1));
    }

    #[test]
    fn arity_and_binary_values() {
        let mut h = Harness::new();
        assert_eq!(h.run("SETNX k"), err("ERR wrong number of arguments for 'setnx' command"));
        assert_eq!(h.run("SETNX k v x"), err("ERR wrong number of arguments for 'setnx' command"));
        assert_eq!(h.run_args(&[&b"SETNX"[..], b"\x00k", b"\xff\r\n"]), int(1));
        assert_eq!(h.run_args(&[&b"GET"[..], b"\x00k"]), Reply::bulk(b"\xff\r\n"));
    }
}

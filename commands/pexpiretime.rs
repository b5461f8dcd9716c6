//! PEXPIRETIME key

use crate::prelude::*;

/// `PEXPIRETIME key`: the deadline as a Unix time in milliseconds, -1
/// without one, -2 if the key is missing.
pub struct Pexpiretime;

impl Command for Pexpiretime {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pexpiretime",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "generic",
            summary: "Get the expiration Unix timestamp for a key in milliseconds",
            since: "7.0.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::keys::ttl_reply(ctx, args, ExpireUnit::UnixMillis)
    }
}

inventory::submit! { Registration::new(&Pexpiretime, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn exact_deadline_in_ms() {
        let mut h = Harness::new();
        assert_eq!(h.wire("PEXPIRETIME k"), ":-2\r\n");
        h.run("SET k v");
        assert_eq!(h.run("PEXPIRETIME k"), int(-1));
        h.run("PEXPIRE k 1234");
        assert_eq!(h.run("PEXPIRETIME k"), int((START_MS + 1234) as i64));
        h.advance_ms(1000);
        assert_eq!(h.run("PEXPIRETIME k"), int((START_MS + 1234) as i64), "absolute, not remaining");
        h.run("PERSIST k");
        assert_eq!(h.run("PEXPIRETIME k"), int(-1));
        h.run("SET k v EX 1");
        h.advance_ms(1000);
        assert_eq!(h.run("PEXPIRETIME k"), int(-2));
    }

    #[test]
    fn binary_keys_and_arity() {
        let mut h = Harness::new();
        h.run_args(&[&b"SET"[..], b"\x00\xff", b"v", b"PXAT", b"9000000000000"]);
        assert_eq!(h.run_args(&[&b"PEXPIRETIME"[..], b"\x00\xff"]), int(9_000_000_000_000));
        assert_eq!(h.run("PEXPIRETIME"), err("ERR wrong number of arguments for 'pexpiretime' command"));
    }
}

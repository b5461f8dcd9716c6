//! UNLINK key [key ...]

use crate::prelude::*;

/// `UNLINK key [key ...]`: deletes keys as `DEL` does (memory is always
/// freed at once here); the number that existed.
pub struct Unlink;

impl Command for Unlink {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "unlink",
            arity: -2,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
            since: "4.0.0",
            complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
            keys: Keys::ALL,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::commands::del::Del.execute(ctx, args)
    }
}

inventory::submit! { Registration::new(&Unlink, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn deletes_keys_of_any_type_and_counts_them() {
        let mut h = Harness::new();
        h.run("SET a 1");
        h.run("HSET h f v");
        h.run_args(&[&b"SET"[..], b"bin\x00\xff", b"v"]);
        assert_eq!(h.wire("UNLINK a h missing a"), ":2\r\n");
        assert_eq!(h.run_args(&[&b"UNLINK"[..], b"bin\x00\xff"]), int(1));
        assert_eq!(h.run("EXISTS a h"), int(0));
        assert_eq!(h.run("GET a"), Reply::Null);
    }

    #[test]
    fn expired_keys_do_not_count() {
        let mut h = Harness::new();
        h.run("SET a 1 PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("UNLINK a"), int(0));
        assert_eq!(h.stored_keys(0), 0);
    }

    #[test]
    fn wrong_arity() {
        let mut h = Harness::new();
        assert_eq!(h.run("UNLINK"), err("ERR wrong number of arguments for 'unlink' command"));
    }
}

//! MOVE key db

use crate::command_logic::keys::{db_index, put_key, take_key, SAME_OBJECT};
use crate::prelude::*;

/// `MOVE key db`: moves a key with its time to live to another database;
/// 1 if moved, 0 if the key is missing or already exists there.
pub struct Move;

impl Command for Move {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "move",
            arity: 3,
            flags: &[Flag::Write, Flag::Fast],
            group: "generic",
            summary: "Move a key to another database",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let target = db_index(ctx, args.next()?)?;
        let source = ctx.client.db;
        if source == target {
            return Err(SAME_OBJECT);
        }
        let db = ctx.db();
        if !db.select(source).contains(key) || db.select(target).contains(key) {
            return Ok(Reply::Integer(0));
        }
        let Some((value, deadline)) = take_key(db.select(source), key) else {
            return Ok(Reply::Integer(0));
        };
        put_key(db.select(target), key, value, deadline);
        ctx.notify_in(source, EventClass::Generic, "move_from", key);
        ctx.notify_in(target, EventClass::Generic, "move_to", key);
        Ok(Reply::Integer(1))
    }
}

inventory::submit! { Registration::new(&Move, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn moves_value_and_ttl() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        h.run("PEXPIRE h 5000");
        assert_eq!(h.wire("MOVE h 1"), ":1\r\n");
        assert_eq!(h.run("EXISTS h"), int(0));
        h.run("SELECT 1");
        assert_eq!(h.run("HGET h f"), bulk("v"));
        assert_eq!(h.run("PTTL h"), int(5000));
        h.advance_ms(5000);
        assert_eq!(h.run("EXISTS h"), int(0));
    }

    #[test]
    fn missing_or_taken() {
        let mut h = Harness::new();
        assert_eq!(h.run("MOVE a 1"), int(0));
        h.run("SET a here");
        h.run("SELECT 1");
        h.run("SET a there");
        h.run("SELECT 0");
        assert_eq!(h.run("MOVE a 1"), int(0));
        assert_eq!(h.run("GET a"), bulk("here"));
        h.run("SET gone v PX 10");
        h.run("SELECT 2");
        h.run("SET b old PX 10");
        h.run("SELECT 0");
        h.run("SET b new");
        h.advance_ms(10);
        assert_eq!(h.run("MOVE gone 1"), int(0));
        assert_eq!(h.run("MOVE b 2"), int(1), "an expired key in the target is no obstacle");
        h.run("SELECT 2");
        assert_eq!(h.run("GET b"), bulk("new"));
        assert_eq!(h.run("TTL b"), int(-1));
    }

    #[test]
    fn index_errors() {
        let mut h = Harness::new();
        h.run("SET a v");
        let same = "ERR source and destination objects are the same";
        let range = "ERR value is out of range, value must between -2147483648 and 2147483647";
        assert_eq!(h.run("MOVE a 0"), err(same));
        assert_eq!(h.run("MOVE missing 0"), err(same));
        assert_eq!(h.run("MOVE a 16"), err("ERR DB index is out of range"));
        assert_eq!(h.run("MOVE a -1"), err("ERR DB index is out of range"));
        assert_eq!(h.run("MOVE a 2147483647"), err("ERR DB index is out of range"));
        assert_eq!(h.run("MOVE a 2147483648"), err(range));
        assert_eq!(h.run("MOVE a 99999999999"), err(range));
        for bad in ["x", "1.0", "+1", "\" 1\"", "\"\"", "9223372036854775808"] {
            assert_eq!(
                h.run(&format!("MOVE a {bad}")),
                err("ERR value is not an integer or out of range"),
                "{bad}"
            );
        }
        h.run("SELECT 3");
        assert_eq!(h.run("MOVE a 3"), err(same));
        assert_eq!(h.run("GET a"), Reply::Null);
    }

    #[test]
    fn binary_keys_and_arity() {
        let mut h = Harness::new();
        h.run_args(&[&b"SET"[..], b"\x00\xff", b"v"]);
        assert_eq!(h.run_args(&[&b"MOVE"[..], b"\x00\xff", b"7"]), int(1));
        h.run("SELECT 7");
        assert_eq!(h.run_args(&[&b"GET"[..], b"\x00\xff"]), bulk("v"));
        assert_eq!(h.run("MOVE a"), err("ERR wrong number of arguments for 'move' command"));
    }

    #[test]
    fn effects_name_both_databases() {
        let mut h = Harness::new();
        h.run("SET k v");
        assert_eq!(h.run("MOVE k 2"), Reply::Integer(1));
        assert_eq!(h.modified(), ["0:k", "2:k"]);
        assert_eq!(h.events(), ["0:move_from:k", "2:move_to:k"]);
    }
}

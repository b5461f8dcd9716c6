//! HINCRBY key field increment

use crate::prelude::*;
use crate::protocol::parse::parse_i64;

/// `HINCRBY`: adds an integer to a field (a missing field counts as 0);
/// the new value.
pub struct Hincrby;

impl Command for Hincrby {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hincrby",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "hash",
            summary: "Increment the integer value of a hash field by the given number",
            since: "2.0.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, field) = (args.next()?, args.next()?);
        let increment = args.next_i64()?;
        let reply = crate::command_logic::hashes::update_hash_field(ctx, key, field, |current| {
            let value = match current {
                None => 0,
                Some(text) => {
                    parse_i64(text).ok_or(ReplyError::from_static("ERR hash value is not an integer"))?
                }
            };
            let sum = value.checked_add(increment).ok_or(ReplyError::OVERFLOW)?;
            Ok((sum.to_string().into_bytes(), Reply::Integer(sum)))
        })?;
        ctx.notify(EventClass::Hash, "hincrby", key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Hincrby, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn increments_and_creates() {
        let mut h = Harness::new();
        assert_eq!(h.run("HINCRBY h n 5"), int(5), "missing key and field count as 0");
        assert_eq!(h.run("HINCRBY h n -7"), int(-2));
        assert_eq!(h.run("HGET h n"), bulk("-2"));
        assert_eq!(h.run("HINCRBY h n 0"), int(-2));
        h.run("HSET h other 10");
        assert_eq!(h.run("HINCRBY h other 1"), int(11));
        assert_eq!(h.run("HINCRBY h m -9223372036854775808"), int(i64::MIN));
    }

    #[test]
    fn overflow_is_refused_and_value_kept() {
        let mut h = Harness::new();
        h.run("HSET h big 9223372036854775807 small -9223372036854775808");
        assert_eq!(h.run("HINCRBY h big 1"), err("ERR increment or decrement would overflow"));
        assert_eq!(h.run("HINCRBY h small -1"), err("ERR increment or decrement would overflow"));
        assert_eq!(h.run("HGET h big"), bulk("9223372036854775807"));
        assert_eq!(h.run("HINCRBY h big -1"), int(9223372036854775806));
        assert_eq!(h.run("HINCRBY h small 9223372036854775807"), int(-1));
    }

    #[test]
    fn non_integer_values_and_increments() {
        let mut h = Harness::new();
        h.run("HSET h s abc z 010 f 1.5 sp ' 1' e '' p +1");
        for field in ["s", "z", "f", "sp", "e", "p"] {
            assert_eq!(
                h.run(&format!("HINCRBY h {field} 1")),
                err("ERR hash value is not an integer"),
                "{field}"
            );
        }
        let not_integer = "ERR value is not an integer or out of range";
        assert_eq!(h.run("HINCRBY h n abc"), err(not_integer));
        assert_eq!(h.run("HINCRBY h n 1.0"), err(not_integer));
        assert_eq!(h.run("HINCRBY h n 9223372036854775808"), err(not_integer));
        assert_eq!(h.run("HINCRBY missing n x"), err(not_integer));
        assert_eq!(h.run("EXISTS missing"), int(0), "a failed HINCRBY creates nothing");
        assert_eq!(h.run("HEXISTS h n"), int(0));
    }

    #[test]
    fn expired_key_and_ttl() {
        let mut h = Harness::new();
        h.run("HSET h n 10");
        h.run("EXPIRE h 1");
        assert_eq!(h.run("HINCRBY h n 1"), int(11));
        assert_eq!(h.run("PTTL h"), int(1000), "the TTL is kept");
        h.advance_ms(1000);
        assert_eq!(h.run("HINCRBY h n 1"), int(1), "the expired hash is gone");
        assert_eq!(h.run("PTTL h"), int(-1));
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("HINCRBY h f"), err("ERR wrong number of arguments for 'hincrby' command"));
        h.run("SET s v");
        let wrong_type = "WRONGTYPE Operation against a key holding the wrong kind of value";
        assert_eq!(h.run("HINCRBY s f 1"), err(wrong_type));
        assert_eq!(
            h.run("HINCRBY s f x"),
            err("ERR value is not an integer or out of range"),
            "the increment is checked before the key"
        );
    }
}

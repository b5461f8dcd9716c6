//! INCRBYFLOAT key increment

use crate::long_double::LongDouble;
use crate::prelude::*;

/// `INCRBYFLOAT`: adds a float to the number at `key` (0 if absent) in
/// Redis's `long double` arithmetic, keeping the TTL; the new value as
/// Redis prints it (no exponent, at most 17 decimals, no trailing zeros).
pub struct Incrbyfloat;

impl Command for Incrbyfloat {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "incrbyfloat",
            arity: 3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "string",
            summary: "Increment the float value of a key by the given amount",
            since: "2.6.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let increment = args.next()?;
        let db = ctx.db();
        // Redis checks the type, then the stored value, then the increment.
        let current = match db.get_mut(key) {
            None => LongDouble::ZERO,
            Some(Value::String(text)) => LongDouble::parse(text).ok_or(ReplyError::NOT_FLOAT)?,
            Some(_) => return Err(ReplyError::WRONG_TYPE),
        };
        let increment = LongDouble::parse(increment).ok_or(ReplyError::NOT_FLOAT)?;
        let sum = current + increment;
        if !sum.is_finite() {
            return Err(ReplyError::err("increment would produce NaN or Infinity"));
        }
        let text = sum.to_human().into_bytes();
        db.set_keep_ttl(key, Value::string(text.clone()));
        // Logged as the value it gave, so float formatting never differs on replay (as Redis).
        ctx.propagate_as(&[b"SET", key, &text, b"KEEPTTL"]);
        ctx.notify(EventClass::String, "incrbyfloat", key);
        Ok(Reply::Bulk(text))
    }
}

inventory::submit! { Registration::new(&Incrbyfloat, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    const NOT_FLOAT: &str = "ERR value is not a valid float";
    const NAN_OR_INF: &str = "ERR increment would produce NaN or Infinity";

    /// `SET k <start>`, `INCRBYFLOAT k <increment>`.
    fn incr(h: &mut Harness, start: &str, increment: &str) -> crate::protocol::Reply {
        h.run_args(&["SET", "k", start]);
        h.run_args(&["INCRBYFLOAT", "k", increment])
    }

    #[test]
    fn replies_match_redis_7_0() {
        // Each row was checked against redis-server 7.0.15 on x86-64.
        let table = [
            ("10.50", "0.1", "10.6"),
            ("5.0e3", "2.0e2", "5200"),
            ("3.0e3", "1", "3001"),
            ("0", "1e-5", "0.00001"),
            ("0.00001", "1e-5", "0.00002"),
            ("0.1", "0.2", "0.3"),
            ("0.1", "0.7", "0.8"),
            ("1.1", "2.2", "3.3"),
            ("3.3", "-1.1", "2.2"),
            ("100", "-99.9", "0.1"),
            ("1e17", "0.1", "100000000000000000.1015625"),
            ("1e17", "1", "100000000000000001"),
            ("99999999999999999999", "1", "100000000000000000000"),
            ("9007199254740993", "0", "9007199254740993"),
            ("123456789.123456789", "0", "123456789.12345678899873747"),
            ("1.23456789012345678901234567890", "0", "1.23456789012345679"),
            ("0", "1e-20", "0"),
            ("1e-17", "0", "0.00000000000000001"),
            ("0.00000000000000001", "0.00000000000000001", "0.00000000000000002"),
            ("5e-18", "0", "0"),
            ("-5e-18", "0", "0"),
            ("-1", "1", "0"),
            ("0", "-0.000000000000000001", "0"),
            ("-0", "0", "0"),
            ("1", "0x10", "17"),
            ("17", "0x1p-2", "17.25"),
            ("6", ".5", "6.5"),
            ("5", "1.", "6"),
            ("0", "+5", "5"),
            ("12", "0", "12"),
            ("0", "0.000003814697265625", "0.00000381469726562"),
            ("0", "0.000011444091796875", "0.00001144409179688"),
            ("1.5", "-3", "-1.5"),
            ("-5.5", "0.25", "-5.25"),
        ];
        let mut h = Harness::new();
        for (start, increment, expected) in table {
            assert_eq!(incr(&mut h, start, increment), bulk(expected), "{start} + {increment}");
            assert_eq!(h.run("GET k"), bulk(expected), "stored as replied");
        }
    }

    #[test]
    fn huge_values_print_in_full() {
        let mut h = Harness::new();
        let reply = incr(&mut h, "0", "1e400");
        let crate::protocol::Reply::Bulk(text) = reply else { panic!("{reply:?}") };
        assert_eq!(text.len(), 401);
        assert!(text
            .starts_with(b"10000000000000000000281880683947586514586453433629052038625910693539685534008"));
        assert!(
            matches!(incr(&mut h, "1.7976931348623157e308", "1.7976931348623157e308"), crate::protocol::Reply::Bulk(t) if t.len() == 309)
        );
    }

    #[test]
    fn missing_key_and_ttl() {
        let mut h = Harness::new();
        assert_eq!(h.run("INCRBYFLOAT n 2.5"), bulk("2.5"));
        h.run("SET k 10 EX 100");
        assert_eq!(h.run("INCRBYFLOAT k 1.5"), bulk("11.5"));
        assert_eq!(h.run("TTL k"), int(100));
        assert_eq!(h.run("INCRBY k 1"), err("ERR value is not an integer or out of range"));
        h.advance_ms(100_000);
        assert_eq!(h.run("INCRBYFLOAT k 1"), bulk("1"));
    }

    #[test]
    fn invalid_floats() {
        let mut h = Harness::new();
        for bad in ["abc", "nan", "-nan", "1e5000", "1e-5000", " 1", "1 ", "1e", "", "1\x00", "\x00", "0x"] {
            assert_eq!(incr(&mut h, "1", bad), err(NOT_FLOAT), "increment {bad:?}");
            assert_eq!(incr(&mut h, bad, "1"), err(NOT_FLOAT), "stored {bad:?}");
        }
        assert_eq!(
            h.run("INCRBYFLOAT k 1 2"),
            err("ERR wrong number of arguments for 'incrbyfloat' command")
        );
    }

    #[test]
    fn length_limit_of_5120_bytes() {
        let mut h = Harness::new();
        let ok = format!("0.{}", "0".repeat(5117));
        assert_eq!(incr(&mut h, "1", &ok), bulk("1"));
        assert_eq!(incr(&mut h, &ok, "1"), bulk("1"));
        let long = format!("0.{}", "0".repeat(5118));
        assert_eq!(incr(&mut h, "1", &long), err(NOT_FLOAT));
        assert_eq!(incr(&mut h, &long, "1"), err(NOT_FLOAT));
    }

    #[test]
    fn nan_and_infinity() {
        let mut h = Harness::new();
        for (start, increment) in [
            ("1", "inf"),
            ("1", "-INF"),
            ("1", "infinity"),
            ("inf", "1"),
            ("inf", "-inf"),
            ("1.18973149535723176502e4932", "1.18973149535723176502e4932"),
        ] {
            assert_eq!(incr(&mut h, start, increment), err(NAN_OR_INF), "{start} + {increment}");
        }
        assert_eq!(h.run("GET k"), bulk("1.18973149535723176502e4932"), "unchanged after an error");
    }

    #[test]
    fn check_order() {
        let mut h = Harness::new();
        h.run("HSET h f v");
        let wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
        assert_eq!(h.run("INCRBYFLOAT h abc"), err(wrongtype), "the type comes first");
        h.run("SET k abc");
        assert_eq!(h.run("INCRBYFLOAT k inf"), err(NOT_FLOAT), "then the stored value");
    }

    #[test]
    fn logged_as_set_keepttl_with_the_result() {
        let mut h = Harness::new();
        h.run("SET n 10.5 EX 100");
        assert_eq!(h.run("INCRBYFLOAT n 0.1"), bulk("10.6"));
        assert_eq!(h.propagated(), logged(&["SET n 10.6 KEEPTTL"]));
        assert_eq!(h.events(), ["0:incrbyfloat:n"]);
    }
}

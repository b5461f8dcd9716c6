//! HINCRBYFLOAT key field increment

use crate::long_double::LongDouble;
use crate::prelude::*;

/// `HINCRBYFLOAT`: adds a float to a field (a missing field counts as 0) in
/// Redis's 80-bit `long double` arithmetic; the new value, formatted as
/// Redis stores it.
pub struct Hincrbyfloat;

impl Command for Hincrbyfloat {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hincrbyfloat",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "hash",
            summary: "Increment the float value of a hash field by the given amount",
            since: "2.6.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, field) = (args.next()?, args.next()?);
        let increment = LongDouble::parse(args.next()?).ok_or(ReplyError::NOT_FLOAT)?;
        if !increment.is_finite() {
            return Err(ReplyError::from_static("ERR value is NaN or Infinity"));
        }
        let reply = crate::command_logic::hashes::update_hash_field(ctx, key, field, |current| {
            let value = match current {
                None => LongDouble::ZERO,
                Some(text) => {
                    LongDouble::parse(text).ok_or(ReplyError::from_static("ERR hash value is not a float"))?
                }
            };
            let sum = Some(value + increment)
                .filter(LongDouble::is_finite)
                .ok_or(ReplyError::from_static("ERR increment would produce NaN or Infinity"))?;
            let text = sum.to_human();
            Ok((text.clone().into_bytes(), Reply::bulk(text)))
        })?;
        // Logged as the value it gave, so float formatting never differs on replay (as Redis).
        if let Reply::Bulk(text) = &reply {
            ctx.propagate_as(&[b"HSET", key, field, text]);
        }
        ctx.notify(EventClass::Hash, "hincrbyfloat", key);
        Ok(reply)
    }
}

inventory::submit! { Registration::new(&Hincrbyfloat, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn increments_with_long_double_precision() {
        let mut h = Harness::new();
        assert_eq!(h.run("HINCRBYFLOAT h f 0.1"), bulk("0.1"), "missing key and field count as 0");
        assert_eq!(h.run("HINCRBYFLOAT h f 0.2"), bulk("0.3"), "80-bit arithmetic, not 0.30000000000000004");
        assert_eq!(h.run("HGET h f"), bulk("0.3"));
        h.run("HSET h n 10.5 i 15 e 1e5 x 0x10");
        assert_eq!(h.run("HINCRBYFLOAT h n 0.1"), bulk("10.6"));
        assert_eq!(h.run("HINCRBYFLOAT h n -5.0e3"), bulk("-4989.39999999999999991"));
        assert_eq!(h.run("HINCRBYFLOAT h i 0.1"), bulk("15.1"));
        assert_eq!(h.run("HINCRBYFLOAT h e 1"), bulk("100001"));
        assert_eq!(h.run("HINCRBYFLOAT h x 1"), bulk("17"), "strtold reads hex");
        assert_eq!(h.run("HINCRBYFLOAT h q 1.23456789012345678901234"), bulk("1.23456789012345679"));
        assert_eq!(h.run("HINCRBYFLOAT h r 0x1p-3"), bulk("0.125"));
        assert_eq!(h.run("HINCRBYFLOAT h r +.5"), bulk("0.625"));
        assert_eq!(h.run("HINCRBYFLOAT h r 3.5e5"), bulk("350000.625"));
    }

    #[test]
    fn tiny_and_huge_results() {
        let mut h = Harness::new();
        assert_eq!(h.run("HINCRBYFLOAT h a 1e-30"), bulk("0"));
        assert_eq!(h.run("HINCRBYFLOAT h b -2e-30"), bulk("0"), "never -0");
        assert_eq!(h.run("HINCRBYFLOAT h c 1e-4940"), bulk("0"), "a subnormal is accepted");
        assert_eq!(h.run("HINCRBYFLOAT h d 1"), bulk("1"));
        assert_eq!(h.run("HINCRBYFLOAT h d -1"), bulk("0"));
        let crate::protocol::Reply::Bulk(huge) = h.run("HINCRBYFLOAT h big 1e400") else {
            panic!("bulk expected");
        };
        assert_eq!(huge.len(), 401);
        assert!(huge.starts_with(b"10000000000000000000281880683947586514586"));
        assert_eq!(h.run("HINCRBYFLOAT h big -1e400"), bulk("0"));
    }

    #[test]
    fn nan_and_infinity_errors() {
        let mut h = Harness::new();
        let not_float = "ERR value is not a valid float";
        for bad in ["abc", "nan", "1e5000", "1e-5000", "' 1'", "'1 '", ".", "''"] {
            assert_eq!(h.run(&format!("HINCRBYFLOAT h f {bad}")), err(not_float), "{bad}");
        }
        assert_eq!(h.run("HINCRBYFLOAT h f inf"), err("ERR value is NaN or Infinity"));
        assert_eq!(h.run("HINCRBYFLOAT h f -infinity"), err("ERR value is NaN or Infinity"));
        assert_eq!(h.run("EXISTS h"), int(0), "a failed HINCRBYFLOAT creates nothing");
        h.run("HSET h inf inf max 1.18e4932");
        let nan_inf = "ERR increment would produce NaN or Infinity";
        assert_eq!(h.run("HINCRBYFLOAT h inf 1"), err(nan_inf));
        assert_eq!(h.run("HINCRBYFLOAT h max 1.18e4932"), err(nan_inf));
        assert_eq!(h.run("HGET h inf"), bulk("inf"), "the value is kept");
    }

    #[test]
    fn non_float_values() {
        let mut h = Harness::new();
        h.run("HSET h s abc sp ' 1' e '' n nan big 1e5000");
        for field in ["s", "sp", "e", "n", "big"] {
            assert_eq!(
                h.run(&format!("HINCRBYFLOAT h {field} 1")),
                err("ERR hash value is not a float"),
                "{field}"
            );
        }
        h.run_args(&[&b"HSET"[..], b"h", b"nul", b"1\0"]);
        assert_eq!(h.run("HINCRBYFLOAT h nul 1"), err("ERR hash value is not a float"));
    }

    #[test]
    fn expired_key_ttl_and_errors() {
        let mut h = Harness::new();
        h.run("HSET h f 1.5");
        h.run("EXPIRE h 1");
        assert_eq!(h.run("HINCRBYFLOAT h f 1"), bulk("2.5"));
        assert_eq!(h.run("PTTL h"), int(1000), "the TTL is kept");
        h.advance_ms(1000);
        assert_eq!(h.run("HINCRBYFLOAT h f 1"), bulk("1"));
        assert_eq!(
            h.run("HINCRBYFLOAT h f"),
            err("ERR wrong number of arguments for 'hincrbyfloat' command")
        );
        h.run("SET s v");
        assert_eq!(
            h.run("HINCRBYFLOAT s f 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("HINCRBYFLOAT s f x"),
            err("ERR value is not a valid float"),
            "checked before the key"
        );
        assert_eq!(
            h.run("HINCRBYFLOAT s f inf"),
            err("ERR value is NaN or Infinity"),
            "checked before the key"
        );
    }

    #[test]
    fn logged_as_hset_with_the_result() {
        let mut h = Harness::new();
        assert_eq!(h.run("HINCRBYFLOAT h f 2.5e0"), bulk("2.5"));
        assert_eq!(h.propagated(), logged(&["HSET h f 2.5"]));
        assert_eq!(h.events(), ["0:hincrbyfloat:h"]);
        assert_eq!(h.modified(), ["0:h"]);
    }
}

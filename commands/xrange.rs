//! XRANGE key start end [COUNT count]

use crate::prelude::*;

/// `XRANGE`: Return a range of elements in a stream, with IDs matching the specified IDs interval
pub struct Xrange;

impl Command for Xrange {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xrange",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "stream",
            summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval",
            since: "5.0.0",
            complexity: "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::streams::range_command(ctx, args, false)
    }
}

inventory::submit! { Registration::new(&Xrange, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::*;
    use crate::testing::*;

    #[test]
    fn bounds_exclusive_incomplete_and_count() {
        let mut h = Harness::new();
        h.run("XADD s 1-1 a 1");
        h.run("XADD s 1-2 b 2");
        h.run("XADD s 2-0 a 3 c 4");
        let all = nested(vec![
            entry("1-1", &["a", "1"]),
            entry("1-2", &["b", "2"]),
            entry("2-0", &["a", "3", "c", "4"]),
        ]);
        assert_eq!(h.run("XRANGE s - +"), all);
        assert_eq!(h.run("XRANGE s 1 1"), nested(vec![entry("1-1", &["a", "1"]), entry("1-2", &["b", "2"])]));
        assert_eq!(
            h.run("XRANGE s (1-1 +"),
            nested(vec![entry("1-2", &["b", "2"]), entry("2-0", &["a", "3", "c", "4"])])
        );
        assert_eq!(h.run("XRANGE s - (1-2"), nested(vec![entry("1-1", &["a", "1"])]));
        assert_eq!(h.run("XRANGE s - + COUNT 1"), nested(vec![entry("1-1", &["a", "1"])]));
        assert_eq!(h.run("XRANGE s - + COUNT 0"), crate::protocol::Reply::NullArray);
        assert_eq!(h.run("XRANGE s - + COUNT -1"), crate::protocol::Reply::NullArray);
        assert_eq!(h.run("XRANGE s 2 1"), nested(vec![]));
        assert_eq!(h.run("XRANGE missing - +"), nested(vec![]));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        let invalid = err("ERR Invalid stream ID specified as stream command argument");
        assert_eq!(h.run("XRANGE s ( +"), invalid);
        assert_eq!(h.run("XRANGE s (- +"), invalid);
        assert_eq!(h.run("XRANGE s abc +"), invalid);
        assert_eq!(
            h.run("XRANGE s (18446744073709551615-18446744073709551615 +"),
            err("ERR invalid start ID for the interval")
        );
        assert_eq!(h.run("XRANGE s - (0-0"), err("ERR invalid end ID for the interval"));
        assert_eq!(h.run("XRANGE s - + COUNT"), err("ERR syntax error"));
        assert_eq!(h.run("XRANGE s - + FOO 1"), err("ERR syntax error"));
        assert_eq!(h.run("XRANGE s - + COUNT x"), err("ERR value is not an integer or out of range"));
        h.run("SET str v");
        assert_eq!(
            h.run("XRANGE str - +"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

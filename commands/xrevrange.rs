//! XREVRANGE key end start [COUNT count]

use crate::prelude::*;

/// `XREVRANGE`: Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE
pub struct Xrevrange;

impl Command for Xrevrange {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xrevrange",
            arity: -4,
            flags: &[Flag::Readonly],
            group: "stream",
            summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
            since: "5.0.0",
            complexity: "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::streams::range_command(ctx, args, true)
    }
}

inventory::submit! { Registration::new(&Xrevrange, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::nested;
    use crate::protocol::Reply;
    use crate::testing::*;

    fn entry(id: &str) -> Reply {
        crate::command_logic::streams::checks::entry(id, &["f", "v"])
    }

    #[test]
    fn descending_with_bounds_and_count() {
        let mut h = Harness::new();
        for id in ["1-1", "1-2", "2-0", "3-0"] {
            h.run(&format!("XADD s {id} f v"));
        }
        assert_eq!(
            h.run("XREVRANGE s + -"),
            nested(vec![entry("3-0"), entry("2-0"), entry("1-2"), entry("1-1")])
        );
        assert_eq!(h.run("XREVRANGE s + - COUNT 2"), nested(vec![entry("3-0"), entry("2-0")]));
        // `(3` is 3-18446744073709551615 exclusive: 3-0 is still in.
        assert_eq!(h.run("XREVRANGE s (3 1-2"), nested(vec![entry("3-0"), entry("2-0"), entry("1-2")]));
        assert_eq!(h.run("XREVRANGE s (3-0 1-2"), nested(vec![entry("2-0"), entry("1-2")]));
        assert_eq!(h.run("XREVRANGE s 1 1"), nested(vec![entry("1-2"), entry("1-1")]));
        assert_eq!(h.run("XREVRANGE s - +"), nested(vec![]));
        assert_eq!(h.run("XREVRANGE s (0-0 -"), err("ERR invalid end ID for the interval"));
    }
}

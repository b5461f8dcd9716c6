//! TIME

use crate::prelude::*;

/// `TIME`: the server's clock as `[unix seconds, microseconds]`.
pub struct Time;

impl Command for Time {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "time",
            arity: 1,
            flags: &[Flag::Loading, Flag::Stale, Flag::Fast],
            group: "server",
            summary: "Returns the server time.",
            since: "2.6.0",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        let us = ctx.server.clock.now_us();
        Ok(Reply::bulks([(us / 1_000_000).to_string(), (us % 1_000_000).to_string()]))
    }
}

inventory::submit! { Registration::new(&Time, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn seconds_and_microseconds() {
        let mut h = Harness::new();
        assert_eq!(h.run("TIME"), array(&["1700000000", "0"]));
        h.advance_ms(1_234);
        assert_eq!(h.wire("time"), "*2\r\n$10\r\n1700000001\r\n$6\r\n234000\r\n");
        assert_eq!(h.run("TIME now"), err("ERR wrong number of arguments for 'time' command"));
    }
}

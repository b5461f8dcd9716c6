//! MONITOR

use crate::prelude::*;

/// `MONITOR`: from now on the connection receives every command the server
/// runs (except admin commands, as in Redis), one line each.
pub struct Monitor;

impl Command for Monitor {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "monitor",
            arity: 1,
            flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
            group: "server",
            summary: "Listens for all requests received by the server in real-time.",
            since: "1.0.0",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        args.finish()?;
        // The connection loop registers the feed once this reply is queued.
        ctx.client.monitor = true;
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Monitor, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn marks_the_connection() {
        let mut h = Harness::new();
        assert_eq!(h.run("MONITOR"), Reply::OK);
        assert!(h.client.monitor);
        assert_eq!(h.run("MONITOR x"), err("ERR wrong number of arguments for 'monitor' command"));
    }

    #[test]
    fn a_script_s_commands_show_as_lua() {
        let mut h = Harness::new();
        let mut rx = h.shared.metrics.add_monitor(99);
        h.run("EVAL \"return redis.call('set','k','v')\" 0");
        let lines: Vec<String> =
            std::iter::from_fn(|| rx.try_recv().ok()).map(|l| String::from_utf8(l).unwrap()).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains(" \"EVAL\" ") && !lines[0].contains("[0 lua]"), "{lines:?}");
        assert!(lines[1].ends_with(" [0 lua] \"set\" \"k\" \"v\"\r\n"), "{lines:?}");
    }

    #[test]
    fn feed_lines_are_redis_format() {
        let h = Harness::new();
        let mut rx = h.shared.metrics.add_monitor(99);
        let argv: Vec<&[u8]> = vec![b"SET", b"k\"\n", b"\x01 v"];
        h.shared.metrics.feed_monitors(1_339_518_083_107_412, 3, "127.0.0.1:60866", argv.into_iter());
        let line = rx.try_recv().unwrap();
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "+1339518083.107412 [3 127.0.0.1:60866] \"SET\" \"k\\\"\\n\" \"\\x01 v\"\r\n"
        );
        drop(rx);
        h.shared.metrics.feed_monitors(0, 0, "a", std::iter::empty());
        assert_eq!(
            h.shared.metrics.monitor_count.load(std::sync::atomic::Ordering::Relaxed),
            0,
            "gone when closed"
        );
    }
}

//! PING [message]

use crate::prelude::*;

/// `PING [message]`: `PONG`, or the message as a bulk string.
pub struct Ping;

impl Command for Ping {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "ping",
            arity: -1,
            flags: &[Flag::Fast, Flag::Stale, Flag::Loading],
            group: "connection",
            summary: "Returns the server's liveliness response.",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        if args.remaining() > 1 {
            return Err(ReplyError::wrong_arity("ping"));
        }
        // PUBSUB: a RESP2 client in subscribed mode gets `["pong", message]`.
        if ctx.client.subscriptions.any() && !ctx.resp3() {
            return Ok(Reply::bulks([&b"pong"[..], args.peek().unwrap_or_default()]));
        }
        match args.peek() {
            None => Ok(Reply::simple("PONG")),
            Some(message) => Ok(Reply::bulk(message)),
        }
    }
}

inventory::submit! { Registration::new(&Ping, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn pong_and_echo() {
        let mut h = Harness::new();
        assert_eq!(h.wire("PING"), "+PONG\r\n");
        assert_eq!(h.wire("ping \"hello world\""), "$11\r\nhello world\r\n");
        assert_eq!(h.run("PING a b"), err("ERR wrong number of arguments for 'ping' command"));
    }
}

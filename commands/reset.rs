//! RESET

use crate::prelude::*;

/// `RESET`: returns the connection to its initial state: database 0, RESP2,
/// no name, NO-TOUCH off, replies on. NO-EVICT stays as it was, as in
/// Redis 7.0.
pub struct Reset;

impl Command for Reset {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "reset",
            arity: 1,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::NoAuth, Flag::AllowBusy],
            group: "connection",
            summary: "Resets the connection.",
            since: "6.2.0",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        // Back to the default user, authenticated only if it needs no password.
        let (user, authenticated) = ctx.server.users.for_new_connection();
        crate::registry::end_transaction(ctx.server, ctx.client);
        ctx.client.reset(user, authenticated);
        Ok(Reply::simple("RESET"))
    }
}

inventory::submit! { Registration::new(&Reset, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn resets_connection_state() {
        let mut h = Harness::new();
        h.run("SELECT 5");
        h.run("HELLO 3 SETNAME worker");
        h.run("CLIENT NO-TOUCH ON");
        h.run("CLIENT NO-EVICT ON");
        h.run("CLIENT REPLY OFF");
        assert_eq!(h.wire("RESET"), "+RESET\r\n");
        assert!(h.client.reply_allowed(), "replies are back on");
        assert_eq!((h.client.db, h.client.protocol, h.client.no_touch), (0, 2, false));
        assert!(h.client.no_evict, "Redis 7.0 keeps NO-EVICT across RESET");
        assert_eq!(h.run("CLIENT GETNAME"), Reply::Null);
        assert_eq!(h.run("RESET now"), err("ERR wrong number of arguments for 'reset' command"));
    }

    #[test]
    fn keeps_the_data() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.run("SELECT 1");
        h.run("RESET");
        assert_eq!(h.run("GET k"), bulk("v"));
    }
}

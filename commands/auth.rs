//! AUTH [username] password

use crate::prelude::*;

/// `AUTH [username] password`: authenticates the connection as `username`,
/// or as `default` when only a password is given.
pub struct Auth;

impl Command for Auth {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "auth",
            arity: -2,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::NoAuth, Flag::AllowBusy],
            group: "connection",
            summary: "Authenticates the connection.",
            complexity: "O(N) where N is the number of passwords defined for the user",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        if args.remaining() > 2 {
            return Err(ReplyError::SYNTAX);
        }
        let (user, password) = if args.remaining() == 1 {
            if ctx.server.users.default_user_has_no_password() {
                return Err(ReplyError::err(
                    "AUTH <password> called without any password configured for the default user. Are you \
                     sure your configuration is correct?",
                ));
            }
            (&b"default"[..], args.next()?)
        } else {
            (args.next()?, args.next()?)
        };
        crate::command_logic::admin::authenticate(ctx, args.command_name(), user, password)?;
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Auth, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

    #[test]
    fn without_a_password_configured() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("AUTH x"),
            err("ERR AUTH <password> called without any password configured for the default user. Are you \
                 sure your configuration is correct?")
        );
        assert_eq!(h.run("AUTH default anything"), Reply::OK, "the default user is nopass");
        assert_eq!(h.run("AUTH bob x"), Reply::error(WRONGPASS));
        assert_eq!(h.run("AUTH a b c"), err("ERR syntax error"));
        assert_eq!(h.run("AUTH"), err("ERR wrong number of arguments for 'auth' command"));
    }

    #[test]
    fn requirepass_then_noauth_until_auth() {
        let mut h = Harness::new();
        assert_eq!(h.run("CONFIG SET requirepass secret"), Reply::OK);
        assert_eq!(h.run("PING"), Reply::simple("PONG"), "this connection stays authenticated");
        h.reconnect();
        assert_eq!(h.run("PING"), err("NOAUTH Authentication required."));
        assert_eq!(h.run("GET k"), err("NOAUTH Authentication required."));
        assert_eq!(h.run("CONFIG GET requirepass"), err("NOAUTH Authentication required."));
        assert_eq!(
            h.run("NOSUCH x"),
            err("ERR unknown command 'NOSUCH', with args beginning with: 'x' "),
            "unknown commands are reported first, as in Redis"
        );
        assert_eq!(h.run("GET"), err("ERR wrong number of arguments for 'get' command"));
        assert_eq!(h.run("AUTH wrong"), Reply::error(WRONGPASS));
        assert_eq!(h.run("AUTH default wrong"), Reply::error(WRONGPASS));
        assert_eq!(h.run("PING"), err("NOAUTH Authentication required."));
        assert_eq!(h.run("AUTH secret"), Reply::OK);
        assert_eq!(h.run("PING"), Reply::simple("PONG"));
        assert_eq!(h.run("AUTH wrong"), Reply::error(WRONGPASS));
        assert_eq!(h.run("PING"), Reply::simple("PONG"), "a failed AUTH keeps the earlier login");
        h.reconnect();
        assert_eq!(h.run("AUTH default secret"), Reply::OK);
        assert_eq!(h.run("CONFIG GET requirepass"), Reply::Map(vec![(bulk("requirepass"), bulk("secret"))]));
        assert_eq!(h.run("CONFIG SET requirepass \"\""), Reply::OK);
        h.reconnect();
        assert_eq!(h.run("PING"), Reply::simple("PONG"), "no password: no AUTH needed");
    }

    #[test]
    fn client_list_shows_the_user() {
        let mut h = Harness::new();
        h.run("CONFIG SET requirepass secret");
        h.reconnect();
        h.run("AUTH secret");
        let Reply::Verbatim(line) = h.run("CLIENT INFO") else { panic!() };
        assert!(String::from_utf8_lossy(&line).contains(" user=default "));
    }
}

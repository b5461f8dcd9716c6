//! HELLO [protover [AUTH username password] [SETNAME clientname]]

use crate::prelude::*;
use crate::protocol::parse::parse_i64;
use crate::state::REDIS_VERSION;

/// `HELLO`: switches the protocol (2 or 3) and describes the server.
pub struct Hello;

impl Command for Hello {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hello",
            arity: -1,
            flags: &[Flag::NoAuth, Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast],
            group: "connection",
            summary: "Handshakes with the Redis server.",
            since: "6.0.0",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let mut protocol = ctx.client.protocol;
        if let Some(version) = args.peek() {
            args.next()?;
            protocol = match parse_i64(version) {
                None => return Err(ReplyError::err("Protocol version is not an integer or out of range")),
                Some(v @ 2..=3) => v as u8,
                Some(_) => return Err(ReplyError::from_static("NOPROTO unsupported protocol version")),
            };
        }
        let mut name = None;
        let mut auth = None;
        while let Some(option) = args.peek() {
            args.next()?;
            if option.eq_ignore_ascii_case(b"AUTH") && args.remaining() >= 2 {
                auth = Some((args.next()?, args.next()?));
            } else if option.eq_ignore_ascii_case(b"SETNAME") && !args.is_empty() {
                let given = args.next()?;
                if !crate::command_logic::admin::valid_client_attr(given) {
                    return Err(ReplyError::err(
                        "Client names cannot contain spaces, newlines or special characters.",
                    ));
                }
                name = Some(given);
            } else {
                return Err(ReplyError::err(format_args!(
                    "Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(option)
                )));
            }
        }
        if let Some((user, password)) = auth {
            crate::command_logic::admin::authenticate(ctx, args.command_name(), user, password)?;
        }
        if !ctx.client.authenticated {
            return Err(ReplyError::from_static(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH \
                 <user> <pass> option can be used to authenticate the client and select the RESP protocol \
                 version at the same time",
            ));
        }
        ctx.client.protocol = protocol;
        if let Some(name) = name {
            ctx.client.set_name(name);
        }
        let field = |k: &'static str, v: Reply| (Reply::bulk(k), v);
        Ok(Reply::Map(vec![
            field("server", Reply::bulk("redis")),
            field("version", Reply::bulk(REDIS_VERSION)),
            field("proto", Reply::Integer(i64::from(protocol))),
            field("id", Reply::Integer(ctx.client.id() as i64)),
            field("mode", Reply::bulk("standalone")),
            field("role", Reply::bulk("master")),
            field("modules", Reply::Array(Vec::new())),
        ]))
    }
}

inventory::submit! { Registration::new(&Hello, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn switches_to_resp3_and_back() {
        let mut h = Harness::new();
        let reply = h.wire("HELLO 3");
        assert!(reply.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), "{reply}");
        assert!(reply.contains("$5\r\nproto\r\n:3\r\n"), "{reply}");
        assert_eq!(h.client.protocol, 3);
        assert_eq!(h.wire("GET nope"), "_\r\n");
        let reply = h.wire("HELLO 2");
        assert!(reply.starts_with("*14\r\n"), "{reply}");
        assert_eq!(h.wire("GET nope"), "$-1\r\n");
    }

    #[test]
    fn without_version_keeps_protocol() {
        let mut h = Harness::new();
        assert!(h.wire("HELLO").contains("$5\r\nproto\r\n:2\r\n"));
    }

    #[test]
    fn auth_setname_and_errors() {
        let mut h = Harness::new();
        assert!(matches!(h.run("HELLO 3 AUTH default secret SETNAME app"), Reply::Map(_)));
        assert_eq!(h.run("CLIENT GETNAME"), bulk("app"));
        assert_eq!(
            h.run("HELLO 3 AUTH bob x"),
            err("WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(h.run("HELLO 4"), err("NOPROTO unsupported protocol version"));
        assert_eq!(h.run("HELLO x"), err("ERR Protocol version is not an integer or out of range"));
        assert_eq!(h.run("HELLO 3 FOO"), err("ERR Syntax error in HELLO option 'FOO'"));
        assert_eq!(h.run("HELLO 3 AUTH onlyuser"), err("ERR Syntax error in HELLO option 'AUTH'"));
        assert_eq!(
            h.run("HELLO 3 SETNAME \"a b\""),
            err("ERR Client names cannot contain spaces, newlines or special characters.")
        );
        assert_eq!(h.client.protocol, 3, "failed HELLOs changed nothing after the first");
    }

    #[test]
    fn auth_with_a_password() {
        let mut h = Harness::new();
        h.run("CONFIG SET requirepass secret");
        h.reconnect();
        assert_eq!(
            h.run("HELLO 3"),
            err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH \
                 <user> <pass> option can be used to authenticate the client and select the RESP protocol \
                 version at the same time")
        );
        assert_eq!(
            h.run("HELLO 3 AUTH default wrong"),
            err("WRONGPASS invalid username-password pair or user is disabled.")
        );
        assert_eq!(h.client.protocol, 2);
        assert!(matches!(h.run("HELLO 3 AUTH default secret"), Reply::Map(_)));
        assert_eq!((h.client.protocol, h.client.authenticated), (3, true));
        assert_eq!(h.run("PING"), Reply::simple("PONG"));
    }
}

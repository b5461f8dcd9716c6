//! Logic connection and server commands share: `HELP` replies, `AUTH`,
//! client attributes, protected actions, 32-bit integer arguments.

use crate::protocol::parse::parse_i64;
use crate::protocol::{Reply, ReplyError};
use crate::registry::Context;
use crate::session::Session;

/// Redis's rule for client names and library attributes: printable ASCII
/// without spaces.
pub fn valid_client_attr(value: &[u8]) -> bool {
    value.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Redis's `getIntFromObjectOrReply`: a 32-bit integer argument. `message`,
/// when given, replaces both error texts (as `SWAPDB` does).
pub fn int_arg(arg: &[u8], message: Option<&'static str>) -> Result<i32, ReplyError> {
    let custom = || message.map(ReplyError::err);
    let value = parse_i64(arg).ok_or_else(|| custom().unwrap_or(ReplyError::NOT_INTEGER))?;
    i32::try_from(value).map_err(|_| {
        custom().unwrap_or_else(|| {
            ReplyError::err("value is out of range, value must between -2147483648 and 2147483647")
        })
    })
}

/// Redis's rule for `enable-debug-command` and `enable-protected-configs`:
/// `yes` allows every client, `local` only clients on a loopback address.
pub fn protected_action_allowed(setting: &str, client: &Session) -> bool {
    match setting {
        "yes" => true,
        "local" => {
            client.handle.addr.parse::<std::net::SocketAddr>().is_ok_and(|addr| addr.ip().is_loopback())
        }
        _ => false,
    }
}

/// The reply to a container's `HELP` subcommand: one simple string a line.
pub fn help_reply(lines: &[&'static str]) -> Reply {
    Reply::Array(lines.iter().map(|line| Reply::simple(line)).collect())
}

/// `AUTH` and `HELLO … AUTH`: switches the connection to `user` if
/// `password` opens it; `WRONGPASS` (and an ACL log entry whose object is
/// `command` as sent) otherwise, leaving the connection as it was.
pub fn authenticate(
    ctx: &mut Context<'_>,
    command: &[u8],
    user: &[u8],
    password: &[u8],
) -> Result<(), ReplyError> {
    let found = ctx.server.users.authenticate(user, password);
    match found {
        Some(cell) => {
            ctx.client.authenticate_as(cell);
            Ok(())
        }
        None => {
            let now = ctx.now_ms();
            let info = ctx.client.handle.info_line(now);
            ctx.server.users.log(("auth", "toplevel"), command, user, now, info);
            Err(ReplyError::from_static(crate::acl::WRONGPASS))
        }
    }
}

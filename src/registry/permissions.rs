//! The permission check [`super::dispatch`] runs for a user that is not
//! unrestricted: the command's ACL id against the user's bitmap, then each
//! key against the user's patterns.

use super::{Context, Entry, Flag};
use crate::acl::{User, KEY_READ, KEY_WRITE};
use crate::protocol::parse::Argv;
use crate::protocol::ReplyError;

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    Command,
    Key(Vec<u8>),
    Channel(Vec<u8>),
}

/// Why `user` may not run `argv` (command `entry`, subcommand `sub`).
pub fn denial(user: &User, entry: &Entry, sub: Option<usize>, argv: Argv<'_>) -> Option<Denial> {
    let id = sub.map_or(entry.acl_id, |i| entry.acl_id + 1 + i);
    // Commands a client may run before authenticating are never denied.
    if !user.may_run(id) && !entry.meta.has(Flag::NoAuth) {
        return Some(Denial::Command);
    }
    if !user.all_keys {
        if let Some(denied) = key_denial(user, entry, sub, argv) {
            return Some(denied);
        }
    }
    if user.all_channels {
        return None;
    }
    channel_denial(user, entry, argv)
}

/// PUBSUB: the first channel the command names that `user` may not use.
/// Channels and the channels of `PUBLISH` match the user's patterns as
/// globs; a `PSUBSCRIBE` pattern must be one of them, literally (as Redis's
/// command table lists the channel arguments of these commands).
fn channel_denial(user: &User, entry: &Entry, argv: Argv<'_>) -> Option<Denial> {
    let (channels, literal) = match entry.meta.name {
        "publish" | "spublish" => (1..2.min(argv.len()), false),
        "subscribe" | "ssubscribe" => (1..argv.len(), false),
        "psubscribe" => (1..argv.len(), true),
        _ => return None,
    };
    channels
        .map(|i| argv.get(i))
        .find(|channel| !user.may_use_channel(channel, literal))
        .map(|channel| Denial::Channel(channel.to_vec()))
}

/// The first key `user`'s key patterns do not allow.
fn key_denial(user: &User, entry: &Entry, sub: Option<usize>, argv: Argv<'_>) -> Option<Denial> {
    // The subcommand's own flags and key specification, if it has them.
    let flags = entry.flags_of(sub);
    let need = if flags & Flag::Write.bit() != 0 {
        KEY_WRITE
    } else if flags & Flag::Readonly.bit() != 0 {
        KEY_READ
    } else {
        0
    };
    let read_only = read_only_positions(entry, sub, argv);
    entry.key_positions(sub, argv).into_iter().find_map(|position| {
        let key = argv.get(position);
        let need = if read_only.contains(&position) { KEY_READ } else { need };
        (!user.may_access(key, need)).then(|| Denial::Key(key.to_vec()))
    })
}

/// Keys a write command only reads, as its declared `RO` key specifications
/// say (`SORT`'s source): Redis asks read access for them, not write.
fn read_only_positions(entry: &Entry, sub: Option<usize>, argv: Argv<'_>) -> Vec<usize> {
    let specs = if sub.is_none() { entry.meta.key_specs } else { &[] };
    let mut read_only = specs.iter().filter(|spec| spec.flags.contains(&"RO") && spec.flags_for.is_none());
    if read_only.clone().next().is_none() {
        return Vec::new();
    }
    let mut found = Vec::new();
    if read_only.all(|spec| spec.extend_positions(argv, &mut found)) {
        found
    } else {
        Vec::new()
    }
}

/// `NOPERM` (and an ACL log entry) when the command or one of its keys is
/// not allowed.
pub fn check(
    ctx: &mut Context<'_>,
    entry: &Entry,
    sub: Option<usize>,
    argv: Argv<'_>,
) -> Result<(), ReplyError> {
    let user = ctx.client.user.clone();
    let denial = denial(&user.rules.read(), entry, sub, argv);
    let Some(denial) = denial else { return Ok(()) };
    let name = sub.map_or(entry.meta.name, |i| entry.sub_names[i].as_str());
    let (reason, object, text) = match &denial {
        Denial::Command => (
            "command",
            name.as_bytes().to_vec(),
            format!("NOPERM this user has no permissions to run the '{name}' command"),
        ),
        Denial::Key(key) => (
            "key",
            key.clone(),
            "NOPERM this user has no permissions to access one of the keys used as arguments".to_string(),
        ),
        Denial::Channel(channel) => (
            "channel",
            channel.clone(),
            "NOPERM this user has no permissions to access one of the channels used as arguments".to_string(),
        ),
    };
    let context = if ctx.client.multi.is_some() { "multi" } else { "toplevel" };
    log(ctx, &user, (reason, context), &object);
    Err(ReplyError(text.into()))
}

/// Adds an `ACL LOG` entry for `user`: `reason` refused in `context`.
pub fn log(
    ctx: &mut Context<'_>,
    user: &crate::acl::UserCell,
    reason: (&'static str, &'static str),
    object: &[u8],
) {
    let now = ctx.now_ms();
    let info = ctx.client.handle.info_line(now);
    ctx.server.users.log(reason, object, user.name.as_bytes(), now, info);
}

/// What an `ACL LOG` entry names for `denial`: its reason and object.
pub fn logged_as(denial: &Denial, entry: &Entry, sub: Option<usize>) -> (&'static str, Vec<u8>) {
    match denial {
        Denial::Command => {
            ("command", sub.map_or(entry.meta.name, |i| entry.sub_names[i].as_str()).as_bytes().to_vec())
        }
        Denial::Key(key) => ("key", key.clone()),
        Denial::Channel(channel) => ("channel", channel.clone()),
    }
}

//! The keyspace events the dispatcher records around a command rather
//! than the command itself: `new` (class `n`) for the keys a write created,
//! `keymiss` (class `m`) for the keys a read did not find. Both cost one
//! atomic load while neither class is on.

use super::{Context, Entry, Flag};
use crate::config::keyspace_events as bits;
use crate::protocol::parse::Argv;
use crate::store::effects::EventClass;

/// The key positions of a write and whether each key existed, when `new`
/// events are wanted.
pub(super) type KeysBefore = Vec<(usize, bool)>;

/// Before the command runs: records `keymiss` for a read's missing keys,
/// and for a write notes which keys exist (for [`after`]).
pub(super) fn before(
    ctx: &mut Context<'_>,
    entry: &Entry,
    sub: Option<usize>,
    argv: Argv<'_>,
    flags: u32,
) -> Option<KeysBefore> {
    let events = ctx.server.config.keyspace_events();
    if events & (bits::NEW | bits::KEY_MISS) == 0 || events & (bits::KEYSPACE | bits::KEYEVENT) == 0 {
        return None;
    }
    let write = flags & Flag::Write.bit() != 0;
    let new = events & bits::NEW != 0 && write;
    let miss = events & bits::KEY_MISS != 0
        && (!write && flags & Flag::Readonly.bit() != 0 || reads_old_value(argv));
    if !new && !miss {
        return None;
    }
    let keys: KeysBefore =
        entry.key_positions(sub, argv).into_iter().map(|i| (i, ctx.db().contains(argv.get(i)))).collect();
    if miss {
        for &(i, _) in keys.iter().filter(|(_, existed)| !existed) {
            ctx.notify(EventClass::KeyMiss, "keymiss", argv.get(i));
        }
    }
    new.then_some(keys)
}

/// Writes that read the old value as a read does (Redis's
/// `getGenericCommand`), so a missing key is a key miss.
fn reads_old_value(argv: Argv<'_>) -> bool {
    let name = argv.get(0);
    ["getset", "getdel", "getex"].iter().any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
        || name.eq_ignore_ascii_case(b"set") && argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"))
}

/// After a write: `new` for each key it created, where Redis creates it:
/// just before the key's own first event (`MSET`, `SMOVE`), or before a
/// `rename_from` that moved it there (`RENAME`).
pub(super) fn after(ctx: &mut Context<'_>, argv: Argv<'_>, keys: KeysBefore) {
    let db = ctx.client.db;
    for (i, existed) in keys {
        let key = argv.get(i);
        if !existed && ctx.db().contains(key) {
            let effects = ctx.keyspace.effects_mut();
            let events: Vec<(&str, bool)> = effects
                .events()
                .map(|(e, k)| (e.name, e.db as usize == db && k == key && e.name != "keymiss"))
                .collect();
            let mut at = events.iter().position(|&(_, same)| same).unwrap_or(0);
            if at > 0 && events[at - 1].0 == "rename_from" {
                at -= 1;
            }
            effects.event_before_others(at, db, EventClass::New, "new", key);
        }
    }
}

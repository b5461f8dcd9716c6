//! Keyspace notifications: the events a command's effects carry, published
//! to `__keyspace@<db>__:<key>` (message: the event) and
//! `__keyevent@<db>__:<event>` (message: the key), as `notify-keyspace-events`
//! asks. Commands only record events (`Context::notify`); this is the one
//! place they are delivered, after each command, `EXEC` or script, and after
//! each active expiry round.

use crate::config::keyspace_events as bits;
use crate::store::effects::{Effects, EventClass};

use super::ServerState;

/// The `notify-keyspace-events` bit of an event class.
pub fn class_bit(class: EventClass) -> u32 {
    match class {
        EventClass::Generic => bits::GENERIC,
        EventClass::String => bits::STRING,
        EventClass::Hash => bits::HASH,
        EventClass::List => bits::LIST,
        EventClass::Set => bits::SET,
        EventClass::SortedSet => bits::ZSET,
        EventClass::Stream => bits::STREAM,
        EventClass::Expired => bits::EXPIRED,
        EventClass::Evicted => bits::EVICTED,
        EventClass::New => bits::NEW,
        EventClass::KeyMiss => bits::KEY_MISS,
    }
}

/// Whether `flags` publish events of `class` anywhere.
#[inline]
pub fn wanted(flags: u32, class: EventClass) -> bool {
    flags & class_bit(class) != 0 && flags & (bits::KEYSPACE | bits::KEYEVENT) != 0
}

/// Publishes the events of `effects` that the settings ask for (nothing
/// is built while nobody listens).
pub fn publish_events(server: &ServerState, effects: &Effects) {
    let flags = server.config.keyspace_events();
    if flags & (bits::KEYSPACE | bits::KEYEVENT) == 0 || !server.pubsub.anyone_listens() {
        return;
    }
    for (event, key) in effects.events() {
        if flags & class_bit(event.class) != 0 {
            publish(server, flags, event.db, event.name, key);
        }
    }
}

/// Publishes one event outside a command's effects (eviction after
/// `CONFIG SET maxmemory`).
pub fn publish_event(server: &ServerState, class: EventClass, name: &str, db: usize, key: &[u8]) {
    let flags = server.config.keyspace_events();
    if wanted(flags, class) && server.pubsub.anyone_listens() {
        publish(server, flags, db as u32, name, key);
    }
}

/// `name` on `key`: to its keyspace channel, then to the event's channel.
fn publish(server: &ServerState, flags: u32, db: u32, name: &str, key: &[u8]) {
    let mut db_text = itoa::Buffer::new();
    let db = db_text.format(db).as_bytes();
    let mut channel = Vec::with_capacity(24 + key.len().max(name.len()));
    if flags & bits::KEYSPACE != 0 {
        channel.extend_from_slice(b"__keyspace@");
        channel.extend_from_slice(db);
        channel.extend_from_slice(b"__:");
        channel.extend_from_slice(key);
        server.publish(false, &channel, name.as_bytes());
    }
    if flags & bits::KEYEVENT != 0 {
        channel.clear();
        channel.extend_from_slice(b"__keyevent@");
        channel.extend_from_slice(db);
        channel.extend_from_slice(b"__:");
        channel.extend_from_slice(name.as_bytes());
        server.publish(false, &channel, key);
    }
}

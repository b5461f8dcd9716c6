//! Pub/sub: which client listens to which channel, pattern or shard
//! channel, and the delivery of published messages to their mailboxes.
//!
//! Each subscribed client has one [`Mailbox`]: the bytes of the messages
//! queued for it, already in its form (RESP2, RESP3 push frames, or the
//! human session's text), which its connection takes with one swap and
//! writes with one write. The publisher wakes the connection only when the
//! mailbox stops being empty, so a burst of messages costs one wake and one
//! write per subscriber, as Redis writes each client's buffer once per
//! event-loop round. The bytes queued are counted against the `pubsub`
//! class of `client-output-buffer-limit`. Past the hard limit (or the soft
//! one for its seconds) the publisher closes the mailbox and asks the
//! connection to go, as Redis does, so a subscriber that does not read
//! costs neither the publisher nor the server's memory more than the limit.
//!
//! A message is encoded once per publish (per matching pattern for
//! `pmessage`) and copied into each mailbox. Messages from one publisher
//! reach a mailbox in publish order.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use crate::protocol::{encode_bulk, encode_header};
use crate::session::{SessionHandle, SubscriptionCounts};
use crate::store::glob::glob_match;

/// The three namespaces a client may listen to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SUBSCRIBE` / `PUBLISH`.
    Channel,
    /// `PSUBSCRIBE`: glob patterns over channel names.
    Pattern,
    /// `SSUBSCRIBE` / `SPUBLISH` (one node: their own namespace).
    Shard,
}

impl Kind {
    /// The first element of a subscription confirmation.
    pub fn subscribe_word(self) -> &'static str {
        match self {
            Kind::Channel => "subscribe",
            Kind::Pattern => "psubscribe",
            Kind::Shard => "ssubscribe",
        }
    }

    /// The first element of an unsubscription confirmation.
    pub fn unsubscribe_word(self) -> &'static str {
        match self {
            Kind::Channel => "unsubscribe",
            Kind::Pattern => "punsubscribe",
            Kind::Shard => "sunsubscribe",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A `client-output-buffer-limit` class: hard and soft bytes, soft seconds (0: none).
pub type OutputLimit = [u64; 3];

/// How a client's messages are written: as its protocol frames them, or
/// as the human session prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Form {
    Resp2,
    /// Push frames (`>`).
    Resp3,
    Human,
}

impl Form {
    pub fn of(protocol: u8, human: bool) -> Form {
        match (human, protocol) {
            (true, _) => Form::Human,
            (false, 3) => Form::Resp3,
            _ => Form::Resp2,
        }
    }

    fn from_u8(value: u8) -> Form {
        match value {
            1 => Form::Resp3,
            2 => Form::Human,
            _ => Form::Resp2,
        }
    }
}

/// One published message: its RESP2 frame and its parts (for the human form).
struct Message<'a> {
    frame: &'a [u8],
    parts: &'a [&'a [u8]],
}

/// A subscribed client's queue of messages (see the module documentation).
#[derive(Debug)]
pub struct Mailbox {
    handle: Arc<SessionHandle>,
    /// The messages queued and not yet taken, in the client's form.
    pending: Mutex<Vec<u8>>,
    /// Wakes the connection once `pending` stops being empty.
    ready: Notify,
    /// The client's [`Form`], kept current by its connection.
    form: AtomicU8,
    /// Unix ms since which the queue is over the soft limit (0: it is not).
    over_soft_since: AtomicU64,
    /// Closed for going over a limit: nothing more is queued.
    closed: AtomicBool,
}

impl Mailbox {
    /// Queues `message`, or closes the mailbox (and asks its connection to
    /// go) when that would pass the output limits.
    fn deliver(&self, message: &Message<'_>, [hard, soft, soft_seconds]: OutputLimit, now_ms: u64) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let mut pending = self.pending.lock();
        let was_empty = pending.is_empty();
        let queued = (pending.len() + message.frame.len()) as u64;
        let over_soft = soft > 0 && queued > soft;
        let mut over = hard > 0 && queued > hard;
        if over_soft {
            let since = match self.over_soft_since.load(Ordering::Relaxed) {
                0 => {
                    self.over_soft_since.store(now_ms.max(1), Ordering::Relaxed);
                    now_ms
                }
                since => since,
            };
            over |= now_ms.saturating_sub(since) > soft_seconds * 1000;
        } else if soft > 0 {
            self.over_soft_since.store(0, Ordering::Relaxed);
        }
        if over {
            drop(pending);
            self.closed.store(true, Ordering::Relaxed);
            tracing::warn!(id = self.handle.id, addr = %self.handle.addr, queued,
                "Client scheduled to be closed ASAP for overcoming of output buffer limits.");
            self.handle.kill();
            return;
        }
        let start = pending.len();
        match Form::from_u8(self.form.load(Ordering::Relaxed)) {
            Form::Resp2 => pending.extend_from_slice(message.frame),
            Form::Resp3 => {
                pending.extend_from_slice(message.frame);
                pending[start] = b'>';
            }
            Form::Human => {
                crate::protocol::Reply::bulks(message.parts).write_human(&mut pending);
                pending.extend_from_slice(b"\r\n");
            }
        }
        drop(pending);
        if was_empty {
            self.ready.notify_one();
        }
    }

    /// Moves the queued messages to the end of `out` (swapping buffers
    /// when `out` is empty, so nothing is copied); whether there were any.
    pub fn take(&self, out: &mut Vec<u8>) -> bool {
        let mut pending = self.pending.lock();
        if pending.is_empty() {
            return false;
        }
        if out.is_empty() {
            std::mem::swap(out, &mut *pending);
        } else {
            out.extend_from_slice(&pending);
            pending.clear();
        }
        true
    }

    /// Resolves once messages are queued (possibly already taken since:
    /// [`Mailbox::take`] then finds none).
    pub async fn ready(&self) {
        self.ready.notified().await
    }

    /// The client's form from now on (after `HELLO`).
    pub fn set_form(&self, form: Form) {
        self.form.store(form as u8, Ordering::Relaxed);
    }

    /// Bytes queued and not yet taken.
    pub fn queued(&self) -> u64 {
        self.pending.lock().len() as u64
    }
}

/// What a connection reads its messages from.
#[derive(Debug)]
pub struct Inbox {
    pub mailbox: Arc<Mailbox>,
}

/// One client's subscriptions, by kind (sorted, so `UNSUBSCRIBE` without
/// arguments answers in a stable order).
#[derive(Debug)]
struct Client {
    mailbox: Arc<Mailbox>,
    /// Handed to the connection once ([`PubSub::take_inbox`]).
    inbox_taken: bool,
    names: [BTreeSet<Vec<u8>>; 3],
}

impl Client {
    fn counts(&self) -> SubscriptionCounts {
        SubscriptionCounts {
            channels: self.names[0].len(),
            patterns: self.names[1].len(),
            shard_channels: self.names[2].len(),
        }
    }
}

#[derive(Debug, Default)]
struct Registry {
    /// Subscribers per channel, pattern and shard channel, in subscription order.
    subscribers: [HashMap<Vec<u8>, Vec<Arc<Mailbox>>>; 3],
    clients: HashMap<u64, Client>,
}

/// The server's pub/sub part (see the module documentation).
#[derive(Debug, Default)]
pub struct PubSub {
    registry: RwLock<Registry>,
    /// Distinct patterns with a subscriber: publishing skips the pattern
    /// walk while there are none (one load).
    patterns: AtomicUsize,
    /// Channels and patterns with a subscriber: keyspace notifications
    /// build nothing while there are none (one load).
    listened: AtomicUsize,
}

impl PubSub {
    /// Subscribes the client of `handle` to `name`; its counts afterwards.
    /// `form`: how its messages are written (see [`Mailbox::set_form`]).
    pub fn subscribe(
        &self,
        handle: &Arc<SessionHandle>,
        form: Form,
        kind: Kind,
        name: &[u8],
    ) -> SubscriptionCounts {
        let mut registry = self.registry.write();
        let registry = &mut *registry;
        let client = registry.clients.entry(handle.id).or_insert_with(|| {
            let mailbox = Arc::new(Mailbox {
                handle: handle.clone(),
                pending: Mutex::new(Vec::new()),
                ready: Notify::new(),
                form: AtomicU8::new(form as u8),
                over_soft_since: AtomicU64::new(0),
                closed: AtomicBool::new(false),
            });
            Client { mailbox, inbox_taken: false, names: Default::default() }
        });
        if client.names[kind.index()].insert(name.to_vec()) {
            let list = registry.subscribers[kind.index()].entry(name.to_vec()).or_default();
            if list.is_empty() {
                self.listened.fetch_add(1, Ordering::Relaxed);
                if kind == Kind::Pattern {
                    self.patterns.fetch_add(1, Ordering::Relaxed);
                }
            }
            list.push(client.mailbox.clone());
        }
        client.counts()
    }

    /// Unsubscribes client `id` from `name`; its counts afterwards.
    pub fn unsubscribe(&self, id: u64, kind: Kind, name: &[u8]) -> SubscriptionCounts {
        let mut registry = self.registry.write();
        let registry = &mut *registry;
        let Some(client) = registry.clients.get_mut(&id) else { return SubscriptionCounts::default() };
        if client.names[kind.index()].remove(name) {
            self.forget(&mut registry.subscribers[kind.index()], kind, name, id);
        }
        client.counts()
    }

    fn forget(&self, map: &mut HashMap<Vec<u8>, Vec<Arc<Mailbox>>>, kind: Kind, name: &[u8], id: u64) {
        let Some(list) = map.get_mut(name) else { return };
        list.retain(|mailbox| mailbox.handle.id != id);
        if list.is_empty() {
            map.remove(name);
            self.listened.fetch_sub(1, Ordering::Relaxed);
            if kind == Kind::Pattern {
                self.patterns.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// What client `id` listens to of `kind`, sorted.
    pub fn subscriptions(&self, id: u64, kind: Kind) -> Vec<Vec<u8>> {
        let registry = self.registry.read();
        registry.clients.get(&id).map_or_else(Vec::new, |c| c.names[kind.index()].iter().cloned().collect())
    }

    /// Unsubscribes client `id` from everything (`RESET`), keeping its mailbox.
    pub fn unsubscribe_all(&self, id: u64) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            for name in self.subscriptions(id, kind) {
                self.unsubscribe(id, kind, &name);
            }
        }
    }

    /// Forgets a closed connection.
    pub fn disconnect(&self, id: u64) {
        self.unsubscribe_all(id);
        self.registry.write().clients.remove(&id);
    }

    /// The connection's end of its mailbox, once it subscribed (handed out once).
    pub fn take_inbox(&self, id: u64) -> Option<Inbox> {
        let mut registry = self.registry.write();
        let client = registry.clients.get_mut(&id)?;
        if std::mem::replace(&mut client.inbox_taken, true) {
            return None;
        }
        Some(Inbox { mailbox: client.mailbox.clone() })
    }

    /// Whether anybody listens to any channel or pattern (one load).
    pub fn anyone_listens(&self) -> bool {
        self.listened.load(Ordering::Relaxed) != 0
    }

    /// `PUBLISH` (`shard`: `SPUBLISH`): queues `payload` for every
    /// subscriber of `channel`, then of each matching pattern (not for
    /// shard channels); how many receive it.
    pub fn publish(
        &self,
        shard: bool,
        channel: &[u8],
        payload: &[u8],
        limit: OutputLimit,
        now_ms: u64,
    ) -> usize {
        let registry = self.registry.read();
        let mut receivers = 0;
        let kind = if shard { Kind::Shard } else { Kind::Channel };
        if let Some(list) = registry.subscribers[kind.index()].get(channel) {
            let word: &[u8] = if shard { b"smessage" } else { b"message" };
            deliver_to(list, &[word, channel, payload], limit, now_ms);
            receivers += list.len();
        }
        if !shard && self.patterns.load(Ordering::Relaxed) != 0 {
            for (pattern, list) in &registry.subscribers[Kind::Pattern.index()] {
                if glob_match(pattern, channel, false) {
                    deliver_to(list, &[b"pmessage", pattern, channel, payload], limit, now_ms);
                    receivers += list.len();
                }
            }
        }
        receivers
    }

    /// `PUBSUB CHANNELS` / `SHARDCHANNELS`: the channels with a subscriber,
    /// matching `pattern` if given, sorted.
    pub fn channels(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let registry = self.registry.read();
        let mut names: Vec<Vec<u8>> = registry.subscribers[kind.index()]
            .keys()
            .filter(|name| pattern.is_none_or(|p| glob_match(p, name, false)))
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// `PUBSUB NUMSUB` / `SHARDNUMSUB`: subscribers of `name`.
    pub fn subscriber_count(&self, kind: Kind, name: &[u8]) -> usize {
        self.registry.read().subscribers[kind.index()].get(name).map_or(0, Vec::len)
    }

    /// Disconnects every subscriber for which `denied(its handle, kind,
    /// name)` holds for one of its subscriptions.
    pub fn disconnect_where(&self, mut denied: impl FnMut(&SessionHandle, Kind, &[u8]) -> bool) {
        let registry = self.registry.read();
        for client in registry.clients.values() {
            let handle = &client.mailbox.handle;
            let kinds = [Kind::Channel, Kind::Pattern, Kind::Shard];
            if kinds
                .iter()
                .any(|&kind| client.names[kind.index()].iter().any(|name| denied(handle, kind, name)))
            {
                handle.kill();
            }
        }
    }

    /// Channels (patterns, shard channels) with a subscriber (`INFO stats`).
    pub fn listened_count(&self, kind: Kind) -> usize {
        self.registry.read().subscribers[kind.index()].len()
    }

    /// `PUBSUB NUMPAT`: distinct patterns with a subscriber.
    pub fn pattern_count(&self) -> usize {
        self.patterns.load(Ordering::Relaxed)
    }
}

thread_local! {
    /// Where a message is encoded before it is copied to each mailbox.
    static FRAME: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Whether this thread queued a message since [`take_delivered`] last ran.
    static DELIVERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread queued a message for a subscriber since the last
/// call: a connection's requests run on one thread between two awaits, so
/// it tells a batch that published (keyspace events included) from one that did not.
pub fn take_delivered() -> bool {
    DELIVERED.replace(false)
}

/// Encodes `parts` once (RESP2: an array of bulk strings) and queues the
/// message in every mailbox of `list`.
fn deliver_to(list: &[Arc<Mailbox>], parts: &[&[u8]], limit: OutputLimit, now_ms: u64) {
    DELIVERED.set(true);
    FRAME.with_borrow_mut(|frame| {
        frame.clear();
        encode_header(frame, b'*', parts.len());
        parts.iter().for_each(|part| encode_bulk(frame, part));
        let message = Message { frame, parts };
        for mailbox in list {
            mailbox.deliver(&message, limit, now_ms);
        }
        // A huge message's buffer is not kept for the thread's life.
        if frame.capacity() > 64 * 1024 {
            *frame = Vec::new();
        }
    });
}

/// Splits queued RESP messages (arrays or pushes of bulk strings) into
/// their frames (tests).
#[cfg(test)]
pub fn split_frames(mut bytes: &[u8]) -> Vec<&[u8]> {
    let line_end = |b: &[u8]| b.windows(2).position(|w| w == b"\r\n").expect("a complete frame");
    let number = |b: &[u8]| -> usize { std::str::from_utf8(&b[1..]).unwrap().parse().unwrap() };
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let end = line_end(bytes);
        let mut at = end + 2;
        for _ in 0..number(&bytes[..end]) {
            let end = at + line_end(&bytes[at..]);
            at = end + 2 + number(&bytes[at..end]) + 2;
        }
        frames.push(&bytes[..at]);
        bytes = &bytes[at..];
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(id: u64) -> Arc<SessionHandle> {
        Arc::new(SessionHandle::new(id, "127.0.0.1:1".into(), "127.0.0.1:2".into(), 1, 0))
    }

    const NO_LIMIT: OutputLimit = [0, 0, 0];

    const RESP2: Form = Form::Resp2;

    /// The messages queued for `inbox`, one frame each.
    fn taken(inbox: &Inbox) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        inbox.mailbox.take(&mut out);
        split_frames(&out).into_iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn publish_reaches_channel_then_pattern_subscribers() {
        let pubsub = PubSub::default();
        let (a, b) = (handle(1), handle(2));
        assert_eq!(pubsub.subscribe(&a, RESP2, Kind::Channel, b"news").channels, 1);
        assert_eq!(pubsub.subscribe(&b, RESP2, Kind::Pattern, b"n*").patterns, 1);
        assert_eq!(pubsub.publish(false, b"news", b"hi", NO_LIMIT, 0), 2);
        assert_eq!(pubsub.publish(true, b"news", b"hi", NO_LIMIT, 0), 0, "shard channels are apart");
        let inbox = pubsub.take_inbox(1).expect("subscribed");
        assert_eq!(taken(&inbox), [b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"]);
        let inbox = pubsub.take_inbox(2).expect("subscribed");
        assert_eq!(taken(&inbox), [b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"]);
        assert!(pubsub.take_inbox(2).is_none(), "handed out once");
        pubsub.disconnect(1);
        pubsub.disconnect(2);
        assert!(!pubsub.anyone_listens());
        assert_eq!(pubsub.pattern_count(), 0);
    }

    #[test]
    fn a_burst_is_taken_in_order_with_one_wake() {
        let pubsub = PubSub::default();
        pubsub.subscribe(&handle(1), RESP2, Kind::Channel, b"c");
        let inbox = pubsub.take_inbox(1).unwrap();
        for payload in [b"1", b"2", b"3"] {
            pubsub.publish(false, b"c", payload, NO_LIMIT, 0);
        }
        let mut out = b"+OK\r\n".to_vec();
        assert!(inbox.mailbox.take(&mut out), "appended after what was there");
        assert_eq!(
            out,
            b"+OK\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\n1\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\n2\r\n\
              *3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\n3\r\n"
        );
        assert!(!inbox.mailbox.take(&mut out), "nothing left");
        // One stored wake for the three messages: the first wait returns at once, a second would wait.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            inbox.mailbox.ready().await;
            let again = tokio::time::timeout(std::time::Duration::from_millis(1), inbox.mailbox.ready());
            assert!(again.await.is_err());
        });
    }

    #[test]
    fn a_subscriber_over_the_hard_limit_is_closed() {
        let pubsub = PubSub::default();
        let slow = handle(1);
        pubsub.subscribe(&slow, RESP2, Kind::Channel, b"c");
        for _ in 0..10 {
            pubsub.publish(false, b"c", &[0; 100], [500, 0, 0], 0);
        }
        let inbox = pubsub.take_inbox(1).unwrap();
        assert!(inbox.mailbox.closed.load(Ordering::Relaxed));
        assert!(inbox.mailbox.queued() <= 500);
        assert_eq!(taken(&inbox).len(), 3, "the fourth message passed the limit");
    }

    #[test]
    fn the_soft_limit_closes_only_after_its_seconds() {
        let pubsub = PubSub::default();
        pubsub.subscribe(&handle(1), RESP2, Kind::Channel, b"c");
        pubsub.publish(false, b"c", &[0; 100], [0, 50, 2], 1_000);
        pubsub.publish(false, b"c", &[0; 100], [0, 50, 2], 3_000);
        let inbox = pubsub.take_inbox(1).unwrap();
        assert!(!inbox.mailbox.closed.load(Ordering::Relaxed));
        pubsub.publish(false, b"c", &[0; 100], [0, 50, 2], 3_001);
        assert!(inbox.mailbox.closed.load(Ordering::Relaxed));
    }

    #[test]
    fn resp3_and_human_forms() {
        let pubsub = PubSub::default();
        pubsub.subscribe(&handle(1), Form::Resp3, Kind::Channel, b"c");
        let inbox = pubsub.take_inbox(1).unwrap();
        pubsub.publish(false, b"c", b"hello", NO_LIMIT, 0);
        assert_eq!(taken(&inbox), [b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$5\r\nhello\r\n"]);
        inbox.mailbox.set_form(Form::Human);
        pubsub.publish(false, b"c", b"hello", NO_LIMIT, 0);
        let mut out = Vec::new();
        inbox.mailbox.take(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "1) \"message\"\r\n2) \"c\"\r\n3) \"hello\"\r\n");
    }
}

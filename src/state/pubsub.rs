//! Pub/sub: which client listens to which channel, pattern or shard
//! channel, and the delivery of published messages to their mailboxes.
//!
//! Each subscribed client has one [`Mailbox`]: an unbounded queue its
//! connection drains, with the bytes queued counted against the `pubsub`
//! class of `client-output-buffer-limit`. Past the hard limit (or the soft
//! one for its seconds) the publisher closes the mailbox and asks the
//! connection to go, as Redis does, so a subscriber that does not read
//! costs neither the publisher nor the server's memory more than the limit.
//!
//! A message is encoded once per publish (per matching pattern for
//! `pmessage`) in RESP2; a RESP3 connection writes it with `>` for `*`.
//! Messages from one publisher reach a mailbox in publish order.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::protocol::{encode_bulk, encode_header};
use crate::session::{SessionHandle, SubscriptionCounts};
use crate::store::glob::glob_match;

/// One message as a subscriber receives it, RESP2-encoded (an array of bulks).
pub type Delivery = Arc<[u8]>;

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

/// A subscribed client's queue of messages (see the module documentation).
#[derive(Debug)]
pub struct Mailbox {
    handle: Arc<SessionHandle>,
    sender: UnboundedSender<Delivery>,
    /// Bytes queued and not yet taken by the connection.
    queued: AtomicU64,
    /// Unix ms since which `queued` is over the soft limit (0: it is not).
    over_soft_since: AtomicU64,
    /// Closed for going over a limit: nothing more is queued.
    closed: AtomicBool,
}

impl Mailbox {
    /// Queues `message`, or closes the mailbox (and asks its connection to
    /// go) when that would pass the output limits.
    fn deliver(&self, message: &Delivery, [hard, soft, soft_seconds]: OutputLimit, now_ms: u64) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let queued = self.queued.fetch_add(message.len() as u64, Ordering::Relaxed) + message.len() as u64;
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
            self.closed.store(true, Ordering::Relaxed);
            tracing::warn!(id = self.handle.id, addr = %self.handle.addr, queued,
                "Client scheduled to be closed ASAP for overcoming of output buffer limits.");
            self.handle.kill();
            return;
        }
        let _ = self.sender.send(message.clone());
    }

    /// The connection took `bytes` of messages off the queue.
    pub fn taken(&self, bytes: u64) {
        self.queued.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Bytes queued and not yet taken.
    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }
}

/// What a connection reads its messages from.
#[derive(Debug)]
pub struct Inbox {
    pub mailbox: Arc<Mailbox>,
    pub receiver: UnboundedReceiver<Delivery>,
}

/// One client's subscriptions, by kind (sorted, so `UNSUBSCRIBE` without
/// arguments answers in a stable order).
#[derive(Debug)]
struct Client {
    mailbox: Arc<Mailbox>,
    /// Handed to the connection once ([`PubSub::take_inbox`]).
    receiver: Option<UnboundedReceiver<Delivery>>,
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
    pub fn subscribe(&self, handle: &Arc<SessionHandle>, kind: Kind, name: &[u8]) -> SubscriptionCounts {
        let mut registry = self.registry.write();
        let registry = &mut *registry;
        let client = registry.clients.entry(handle.id).or_insert_with(|| {
            let (sender, receiver) = unbounded_channel();
            let mailbox = Arc::new(Mailbox {
                handle: handle.clone(),
                sender,
                queued: AtomicU64::new(0),
                over_soft_since: AtomicU64::new(0),
                closed: AtomicBool::new(false),
            });
            Client { mailbox, receiver: Some(receiver), names: Default::default() }
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
        let receiver = client.receiver.take()?;
        Some(Inbox { mailbox: client.mailbox.clone(), receiver })
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
            let message = encode(&[word, channel, payload]);
            for mailbox in list {
                mailbox.deliver(&message, limit, now_ms);
            }
            receivers += list.len();
        }
        if !shard && self.patterns.load(Ordering::Relaxed) != 0 {
            for (pattern, list) in &registry.subscribers[Kind::Pattern.index()] {
                if glob_match(pattern, channel, false) {
                    let message = encode(&[b"pmessage", pattern, channel, payload]);
                    for mailbox in list {
                        mailbox.deliver(&message, limit, now_ms);
                    }
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

/// A message as RESP2: an array of bulk strings.
fn encode(parts: &[&[u8]]) -> Delivery {
    let size: usize = parts.iter().map(|p| p.len() + 16).sum::<usize>() + 8;
    let mut out = Vec::with_capacity(size);
    encode_header(&mut out, b'*', parts.len());
    parts.iter().for_each(|part| encode_bulk(&mut out, part));
    out.into()
}

/// Writes a delivered message for a client: RESP2, RESP3 (a push frame),
/// or for the human session as its reply would print.
pub fn write_delivery(message: &[u8], protocol: u8, human: bool, out: &mut Vec<u8>) {
    if human {
        let parts = crate::protocol::Reply::bulks(decode(message));
        parts.write_human(out);
        out.extend_from_slice(b"\r\n");
        return;
    }
    let start = out.len();
    out.extend_from_slice(message);
    if protocol == 3 {
        out[start] = b'>';
    }
}

/// The bulk strings of an encoded message.
fn decode(message: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest =
        message.get(message.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1)..).unwrap_or(&[]);
    while let Some(end) = rest.iter().position(|&b| b == b'\r') {
        let len: usize = std::str::from_utf8(&rest[1..end]).ok().and_then(|n| n.parse().ok()).unwrap_or(0);
        let start = end + 2;
        let Some(part) = rest.get(start..start + len) else { break };
        parts.push(part);
        rest = rest.get(start + len + 2..).unwrap_or(&[]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(id: u64) -> Arc<SessionHandle> {
        Arc::new(SessionHandle::new(id, "127.0.0.1:1".into(), "127.0.0.1:2".into(), 1, 0))
    }

    const NO_LIMIT: OutputLimit = [0, 0, 0];

    #[test]
    fn publish_reaches_channel_then_pattern_subscribers() {
        let pubsub = PubSub::default();
        let (a, b) = (handle(1), handle(2));
        assert_eq!(pubsub.subscribe(&a, Kind::Channel, b"news").channels, 1);
        assert_eq!(pubsub.subscribe(&b, Kind::Pattern, b"n*").patterns, 1);
        assert_eq!(pubsub.publish(false, b"news", b"hi", NO_LIMIT, 0), 2);
        assert_eq!(pubsub.publish(true, b"news", b"hi", NO_LIMIT, 0), 0, "shard channels are apart");
        let mut inbox = pubsub.take_inbox(1).expect("subscribed");
        assert_eq!(
            &*inbox.receiver.try_recv().unwrap(),
            b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
        );
        let mut inbox = pubsub.take_inbox(2).expect("subscribed");
        let message = inbox.receiver.try_recv().unwrap();
        assert_eq!(decode(&message), [&b"pmessage"[..], b"n*", b"news", b"hi"]);
        assert!(pubsub.take_inbox(2).is_none(), "handed out once");
        pubsub.disconnect(1);
        pubsub.disconnect(2);
        assert!(!pubsub.anyone_listens());
        assert_eq!(pubsub.pattern_count(), 0);
    }

    #[test]
    fn a_subscriber_over_the_hard_limit_is_closed() {
        let pubsub = PubSub::default();
        let slow = handle(1);
        pubsub.subscribe(&slow, Kind::Channel, b"c");
        for _ in 0..10 {
            pubsub.publish(false, b"c", &[0; 100], [500, 0, 0], 0);
        }
        let inbox = pubsub.take_inbox(1).unwrap();
        assert!(inbox.mailbox.closed.load(Ordering::Relaxed));
        assert!(inbox.mailbox.queued() > 500);
        assert_eq!(inbox.receiver.len(), 3, "the fourth message passed the limit");
    }

    #[test]
    fn the_soft_limit_closes_only_after_its_seconds() {
        let pubsub = PubSub::default();
        pubsub.subscribe(&handle(1), Kind::Channel, b"c");
        pubsub.publish(false, b"c", &[0; 100], [0, 50, 2], 1_000);
        pubsub.publish(false, b"c", &[0; 100], [0, 50, 2], 3_000);
        let inbox = pubsub.take_inbox(1).unwrap();
        assert!(!inbox.mailbox.closed.load(Ordering::Relaxed));
        pubsub.publish(false, b"c", &[0; 100], [0, 50, 2], 3_001);
        assert!(inbox.mailbox.closed.load(Ordering::Relaxed));
    }

    #[test]
    fn resp3_and_human_forms() {
        let message = encode(&[b"message", b"c", b"hello"]);
        let mut out = Vec::new();
        write_delivery(&message, 3, false, &mut out);
        assert_eq!(out, b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$5\r\nhello\r\n");
        out.clear();
        write_delivery(&message, 2, true, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "1) \"message\"\r\n2) \"c\"\r\n3) \"hello\"\r\n");
    }
}

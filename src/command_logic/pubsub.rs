//! The subscribe and unsubscribe families: `SUBSCRIBE`, `PSUBSCRIBE`,
//! `SSUBSCRIBE` and their `UNSUBSCRIBE`s differ only in their namespace.

use crate::protocol::Reply;
use crate::registry::{Args, CommandResult, Context};
use crate::session::SubscriptionCounts;
use crate::state::pubsub::Form;
pub use crate::state::pubsub::Kind;

/// The count a confirmation shows: shard channels for the shard family,
/// channels and patterns for the others, as Redis counts them.
fn shown_count(kind: Kind, counts: SubscriptionCounts) -> i64 {
    match kind {
        Kind::Shard => counts.shard_channels as i64,
        _ => (counts.channels + counts.patterns) as i64,
    }
}

fn confirmation(word: &'static str, name: Option<&[u8]>, count: i64) -> Reply {
    Reply::Push(vec![Reply::bulk(word), name.map_or(Reply::Null, Reply::bulk), Reply::Integer(count)])
}

/// `SUBSCRIBE`/`PSUBSCRIBE`/`SSUBSCRIBE name...`: one confirmation per name.
pub fn subscribe(ctx: &mut Context<'_>, args: &mut Args<'_>, kind: Kind) -> CommandResult {
    let names = args.rest();
    let mut replies = Vec::with_capacity(names.len());
    for name in names {
        let form = Form::of(ctx.client.protocol, ctx.client.human);
        let counts = ctx.server.pubsub.subscribe(&ctx.client.handle, form, kind, name);
        ctx.client.subscriptions = counts;
        replies.push(confirmation(kind.subscribe_word(), Some(name), shown_count(kind, counts)));
    }
    Ok(Reply::Sequence(replies))
}

/// `UNSUBSCRIBE`/`PUNSUBSCRIBE`/`SUNSUBSCRIBE [name...]`: from the names
/// given, or from all of its kind; one confirmation each (one with a null
/// name when there was nothing to leave).
pub fn unsubscribe(ctx: &mut Context<'_>, args: &mut Args<'_>, kind: Kind) -> CommandResult {
    let id = ctx.client.id();
    let mut names: Vec<Vec<u8>> = args.rest().map(<[u8]>::to_vec).collect();
    if names.is_empty() {
        names = ctx.server.pubsub.subscriptions(id, kind);
        if names.is_empty() {
            let count = shown_count(kind, ctx.client.subscriptions);
            return Ok(Reply::Sequence(vec![confirmation(kind.unsubscribe_word(), None, count)]));
        }
    }
    let mut replies = Vec::with_capacity(names.len());
    for name in &names {
        let counts = ctx.server.pubsub.unsubscribe(id, kind, name);
        ctx.client.subscriptions = counts;
        replies.push(confirmation(kind.unsubscribe_word(), Some(name), shown_count(kind, counts)));
    }
    Ok(Reply::Sequence(replies))
}

/// Leaves every channel, pattern and shard channel (`RESET`).
pub fn unsubscribe_all(ctx: &mut Context<'_>) {
    if ctx.client.subscriptions.any() {
        ctx.server.pubsub.unsubscribe_all(ctx.client.id());
        ctx.client.subscriptions = SubscriptionCounts::default();
    }
}

/// Test helpers: the messages queued for a harness client, as RESP text.
#[cfg(test)]
pub mod checks {
    use crate::state::pubsub::Inbox;
    use crate::testing::Harness;

    /// The client's inbox (once it subscribed).
    pub fn inbox(h: &Harness) -> Inbox {
        h.shared.pubsub.take_inbox(h.client.id()).expect("the client subscribed")
    }

    /// Drains the queued messages, each as the text of its frame.
    pub fn drain(inbox: &mut Inbox) -> Vec<String> {
        let mut out = Vec::new();
        inbox.mailbox.take(&mut out);
        crate::state::pubsub::split_frames(&out)
            .into_iter()
            .map(|message| String::from_utf8_lossy(message).into_owned())
            .collect()
    }
}

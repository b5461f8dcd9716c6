//! XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]

use crate::prelude::*;

/// `XREADGROUP`: Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.
pub struct Xreadgroup;

impl Command for Xreadgroup {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xreadgroup",
            arity: -7,
            flags: &[Flag::Write, Flag::Blocking, Flag::MovableKeys],
            group: "stream",
            summary: "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
            since: "5.0.0",
            complexity: "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
            // The keys follow `STREAMS` (the first half of what follows).
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                keys: Keys { first: 4, last: -1, step: 1 },
                flags: &["RO", "access"],
                keyword: Some(Keyword { word: "STREAMS", half: true }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::streams_read::xreadgroup(ctx, args)
    }
}

inventory::submit! { Registration::new(&Xreadgroup, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::*;
    use crate::protocol::Reply;
    use crate::session::Wake;
    use crate::testing::*;

    fn part(key: &str, entries: Vec<Reply>) -> Reply {
        nested(vec![nested(vec![bulk(key), nested(entries)])])
    }

    #[test]
    fn new_entries_are_delivered_once_and_logged_as_claims() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        h.run("XADD s 2 b 2");
        h.run("XGROUP CREATE s g 0");
        assert_eq!(
            h.run("XREADGROUP GROUP g alice COUNT 1 STREAMS s >"),
            part("s", vec![entry("1-0", &["a", "1"])])
        );
        assert_eq!(
            h.propagated(),
            logged(&[
                &format!("XCLAIM s g alice 0 1-0 TIME {START_MS} RETRYCOUNT 1 FORCE JUSTID LASTID 1-0"),
                "XGROUP SETID s g 1-0 ENTRIESREAD 1",
            ])
        );
        assert_eq!(h.run("XREADGROUP GROUP g bob STREAMS s >"), part("s", vec![entry("2-0", &["b", "2"])]));
        assert_eq!(h.run("XREADGROUP GROUP g bob STREAMS s >"), Reply::NullArray);
        assert_eq!(h.propagated(), Some(vec![]));
        h.advance_ms(50);
        // History: the consumer's own pending entries, counted again.
        assert_eq!(h.run("XREADGROUP GROUP g alice STREAMS s 0"), part("s", vec![entry("1-0", &["a", "1"])]));
        assert_eq!(
            h.run("XPENDING s g - + 10 alice"),
            nested(vec![nested(vec![bulk("1-0"), bulk("alice"), int(0), int(2)])])
        );
        h.run("XDEL s 1");
        assert_eq!(
            h.run("XREADGROUP GROUP g alice STREAMS s 0"),
            part("s", vec![nested(vec![bulk("1-0"), Reply::NullArray])])
        );
        assert_eq!(h.run("XREADGROUP GROUP g carol STREAMS s 0"), part("s", vec![]));
        h.run("XADD s 3 c 3");
        assert_eq!(
            h.run("XREADGROUP GROUP g dan NOACK STREAMS s >"),
            part("s", vec![entry("3-0", &["c", "3"])])
        );
        assert_eq!(h.propagated(), logged(&["XGROUP SETID s g 3-0 ENTRIESREAD 3"]));
        assert_eq!(
            h.run("XPENDING s g"),
            nested(vec![
                int(2),
                bulk("1-0"),
                bulk("2-0"),
                nested(vec![nested(vec![bulk("alice"), bulk("1")]), nested(vec![bulk("bob"), bulk("1")]),])
            ])
        );
    }

    #[test]
    fn blocks_and_fails_once_the_stream_or_group_is_gone() {
        let mut h = Harness::new();
        h.run("XGROUP CREATE s g $ MKSTREAM");
        assert_eq!(h.run("XREADGROUP GROUP g c BLOCK 100 STREAMS s >"), Reply::None);
        let request = h.client.blocked.take().expect("blocks");
        assert_eq!(
            (request.wake, request.rerun, request.deadline_ms),
            (Wake::FirstThenNext, None, Some(START_MS + 100))
        );
        h.client.handle.set_blocked(true, None);
        h.run("XGROUP DESTROY s g");
        assert_eq!(
            h.run("XREADGROUP GROUP g c BLOCK 100 STREAMS s >"),
            err("NOGROUP the consumer group this client was blocked on no longer exists")
        );
        h.run("DEL s");
        assert_eq!(
            h.run("XREADGROUP GROUP g c BLOCK 100 STREAMS s >"),
            err("UNBLOCKED the stream key no longer exists")
        );
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        h.run("XGROUP CREATE s g 0");
        assert_eq!(
            h.run("XREADGROUP GROUP g c STREAMS s"),
            err("ERR wrong number of arguments for 'xreadgroup' command")
        );
        assert_eq!(
            h.run("XREADGROUP GROUP nog c STREAMS s >"),
            err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option")
        );
        assert_eq!(
            h.run("XREADGROUP GROUP g c STREAMS nokey >"),
            err("NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option")
        );
        assert_eq!(
            h.run("XREADGROUP COUNT 1 COUNT 1 STREAMS s >"),
            err("ERR Missing GROUP option for XREADGROUP")
        );
        assert_eq!(
            h.run("XREADGROUP GROUP g c STREAMS s $"),
            err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
        );
        assert_eq!(
            h.run("XREADGROUP GROUP g c STREAMS s t >"),
            err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
        );
        h.run("SET str v");
        assert_eq!(
            h.run("XREADGROUP GROUP g c STREAMS str >"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

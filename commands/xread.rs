//! XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]

use crate::prelude::*;

/// `XREAD`: Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.
pub struct Xread;

impl Command for Xread {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xread",
            arity: -4,
            flags: &[Flag::Readonly, Flag::Blocking, Flag::MovableKeys],
            group: "stream",
            summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
            since: "5.0.0",
            complexity: "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
            // The keys follow `STREAMS` (the first half of what follows).
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                keys: Keys { first: 1, last: -1, step: 1 },
                flags: &["RO", "access"],
                keyword: Some(Keyword { word: "STREAMS", half: true }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::command_logic::streams_read::xread(ctx, args)
    }
}

inventory::submit! { Registration::new(&Xread, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::command_logic::streams::checks::*;
    use crate::protocol::Reply;
    use crate::session::Wake;
    use crate::testing::*;

    #[test]
    fn reads_above_the_ids_with_count() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        h.run("XADD s 2 b 2");
        h.run("XADD t 5 c 3");
        assert_eq!(
            h.run("XREAD COUNT 1 STREAMS s t 0 0"),
            nested(vec![
                nested(vec![bulk("s"), nested(vec![entry("1-0", &["a", "1"])])]),
                nested(vec![bulk("t"), nested(vec![entry("5-0", &["c", "3"])])]),
            ])
        );
        assert_eq!(
            h.run("XREAD STREAMS s t 1 5"),
            nested(vec![nested(vec![bulk("s"), nested(vec![entry("2-0", &["b", "2"])])])])
        );
        assert_eq!(h.run("XREAD COUNT -1 STREAMS s 1-0"), h.run("XREAD COUNT 0 STREAMS s 1"));
        assert_eq!(h.run("XREAD STREAMS s $"), Reply::NullArray);
        assert_eq!(h.run("XREAD STREAMS missing 0"), Reply::NullArray);
        h.run("HELLO 3");
        assert_eq!(
            h.run("XREAD STREAMS s 1"),
            Reply::Map(vec![(bulk("s"), nested(vec![entry("2-0", &["b", "2"])]))])
        );
        assert_eq!(h.wire("XREAD STREAMS s 9"), "_\r\n");
    }

    #[test]
    fn blocks_with_dollar_resolved() {
        let mut h = Harness::new();
        h.run("XADD s 7 a 1");
        assert_eq!(h.run("XREAD BLOCK 1500 STREAMS s missing $ $"), Reply::None);
        let request = h.client.blocked.take().expect("blocks");
        assert_eq!(request.keys, vec![b"s".to_vec(), b"missing".to_vec()]);
        assert_eq!(request.deadline_ms, Some(START_MS + 1500));
        assert_eq!(request.wake, Wake::Every);
        let again: Vec<&[u8]> = request.rerun.as_ref().unwrap().iter().map(Vec::as_slice).collect();
        assert_eq!(again, [&b"XREAD"[..], b"BLOCK", b"1500", b"STREAMS", b"s", b"missing", b"7-0", b"0-0"]);
        assert_eq!(request.timeout_reply, Reply::NullArray);
        assert_eq!(h.run("XREAD BLOCK 0 STREAMS s 7"), Reply::None);
        assert_eq!(h.client.blocked.take().unwrap().deadline_ms, None);
        // The re-run (the connection marks the client blocked) after an XADD.
        h.run("XADD s 8 b 2");
        h.client.handle.set_blocked(true, None);
        assert_eq!(h.run("SET missing str"), crate::protocol::Reply::OK);
        assert_eq!(
            h.run_args(&again),
            nested(vec![nested(vec![bulk("s"), nested(vec![entry("8-0", &["b", "2"])])])]),
            "a key that became another type does not fail the re-run"
        );
    }

    #[test]
    fn a_woken_reader_answers_with_the_stream_that_woke_it_only() {
        let mut h = Harness::new();
        h.run("XADD a 1 f v");
        h.run("XADD b 1 f v");
        h.run("XADD b 2 g w");
        h.run("XADD a 2 g w");
        h.client.handle.set_blocked(true, None);
        h.client.rerun = true;
        h.client.woken_by = Some(b"b".to_vec());
        assert_eq!(
            h.run("XREAD BLOCK 0 STREAMS a b 1 1"),
            nested(vec![nested(vec![bulk("b"), nested(vec![entry("2-0", &["g", "w"])])])]),
            "as Redis 7.0.15: only the stream whose write woke the reader"
        );
        h.client.woken_by = Some(b"c".to_vec());
        assert_eq!(h.run("XREAD BLOCK 0 STREAMS a c 2 0"), Reply::None, "nothing new on c: keep waiting");
        assert!(h.client.blocked.take().is_some());
    }

    #[test]
    fn the_keys_after_streams_are_permission_checked() {
        let mut h = Harness::new();
        h.run("XADD open:1 1 a 1");
        h.run("ACL SETUSER dave on >pw ~open:* +@all");
        assert_eq!(h.run("AUTH dave pw"), Reply::OK);
        assert_eq!(
            h.run("XREAD COUNT 1 STREAMS open:1 secret 0 0"),
            err("NOPERM this user has no permissions to access one of the keys used as arguments")
        );
        assert_eq!(
            h.run("XREAD STREAMS open:1 0"),
            nested(vec![nested(vec![bulk("open:1"), nested(vec![entry("1-0", &["a", "1"])])])])
        );
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        h.run("SET str v");
        assert_eq!(h.run("XREAD STREAMS s"), err("ERR wrong number of arguments for 'xread' command"));
        assert_eq!(
            h.run("XREAD STREAMS s t 0"),
            err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
        );
        assert_eq!(h.run("XREAD COUNT abc STREAMS s 0"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("XREAD BLOCK -1 STREAMS s 0"), err("ERR timeout is negative"));
        assert_eq!(
            h.run("XREAD BLOCK abc STREAMS s 0"),
            err("ERR timeout is not an integer or out of range")
        );
        assert_eq!(h.run("XREAD FOO STREAMS s 0"), err("ERR syntax error"));
        assert_eq!(h.run("XREAD COUNT 1 s 0"), err("ERR syntax error"));
        assert_eq!(
            h.run("XREAD STREAMS s >"),
            err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
        );
        assert_eq!(
            h.run("XREAD STREAMS s +"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
        assert_eq!(
            h.run("XREAD STREAMS str 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("XREAD NOACK STREAMS s 0"),
            err("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
        );
        assert_eq!(
            h.run("XREAD GROUP g c STREAMS s 0"),
            err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
        );
    }
}

//! XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]

use crate::command_logic::streams::parse_strict_id;
use crate::prelude::*;
use crate::store::{Stream, StreamId};

/// `XSETID`: An internal command for replication
pub struct Xsetid;

impl Command for Xsetid {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xsetid",
            arity: -3,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "stream",
            summary: "An internal command for replication",
            since: "5.0.0",
            complexity: "O(1)",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let id = parse_strict_id(args.next()?)?;
        let (mut added, mut max_deleted) = (None, StreamId::MIN);
        while let Some(option) = args.peek() {
            let more = args.remaining() > 1;
            if option.eq_ignore_ascii_case(b"ENTRIESADDED") && more {
                args.next()?;
                let n = args.next_i64()?;
                if n < 0 {
                    return Err(ReplyError::from_static("ERR entries_added must be positive"));
                }
                added = Some(n as u64);
            } else if option.eq_ignore_ascii_case(b"MAXDELETEDID") && more {
                args.next()?;
                max_deleted = parse_strict_id(args.next()?)?;
                if id < max_deleted {
                    return Err(ReplyError::from_static(
                        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                    ));
                }
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        let Some(stream) = ctx.db().get_typed_mut::<Stream>(key)? else {
            return Err(ReplyError::NO_SUCH_KEY);
        };
        if let Some(top) = stream.last_live_id() {
            if id < top {
                return Err(ReplyError::from_static(
                    "ERR The ID specified in XSETID is smaller than the target stream top item",
                ));
            }
            if added.is_some_and(|n| n < stream.len()) {
                return Err(ReplyError::from_static(
                    "ERR The entries_added specified in XSETID is smaller than the target stream length",
                ));
            }
        }
        stream.set_last_id(id);
        if let Some(n) = added {
            stream.entries_added = n;
        }
        if max_deleted != StreamId::MIN {
            stream.max_deleted_id = max_deleted;
        }
        ctx.notify(EventClass::Stream, "xsetid", key);
        Ok(Reply::OK)
    }
}

inventory::submit! { Registration::new(&Xsetid, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn sets_the_counters() {
        let mut h = Harness::new();
        h.run("XADD s 5 a 1");
        assert_eq!(h.run("XSETID s 7 ENTRIESADDED 9 MAXDELETEDID 6"), Reply::OK);
        assert_eq!(
            h.run("XADD s 6 a 1"),
            err("ERR The ID specified in XADD is equal or smaller than the target stream top item")
        );
        assert_eq!(h.run("XADD s 7-* a 1"), bulk("7-1"));
        assert_eq!(
            h.run("XSETID s 7-0"),
            err("ERR The ID specified in XSETID is smaller than the target stream top item")
        );
        assert_eq!(
            h.run("XSETID s 5"),
            err("ERR The ID specified in XSETID is smaller than the target stream top item")
        );
        assert_eq!(
            h.run("XSETID s 8 ENTRIESADDED 1"),
            err("ERR The entries_added specified in XSETID is smaller than the target stream length")
        );
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XGROUP CREATE e g $ MKSTREAM");
        assert_eq!(h.run("XSETID e 5 ENTRIESADDED -1"), err("ERR entries_added must be positive"));
        assert_eq!(
            h.run("XSETID e 5 MAXDELETEDID 6"),
            err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
        );
        assert_eq!(h.run("XSETID nokey 5"), err("ERR no such key"));
        assert_eq!(h.run("XSETID e 5 foo"), err("ERR syntax error"));
        assert_eq!(h.run("XSETID e +"), err("ERR Invalid stream ID specified as stream command argument"));
    }
}

//! XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]

use crate::command_logic::streams::{parse_add_or_trim, trim};
use crate::prelude::*;
use crate::store::{Stream, StreamId};

/// `XADD`: Appends a new entry to a stream
pub struct Xadd;

const TOO_SMALL: ReplyError = ReplyError::from_static(
    "ERR The ID specified in XADD is equal or smaller than the target stream top item",
);

/// Redis's answer when `ms-*` would need a sequence past the largest.
const TOO_LARGE: ReplyError = ReplyError::from_static("ERR Elements are too large to be stored");

impl Command for Xadd {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xadd",
            arity: -5,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "stream",
            summary: "Appends a new entry to a stream",
            since: "5.0.0",
            complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
            keys: Keys::ONE,
            key_specs: &[KeySpec {
                keys: Keys::ONE,
                flags: &["RW", "update"],
                notes: "UPDATE instead of INSERT because of the optional trimming feature",
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let limits = ctx.db().limits();
        let parsed = parse_add_or_trim(args, true, limits.stream_node_max_entries)?;
        let rest = args.rest();
        if rest.len() < 2 || !rest.len().is_multiple_of(2) {
            return Err(ReplyError::wrong_arity("xadd"));
        }
        let mut pairs: Vec<(&[u8], &[u8])> = Vec::with_capacity(rest.len() / 2);
        let mut rest = rest;
        while let (Some(field), Some(value)) = (rest.next(), rest.next()) {
            pairs.push((field, value));
        }
        if parsed.id == Some((StreamId::MIN, true)) {
            return Err(ReplyError::from_static("ERR The ID specified in XADD must be greater than 0-0"));
        }
        if parsed.no_mkstream && ctx.db().get_typed::<Stream>(key)?.is_none() {
            ctx.propagate_none();
            return Ok(Reply::Null);
        }
        let now = ctx.now_ms();
        let stream = ctx.db().typed_or_default::<Stream>(key)?;
        let last = stream.last_id;
        if last == StreamId::MAX {
            return Err(ReplyError::from_static(
                "ERR The stream has exhausted the last possible ID, unable to add more items",
            ));
        }
        let id = match parsed.id {
            // The server clock, never below the last ID.
            None if now > last.ms => StreamId::new(now, 0),
            None => last.next().ok_or(TOO_SMALL)?,
            Some((id, true)) => id,
            Some((id, false)) if id.ms == last.ms => {
                last.next().filter(|n| n.ms == id.ms).ok_or(TOO_LARGE)?
            }
            Some((id, false)) => id,
        };
        if id <= last {
            return Err(TOO_SMALL);
        }
        stream.append(id, &pairs, &limits);
        let trimmed = parsed.trim.map(|t| trim(stream, t));
        let id_text = id.to_bytes();
        // Logged with the ID it got; built only when something reads the log.
        if ctx.propagates() {
            let mut logged: Vec<&[u8]> = vec![b"XADD", key];
            if let Some((_, form)) = &trimmed {
                logged.extend(form.iter().map(Vec::as_slice));
            }
            logged.push(&id_text);
            logged.extend(pairs.iter().flat_map(|&(field, value)| [field, value]));
            ctx.propagate_as(&logged);
        }
        ctx.notify(EventClass::Stream, "xadd", key);
        if trimmed.is_some_and(|(removed, _)| removed > 0) {
            ctx.notify(EventClass::Stream, "xtrim", key);
        }
        Ok(Reply::Bulk(id_text))
    }
}

inventory::submit! { Registration::new(&Xadd, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    /// The logged form is built only while the append-only file is on.
    fn aof_on(h: &mut Harness) {
        assert_eq!(h.run("CONFIG SET appendonly yes"), crate::protocol::Reply::OK);
        h.wait_for_child();
    }

    #[test]
    fn ids_explicit_partial_and_automatic() {
        let mut h = Harness::new();
        assert_eq!(h.run("XADD s 5-* a 1"), bulk("5-0"));
        assert_eq!(h.propagated(), None, "with the log off, no logged form is built");
        aof_on(&mut h);
        assert_eq!(h.run("XADD s 5-* a 1"), bulk("5-1"));
        assert_eq!(h.run("XADD s 5-7 a 1"), bulk("5-7"));
        assert_eq!(h.run("XADD s 6 a 1"), bulk("6-0"));
        assert_eq!(h.run("XADD s * a 1"), bulk(&format!("{START_MS}-0")));
        assert_eq!(h.run("XADD s * a 1"), bulk(&format!("{START_MS}-1")));
        h.advance_ms(3);
        assert_eq!(h.run("XADD s * a 1"), bulk(&format!("{}-0", START_MS + 3)));
        assert_eq!(h.propagated(), logged(&[&format!("XADD s {}-0 a 1", START_MS + 3)]));
        assert_eq!(h.run("XLEN s"), int(7));
    }

    #[test]
    fn auto_ids_never_go_backwards() {
        let mut h = Harness::new();
        let future = START_MS + 10_000;
        assert_eq!(h.run(&format!("XADD s {future}-5 a 1")), bulk(&format!("{future}-5")));
        assert_eq!(h.run("XADD s * a 1"), bulk(&format!("{future}-6")), "the clock is behind the top ID");
        assert_eq!(
            h.run("XADD t 18446744073709551615-18446744073709551615 a 1"),
            bulk("18446744073709551615-18446744073709551615")
        );
        assert_eq!(
            h.run("XADD t * a 1"),
            err("ERR The stream has exhausted the last possible ID, unable to add more items")
        );
        h.run("XADD u 7-18446744073709551615 a 1");
        assert_eq!(h.run("XADD u 7-* a 1"), err("ERR Elements are too large to be stored"));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XADD s 5-1 a 1");
        let small = "ERR The ID specified in XADD is equal or smaller than the target stream top item";
        assert_eq!(h.run("XADD s 5-1 a 1"), err(small));
        assert_eq!(h.run("XADD s 4-* a 1"), err(small));
        assert_eq!(h.run("XADD s 0-0 a 1"), err("ERR The ID specified in XADD must be greater than 0-0"));
        assert_eq!(h.run("XADD n 0 a 1"), err("ERR The ID specified in XADD must be greater than 0-0"));
        assert_eq!(
            h.run("XADD s abc a 1"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
        assert_eq!(h.run("XADD s 9- a 1"), err("ERR Invalid stream ID specified as stream command argument"));
        assert_eq!(h.run("XADD s 5-1 a"), err("ERR wrong number of arguments for 'xadd' command"));
        assert_eq!(h.run("XADD s * a 1 b"), err("ERR wrong number of arguments for 'xadd' command"));
        assert_eq!(h.run("XADD s MAXLEN -1 * a 1"), err("ERR The MAXLEN argument must be >= 0."));
        assert_eq!(h.run("XADD s MAXLEN abc * a 1"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("XADD s MAXLEN ~ 1 LIMIT -1 * a 1"), err("ERR The LIMIT argument must be >= 0."));
        assert_eq!(
            h.run("XADD s MAXLEN 1 LIMIT 5 * a 1"),
            err("ERR syntax error, LIMIT cannot be used without the special ~ option")
        );
        assert_eq!(
            h.run("XADD s LIMIT 5 * a 1"),
            err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
        );
        assert_eq!(
            h.run("XADD s MAXLEN 1 MINID 1 * a 1"),
            err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
        );
        assert_eq!(
            h.run("XADD s MINID 5-x * a 1"),
            err("ERR Invalid stream ID specified as stream command argument")
        );
        h.run("SET str v");
        assert_eq!(
            h.run("XADD str * a 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("XLEN s"), int(1));
    }

    #[test]
    fn nomkstream_and_trimming() {
        let mut h = Harness::new();
        aof_on(&mut h);
        assert_eq!(h.run("XADD s NOMKSTREAM * a 1"), crate::protocol::Reply::Null);
        assert_eq!(h.run("EXISTS s"), int(0));
        for i in 1..=5 {
            h.run(&format!("XADD s {i}-0 a {i}"));
        }
        assert_eq!(h.run("XADD s NOMKSTREAM MAXLEN = 3 6-0 a 6"), bulk("6-0"));
        assert_eq!(h.propagated(), logged(&["XADD s MAXLEN = 3 6-0 a 6"]));
        assert_eq!(h.run("XLEN s"), int(3));
        assert_eq!(h.run("XADD s MINID 5 7-0 a 7"), bulk("7-0"));
        assert_eq!(h.run("XLEN s"), int(3));
        assert_eq!(h.run("XADD s MAXLEN ~ 1 LIMIT 5 8-0 a 8"), bulk("8-0"));
        assert_eq!(h.propagated(), logged(&["XADD s MAXLEN = 4 8-0 a 8"]));
        assert_eq!(h.run("XLEN s"), int(4), "~ trims whole nodes only");
    }
}

//! XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]

use crate::command_logic::streams::{parse_add_or_trim, trim};
use crate::prelude::*;
use crate::store::Stream;

/// `XTRIM`: Trims the stream to (approximately if '~' is passed) a certain size
pub struct Xtrim;

impl Command for Xtrim {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "xtrim",
            arity: -4,
            flags: &[Flag::Write],
            group: "stream",
            summary: "Trims the stream to (approximately if '~' is passed) a certain size",
            since: "5.0.0",
            complexity: "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
            keys: Keys::ONE,
            key_specs: &[KeySpec {
                keys: Keys::ONE,
                flags: &["RW", "delete"],
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let limits = ctx.db().limits();
        let parsed = parse_add_or_trim(args, false, limits.stream_node_max_entries)?;
        let how = parsed.trim.expect("XTRIM requires a strategy");
        let Some(stream) = ctx.db().get_typed_mut::<Stream>(key)? else {
            ctx.propagate_none();
            return Ok(Reply::Integer(0));
        };
        let (removed, form) = trim(stream, how);
        if removed == 0 {
            ctx.propagate_none();
        } else {
            let mut logged: Vec<&[u8]> = vec![b"XTRIM", key];
            logged.extend(form.iter().map(Vec::as_slice));
            ctx.propagate_as(&logged);
            ctx.notify(EventClass::Stream, "xtrim", key);
        }
        Ok(Reply::Integer(removed as i64))
    }
}

inventory::submit! { Registration::new(&Xtrim, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn exact_and_approximate() {
        let mut h = Harness::new();
        h.run("CONFIG SET stream-node-max-entries 2");
        for i in 1..=7 {
            h.run(&format!("XADD s {i} a 1"));
        }
        assert_eq!(h.run("XTRIM s MAXLEN ~ 4"), int(2), "whole nodes only");
        assert_eq!(h.propagated(), logged(&["XTRIM s MAXLEN = 5"]));
        assert_eq!(h.run("XTRIM s MAXLEN 4"), int(1));
        assert_eq!(h.run("XTRIM s MINID 6"), int(2));
        assert_eq!(h.run("XTRIM s MINID 6"), int(0));
        assert_eq!(h.propagated(), Some(vec![]));
        // Nodes now: [5 (deleted), 6] and [7]; the first has one live entry.
        assert_eq!(h.run("XTRIM s MAXLEN ~ 0 LIMIT 1"), int(1));
        h.run("XADD s 8 a 1");
        assert_eq!(h.run("XTRIM s MAXLEN ~ 0 LIMIT 1"), int(0), "a node of 2 is over the limit");
        assert_eq!(h.run("XTRIM s MAXLEN = 0"), int(2));
        assert_eq!(h.run("XTRIM missing MAXLEN 0"), int(0));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run("XADD s 1 a 1");
        assert_eq!(h.run("XTRIM s MAXLEN"), err("ERR wrong number of arguments for 'xtrim' command"));
        assert_eq!(h.run("XTRIM s FOO 1"), err("ERR syntax error"));
        assert_eq!(h.run("XTRIM s MAXLEN 1 FOO"), err("ERR syntax error"));
        assert_eq!(h.run("XTRIM s MAXLEN -1"), err("ERR The MAXLEN argument must be >= 0."));
        assert_eq!(
            h.run("XTRIM s MINID = 0 LIMIT 1"),
            err("ERR syntax error, LIMIT cannot be used without the special ~ option")
        );
    }
}

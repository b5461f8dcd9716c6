//! SINTERCARD numkeys key [key ...] [LIMIT limit]

use crate::prelude::*;

/// `SINTERCARD`: the size of the intersection, counting up to `LIMIT` (0: all).
pub struct Sintercard;

impl Command for Sintercard {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sintercard",
            arity: -3,
            flags: &[Flag::Readonly, Flag::MovableKeys],
            group: "set",
            summary: "Intersect multiple sets and return the cardinality of the result",
            since: "7.0.0",
            complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
            keys: Keys::NONE,
            key_specs: &[KeySpec {
                flags: &["RO", "access"],
                keys: Keys { first: 1, last: 1, step: 1 },
                keynum: Some(Keynum { keynumidx: 0, firstkey: 1, keystep: 1 }),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (keys, limit) = numkeys_and_limit(args)?;
        let members = crate::command_logic::sets::combine(
            ctx.db(),
            &keys,
            crate::command_logic::sets::Algebra::Inter,
            limit,
        )?;
        Ok(Reply::Integer(members.len() as i64))
    }
}

/// `numkeys key [key ...] [LIMIT limit]`, with Redis's errors.
fn numkeys_and_limit<'a>(args: &mut Args<'a>) -> Result<(Vec<&'a [u8]>, usize), ReplyError> {
    let numkeys = crate::protocol::parse::parse_i64(args.next()?).filter(|&n| n > 0);
    let numkeys = numkeys.ok_or_else(|| ReplyError::err("numkeys should be greater than 0"))? as u64;
    if numkeys > args.remaining() as u64 {
        return Err(ReplyError::err("Number of keys can't be greater than number of args"));
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next()).collect::<Result<_, _>>()?;
    let mut limit = 0;
    while !args.is_empty() {
        if args.remaining() >= 2 && args.eat("LIMIT") {
            let n = crate::protocol::parse::parse_i64(args.next()?).filter(|&n| n >= 0);
            limit = n.ok_or_else(|| ReplyError::err("LIMIT can't be negative"))? as usize;
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    Ok((keys, limit))
}

inventory::submit! { Registration::new(&Sintercard, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_up_to_the_limit() {
        let mut h = Harness::new();
        h.run("SADD a 1 2 3 4");
        h.run("SADD b 2 3 4 5");
        assert_eq!(h.run("SINTERCARD 2 a b"), int(3));
        assert_eq!(h.run("SINTERCARD 2 a b LIMIT 2"), int(2));
        assert_eq!(h.run("SINTERCARD 2 a b limit 0"), int(3));
        assert_eq!(h.run("SINTERCARD 1 a"), int(4));
        assert_eq!(h.run("SINTERCARD 2 a missing"), int(0));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        assert_eq!(h.run("SINTERCARD 0 a"), err("ERR numkeys should be greater than 0"));
        assert_eq!(h.run("SINTERCARD x a"), err("ERR numkeys should be greater than 0"));
        assert_eq!(h.run("SINTERCARD 3 a b"), err("ERR Number of keys can't be greater than number of args"));
        assert_eq!(h.run("SINTERCARD 1 a LIMIT -1"), err("ERR LIMIT can't be negative"));
        assert_eq!(h.run("SINTERCARD 1 a LIMIT x"), err("ERR LIMIT can't be negative"));
        assert_eq!(h.run("SINTERCARD 1 a foo"), err("ERR syntax error"));
        assert_eq!(h.run("SINTERCARD 1 a LIMIT"), err("ERR syntax error"));
        assert_eq!(
            h.run("SINTERCARD 1 str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SINTERCARD 1"), err("ERR wrong number of arguments for 'sintercard' command"));
    }
}

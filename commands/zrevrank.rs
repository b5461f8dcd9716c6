//! ZREVRANK key member

use crate::prelude::*;

/// `ZREVRANK`: a member's rank (highest score first), nil when absent.
pub struct Zrevrank;

impl Command for Zrevrank {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrevrank",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Determine the index of a member in a sorted set, with scores ordered from high to low",
            since: "2.0.0",
            complexity: "O(log(N))",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let member = args.next()?;
        let rank = ctx
            .db()
            .get_typed::<ZSet>(key)?
            .and_then(|z| z.rank(member).map(|r| if true { z.len() - 1 - r } else { r }));
        Ok(rank.map_or(Reply::Null, |r| Reply::Integer(r as i64)))
    }
}

inventory::submit! { Registration::new(&Zrevrank, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranks() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("ZREVRANK z a")), int(2));
        assert_eq!(flat(h.run("ZREVRANK z c")), int(0));
        assert_eq!(flat(h.run("ZREVRANK z x")), crate::protocol::Reply::Null);
        assert_eq!(flat(h.run("ZREVRANK missing x")), crate::protocol::Reply::Null);
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZREVRANK str a")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            flat(h.run("ZREVRANK z a WITHSCORE")),
            err("ERR wrong number of arguments for 'zrevrank' command")
        );
    }
}

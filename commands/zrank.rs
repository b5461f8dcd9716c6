//! ZRANK key member

use crate::prelude::*;

/// `ZRANK`: a member's rank (lowest score first), nil when absent.
pub struct Zrank;

impl Command for Zrank {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zrank",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "sortedset",
            summary: "Determine the index of a member in a sorted set",
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
            .and_then(|z| z.rank(member).map(|r| if false { z.len() - 1 - r } else { r }));
        Ok(rank.map_or(Reply::Null, |r| Reply::Integer(r as i64)))
    }
}

inventory::submit! { Registration::new(&Zrank, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn ranks() {
        let mut h = Harness::new();
        h.run("ZADD z 1 a 2 b 3 c");
        assert_eq!(flat(h.run("ZRANK z a")), int(0));
        assert_eq!(flat(h.run("ZRANK z c")), int(2));
        assert_eq!(flat(h.run("ZRANK z x")), crate::protocol::Reply::Null);
        assert_eq!(flat(h.run("ZRANK missing x")), crate::protocol::Reply::Null);
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZRANK str a")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            flat(h.run("ZRANK z a WITHSCORE")),
            err("ERR wrong number of arguments for 'zrank' command")
        );
    }
}

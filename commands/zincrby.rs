//! ZINCRBY key increment member

use crate::prelude::*;

/// `ZINCRBY`: adds to a member's score (from 0 when new); the new score.
pub struct Zincrby;

impl Command for Zincrby {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "zincrby",
            arity: 4,
            flags: &[Flag::Write, Flag::DenyOom, Flag::Fast],
            group: "sortedset",
            summary: "Increment the score of a member in a sorted set",
            since: "1.2.0",
            complexity: "O(log(N)) where N is the number of elements in the sorted set.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let increment = crate::command_logic::zsets::parse_score(args.next()?)?;
        let member = args.next()?;
        let db = ctx.db();
        let limits = db.limits();
        let zset = db.typed_or_default::<ZSet>(key)?;
        let options = crate::command_logic::zsets::AddOptions { incr: true, ..Default::default() };
        let result = crate::command_logic::zsets::add_one(zset, member, increment, options, &limits);
        db.remove_if_empty(key);
        let score = match result? {
            crate::command_logic::zsets::Added::New(s) | crate::command_logic::zsets::Added::Updated(s) => {
                ctx.notify(EventClass::SortedSet, "zincr", key);
                s
            }
            crate::command_logic::zsets::Added::Unchanged(s) => s,
            crate::command_logic::zsets::Added::Skipped => unreachable!("no NX, XX, GT or LT"),
        };
        Ok(Reply::Double(score))
    }
}

inventory::submit! { Registration::new(&Zincrby, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn increments() {
        let mut h = Harness::new();
        assert_eq!(flat(h.run("ZINCRBY z 2.5 a")), bulk("2.5"));
        assert_eq!(flat(h.run("ZINCRBY z 0.1 a")), bulk("2.6000000000000001"));
        assert_eq!(flat(h.run("ZINCRBY z -inf a")), bulk("-inf"));
        assert_eq!(flat(h.run("ZINCRBY z inf a")), err("ERR resulting score is not a number (NaN)"));
        assert_eq!(flat(h.run("ZINCRBY z x a")), err("ERR value is not a valid float"));
        assert_eq!(flat(h.run("ZINCRBY new inf a")), bulk("inf"));
        h.run("SET str v");
        assert_eq!(
            flat(h.run("ZINCRBY str 1 a")),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(flat(h.run("ZINCRBY z 1")), err("ERR wrong number of arguments for 'zincrby' command"));
    }
}

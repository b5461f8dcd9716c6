//! SRANDMEMBER key [count]

use crate::prelude::*;

/// `SRANDMEMBER`: random members. Without a count, one (nil when there is no
/// key); with a positive count, up to that many distinct members; with a
/// negative count, exactly that many, possibly repeated (at most
/// `command_logic::sets::MAX_REPEATED`).
pub struct Srandmember;

impl Command for Srandmember {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "srandmember",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "set",
            summary: "Get one or multiple random members from a set",
            since: "1.0.0",
            complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let mut rng = ctx.rng();
        if args.is_empty() {
            let set = ctx.db().get_typed::<Set>(key)?;
            let member = set.filter(|s| !s.is_empty()).map(|s| s.get(rng.usize(..s.len())));
            return Ok(Reply::bulk_or_null(member));
        }
        let count = crate::command_logic::sets::random_count(args)?;
        args.finish()?;
        if count < 0 && count.unsigned_abs() > crate::command_logic::sets::MAX_REPEATED {
            return Err(ReplyError::err("value is out of range"));
        }
        let set = match ctx.db().get_typed::<Set>(key)? {
            Some(set) if !set.is_empty() => set,
            _ => return Ok(Reply::Array(Vec::new())),
        };
        let indexes: Vec<usize> = if count < 0 {
            (0..count.unsigned_abs()).map(|_| rng.usize(..set.len())).collect()
        } else {
            crate::command_logic::sets::distinct_indexes(&mut rng, set.len(), count as u64)
        };
        Ok(Reply::Array(indexes.into_iter().map(|i| Reply::bulk(set.get(i))).collect()))
    }
}

inventory::submit! { Registration::new(&Srandmember, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    fn strings(reply: crate::protocol::Reply) -> Vec<String> {
        let crate::protocol::Reply::Array(items) = reply else { panic!("{reply:?}") };
        items
            .into_iter()
            .map(|i| match i {
                crate::protocol::Reply::Bulk(b) => String::from_utf8(b).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn counts() {
        let mut h = Harness::new();
        assert_eq!(h.wire("SRANDMEMBER missing"), "$-1\r\n");
        assert_eq!(h.wire("SRANDMEMBER missing 3"), "*0\r\n");
        h.run("SADD s a b c d e");
        let one = h.run("SRANDMEMBER s");
        assert!(["a", "b", "c", "d", "e"].map(bulk).contains(&one));
        for count in [1, 2, 3, 4] {
            let got = strings(h.run(&format!("SRANDMEMBER s {count}")));
            let distinct: std::collections::HashSet<_> = got.iter().collect();
            assert_eq!((got.len(), distinct.len()), (count, count));
        }
        assert_eq!(strings(h.run("SRANDMEMBER s 100")).len(), 5);
        assert_eq!(strings(h.run("SRANDMEMBER s 0")).len(), 0);
        let repeated = strings(h.run("SRANDMEMBER s -50"));
        assert_eq!(repeated.len(), 50);
        let distinct: std::collections::HashSet<_> = repeated.iter().collect();
        assert!(distinct.len() <= 5 && distinct.len() > 1);
        assert_eq!(h.run("SCARD s"), int(5), "nothing removed");
        h.run("SADD i 1 2 3");
        assert_eq!(strings(h.run("SRANDMEMBER i 3")), ["1", "2", "3"]);
    }

    #[test]
    fn every_member_comes_up() {
        let mut h = Harness::new();
        h.run("SADD s a b c");
        let got = strings(h.run("SRANDMEMBER s -3000"));
        for m in ["a", "b", "c"] {
            let n = got.iter().filter(|g| *g == m).count();
            assert!((700..1300).contains(&n), "{m}: {n} of 3000");
        }
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SADD s a");
        h.run("SET str v");
        assert_eq!(h.run("SRANDMEMBER s x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("SRANDMEMBER s 1 2"), err("ERR syntax error"));
        assert_eq!(
            h.run("SRANDMEMBER s -9223372036854775808"),
            err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
        );
        assert_eq!(h.run("SRANDMEMBER s -1048577"), err("ERR value is out of range"));
        assert_eq!(
            h.run("SRANDMEMBER str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("SRANDMEMBER str 2"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

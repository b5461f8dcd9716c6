//! LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]

use crate::prelude::*;

/// `LPOS`: Return the index of matching elements on a list
pub struct Lpos;

impl Command for Lpos {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lpos",
            arity: -3,
            flags: &[Flag::Readonly],
            group: "list",
            summary: "Return the index of matching elements on a list",
            since: "6.0.6",
            complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
            keys: Keys::ONE,
            key_specs: {
 const SPECS: &[KeySpec] = &[KeySpec::one(1, &["RO", "access"])];
 SPECS
 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, item) = (args.next()?, args.next()?);
        let (mut rank, mut count, mut maxlen) = (1i64, None, 0usize);
        while !args.is_empty() {
            let option = args.next()?;
            let value = args.next_i64()?;
            if option.eq_ignore_ascii_case(b"rank") {
                if value == 0 {
                    return Err(ReplyError::from_static(
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                    ));
                }
                rank = value;
            } else if option.eq_ignore_ascii_case(b"count") {
                if value < 0 {
                    return Err(ReplyError::from_static("ERR COUNT can't be negative"));
                }
                count = Some(value as usize);
            } else if option.eq_ignore_ascii_case(b"maxlen") {
                if value < 0 {
                    return Err(ReplyError::from_static("ERR MAXLEN can't be negative"));
                }
                maxlen = value as usize;
            } else {
                return Err(ReplyError::SYNTAX);
            }
        }
        let Some(list) = ctx.db().get_list(key)? else {
            return Ok(if count.is_some() { Reply::Array(Vec::new()) } else { Reply::Null });
        };
        let len = list.len();
        let scanned = if maxlen == 0 { len } else { maxlen.min(len) };
        let wanted = match count {
            Some(0) => usize::MAX,
            Some(n) => n,
            None => 1,
        };
        // Redis negates the rank, so i64::MIN stays negative and matches at once.
        let mut skip = if rank == i64::MIN { 0 } else { rank.unsigned_abs() - 1 };
        let mut found = Vec::new();
        let mut visit = |i: usize, e: Elem<'_>| {
            if *e == *item {
                if skip > 0 {
                    skip -= 1;
                } else {
                    found.push(Reply::Integer(i as i64));
                }
            }
            found.len() < wanted
        };
        if rank > 0 {
            for (i, e) in list.iter().take(scanned).enumerate() {
                if !visit(i, e) {
                    break;
                }
            }
        } else {
            for (i, e) in list.iter_rev().take(scanned).enumerate() {
                if !visit(len - 1 - i, e) {
                    break;
                }
            }
        }
        Ok(match count {
            Some(_) => Reply::Array(found),
            None => found.pop().unwrap_or(Reply::Null),
        })
    }
}

inventory::submit! { Registration::new(&Lpos, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn rank_count_and_maxlen() {
        let mut h = Harness::new();
        h.run("RPUSH l a b c 1 2 3 c c");
        assert_eq!(h.run("LPOS l c"), int(2));
        assert_eq!(h.run("LPOS l c RANK 2"), int(6));
        assert_eq!(h.run("LPOS l c RANK -1"), int(7));
        assert_eq!(h.run("LPOS l c COUNT 0"), Reply::Array(vec![int(2), int(6), int(7)]));
        assert_eq!(h.run("LPOS l c RANK -1 COUNT 2"), Reply::Array(vec![int(7), int(6)]));
        assert_eq!(h.run("LPOS l c COUNT 0 MAXLEN 3"), Reply::Array(vec![int(2)]));
        assert_eq!(h.run("LPOS l zz"), Reply::Null);
        assert_eq!(h.run("LPOS l zz COUNT 1"), Reply::Array(vec![]));
        assert_eq!(h.run("LPOS none zz COUNT 1"), Reply::Array(vec![]));
        assert_eq!(
            h.run("LPOS l c RANK 0"),
            err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
        );
        assert_eq!(h.run("LPOS l c COUNT -1"), err("ERR COUNT can't be negative"));
        assert_eq!(h.run("LPOS l c MAXLEN -1"), err("ERR MAXLEN can't be negative"));
        assert_eq!(h.run("LPOS l c FOO 1"), err("ERR syntax error"));
        assert_eq!(h.run("LPOS l c RANK"), err("ERR syntax error"));
    }
}

//! LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]

use crate::prelude::*;

/// `LCS`: the longest common subsequence of two strings, its length
/// (`LEN`), or the matching ranges (`IDX`), as Redis 7.0 computes them.
pub struct Lcs;

impl Command for Lcs {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "lcs",
            arity: -3,
            flags: &[Flag::Readonly],
            group: "string",
            summary: "Find longest common substring",
            since: "7.0.0",
            complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
            keys: Keys { first: 1, last: 2, step: 1 },
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key_a, key_b) = (args.next()?, args.next()?);
        let db = ctx.db();
        let a = string_or_empty(db.get(key_a))?;
        let b = string_or_empty(db.get(key_b))?;
        let (mut idx, mut len, mut with_match_len, mut min_match_len) = (false, false, false, 0u64);
        while !args.is_empty() {
            let option = args.next()?.to_ascii_uppercase();
            match option.as_slice() {
                b"IDX" => idx = true,
                b"LEN" => len = true,
                b"WITHMATCHLEN" => with_match_len = true,
                b"MINMATCHLEN" if !args.is_empty() => min_match_len = args.next_i64()?.max(0) as u64,
                _ => return Err(ReplyError::SYNTAX),
            }
        }
        if idx && len {
            return Err(ReplyError::err("If you want both the length and indexes, please just use IDX."));
        }
        if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
            return Err(ReplyError::err("String too long for LCS"));
        }
        let table = Table::build(&a, &b)?;
        let total = table.at(a.len(), b.len());
        if len {
            return Ok(Reply::Integer(i64::from(total)));
        }
        let (common, ranges) = table.walk_back(&a, &b);
        if !idx {
            return Ok(Reply::Bulk(common));
        }
        let matches = ranges
            .into_iter()
            .filter(|r| min_match_len == 0 || r.len() >= min_match_len)
            .map(|r| {
                let pair = |start: usize, end: usize| {
                    Reply::Array(vec![Reply::Integer(start as i64), Reply::Integer(end as i64)])
                };
                let mut item = vec![pair(r.a.0, r.a.1), pair(r.b.0, r.b.1)];
                if with_match_len {
                    item.push(Reply::Integer(r.len() as i64));
                }
                Reply::Array(item)
            })
            .collect();
        Ok(Reply::Map(vec![
            (Reply::bulk("matches"), Reply::Array(matches)),
            (Reply::bulk("len"), Reply::Integer(i64::from(total))),
        ]))
    }
}

/// A missing key counts as an empty string; any other type is refused.
fn string_or_empty(value: Option<&Value>) -> Result<Vec<u8>, ReplyError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s.to_vec()),
        Some(_) => Err(ReplyError::err("The specified keys must contain string values")),
    }
}

/// One matching run: inclusive byte ranges in each string.
struct Range {
    a: (usize, usize),
    b: (usize, usize),
}

impl Range {
    fn len(&self) -> u64 {
        (self.a.1 - self.a.0 + 1) as u64
    }
}

/// The dynamic-programming table: `at(i, j)` is the LCS length of
/// `a[..i]` and `b[..j]`.
struct Table {
    cells: Vec<u32>,
    width: usize,
}

impl Table {
    fn build(a: &[u8], b: &[u8]) -> Result<Table, ReplyError> {
        let width = b.len() + 1;
        let size = (a.len() + 1).checked_mul(width);
        let mut cells = Vec::new();
        if size.is_none_or(|size| cells.try_reserve_exact(size).is_err()) {
            return Err(ReplyError::err("Insufficient memory, failed allocating transient memory for LCS"));
        }
        cells.resize(size.unwrap_or(0), 0);
        let mut table = Table { cells, width };
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let value = if a[i - 1] == b[j - 1] {
                    table.at(i - 1, j - 1) + 1
                } else {
                    table.at(i - 1, j).max(table.at(i, j - 1))
                };
                table.cells[i * width + j] = value;
            }
        }
        Ok(table)
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }

    /// Redis's walk from the end: the common subsequence and its runs,
    /// last run first.
    fn walk_back(&self, a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<Range>) {
        let mut common = vec![0u8; self.at(a.len(), b.len()) as usize];
        let mut ranges = Vec::new();
        let mut current: Option<Range> = None;
        let (mut i, mut j, mut k) = (a.len(), b.len(), common.len());
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                common[k - 1] = a[i - 1];
                match &mut current {
                    None => current = Some(Range { a: (i - 1, i - 1), b: (j - 1, j - 1) }),
                    // Extend the run backward while it stays contiguous.
                    Some(run) if run.a.0 == i && run.b.0 == j => {
                        run.a.0 -= 1;
                        run.b.0 -= 1;
                    }
                    Some(_) => emit = true,
                }
                // A run reaching the start of either string ends the walk.
                if current.as_ref().is_some_and(|run| run.a.0 == 0 || run.b.0 == 0) {
                    emit = true;
                }
                i -= 1;
                j -= 1;
                k -= 1;
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = current.is_some();
            }
            if emit {
                ranges.extend(current.take());
            }
        }
        (common, ranges)
    }
}

inventory::submit! { Registration::new(&Lcs, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn setup() -> Harness {
        let mut h = Harness::new();
        h.run("MSET key1 ohmytext key2 mynewtext");
        h
    }

    #[test]
    fn string_and_length() {
        let mut h = setup();
        assert_eq!(h.run("LCS key1 key2"), bulk("mytext"));
        assert_eq!(h.run("LCS key1 key2 LEN"), int(6));
        assert_eq!(h.run("LCS key1 missing"), bulk(""));
        assert_eq!(h.run("LCS missing missing LEN"), int(0));
        assert_eq!(h.run("LCS key1 key1"), bulk("ohmytext"));
        h.run_args(&[&b"SET"[..], b"b1", b"\x00\xffab\x00"]);
        h.run_args(&[&b"SET"[..], b"b2", b"a\x00\xff"]);
        assert_eq!(h.run("LCS b1 b2"), Reply::bulk(b"a\x00"), "Redis's choice among equal candidates");
    }

    #[test]
    fn idx_replies_as_redis_7_0() {
        // Byte for byte what redis-server 7.0.15 sends.
        let mut h = setup();
        assert_eq!(
            h.wire("LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN"),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(
            h.wire("LCS key1 key2 IDX"),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
        );
        h.run("HELLO 3");
        assert_eq!(
            h.wire("LCS key1 key2 IDX WITHMATCHLEN"),
            "%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(h.wire("LCS key1 nokey IDX"), "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
    }

    #[test]
    fn minmatchlen_edges() {
        let mut h = setup();
        let ranges = |h: &mut Harness, opts: &str| match h.run(&format!("LCS key1 key2 IDX {opts}")) {
            Reply::Map(pairs) => match &pairs[0].1 {
                Reply::Array(items) => items.len(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        assert_eq!(ranges(&mut h, "MINMATCHLEN -5"), 2, "negative means no minimum");
        assert_eq!(ranges(&mut h, "MINMATCHLEN 0"), 2);
        assert_eq!(ranges(&mut h, "MINMATCHLEN 2"), 2);
        assert_eq!(ranges(&mut h, "MINMATCHLEN 3"), 1);
        assert_eq!(ranges(&mut h, "MINMATCHLEN 5 MINMATCHLEN 1"), 2, "the last one wins");
        assert_eq!(ranges(&mut h, "minmatchlen 100"), 0);
        assert_eq!(h.run("LCS key1 key2 MINMATCHLEN 4 LEN"), int(6), "ignored without IDX");
    }

    #[test]
    fn errors_in_redis_order() {
        let mut h = setup();
        h.run("HSET h f v");
        let not_strings = "ERR The specified keys must contain string values";
        assert_eq!(h.run("LCS h key1"), err(not_strings));
        assert_eq!(h.run("LCS key1 h FOO"), err(not_strings), "types are checked before options");
        assert_eq!(h.run("LCS key1 key2 FOO"), err("ERR syntax error"));
        assert_eq!(h.run("LCS key1 key2 MINMATCHLEN"), err("ERR syntax error"));
        assert_eq!(h.run("LCS key1 key2 MINMATCHLEN x"), err("ERR value is not an integer or out of range"));
        assert_eq!(
            h.run("LCS key1 key2 LEN IDX"),
            err("ERR If you want both the length and indexes, please just use IDX.")
        );
        assert_eq!(h.run("LCS key1"), err("ERR wrong number of arguments for 'lcs' command"));
    }

    #[test]
    fn expired_keys_are_empty() {
        let mut h = setup();
        h.run("SET key2 mynewtext PX 10");
        h.advance_ms(10);
        assert_eq!(h.run("LCS key1 key2"), bulk(""));
    }
}

//! HRANDFIELD key [count [WITHVALUES]]

use crate::prelude::*;

/// `HRANDFIELD`: random fields of a hash. Without a count, one field (nil
/// when there is no key); with a positive count, up to that many distinct
/// fields; with a negative count, exactly that many, possibly repeated.
pub struct Hrandfield;

impl Command for Hrandfield {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hrandfield",
            arity: -2,
            flags: &[Flag::Readonly],
            group: "hash",
            summary: "Get one or multiple random fields from a hash",
            since: "6.2.0",
            complexity: "O(N) where N is the number of fields returned",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        if args.is_empty() {
            let mut rng = ctx.rng();
            let hash = ctx.db().get_hash(key)?;
            let field = hash.and_then(|hash| hash.positions().get(rng.usize(..hash.len().max(1))));
            return Ok(Reply::bulk_or_null(field.map(|(field, _)| field)));
        }
        let count = crate::command_logic::sets::random_count(args)?;
        let with_values = args.eat("WITHVALUES");
        args.finish()?;
        if with_values && count.unsigned_abs() > (i64::MAX / 2) as u64 {
            return Err(ReplyError::err("value is out of range"));
        }
        if count < 0 && count.unsigned_abs() > crate::command_logic::sets::MAX_REPEATED {
            return Err(ReplyError::err("value is out of range"));
        }
        let resp3 = ctx.resp3();
        let mut rng = ctx.rng();
        let hash = match ctx.db().get_hash(key)? {
            Some(hash) if !hash.is_empty() => hash,
            _ => return Ok(Reply::Array(Vec::new())),
        };
        let indexes = if count < 0 {
            (0..count.unsigned_abs()).map(|_| rng.usize(..hash.len())).collect()
        } else {
            crate::command_logic::sets::distinct_indexes(&mut rng, hash.len(), count as u64)
        };
        let mut items = Vec::with_capacity(indexes.len() * (1 + usize::from(with_values)));
        let positions = hash.positions();
        for index in indexes {
            let (field, value) = positions.get(index).expect("index below the hash length");
            match (with_values, resp3) {
                (false, _) => items.push(Reply::bulk(field)),
                (true, false) => items.extend([Reply::bulk(field), Reply::bulk(value)]),
                (true, true) => items.push(Reply::Array(vec![Reply::bulk(field), Reply::bulk(value)])),
            }
        }
        Ok(Reply::Array(items))
    }
}

inventory::submit! { Registration::new(&Hrandfield, module_path!()) }

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use crate::protocol::Reply;
    use crate::testing::*;

    fn strings(reply: Reply) -> Vec<String> {
        match reply {
            Reply::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Reply::Bulk(b) => String::from_utf8(b).unwrap(),
                    other => panic!("bulk expected, got {other:?}"),
                })
                .collect(),
            other => panic!("array expected, got {other:?}"),
        }
    }

    fn fill(h: &mut Harness, n: usize) -> HashMap<String, String> {
        let fields: HashMap<String, String> = (0..n).map(|i| (format!("f{i}"), format!("v{i}"))).collect();
        for (f, v) in &fields {
            h.run(&format!("HSET h {f} {v}"));
        }
        fields
    }

    #[test]
    fn single_field() {
        let mut h = Harness::new();
        assert_eq!(h.wire("HRANDFIELD missing"), "$-1\r\n");
        let fields = fill(&mut h, 5);
        for _ in 0..20 {
            let Reply::Bulk(field) = h.run("HRANDFIELD h") else { panic!("bulk expected") };
            assert!(fields.contains_key(std::str::from_utf8(&field).unwrap()));
        }
        h.run("HELLO 3");
        assert_eq!(h.wire("HRANDFIELD missing"), "_\r\n");
    }

    #[test]
    fn positive_count_gives_distinct_fields() {
        let mut h = Harness::new();
        let fields = fill(&mut h, 50);
        for count in [1, 2, 10, 16, 17, 30, 49] {
            let got = strings(h.run(&format!("HRANDFIELD h {count}")));
            assert_eq!(got.len(), count);
            let distinct: HashSet<&String> = got.iter().collect();
            assert_eq!(distinct.len(), count, "distinct for count {count}");
            assert!(got.iter().all(|f| fields.contains_key(f)));
        }
        for count in [50, 51, 1000, i64::MAX] {
            let got = strings(h.run(&format!("HRANDFIELD h {count}")));
            let expected: Vec<String> = strings(h.run("HKEYS h"));
            assert_eq!(got, expected, "the whole hash, in order, for count {count}");
        }
    }

    #[test]
    fn negative_count_may_repeat() {
        let mut h = Harness::new();
        let fields = fill(&mut h, 3);
        let got = strings(h.run("HRANDFIELD h -100"));
        assert_eq!(got.len(), 100);
        assert!(got.iter().all(|f| fields.contains_key(f)));
        let distinct: HashSet<&String> = got.iter().collect();
        assert!(distinct.len() <= 3);
        assert_eq!(strings(h.run("HRANDFIELD h -1")).len(), 1);
    }

    #[test]
    fn with_values_flat_in_resp2_pairs_in_resp3() {
        let mut h = Harness::new();
        let fields = fill(&mut h, 4);
        let got = strings(h.run("HRANDFIELD h -10 WITHVALUES"));
        assert_eq!(got.len(), 20);
        for pair in got.chunks(2) {
            assert_eq!(fields[&pair[0]], pair[1]);
        }
        let got = strings(h.run("HRANDFIELD h 3 withvalues"));
        assert_eq!(got.len(), 6);
        let distinct: HashSet<&String> = got.iter().step_by(2).collect();
        assert_eq!(distinct.len(), 3);
        h.run("HDEL h f1 f2 f3");
        assert_eq!(h.wire("HRANDFIELD h 5 WITHVALUES"), "*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("HRANDFIELD h 5 WITHVALUES"), "*1\r\n*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n");
        assert_eq!(
            h.wire("HRANDFIELD h -2 WITHVALUES"),
            "*2\r\n*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n*2\r\n$2\r\nf0\r\n$2\r\nv0\r\n"
        );
        assert_eq!(h.wire("HRANDFIELD h 1"), "*1\r\n$2\r\nf0\r\n");
    }

    #[test]
    fn zero_count_and_missing_key() {
        let mut h = Harness::new();
        fill(&mut h, 2);
        assert_eq!(h.wire("HRANDFIELD h 0"), "*0\r\n");
        assert_eq!(h.wire("HRANDFIELD h 0 WITHVALUES"), "*0\r\n");
        assert_eq!(h.wire("HRANDFIELD missing 0"), "*0\r\n");
        assert_eq!(h.wire("HRANDFIELD missing 3"), "*0\r\n");
        assert_eq!(h.wire("HRANDFIELD missing -3 WITHVALUES"), "*0\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("HRANDFIELD missing 3"), "*0\r\n");
    }

    #[test]
    fn expired_hash_is_missing() {
        let mut h = Harness::new();
        fill(&mut h, 2);
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.run("HRANDFIELD h"), Reply::Null);
        assert_eq!(h.run("HRANDFIELD h -5"), array(&[]));
    }

    #[test]
    fn argument_errors() {
        let mut h = Harness::new();
        h.run("SET s v");
        let not_integer = "ERR value is not an integer or out of range";
        let wrong_type = "WRONGTYPE Operation against a key holding the wrong kind of value";
        assert_eq!(h.run("HRANDFIELD"), err("ERR wrong number of arguments for 'hrandfield' command"));
        assert_eq!(h.run("HRANDFIELD h abc"), err(not_integer));
        assert_eq!(h.run("HRANDFIELD h 01"), err(not_integer));
        assert_eq!(h.run("HRANDFIELD h 1.5"), err(not_integer));
        assert_eq!(h.run("HRANDFIELD s abc"), err(not_integer), "the count is checked before the key");
        assert_eq!(h.run("HRANDFIELD h 1 WITHVALUE"), err("ERR syntax error"));
        assert_eq!(h.run("HRANDFIELD h 1 WITHVALUES x"), err("ERR syntax error"));
        assert_eq!(h.run("HRANDFIELD h 1 WITHVALUES WITHVALUES"), err("ERR syntax error"));
        assert_eq!(
            h.run("HRANDFIELD h -9223372036854775808"),
            err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
        );
        assert_eq!(h.run("HRANDFIELD h 4611686018427387904 WITHVALUES"), err("ERR value is out of range"));
        assert_eq!(h.run("HRANDFIELD h -4611686018427387904 WITHVALUES"), err("ERR value is out of range"));
        assert_eq!(h.run("HRANDFIELD h 4611686018427387903 WITHVALUES"), array(&[]));
        assert_eq!(h.run("HRANDFIELD s"), err(wrong_type));
        assert_eq!(h.run("HRANDFIELD s 0"), err(wrong_type), "the type is checked before a zero count");
        assert_eq!(h.run("HRANDFIELD s -1 WITHVALUES"), err(wrong_type));
    }

    #[test]
    fn huge_negative_counts_are_refused() {
        let mut h = Harness::new();
        fill(&mut h, 1);
        assert_eq!(h.run("HRANDFIELD h -4611686018427387903 WITHVALUES"), err("ERR value is out of range"));
        assert_eq!(h.run("HRANDFIELD h -1048577"), err("ERR value is out of range"));
        assert_eq!(strings(h.run("HRANDFIELD h -1048576")).len(), 1 << 20);
    }
}

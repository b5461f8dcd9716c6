//! SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]

use crate::command_logic::sort;
use crate::prelude::*;

/// Redis's: the key, the keys `BY`/`GET` patterns name (unknown, and `STORE`'s destination).
const KEY_SPECS: &[KeySpec] = &[
    KeySpec::one(1, &["RO", "access"]),
    sort::PATTERN_KEYS,
    KeySpec {
        flags: &["OW", "update"],
        notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array",
        unknown: Some(Some(sort::store_key_position)),
        ..KeySpec::DEFAULT
    },
];

/// `SORT`: Sort the elements in a list, set or sorted set
pub struct Sort;

impl Command for Sort {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "sort",
            arity: -2,
            flags: &[Flag::Write, Flag::DenyOom, Flag::MovableKeys],
            group: "generic",
            summary: "Sort the elements in a list, set or sorted set",
            since: "1.0.0",
            complexity: sort::COMPLEXITY,
            keys: Keys::ONE,
            key_specs: KEY_SPECS,
            extra_acl_categories: sort::ACL_CATEGORIES,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        let request = sort::parse(ctx, args, false)?;
        sort::run(ctx, key, request)
    }
}

inventory::submit! { Registration::new(&Sort, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn the_source_needs_read_access_and_the_destination_write() {
        let mut h = Harness::new();
        h.run("RPUSH src 3 1 2");
        h.run("ACL SETUSER sorter on >pw %R~src %W~dst +@all");
        assert_eq!(h.run("AUTH sorter pw"), Reply::OK);
        assert_eq!(h.run("SORT src STORE dst"), int(3));
        assert_eq!(h.run("SORT src"), array(&["1", "2", "3"]));
        let denied = err("NOPERM this user has no permissions to access one of the keys used as arguments");
        assert_eq!(h.run("LPUSH src 1"), denied);
        assert_eq!(h.run("SORT dst"), denied);
    }

    #[test]
    fn numeric_alpha_desc_and_limit() {
        let mut h = Harness::new();
        h.run("RPUSH l 3 1 2 10");
        assert_eq!(h.run("SORT l"), array(&["1", "2", "3", "10"]));
        assert_eq!(h.run("SORT l DESC"), array(&["10", "3", "2", "1"]));
        assert_eq!(h.run("sort l alpha"), array(&["1", "10", "2", "3"]));
        assert_eq!(h.run("SORT l LIMIT 1 2"), array(&["2", "3"]));
        assert_eq!(h.run("SORT l LIMIT -5 2"), array(&["1", "2"]));
        assert_eq!(h.run("SORT l LIMIT 1 -1"), array(&["2", "3", "10"]));
        assert_eq!(h.run("SORT l LIMIT 10 2"), array(&[]));
        assert_eq!(h.run("SORT l LIMIT 0 0"), array(&[]));
        assert_eq!(h.run("SORT nokey"), array(&[]));
        assert_eq!(h.propagated(), Some(vec![]), "a SORT without STORE logs nothing");
        // Equal scores fall back to the elements' bytes.
        h.run("RPUSH eq b 1.0 a 01 1");
        assert_eq!(h.run("SORT eq BY nosuchkey_*"), array(&["01", "1", "1.0", "a", "b"]));
    }

    #[test]
    fn by_nosort_keeps_the_stored_order() {
        let mut h = Harness::new();
        h.run("RPUSH l 3 1 2 10");
        assert_eq!(h.run("SORT l BY nosort"), array(&["3", "1", "2", "10"]));
        assert_eq!(h.run("SORT l BY nosort DESC"), array(&["10", "2", "1", "3"]));
        assert_eq!(h.run("SORT l BY nosort LIMIT 1 2"), array(&["1", "2"]));
        assert_eq!(h.run("SORT l BY nosort DESC LIMIT 1 2"), array(&["2", "1"]));
        h.run("ZADD z 3 a 1 b 2 c");
        assert_eq!(h.run("SORT z BY nosort"), array(&["b", "c", "a"]));
        assert_eq!(h.run("SORT z BY nosort DESC LIMIT 1 5"), array(&["c", "b"]));
        assert_eq!(h.run("SORT z BY nosort LIMIT 5 5"), array(&[]));
        assert_eq!(h.run("SORT z ALPHA"), array(&["a", "b", "c"]));
        // A set is sorted when stored, even with nosort.
        h.run("SADD s b c a");
        assert_eq!(h.run("SORT s BY nosort STORE d"), int(3));
        assert_eq!(h.run("LRANGE d 0 -1"), array(&["a", "b", "c"]));
    }

    #[test]
    fn by_and_get_patterns() {
        let mut h = Harness::new();
        h.run("RPUSH l 3 1 2");
        h.run("MSET w_1 30 w_2 10 w_3 20 o_1 one o_3 three");
        h.run("HSET h_1 f 5");
        h.run("HSET h_2 f 1");
        h.run("HSET h_3 f x");
        assert_eq!(h.run("SORT l BY w_*"), array(&["2", "3", "1"]));
        assert_eq!(h.run("SORT l BY w_* DESC"), array(&["1", "3", "2"]));
        assert_eq!(
            h.run("SORT l BY w_* GET # GET o_* GET h_*->f"),
            Reply::Array(vec![
                bulk("2"),
                Reply::Null,
                bulk("1"),
                bulk("3"),
                bulk("three"),
                bulk("x"),
                bulk("1"),
                bulk("one"),
                bulk("5"),
            ])
        );
        assert_eq!(h.run("SORT l BY h_*->f ALPHA"), array(&["2", "1", "3"]));
        assert_eq!(h.run("SORT l BY h_*->f"), err("ERR One or more scores can't be converted into double"));
        assert_eq!(h.run("SORT l BY missing_*"), array(&["1", "2", "3"]));
        assert_eq!(h.run("SORT l GET nostar"), Reply::Array(vec![Reply::Null; 3]));
        assert_eq!(
            h.run("SORT l GET h_*->"),
            Reply::Array(vec![Reply::Null; 3]),
            "an empty field is no field"
        );
        assert_eq!(h.run("SORT l BY nostar GET #"), array(&["3", "1", "2"]));
        h.run("HELLO 3");
        assert_eq!(h.wire("SORT l GET o_*"), "*3\r\n$3\r\none\r\n_\r\n$5\r\nthree\r\n");
    }

    #[test]
    fn store_makes_a_list_or_deletes_the_destination() {
        let mut h = Harness::new();
        h.run("RPUSH l 3 1 2");
        h.run("MSET o_1 one o_3 three");
        h.run("SET dst x EX 100");
        assert_eq!(h.run("SORT l GET o_* STORE dst"), int(3));
        assert_eq!(h.propagated(), None, "logged as received");
        assert_eq!(h.events(), vec!["0:sortstore:dst"]);
        assert_eq!(h.run("LRANGE dst 0 -1"), array(&["one", "", "three"]), "a missing GET stores \"\"");
        assert_eq!(h.run("TTL dst"), int(-1));
        assert_eq!(h.run("SORT l LIMIT 1 1 STORE dst STORE last"), int(1));
        assert_eq!(h.run("LRANGE last 0 -1"), array(&["2"]), "the last STORE counts");
        assert_eq!(h.run("SORT nokey STORE dst"), int(0));
        assert_eq!(h.events(), vec!["0:del:dst"]);
        assert_eq!(h.run("EXISTS dst"), int(0));
        assert_eq!(h.run("SORT nokey STORE dst"), int(0));
        assert_eq!(h.propagated(), Some(vec![]), "nothing changed: nothing logged");
        h.run("RPUSH bad 1 x");
        assert_eq!(
            h.run("SORT bad STORE dst2"),
            err("ERR One or more scores can't be converted into double")
        );
        assert_eq!(h.run("EXISTS dst2"), int(0));
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.run("SET str v");
        h.run("RPUSH l 1");
        h.run("SADD s 5 3 x1");
        assert_eq!(
            h.run("SORT str"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("SORT str FOO"), err("ERR syntax error"), "options are checked first");
        assert_eq!(h.run("SORT l LIMIT 1"), err("ERR syntax error"));
        assert_eq!(h.run("SORT l LIMIT x 1"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("SORT l STORE"), err("ERR syntax error"));
        assert_eq!(h.run("SORT l BY"), err("ERR syntax error"));
        assert_eq!(h.run("SORT l GET"), err("ERR syntax error"));
        assert_eq!(h.run("SORT"), err("ERR wrong number of arguments for 'sort' command"));
        assert_eq!(h.run("SORT s"), err("ERR One or more scores can't be converted into double"));
        assert_eq!(h.run("SORT s ALPHA"), array(&["3", "5", "x1"]));
    }

    #[test]
    fn scores_are_read_as_strtod_does() {
        let mut h = Harness::new();
        h.run("RPUSH l 0x10 \" 2\" 1e1 -inf +inf \"\"");
        assert_eq!(h.run("SORT l"), array(&["-inf", "", " 2", "1e1", "0x10", "+inf"]));
        for bad in ["nan", "1e400", "\"2 \"", "\" \"", "1x"] {
            h.run("DEL b");
            h.run(&format!("RPUSH b {bad}"));
            assert_eq!(
                h.run("SORT b"),
                err("ERR One or more scores can't be converted into double"),
                "{bad}"
            );
        }
    }

    #[test]
    fn patterns_need_read_access_to_every_key() {
        let mut h = Harness::new();
        h.run("RPUSH l 3 1 2");
        h.run("ACL SETUSER u on nopass ~l* ~d* +@all");
        h.run("ACL SETUSER r on nopass %R~* ~l* ~d* +@all");
        h.run("AUTH u x");
        assert_eq!(h.run("SORT l"), array(&["1", "2", "3"]));
        assert_eq!(h.run("SORT l BY nosort"), array(&["3", "1", "2"]));
        assert_eq!(
            h.run("SORT l BY w_*"),
            err("ERR BY option of SORT denied due to insufficient ACL permissions.")
        );
        assert_eq!(
            h.run("SORT l GET #"),
            err("ERR GET option of SORT denied due to insufficient ACL permissions.")
        );
        assert_eq!(h.run("SORT l STORE dst"), int(3));
        assert_eq!(
            h.run("SORT l STORE other"),
            err("NOPERM this user has no permissions to access one of the keys used as arguments")
        );
        h.run("AUTH r x");
        assert_eq!(h.run("SORT l BY w_* GET o_*"), Reply::Array(vec![Reply::Null; 3]));
    }

    #[test]
    fn the_store_destination_is_a_key() {
        let mut h = Harness::new();
        assert_eq!(h.run("COMMAND GETKEYS SORT l BY w_* STORE d GET x"), array(&["l", "d"]));
        assert_eq!(h.run("COMMAND GETKEYS SORT l STORE d STORE e"), array(&["l", "e"]));
        assert_eq!(h.run("COMMAND GETKEYS SORT l STORE d LIMIT 1"), array(&["l", "d"]));
        assert_eq!(h.run("COMMAND GETKEYS SORT l GET store x"), array(&["l"]));
        assert_eq!(
            h.run("COMMAND GETKEYSANDFLAGS SORT l STORE d"),
            Reply::Array(vec![
                Reply::Array(vec![bulk("l"), Reply::Set(vec![Reply::simple("RO"), Reply::simple("access")])]),
                Reply::Array(vec![bulk("d"), Reply::Set(vec![Reply::simple("OW"), Reply::simple("update")])]),
            ])
        );
    }
}

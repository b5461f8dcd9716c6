//! `SORT` and `SORT_RO` on lists, sets and sorted sets, as Redis 7.0's
//! `sort.c` behaves: options, `BY`/`GET` patterns (`*` and `hash->field`),
//! `LIMIT`, `ALPHA`, `STORE`, and its errors.

use std::cmp::Ordering;

use crate::acl::KEY_READ;
use crate::command_logic::zsets::read_double;
use crate::prelude::*;
use crate::protocol::parse::parse_i64;
use crate::store::List;

/// `SORT`'s and `SORT_RO`'s complexity, as Redis states it.
pub const COMPLEXITY: &str = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";

/// The ACL categories beyond `@write`/`@read` and `@slow`.
pub const ACL_CATEGORIES: &[&str] = &["@set", "@sortedset", "@list", "@dangerous"];

/// The keys `BY` and `GET` patterns name: Redis's `unknown` search, found
/// only when the command runs.
pub const PATTERN_KEYS: KeySpec = KeySpec {
    flags: &["RO", "access"],
    notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
    unknown: Some(None),
    ..KeySpec::DEFAULT
};

const CANNOT_CONVERT: &str = "One or more scores can't be converted into double";

/// A parsed `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...]
/// [ASC|DESC] [ALPHA] [STORE destination]`.
#[derive(Debug, Default)]
pub struct SortRequest<'a> {
    /// The pattern to sort by (the last `BY`).
    by: Option<&'a [u8]>,
    /// A `BY` without `*` was given: the elements keep their order.
    dont_sort: bool,
    offset: i64,
    /// Negative: to the end.
    count: i64,
    gets: Vec<&'a [u8]>,
    desc: bool,
    alpha: bool,
    store: Option<&'a [u8]>,
}

/// The text up to its first NUL, as C's string functions see it.
fn c_string(bytes: &[u8]) -> &[u8] {
    bytes.split(|&b| b == 0).next().unwrap_or_default()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether the user may read every key (a `~*` or `%R~*` pattern): Redis
/// 7.0 refuses `BY` and `GET` patterns to anyone else, since they name keys
/// that no key specification shows.
fn reads_every_key(ctx: &Context<'_>) -> bool {
    let user = ctx.client.user.rules.read();
    user.all_keys || user.keys.iter().any(|k| k.access & KEY_READ == KEY_READ && k.pattern == b"*")
}

/// Parses the options after the key in Redis's order: the first problem
/// met is the error. `readonly` (`SORT_RO`) refuses `STORE`.
pub fn parse<'a>(
    ctx: &Context<'_>,
    args: &mut Args<'a>,
    readonly: bool,
) -> Result<SortRequest<'a>, ReplyError> {
    let mut request = SortRequest { count: -1, ..SortRequest::default() };
    while let Some(word) = args.peek() {
        args.next()?;
        let left = args.remaining();
        let is = |name: &str| word.eq_ignore_ascii_case(name.as_bytes());
        if is("asc") {
            request.desc = false;
        } else if is("desc") {
            request.desc = true;
        } else if is("alpha") {
            request.alpha = true;
        } else if is("limit") && left >= 2 {
            request.offset = parse_i64(args.next()?).ok_or(ReplyError::NOT_INTEGER)?;
            request.count = parse_i64(args.next()?).ok_or(ReplyError::NOT_INTEGER)?;
        } else if is("store") && left >= 1 && !readonly {
            request.store = Some(args.next()?);
        } else if is("by") && left >= 1 {
            let pattern = args.next()?;
            if !c_string(pattern).contains(&b'*') {
                request.dont_sort = true;
            } else if !reads_every_key(ctx) {
                return Err(ReplyError::err("BY option of SORT denied due to insufficient ACL permissions."));
            }
            request.by = Some(pattern);
        } else if is("get") && left >= 1 {
            if !reads_every_key(ctx) {
                return Err(ReplyError::err(
                    "GET option of SORT denied due to insufficient ACL permissions.",
                ));
            }
            request.gets.push(args.next()?);
        } else {
            return Err(ReplyError::SYNTAX);
        }
    }
    Ok(request)
}

/// `SORT`'s key search for `STORE destination` (Redis's `sortGetKeys`):
/// the last `STORE` names it; `LIMIT`, `GET` and `BY` skip their arguments.
pub fn store_key_position(argv: &[&[u8]]) -> Vec<usize> {
    let mut found = None;
    let mut i = 2;
    while i < argv.len() {
        let is = |name: &str| argv[i].eq_ignore_ascii_case(name.as_bytes());
        if is("limit") {
            i += 2;
        } else if is("get") || is("by") {
            i += 1;
        } else if is("store") && i + 1 < argv.len() {
            found = Some(i + 1);
        }
        i += 1;
    }
    found.into_iter().collect()
}

/// The value a pattern names for `element` (Redis's `lookupKeyByPattern`):
/// `#` is the element itself; otherwise the first `*` becomes the element,
/// and `key->field` reads a hash field. A string (or the hash field), or
/// `None` when missing, of another type, or the pattern has no `*`.
fn lookup(db: &mut Keyspace<'_>, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let star = c_string(pattern).iter().position(|&b| b == b'*')?;
    let after = &pattern[star + 1..];
    let field = find(c_string(after), b"->").filter(|&f| c_string(after).len() > f + 2);
    let (suffix, field) = match field {
        Some(f) => (&after[..f], Some(&after[f + 2..])),
        None => (after, None),
    };
    let key = [&pattern[..star], element, suffix].concat();
    match (db.get(&key)?, field) {
        (Value::String(s), None) => Some(s.to_vec()),
        (Value::Hash(hash), Some(field)) => hash.get(field).map(|v| v.to_vec()),
        _ => None,
    }
}

/// A score as `strtod` reads it for `SORT`: leading spaces skipped, the
/// empty string is 0; trailing text, NaN or out of range is refused.
fn sort_score(text: &[u8]) -> Option<f64> {
    if text.is_empty() {
        return Some(0.0);
    }
    read_double(text.trim_ascii_start())
}

/// One element to sort and what it sorts by.
struct Item {
    element: Vec<u8>,
    score: f64,
    /// `ALPHA` with `BY`: the pattern's value (missing ones sort first).
    by_value: Option<Vec<u8>>,
}

/// The elements to sort (or, when they keep their order, only those of
/// the `LIMIT` range), and the range of them to output.
fn load(
    db: &mut Keyspace<'_>,
    key: &[u8],
    request: &SortRequest<'_>,
) -> Result<(Vec<Vec<u8>>, usize, usize), ReplyError> {
    enum Source<'v> {
        List(&'v List),
        Set(&'v Set),
        ZSet(&'v ZSet),
    }
    let source = match db.get(key) {
        None => None,
        Some(Value::List(list)) => Some(Source::List(list)),
        Some(Value::Set(set)) => Some(Source::Set(set)),
        Some(Value::ZSet(zset)) => Some(Source::ZSet(zset)),
        Some(_) => return Err(ReplyError::WRONG_TYPE),
    };
    let len = match &source {
        None => 0,
        Some(Source::List(list)) => list.len(),
        Some(Source::Set(set)) => set.len(),
        Some(Source::ZSet(zset)) => zset.len(),
    } as i64;
    // Redis's LIMIT arithmetic, in signed integers.
    let mut start = request.offset.max(0);
    let mut end = if request.count < 0 { len - 1 } else { start.saturating_add(request.count) - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    let ordered = matches!(source, Some(Source::List(_) | Source::ZSet(_)));
    if request.dont_sort && ordered {
        // Only the range, in the stored order (reversed by DESC).
        let wanted = if end >= start { (end - start + 1) as usize } else { 0 };
        let (from, desc) = (start.max(0) as usize, request.desc);
        let elements: Vec<Vec<u8>> = match source {
            Some(Source::List(list)) if desc => {
                list.iter_rev().skip(from).take(wanted).map(|e| e.to_vec()).collect()
            }
            Some(Source::List(list)) => list.iter_from(from).take(wanted).map(|e| e.to_vec()).collect(),
            Some(Source::ZSet(zset)) => {
                let view = zset.view();
                let ranks: Box<dyn Iterator<Item = usize>> = if desc {
                    Box::new((0..view.len()).rev().skip(from).take(wanted))
                } else {
                    Box::new((from..view.len()).take(wanted))
                };
                ranks.map(|rank| view.get(rank).0.to_vec()).collect()
            }
            _ => Vec::new(),
        };
        let count = elements.len();
        return Ok((elements, 0, count));
    }
    let elements: Vec<Vec<u8>> = match source {
        None => Vec::new(),
        Some(Source::List(list)) => list.iter().map(|e| e.to_vec()).collect(),
        Some(Source::Set(set)) => set.iter().map(|e| e.to_vec()).collect(),
        Some(Source::ZSet(zset)) => {
            let view = zset.view();
            (0..view.len()).map(|rank| view.get(rank).0.to_vec()).collect()
        }
    };
    let output = if end >= start { (start as usize, (end - start + 1) as usize) } else { (0, 0) };
    Ok((elements, output.0, output.1))
}

/// Sorts `elements` as the request says; the conversion error when a
/// (numeric) sort value is not a number.
fn sort_elements(
    db: &mut Keyspace<'_>,
    elements: Vec<Vec<u8>>,
    request: &SortRequest<'_>,
) -> Result<Vec<Vec<u8>>, ReplyError> {
    let mut items = Vec::with_capacity(elements.len());
    let mut not_a_number = false;
    for element in elements {
        let by_value = match request.by {
            Some(pattern) => lookup(db, pattern, &element),
            None => None,
        };
        let mut item = Item { element, score: 0.0, by_value: None };
        let value = if request.by.is_some() { by_value.as_deref() } else { Some(&item.element[..]) };
        if let Some(value) = value {
            if request.alpha {
                item.by_value = request.by.is_some().then(|| value.to_vec());
            } else {
                match sort_score(value) {
                    Some(score) => item.score = score,
                    None => not_a_number = true,
                }
            }
        }
        items.push(item);
    }
    if not_a_number {
        return Err(ReplyError::err(CANNOT_CONVERT));
    }
    let by_pattern = request.by.is_some();
    let compare = |a: &Item, b: &Item| -> Ordering {
        let order = if !request.alpha {
            a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.element.cmp(&b.element))
        } else if by_pattern {
            // Missing values first; equal values stay as they are.
            a.by_value.cmp(&b.by_value)
        } else {
            a.element.cmp(&b.element)
        };
        if request.desc {
            order.reverse()
        } else {
            order
        }
    };
    items.sort_by(compare);
    Ok(items.into_iter().map(|item| item.element).collect())
}

/// Runs a parsed request on `key`: the reply (elements, or the `GET`
/// values), or with `STORE` the list stored and its length.
pub fn run(ctx: &mut Context<'_>, key: &[u8], mut request: SortRequest<'_>) -> CommandResult {
    // Patterns name keys anywhere: every shard.
    let patterns = request.by.is_some_and(|p| !request.dont_sort && p.contains(&b'*'))
        || request.gets.iter().any(|p| *p != b"#");
    if patterns {
        ctx.keyspace();
    }
    let db = ctx.db();
    // A set has no order of its own: a stored result is sorted (as Redis
    // does, so a replica or the AOF gets the same list).
    if request.dont_sort && request.store.is_some() && matches!(db.get(key), Some(Value::Set(_))) {
        request.dont_sort = false;
        request.alpha = true;
        request.by = None;
    }
    let (mut elements, start, count) = load(db, key, &request)?;
    if !request.dont_sort {
        elements = sort_elements(db, elements, &request)?;
    }
    // The output: each element, or the values its GET patterns name.
    // Reserved up front only up to a bound: many GETs of a long list grow it as they come.
    let expected = count.saturating_mul(request.gets.len().max(1));
    let mut values: Vec<Option<Vec<u8>>> = Vec::with_capacity(expected.min(1 << 16));
    for element in elements.into_iter().skip(start).take(count) {
        if request.gets.is_empty() {
            values.push(Some(element));
            continue;
        }
        for pattern in &request.gets {
            values.push(lookup(db, pattern, &element));
        }
    }
    let Some(destination) = request.store else {
        ctx.propagate_none();
        return Ok(Reply::Array(values.into_iter().map(|v| v.map_or(Reply::Null, Reply::Bulk)).collect()));
    };
    let length = values.len() as i64;
    if values.is_empty() {
        if db.delete(destination) {
            ctx.notify(EventClass::Generic, "del", destination);
        } else {
            ctx.propagate_none();
        }
    } else {
        // A missing GET value is stored as "".
        let limits = db.limits();
        let list = List::from_items(values.iter().map(|v| v.as_deref().unwrap_or_default()), &limits);
        db.set(destination, Value::List(list));
        ctx.notify(EventClass::List, "sortstore", destination);
    }
    Ok(Reply::Integer(length))
}

//! What the set commands share: the algebra over several keys (`SINTER`,
//! `SUNION`, `SDIFF` and their `STORE` and `CARD` forms), storing a result,
//! and random picks (`SRANDMEMBER`, `SPOP`).

use std::collections::HashSet;

use crate::prelude::*;

/// Which combination of the sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algebra {
    Inter,
    Union,
    Diff,
}

/// The sizes of the sets at `keys` (0 for a missing key), `WRONGTYPE` if
/// any holds another type: every key is checked before anything is computed.
fn sizes(db: &mut Keyspace<'_>, keys: &[&[u8]]) -> Result<Vec<usize>, ReplyError> {
    keys.iter().map(|key| Ok(db.get_typed::<Set>(key)?.map_or(0, Set::len))).collect()
}

/// The members of the combination of the sets at `keys`; the intersection
/// stops at `limit` members (0: no limit).
pub fn combine(
    db: &mut Keyspace<'_>,
    keys: &[&[u8]],
    how: Algebra,
    limit: usize,
) -> Result<Vec<Vec<u8>>, ReplyError> {
    let sizes = sizes(db, keys)?;
    let members = |db: &mut Keyspace<'_>, key: &[u8]| -> Vec<Vec<u8>> {
        db.get_typed::<Set>(key)
            .ok()
            .flatten()
            .map_or_else(Vec::new, |s| s.iter().map(|m| m.to_vec()).collect())
    };
    Ok(match how {
        Algebra::Inter => {
            if sizes.contains(&0) {
                return Ok(Vec::new());
            }
            // Walk the smallest set, probing the others.
            let smallest = (0..keys.len()).min_by_key(|&i| sizes[i]).unwrap_or(0);
            let mut result = Vec::new();
            let candidates = members(db, keys[smallest]);
            for member in candidates {
                let everywhere = keys.iter().enumerate().filter(|&(i, _)| i != smallest).all(|(_, key)| {
                    db.get_typed::<Set>(key).ok().flatten().is_some_and(|s| s.contains(&member))
                });
                if everywhere {
                    result.push(member);
                    if result.len() == limit {
                        break;
                    }
                }
            }
            result
        }
        Algebra::Union => {
            let mut seen = HashSet::new();
            let mut result = Vec::new();
            for key in keys {
                for member in members(db, key) {
                    if seen.insert(member.clone()) {
                        result.push(member);
                    }
                }
            }
            result
        }
        Algebra::Diff => {
            let mut result = members(db, keys[0]);
            for key in &keys[1..] {
                if result.is_empty() {
                    break;
                }
                if let Some(set) = db.get_typed::<Set>(key)? {
                    result.retain(|m| !set.contains(m));
                }
            }
            result
        }
    })
}

/// `SINTER`/`SUNION`/`SDIFF key [key ...]`: a set reply.
pub fn combine_reply(ctx: &mut Context<'_>, args: &mut Args<'_>, how: Algebra) -> CommandResult {
    let keys: Vec<&[u8]> = args.rest().collect();
    let members = combine(ctx.db(), &keys, how, 0)?;
    Ok(Reply::Set(members.into_iter().map(Reply::Bulk).collect()))
}

/// `S…STORE destination key [key ...]`: stores the combination at
/// `destination` (deleting it when empty); the number of members.
pub fn combine_store(
    ctx: &mut Context<'_>,
    args: &mut Args<'_>,
    how: Algebra,
    event: &'static str,
) -> CommandResult {
    let destination = args.next()?;
    let keys: Vec<&[u8]> = args.rest().collect();
    let members = combine(ctx.db(), &keys, how, 0)?;
    let count = members.len() as i64;
    store_set(ctx, destination, &members, event);
    Ok(Reply::Integer(count))
}

/// Stores `members` as the set at `key` (any old value and TTL gone), or
/// deletes `key` when there are none, with Redis's events.
pub fn store_set(ctx: &mut Context<'_>, key: &[u8], members: &[Vec<u8>], event: &'static str) {
    let db = ctx.db();
    if members.is_empty() {
        if db.delete(key) {
            ctx.notify(EventClass::Generic, "del", key);
        }
        return;
    }
    let limits = db.limits();
    let set = Set::from_members(members.iter().map(Vec::as_slice), &limits);
    db.set(key, Value::Set(set));
    ctx.notify(EventClass::Set, event, key);
}

/// `min(count, len)` distinct indexes below `len`, in ascending order
/// (the whole range when `count >= len`); `HRANDFIELD` uses it too.
pub fn distinct_indexes(rng: &mut fastrand::Rng, len: usize, count: u64) -> Vec<usize> {
    if count >= len as u64 {
        return (0..len).collect();
    }
    let count = count as usize;
    let mut picked: Vec<usize> = if count * 3 > len {
        let mut all: Vec<usize> = (0..len).collect();
        for i in 0..count {
            all.swap(i, rng.usize(i..len));
        }
        all.truncate(count);
        all
    } else {
        let mut seen = HashSet::with_capacity(count);
        while seen.len() < count {
            seen.insert(rng.usize(..len));
        }
        seen.into_iter().collect()
    };
    picked.sort_unstable();
    picked
}

/// The most members a negative `SRANDMEMBER`/`ZRANDMEMBER`/`HRANDFIELD`
/// count may ask for: Redis builds such a reply until memory runs out;
/// here it is refused.
pub const MAX_REPEATED: u64 = 1 << 20;

/// A random-count argument, with Redis's range error for `i64::MIN`.
pub fn random_count(args: &mut Args<'_>) -> Result<i64, ReplyError> {
    let count = args.next_i64()?;
    if count == i64::MIN {
        return Err(ReplyError::err(format_args!(
            "value is out of range, value must between {} and {}",
            -i64::MAX,
            i64::MAX
        )));
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::distinct_indexes;

    #[test]
    fn distinct_indexes_properties() {
        for len in [1, 2, 5, 10, 100] {
            for count in [1, 2, 3, 4, 33, 34, 99, 100, 200] {
                let picked = distinct_indexes(&mut fastrand::Rng::new(), len, count);
                assert_eq!(picked.len(), len.min(count as usize));
                assert!(picked.windows(2).all(|w| w[0] < w[1]), "ascending and distinct");
                assert!(picked.iter().all(|&i| i < len));
            }
        }
    }
}

//! Logic several hash command files share: `HSET`/`HMSET`, the
//! `HKEYS`/`HVALS`/`HGETALL` listing, read-modify-write of one field.

use crate::protocol::{Reply, ReplyError};
use crate::registry::{Args, CommandResult, Context};
use crate::store::Hash;

/// `HSET`/`HMSET key field value [field value ...]`: sets every pair; the
/// number of fields that were new. An odd pair count is an arity error.
pub fn hash_set_pairs(ctx: &mut Context<'_>, args: &mut Args<'_>) -> Result<i64, ReplyError> {
    let key = args.next()?;
    if args.is_empty() || !args.remaining().is_multiple_of(2) {
        return Err(ReplyError::wrong_arity(ctx.command));
    }
    let db = ctx.db();
    let limits = db.limits();
    let hash = db.hash_or_default(key)?;
    let mut added = 0;
    while !args.is_empty() {
        added += i64::from(hash.insert(args.next()?, args.next()?, &limits));
    }
    Ok(added)
}

/// What `HKEYS`, `HVALS` and `HGETALL` list of each field-value pair.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum HashParts {
    Fields,
    Values,
    Both,
}

/// `HKEYS`/`HVALS`/`HGETALL key`: the parts of every pair in field order;
/// an empty array when there is no key. `HGETALL` replies with a map (flat
/// in RESP2), the others with an array (also in RESP3).
pub fn list_hash(ctx: &mut Context<'_>, args: &mut Args<'_>, parts: HashParts) -> CommandResult {
    let key = args.next()?;
    let hash = ctx.db().get_hash(key)?;
    let pairs = hash.into_iter().flat_map(Hash::iter);
    Ok(match parts {
        HashParts::Fields => Reply::Array(pairs.map(|(field, _)| Reply::bulk(field)).collect()),
        HashParts::Values => Reply::Array(pairs.map(|(_, value)| Reply::bulk(value)).collect()),
        HashParts::Both => {
            Reply::Map(pairs.map(|(field, value)| (Reply::bulk(field), Reply::bulk(value))).collect())
        }
    })
}

/// Read-modify-write of one hash field (`HINCRBY`, `HINCRBYFLOAT`):
/// `update` gets the current value (`None` when the key or field is
/// missing) and returns the value to store and the reply. Nothing is
/// created when the key holds another type or `update` fails.
pub fn update_hash_field(
    ctx: &mut Context<'_>,
    key: &[u8],
    field: &[u8],
    update: impl FnOnce(Option<&[u8]>) -> Result<(Vec<u8>, Reply), ReplyError>,
) -> CommandResult {
    let db = ctx.db();
    let limits = db.limits();
    let current = db.get_hash_mut(key)?.and_then(|hash| hash.get(field));
    let (value, reply) = update(current.as_deref())?;
    db.hash_or_default(key)?.insert(field, &value, &limits);
    Ok(reply)
}

//! BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...

use crate::prelude::*;
use crate::registry::KeySpec;
use crate::store::bitmap::{
    add_checked, get_signed, get_unsigned, grow_for_bit, parse_offset, set_field, FieldType, Overflow,
};

/// `BITFIELD`: reads, writes and increments integers of any width from 1
/// to 64 bits at any bit offset of the string at `key`.
pub struct Bitfield;

impl Command for Bitfield {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bitfield",
            arity: -2,
            flags: &[Flag::Write, Flag::DenyOom],
            group: "bitmap",
            summary: "Perform arbitrary bitfield integer operations on strings",
            since: "3.2.0",
            complexity: "O(1) for each subcommand specified",
            keys: Keys::ONE,
            key_specs: &[KeySpec {
                flags: &["RW", "access", "update", "variable_flags"],
                notes: "This command allows both access and modification of the key",
                flags_for: Some(key_flags),
                ..KeySpec::DEFAULT
            }],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        run(ctx, args, false)
    }
}

/// The key's flags for a request (`argv` from the command name on), as
/// Redis's `bitfieldGetKeys`: read-only when only `GET`s (and `OVERFLOW`s)
/// parse.
fn key_flags(argv: &[&[u8]]) -> &'static [&'static str] {
    let mut i = 2;
    while i < argv.len() {
        let remaining = argv.len() - i - 1;
        match argv[i].to_ascii_lowercase().as_slice() {
            b"get" if remaining >= 2 => i += 3,
            b"overflow" if remaining >= 1 => i += 2,
            _ => return &["RW", "access", "update"],
        }
    }
    &["RO", "access"]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Get,
    Set(i64),
    Incrby(i64),
}

#[derive(Debug, Clone, Copy)]
struct FieldOp {
    kind: OpKind,
    ty: FieldType,
    offset: u64,
    overflow: Overflow,
}

/// `BITFIELD` and `BITFIELD_RO` (`read_only`: only `GET` is allowed).
pub fn run(ctx: &mut Context<'_>, args: &mut Args<'_>, read_only: bool) -> CommandResult {
    let key = args.next()?;
    let max_bytes = ctx.server.config.proto_max_bulk_len();
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    // The farthest bit a write reaches, when there is a write.
    let mut highest_write: Option<u64> = None;
    while let Ok(word) = args.next() {
        let word = word.to_ascii_lowercase();
        let needs = match word.as_slice() {
            b"get" => 2,
            b"set" | b"incrby" => 3,
            b"overflow" => 1,
            _ => usize::MAX,
        };
        if args.remaining() < needs {
            return Err(ReplyError::SYNTAX);
        }
        if word == b"overflow" {
            overflow = match args.next()?.to_ascii_lowercase().as_slice() {
                b"wrap" => Overflow::Wrap,
                b"sat" => Overflow::Sat,
                b"fail" => Overflow::Fail,
                _ => return Err(ReplyError::from_static("ERR Invalid OVERFLOW type specified")),
            };
            continue;
        }
        let ty = FieldType::parse(args.next()?).map_err(ReplyError::from_static)?;
        let offset = parse_offset(args.next()?, Some(ty.bits), max_bytes).map_err(ReplyError::from_static)?;
        let kind = match word.as_slice() {
            b"get" => OpKind::Get,
            b"set" => OpKind::Set(args.next_i64()?),
            _ => OpKind::Incrby(args.next_i64()?),
        };
        if kind != OpKind::Get {
            let last = offset + u64::from(ty.bits) - 1;
            highest_write = Some(highest_write.map_or(last, |h| h.max(last)));
        }
        ops.push(FieldOp { kind, ty, offset, overflow });
    }
    let db = ctx.db();
    let Some(highest) = highest_write else {
        let text = db.get_string(key)?.map(|t| t.as_bytes()).unwrap_or_default();
        return Ok(Reply::Array(ops.iter().map(|op| Reply::Integer(read(text, op))).collect()));
    };
    if read_only {
        return Err(ReplyError::from_static("ERR BITFIELD_RO only supports the GET subcommand"));
    }
    db.get_string(key)?;
    let bytes = match db.get_mut(key) {
        Some(Value::String(text)) => text.make_mut(),
        _ => {
            db.set(key, Value::string(Vec::new()));
            match db.get_mut(key) {
                Some(Value::String(text)) => text.make_mut(),
                _ => unreachable!("just stored a string"),
            }
        }
    };
    grow_for_bit(bytes, highest);
    let replies = ops.iter().map(|op| apply(bytes, op)).collect();
    ctx.notify(EventClass::String, "setbit", key);
    Ok(Reply::Array(replies))
}

/// The field `op` names, sign-extended when signed.
fn read(bytes: &[u8], op: &FieldOp) -> i64 {
    if op.ty.signed {
        get_signed(bytes, op.offset, op.ty.bits)
    } else {
        get_unsigned(bytes, op.offset, op.ty.bits) as i64
    }
}

/// Runs one operation on a string long enough for it: `SET` answers the
/// old value, `INCRBY` the new one, `GET` the value; nil when `FAIL` refused.
fn apply(bytes: &mut [u8], op: &FieldOp) -> Reply {
    let old = read(bytes, op);
    let (new, answer) = match op.kind {
        OpKind::Get => return Reply::Integer(old),
        OpKind::Set(value) => (add_checked(value, 0, op.ty, op.overflow), Some(old)),
        OpKind::Incrby(incr) => (add_checked(old, incr, op.ty, op.overflow), None),
    };
    match new {
        Some(new) => {
            set_field(bytes, op.offset, op.ty.bits, new as u64);
            Reply::Integer(answer.unwrap_or(new))
        }
        None => Reply::Null,
    }
}

inventory::submit! { Registration::new(&Bitfield, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn ints(values: &[Option<i64>]) -> Reply {
        Reply::Array(values.iter().map(|v| v.map_or(Reply::Null, Reply::Integer)).collect())
    }

    #[test]
    fn get_set_incrby() {
        let mut h = Harness::new();
        assert_eq!(h.run("BITFIELD k"), ints(&[]));
        assert_eq!(h.run("BITFIELD k GET u8 0"), ints(&[Some(0)]));
        assert_eq!(h.run("EXISTS k"), int(0));
        assert_eq!(
            h.run("BITFIELD k SET i8 0 -100 GET u8 0 INCRBY i5 100 1"),
            ints(&[Some(0), Some(156), Some(1)])
        );
        assert_eq!(h.events(), ["0:setbit:k"]);
        assert_eq!(h.run("STRLEN k"), int(14));
        assert_eq!(
            h.run("BITFIELD k SET u8 #1 255 GET u8 8 GET i64 0"),
            ints(&[Some(0), Some(255), Some(-7_133_983_284_731_576_320)])
        );
        assert_eq!(
            h.run("BITFIELD k GET u63 1 GET i64 1"),
            ints(&[Some(2_089_388_752_123_199_488), Some(4_178_777_504_246_398_976)])
        );
    }

    #[test]
    fn overflow_modes() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("BITFIELD k SET u2 0 3 INCRBY u2 0 1 OVERFLOW SAT INCRBY u2 0 5 OVERFLOW FAIL INCRBY u2 0 1 GET u2 0"),
            ints(&[Some(0), Some(0), Some(3), None, Some(3)])
        );
        assert_eq!(
            h.run("BITFIELD s OVERFLOW SAT SET i8 0 200 SET i8 0 -200 GET i8 0 OVERFLOW WRAP SET i8 0 200 GET i8 0"),
            ints(&[Some(0), Some(127), Some(-128), Some(-128), Some(-56)])
        );
        assert_eq!(h.run("BITFIELD f OVERFLOW FAIL SET i8 100 200"), ints(&[None]));
        assert_eq!(h.run("STRLEN f"), int(14), "the string grows even when the write fails");
        assert_eq!(
            h.run("BITFIELD w SET i64 0 9223372036854775807 INCRBY i64 0 1 OVERFLOW SAT INCRBY i64 0 -1 INCRBY i64 0 -9223372036854775807 INCRBY i64 0 -9223372036854775807"),
            ints(&[Some(0), Some(i64::MIN), Some(i64::MIN), Some(i64::MIN), Some(i64::MIN)])
        );
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        let bad_type = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
        assert_eq!(h.run("BITFIELD k GET u64 0"), err(bad_type));
        assert_eq!(h.run("BITFIELD k GET i65 0"), err(bad_type));
        assert_eq!(h.run("BITFIELD k GET x8 0"), err(bad_type));
        assert_eq!(h.run("BITFIELD k GET i0 0"), err(bad_type));
        assert_eq!(h.run("BITFIELD k GET i8 #x"), err("ERR bit offset is not an integer or out of range"));
        assert_eq!(
            h.run("BITFIELD k GET i8 4294967296"),
            err("ERR bit offset is not an integer or out of range")
        );
        assert_eq!(
            h.run("BITFIELD k SET i8 #536870912 1"),
            err("ERR bit offset is not an integer or out of range")
        );
        assert_eq!(h.run("BITFIELD k FOO"), err("ERR syntax error"));
        assert_eq!(h.run("BITFIELD k GET i8"), err("ERR syntax error"));
        assert_eq!(h.run("BITFIELD k SET i8 0"), err("ERR syntax error"));
        assert_eq!(h.run("BITFIELD k SET i8 0 x"), err("ERR value is not an integer or out of range"));
        assert_eq!(h.run("BITFIELD k OVERFLOW foo"), err("ERR Invalid OVERFLOW type specified"));
        assert_eq!(h.run("EXISTS k"), int(0));
        h.run("HSET h f v");
        assert_eq!(
            h.run("BITFIELD h GET i8 0"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(
            h.run("BITFIELD h SET i8 0 1"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
        assert_eq!(h.run("BITFIELD h GET i99 0"), err(bad_type), "arguments are checked first");
    }
}

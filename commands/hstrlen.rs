//! HSTRLEN key field

use crate::prelude::*;

/// `HSTRLEN`: the length of a field's value, 0 when the field or key is missing.
pub struct Hstrlen;

impl Command for Hstrlen {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hstrlen",
            arity: 3,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "hash",
            summary: "Get the length of the value of a hash field",
            since: "3.2.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let (key, field) = (args.next()?, args.next()?);
        let len = ctx.db().get_hash(key)?.and_then(|hash| hash.get(field)).map_or(0, |value| value.len());
        Ok(Reply::Integer(len as i64))
    }
}

inventory::submit! { Registration::new(&Hstrlen, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn value_lengths() {
        let mut h = Harness::new();
        h.run("HSET h word hello num -123 empty ''");
        assert_eq!(h.run("HSTRLEN h word"), int(5));
        assert_eq!(h.run("HSTRLEN h num"), int(4), "numbers count their digits and sign");
        assert_eq!(h.run("HSTRLEN h empty"), int(0));
        assert_eq!(h.run("HSTRLEN h nope"), int(0));
        assert_eq!(h.run("HSTRLEN missing word"), int(0));
        h.run_args(&[&b"HSET"[..], b"h", b"bin", b"\0\r\n\xff"]);
        assert_eq!(h.run("HSTRLEN h bin"), int(4));
        let big = "x".repeat(100_000);
        h.run(&format!("HSET h big {big}"));
        assert_eq!(h.run("HSTRLEN h big"), int(100_000));
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("HSTRLEN h"), err("ERR wrong number of arguments for 'hstrlen' command"));
        h.run("SET s v");
        assert_eq!(
            h.run("HSTRLEN s f"),
            err("WRONGTYPE Operation against a key holding the wrong kind of value")
        );
    }
}

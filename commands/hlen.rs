//! HLEN key

use crate::prelude::*;

/// `HLEN`: the number of fields in a hash, 0 when there is no key.
pub struct Hlen;

impl Command for Hlen {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "hlen",
            arity: 2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "hash",
            summary: "Get the number of fields in a hash",
            since: "2.0.0",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let key = args.next()?;
        Ok(Reply::Integer(ctx.db().get_hash(key)?.map_or(0, Hash::len) as i64))
    }
}

inventory::submit! { Registration::new(&Hlen, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn counts_fields() {
        let mut h = Harness::new();
        assert_eq!(h.run("HLEN h"), int(0));
        h.run("HSET h a 1 b 2 c 3");
        assert_eq!(h.run("HLEN h"), int(3));
        h.run("HDEL h a");
        assert_eq!(h.run("HLEN h"), int(2));
        for i in 0..200 {
            h.run(&format!("HSET h f{i} v"));
        }
        assert_eq!(h.run("HLEN h"), int(202));
        h.run("EXPIRE h 1");
        h.advance_ms(1000);
        assert_eq!(h.run("HLEN h"), int(0));
    }

    #[test]
    fn arity_and_type_errors() {
        let mut h = Harness::new();
        assert_eq!(h.run("HLEN"), err("ERR wrong number of arguments for 'hlen' command"));
        assert_eq!(h.run("HLEN a b"), err("ERR wrong number of arguments for 'hlen' command"));
        h.run("SET s v");
        assert_eq!(h.run("HLEN s"), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
    }
}

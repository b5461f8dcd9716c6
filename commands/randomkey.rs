//! RANDOMKEY

use crate::prelude::*;

/// `RANDOMKEY`: a random live key of the selected database, nil if empty.
pub struct Randomkey;

impl Command for Randomkey {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "randomkey",
            arity: 1,
            flags: &[Flag::Readonly],
            group: "generic",
            summary: "Return a random key from the keyspace",
            complexity: "O(1)",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        let mut rng = ctx.rng();
        Ok(Reply::bulk_or_null(ctx.db().random_key(&mut rng)))
    }
}

inventory::submit! { Registration::new(&Randomkey, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn nil_when_empty_then_some_key() {
        let mut h = Harness::new();
        assert_eq!(h.wire("RANDOMKEY"), "$-1\r\n");
        h.run("HELLO 3");
        assert_eq!(h.wire("RANDOMKEY"), "_\r\n");
        h.run("SET a 1");
        h.run("HSET b f v");
        for _ in 0..20 {
            let key = h.run("RANDOMKEY");
            assert!(key == bulk("a") || key == bulk("b"), "{key:?}");
        }
    }

    #[test]
    fn skips_and_reclaims_expired_keys() {
        let mut h = Harness::new();
        for i in 0..10 {
            h.run(&format!("SET dead{i} v PX 5"));
        }
        h.run_args(&[&b"SET"[..], b"live\x00\xff", b"v"]);
        h.advance_ms(5);
        for _ in 0..5 {
            assert_eq!(h.run("RANDOMKEY"), Reply::Bulk(b"live\x00\xff".to_vec()));
        }
        h.run("SELECT 1");
        h.run("SET gone v PX 1");
        h.advance_ms(1);
        assert_eq!(h.run("RANDOMKEY"), Reply::Null);
        assert_eq!(h.stored_keys(1), 0, "expired keys met are deleted");
    }

    #[test]
    fn wrong_arity() {
        let mut h = Harness::new();
        assert_eq!(h.run("RANDOMKEY x"), err("ERR wrong number of arguments for 'randomkey' command"));
    }
}

//! BITFIELD_RO key [GET type offset ...]

use crate::prelude::*;

/// `BITFIELD_RO`: `BITFIELD` limited to `GET`, for replicas and read-only ACLs.
pub struct BitfieldRo;

impl Command for BitfieldRo {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "bitfield_ro",
            arity: -2,
            flags: &[Flag::Readonly, Flag::Fast],
            group: "bitmap",
            summary:
                "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
            since: "6.0.0",
            complexity: "O(1) for each subcommand specified",
            keys: Keys::ONE,
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        crate::commands::bitfield::run(ctx, args, true)
    }
}

inventory::submit! { Registration::new(&BitfieldRo, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn reads_only() {
        let mut h = Harness::new();
        h.run("SET k \"\\xff\\x01\"");
        assert_eq!(
            h.run("BITFIELD_RO k GET i8 0 GET u4 #3 GET u16 0"),
            Reply::Array(vec![Reply::Integer(-1), Reply::Integer(1), Reply::Integer(65281)])
        );
        assert_eq!(
            h.run("BITFIELD_RO k SET i8 0 1"),
            err("ERR BITFIELD_RO only supports the GET subcommand")
        );
        assert_eq!(h.run("BITFIELD_RO k GET u64 0"), err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."));
        assert_eq!(h.run("GET k"), Reply::bulk(b"\xff\x01"));
    }
}

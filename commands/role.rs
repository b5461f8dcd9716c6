//! ROLE

use crate::prelude::*;

/// `ROLE`: the replication role. MiniRedis is always a primary without
/// replicas: `master`, replication offset 0, no replicas.
pub struct Role;

impl Command for Role {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "role",
            arity: 1,
            flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast],
            group: "server",
            summary: "Return the role of the instance in the context of replication",
            since: "2.8.12",
            extra_acl_categories: &["@admin", "@dangerous"],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, _ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        Ok(Reply::Array(vec![Reply::bulk("master"), Reply::Integer(0), Reply::Array(Vec::new())]))
    }
}

inventory::submit! { Registration::new(&Role, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn a_primary_without_replicas() {
        let mut h = Harness::new();
        assert_eq!(h.wire("ROLE"), "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
        assert_eq!(h.run("ROLE x"), err("ERR wrong number of arguments for 'role' command"));
    }
}

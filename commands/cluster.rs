//! CLUSTER <subcommand> [arguments]

use crate::prelude::*;

/// `CLUSTER`: MiniRedis runs standalone, so every subcommand answers as a
/// Redis started without `cluster-enabled` does. The subcommands are
/// declared so arity errors and ACL rules (`+cluster`, `-cluster|info`)
/// behave as in Redis 7.0.
pub struct Cluster;

const PLAIN: &[Flag] = &[Flag::Stale];
const ADMIN: &[Flag] = &[Flag::Admin, Flag::Stale];

impl Command for Cluster {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "cluster",
            arity: -2,
            group: "cluster",
            summary: "A container for cluster commands",
            since: "3.0.0",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "addslots",
                    arity: -3,
                    flags: ADMIN,
                    summary: "Assign new hash slots to receiving node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "addslotsrange",
                    arity: -4,
                    flags: ADMIN,
                    summary: "Assign new hash slots to receiving node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "bumpepoch",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Advance the cluster config epoch",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "count-failure-reports",
                    arity: 3,
                    flags: ADMIN,
                    summary: "Return the number of failure reports active for a given node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "countkeysinslot",
                    arity: 3,
                    flags: PLAIN,
                    summary: "Return the number of local keys in the specified hash slot",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "delslots",
                    arity: -3,
                    flags: ADMIN,
                    summary: "Set hash slots as unbound in receiving node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "delslotsrange",
                    arity: -4,
                    flags: ADMIN,
                    summary: "Set hash slots as unbound in receiving node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "failover",
                    arity: -2,
                    flags: ADMIN,
                    summary: "Forces a replica to perform a manual failover of its master.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "flushslots",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Delete a node's own slots information",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "forget",
                    arity: 3,
                    flags: ADMIN,
                    summary: "Remove a node from the nodes table",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "getkeysinslot",
                    arity: 4,
                    flags: PLAIN,
                    summary: "Return local key names in the specified hash slot",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP_SHOW,
                Subcommand {
                    name: "info",
                    arity: 2,
                    flags: PLAIN,
                    summary: "Provides info about Redis Cluster node state",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "keyslot",
                    arity: 3,
                    flags: PLAIN,
                    summary: "Returns the hash slot of the specified key",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "links",
                    arity: 2,
                    flags: PLAIN,
                    summary: "Returns a list of all TCP links to and from peer nodes in cluster",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "meet",
                    arity: -4,
                    flags: ADMIN,
                    summary: "Force a node cluster to handshake with another node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "myid",
                    arity: 2,
                    flags: PLAIN,
                    summary: "Return the node id",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "nodes",
                    arity: 2,
                    flags: PLAIN,
                    summary: "Get Cluster config for the node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "replicas",
                    arity: 3,
                    flags: ADMIN,
                    summary: "List replica nodes of the specified master node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "replicate",
                    arity: 3,
                    flags: ADMIN,
                    summary: "Reconfigure a node as a replica of the specified master node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "reset",
                    arity: -2,
                    flags: &[Flag::Admin, Flag::NoScript, Flag::Stale],
                    summary: "Reset a Redis Cluster node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "saveconfig",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Forces the node to save cluster state on disk",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "set-config-epoch",
                    arity: 3,
                    flags: ADMIN,
                    summary: "Set the configuration epoch in a new node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "setslot",
                    arity: -4,
                    flags: ADMIN,
                    summary: "Bind a hash slot to a specific node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "shards",
                    arity: 2,
                    flags: PLAIN,
                    summary: "Get array of cluster slots to node mappings",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "slaves",
                    arity: 3,
                    flags: ADMIN,
                    summary: "List replica nodes of the specified master node",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "slots",
                    arity: 2,
                    flags: PLAIN,
                    summary: "Get array of Cluster slot to node mappings",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, _ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        Err(ReplyError::err("This instance has cluster support disabled"))
    }
}

inventory::submit! { Registration::new(&Cluster, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn standalone_answers_like_redis() {
        let mut h = Harness::new();
        let disabled = err("ERR This instance has cluster support disabled");
        assert_eq!(h.run("CLUSTER INFO"), disabled);
        assert_eq!(h.run("CLUSTER HELP"), disabled);
        assert_eq!(h.run("CLUSTER KEYSLOT foo"), disabled);
        assert_eq!(h.run("CLUSTER"), err("ERR wrong number of arguments for 'cluster' command"));
        assert_eq!(
            h.run("CLUSTER INFO extra"),
            err("ERR wrong number of arguments for 'cluster|info' command")
        );
        assert_eq!(
            h.run("CLUSTER nonsense x y"),
            err("ERR unknown subcommand 'nonsense'. Try CLUSTER HELP.")
        );
        assert_eq!(h.run("PING"), Reply::simple("PONG"));
    }

    #[test]
    fn acl_rules_may_name_it() {
        let mut h = Harness::new();
        assert_eq!(h.run("ACL SETUSER u +cluster -cluster|info"), Reply::OK);
        let Reply::Map(user) = h.run("ACL GETUSER u") else { panic!() };
        assert!(user.contains(&(bulk("commands"), bulk("-@all +cluster -cluster|info"))), "{user:?}");
        assert_eq!(h.run("ACL SETUSER u +cluster|nosuch"), err("ERR Error in ACL SETUSER modifier '+cluster|nosuch': Unknown command or category name in ACL"));
    }
}

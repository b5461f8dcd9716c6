//! Every setting, declared once: the [`Config`] field that holds it, its
//! Redis name and aliases, default, type and bounds, who may change it at
//! run time, what a change does, and its command-line help.

use std::path::PathBuf;

use super::table::{Access::*, Effect, Field, Kind, Kind::*, Setting, Values};

/// Declares the `Config` struct and the `SETTINGS` table from one list.
macro_rules! settings {
    ($(
        $(#[doc = $help:literal])+
        $field:ident: $ty:ty, $name:literal $([$($alias:literal),*])?, $default:literal, $kind:expr,
        $access:ident, $effect:ident $(, $values:ident)?;
    )*) => {
        /// The settings' current values (one field per row of `SETTINGS`).
        #[derive(Debug, Clone)]
        pub struct Config {
            /// The config file read at start-up, if any.
            pub config_file: Option<PathBuf>,
            $( $(#[doc = $help])+ pub $field: $ty, )*
        }

        /// Every setting, in the order `CONFIG GET *` lists them.
        pub static SETTINGS: &[Setting] = &[$(
            Setting {
                name: $name,
                aliases: &[$($($alias),*)?],
                kind: $kind,
                default: $default,
                access: $access,
                effect: Effect::$effect,
                values: settings!(@values $($values)?),
                help: concat!($($help, "\n"),+),
                get: |config| Field::show(&config.$field),
                put: |config, text| config.$field = Field::load(text),
            },
        )*];

        impl Default for Config {
            /// Every setting at its default.
            fn default() -> Self {
                let mut config = Config {
                    config_file: None,
                    $( $field: <$ty as Field>::load($default), )*
                };
                for setting in SETTINGS {
                    // Defaults pass their own checks (a unit test proves it);
                    // this normalizes them (`512mb` to bytes).
                    let _ = setting.set(&mut config, setting.default, false);
                }
                config
            }
        }
    };
    (@values) => { Values::One };
    (@values $values:ident) => { Values::$values };
}

const I32_MAX: i64 = i32::MAX as i64;
const I64_MAX: u64 = i64::MAX as u64;
const PROTECTED_ACTION: Kind = Enum { values: &["no", "yes", "local"], also: &[] };
const AT_LEAST_1MB: Kind = Memory { min: 1024 * 1024, max: I64_MAX };

settings! {
    /// TCP port. `0` picks a free port, and the ready line shows which
    /// one. Changing it at run time rebinds.
    port: u16, "port", "6379", Int { min: 0, max: 65535 }, Mutable, Listen;
    /// Addresses to listen on (at most 16). Changing them at run time
    /// rebinds (the TLS listeners stay).
    bind: Vec<String>, "bind", "127.0.0.1", Custom(super::bind_value), Mutable, Listen, Many;
    /// Directory for the snapshot and the append-only file.
    dir: PathBuf, "dir", ".", Directory, Protected, None;
    /// File name of the snapshot inside --dir: Redis's RDB format when it ends in .rdb, else JSON.
    dbfilename: String, "dbfilename", "dump.json", Custom(super::file_name_value), Protected, None;
    /// Number of databases (`SELECT 0` to `N-1`).
    databases: u32, "databases", "16", Int { min: 1, max: 10_000 }, Immutable, None;
    /// Log verbosity: `debug`, `verbose`, `notice`, `warning` (or `nothing`).
    loglevel: String, "loglevel", "notice",
        Enum { values: &["debug", "verbose", "notice", "warning"], also: &["nothing"] }, Mutable, LogLevel;
    /// Milliseconds a new connection may stay silent before it is greeted
    /// as a human (banner and prompt); 0 turns the human session off.
    human_session_delay: u64, "human-session-delay", "250", Int { min: 0, max: I32_MAX }, Mutable, None;
    /// tokio worker threads; `0`: one fewer than the number of cores, at least 1.
    threads: usize, "threads", "0", Int { min: 0, max: 1024 }, Immutable, None;
    /// Memory limit for the data set (`100mb`, `1gb`, bytes); `0`: no limit.
    maxmemory: u64, "maxmemory", "0", Memory { min: 0, max: u64::MAX }, Mutable, Memory;
    /// What happens at the limit: noeviction, allkeys-lru, volatile-lru,
    /// allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl.
    maxmemory_policy: String, "maxmemory-policy", "noeviction", Enum { values: &[
        "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
        "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction",
    ], also: &[] }, Mutable, Memory;
    /// Keys sampled per database for each eviction.
    maxmemory_samples: u32, "maxmemory-samples", "5", Int { min: 1, max: I32_MAX }, Mutable, Memory;
    /// Bytes (header included) a sparse HyperLogLog may grow to before it
    /// turns dense.
    hll_sparse_max_bytes: u64, "hll-sparse-max-bytes", "3000", Memory { min: 0, max: I64_MAX }, Mutable, None;
    /// How slowly the LFU counter grows. With `10`, it takes about a
    /// million hits to reach the maximum, 255.
    lfu_log_factor: u32, "lfu-log-factor", "10", Int { min: 0, max: I32_MAX }, Mutable, Memory;
    /// The LFU counter of an idle key loses 1 per this many minutes; `0`:
    /// it never decays.
    lfu_decay_time: u32, "lfu-decay-time", "1", Int { min: 0, max: I32_MAX }, Mutable, Memory;
    /// Commands slower than this many microseconds go to the slow log
    /// (negative: none, 0: every command).
    slowlog_log_slower_than: i64, "slowlog-log-slower-than", "10000", Int { min: -1, max: i64::MAX },
        Mutable, Metrics;
    /// Milliseconds a script runs before other clients get `BUSY` (and
    /// `SCRIPT KILL` / `FUNCTION KILL` may stop it).
    busy_reply_threshold: u64, "busy-reply-threshold" ["lua-time-limit"], "5000", Int { min: 0, max: i64::MAX },
        Mutable, Metrics;
    /// Entries the slow log keeps.
    slowlog_max_len: u64, "slowlog-max-len", "128", Int { min: 0, max: i64::MAX }, Mutable, Metrics;
    /// Commands taking at least this many milliseconds are recorded by the
    /// latency monitor (0: off).
    latency_monitor_threshold: u64, "latency-monitor-threshold", "0", Int { min: 0, max: i64::MAX },
        Mutable, Metrics;
    /// Log file, appended to. Empty logs to stdout. A file that cannot be
    /// opened stops start-up.
    logfile: String, "logfile", "", Text, Immutable, None;
    /// Log line format: text, or json (one JSON object per line).
    log_format: String, "log-format", "text", Enum { values: &["text", "json"], also: &[] }, Immutable, None;
    /// Whether `DEBUG` may run: no, yes, or local (loopback clients only).
    enable_debug_command: String, "enable-debug-command", "no", PROTECTED_ACTION, Immutable, None;
    /// Whether `CONFIG SET` may change protected settings (`dir`,
    /// `dbfilename`): no, yes, or local (loopback clients only).
    enable_protected_configs: String, "enable-protected-configs", "no", PROTECTED_ACTION, Immutable, None;
    /// The default user's password; empty: none (`nopass`).
    requirepass: String, "requirepass", "", Text, Mutable, Password;
    /// The ACL file: users are loaded from it at start-up and by `ACL
    /// LOAD`, and written to it by `ACL SAVE`. Empty: none.
    aclfile: String, "aclfile", "", Text, Immutable, None;
    /// With no password for the default user, only loopback clients may
    /// connect (`yes`, the default) or anyone may (`no`).
    protected_mode: String, "protected-mode", "yes", Bool, Mutable, None;
    /// The most clients connected at once; one more is refused. The
    /// open-file limit is raised to fit, as Redis does.
    maxclients: u32, "maxclients", "10000", Int { min: 1, max: u32::MAX as i64 }, Mutable, MaxClients;
    /// Seconds a client may stay idle before it is disconnected; 0: never.
    timeout: u64, "timeout", "0", Int { min: 0, max: I32_MAX }, Mutable, Atomic;
    /// TCP keepalive probes after this many idle seconds; 0: off.
    tcp_keepalive: u64, "tcp-keepalive", "300", Int { min: 0, max: I32_MAX }, Mutable, None;
    /// The longest bulk string a request may carry (`512mb`, `1gb`, bytes);
    /// also the longest string `APPEND` and `SETRANGE` may build.
    proto_max_bulk_len: u64, "proto-max-bulk-len", "512mb", AT_LEAST_1MB, Mutable, Atomic;
    /// A client whose unprocessed input grows past this is disconnected.
    client_query_buffer_limit: u64, "client-query-buffer-limit", "1gb", AT_LEAST_1MB, Mutable, Atomic;
    /// `CLASS HARD SOFT SECONDS`, repeatable in one flag as redis-server
    /// takes it (`normal 1mb 512kb 10 pubsub 32mb 8mb 60`).
    client_output_buffer_limit: String, "client-output-buffer-limit",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        Custom(super::output_limits_value), Mutable, Atomic, Many;
    /// Keyspace notifications: Redis's class letters (`K`, `E`, `g$lshzxetdmn`,
    /// `A`); empty: none. The events are published to `__keyspace@<db>__:<key>`
    /// and `__keyevent@<db>__:<event>`.
    notify_keyspace_events: super::keyspace_events::KeyspaceEvents, "notify-keyspace-events", "",
        Custom(super::keyspace_events::value), Mutable, Atomic;
    /// Channels of a user `ACL SETUSER` creates (and of `reset`):
    /// `resetchannels` (none) or `allchannels`.
    acl_pubsub_default: String, "acl-pubsub-default", "resetchannels",
        Enum { values: &["allchannels", "resetchannels"], also: &[] }, Mutable, None;
    /// Port for TLS connections on the `--bind` addresses; 0: no TLS.
    tls_port: u16, "tls-port", "0", Int { min: 0, max: 65535 }, Immutable, None;
    /// The server's certificate chain (PEM).
    tls_cert_file: String, "tls-cert-file", "", Text, Immutable, None;
    /// The server's private key (PEM).
    tls_key_file: String, "tls-key-file", "", Text, Immutable, None;
    /// CA certificates that client certificates must chain to (PEM).
    tls_ca_cert_file: String, "tls-ca-cert-file", "", Text, Immutable, None;
    /// Client certificates: required (`yes`), checked if sent
    /// (`optional`), or not asked for (`no`).
    tls_auth_clients: String, "tls-auth-clients", "yes", Enum { values: &["no", "yes", "optional"], also: &[] },
        Immutable, None;
    /// Background save after `S` seconds if at least `C` writes happened:
    /// `"S C [S C ...]"`; `""` turns it off.
    save: String, "save", "", Custom(super::save_value), Mutable, None, Many;
    /// Log every write to the append-only file.
    appendonly: String, "appendonly", "no", Bool, Mutable, Aof;
    /// File name of the append-only file inside --dir.
    appendfilename: String, "appendfilename", "appendonly.aof", Custom(super::aof_name_value), Immutable, None;
    /// When the append-only file is fsynced: always, everysec or no.
    appendfsync: String, "appendfsync", "everysec", Enum { values: &["everysec", "always", "no"], also: &[] },
        Mutable, Aof;
    /// A truncated last record in the append-only file is dropped with a
    /// warning (yes) or stops start-up (no).
    aof_load_truncated: String, "aof-load-truncated", "yes", Bool, Mutable, None;
    /// Rewrite the append-only file automatically once it grew by this
    /// percentage over its size after the last rewrite (0 turns it off).
    auto_aof_rewrite_percentage: u64, "auto-aof-rewrite-percentage", "100", Int { min: 0, max: I32_MAX },
        Mutable, None;
    /// ... and is at least this big (bytes, or with a unit: 64mb).
    auto_aof_rewrite_min_size: u64, "auto-aof-rewrite-min-size", "64mb", Memory { min: 0, max: I64_MAX },
        Mutable, None;
    /// A hash with more fields than this leaves the compact `listpack`
    /// encoding for `hashtable`, the next time it is written.
    hash_max_listpack_entries: u64, "hash-max-listpack-entries" ["hash-max-ziplist-entries"], "512",
        Int { min: 0, max: i64::MAX }, Mutable, Encodings;
    /// ... and so does a hash given a field or value longer than this
    /// many bytes.
    hash_max_listpack_value: u64, "hash-max-listpack-value" ["hash-max-ziplist-value"], "64",
        Memory { min: 0, max: I64_MAX }, Mutable, Encodings;
    /// Per list node: negative = bytes (-1 to -5: 4 KB to 64 KB),
    /// positive = elements.
    list_max_listpack_size: i64, "list-max-listpack-size" ["list-max-ziplist-size"], "-2",
        Int { min: i32::MIN as i64, max: I32_MAX }, Mutable, Encodings;
    /// Compression of interior list nodes (an integer): only 0, off, is
    /// supported; other values are refused.
    list_compress_depth: u64, "list-compress-depth", "0", Custom(compress_depth), Mutable, None;
    /// A set of integers with more members than this leaves the compact
    /// `intset` encoding for `hashtable`.
    set_max_intset_entries: u64, "set-max-intset-entries", "512", Int { min: 0, max: i64::MAX }, Mutable,
        Encodings;
    /// A sorted set with more members than this leaves the compact
    /// `listpack` encoding for `skiplist`.
    zset_max_listpack_entries: u64, "zset-max-listpack-entries" ["zset-max-ziplist-entries"], "128",
        Int { min: 0, max: i64::MAX }, Mutable, Encodings;
    /// ... and so does a sorted set given a member longer than this many
    /// bytes.
    zset_max_listpack_value: u64, "zset-max-listpack-value" ["zset-max-ziplist-value"], "64",
        Memory { min: 0, max: I64_MAX }, Mutable, Encodings;
    /// A stream node holds at most this many bytes (0: no limit).
    stream_node_max_bytes: u64, "stream-node-max-bytes", "4096", Memory { min: 0, max: I64_MAX }, Mutable,
        Encodings;
    /// ... and at most this many entries (0: no limit).
    stream_node_max_entries: u64, "stream-node-max-entries", "100", Int { min: 0, max: i64::MAX }, Mutable,
        Encodings;
}

/// `list-compress-depth`: Redis's bounds, then refused unless 0 (interior
/// node compression is not built).
fn compress_depth(text: &str, _current: &Config) -> Result<String, String> {
    let value = Setting::check_int(text, 0, I32_MAX)?;
    if value != "0" {
        return Err("list-compress-depth other than 0 is not supported".into());
    }
    Ok(value)
}

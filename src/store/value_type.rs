//! The interface every data type implements ([`ValueType`]), and the
//! limits its encodings follow. Types depend on this file, and
//! [`super::value::Value`] on the types.

/// Run-time settings the encodings follow (Redis's `*-max-listpack-*`),
/// held by the store and read as values are written, so a change applies
/// to each value the next time it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`: more fields make a hash a `hashtable`.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`: a longer field or value makes a hash a `hashtable`.
    pub hash_max_listpack_value: usize,
    /// Whether `hash_max_listpack_entries` is below a value it had before,
    /// so a hash written then may hold more fields than it allows now: only
    /// then does overwriting a field recount a packed hash, as Redis checks
    /// the length after every write.
    pub hash_entries_lowered: bool,
    /// `list-max-listpack-size`: per list node, bytes (-1 to -5: 4 KB to
    /// 64 KB) or elements (positive).
    pub list_max_listpack_size: i64,
    /// `set-max-intset-entries`: more integers make a set a `hashtable`.
    pub set_max_intset_entries: usize,
    /// `zset-max-listpack-entries`: more members make a sorted set a `skiplist`.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`: a longer member makes a sorted set a `skiplist`.
    pub zset_max_listpack_value: usize,
    /// `stream-node-max-bytes`: bytes per stream node (0: no limit).
    pub stream_node_max_bytes: usize,
    /// `stream-node-max-entries`: entries per stream node (0: no limit).
    pub stream_node_max_entries: usize,
}

impl Default for Limits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        Limits {
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            hash_entries_lowered: false,
            list_max_listpack_size: -2,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
        }
    }
}

/// What the store needs of a data type.
pub trait ValueType: Clone + PartialEq + Sized {
    /// The name `TYPE` reports, and the `"type"` of its `dump.json` entries.
    const NAME: &'static str;

    /// The encoding `OBJECT ENCODING` reports.
    fn encoding(&self) -> &'static str;

    /// Heap bytes the value owns, as malloc charges them (`MEMORY USAGE`, eviction).
    fn heap_size(&self) -> usize;

    /// Appends the JSON of the value to a `dump.json` entry.
    fn write_snapshot(&self, out: &mut Vec<u8>);

    /// Reads the JSON [`ValueType::write_snapshot`] wrote (or an older dump's).
    fn read_snapshot(json: &str, limits: &Limits) -> Result<Self, String>;

    /// The commands that rebuild the value at `key` (for the AOF rewrite),
    /// each passed to `emit` as its arguments.
    fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]]));

    /// Whether this is a collection left with no element (Redis deletes those).
    fn is_empty_collection(&self) -> bool {
        false
    }
}

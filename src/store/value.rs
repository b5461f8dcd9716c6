//! The value layer: every data type is a module implementing [`ValueType`],
//! and [`Value`] dispatches to it. The keyspace, `dump.json`, the AOF
//! rewrite and `TYPE`/`OBJECT`/`MEMORY`/`COPY` go through this interface
//! only, so adding a type means its module, one line in [`value_types!`]
//! below, and its command files.

use super::hash::Hash;
use super::Str;

/// Run-time settings the encodings follow (Redis's `*-max-listpack-*`),
/// copied into every database so a change applies to values as they are
/// next written.
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
}

impl Default for Limits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        Limits { hash_max_listpack_entries: 512, hash_max_listpack_value: 64, hash_entries_lowered: false }
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

/// A type's place in [`Value`] (written by [`value_types!`]): what the
/// keyspace's typed access (`Db::get_typed`, `Db::typed_or_default`) uses.
pub trait Typed: ValueType {
    fn of(value: &Value) -> Option<&Self>;
    fn of_mut(value: &mut Value) -> Option<&mut Self>;
    fn into_value(self) -> Value;
}

/// Declares [`Value`] with one variant per data type and its dispatch.
macro_rules! value_types {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// A stored value: one variant per data type.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Value {
            $($variant($ty)),*
        }

        impl Value {
            /// The name `TYPE` reports.
            pub fn type_name(&self) -> &'static str {
                match self { $(Value::$variant(_) => <$ty as ValueType>::NAME),* }
            }

            /// The encoding `OBJECT ENCODING` reports.
            pub fn encoding(&self) -> &'static str {
                match self { $(Value::$variant(v) => v.encoding()),* }
            }

            /// Heap bytes the value owns.
            pub fn heap_size(&self) -> usize {
                match self { $(Value::$variant(v) => v.heap_size()),* }
            }

            /// Appends the value's `dump.json` form.
            pub fn write_snapshot(&self, out: &mut Vec<u8>) {
                match self { $(Value::$variant(v) => v.write_snapshot(out)),* }
            }

            /// Reads a `dump.json` value of type `type_name`.
            pub fn read_snapshot(type_name: &str, json: &str, limits: &Limits) -> Result<Value, String> {
                match type_name {
                    $(<$ty as ValueType>::NAME => <$ty as ValueType>::read_snapshot(json, limits).map(Value::$variant),)*
                    other => Err(format!("unknown type {other:?}")),
                }
            }

            /// The commands that rebuild the value at `key`.
            pub fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]])) {
                match self { $(Value::$variant(v) => v.rewrite(key, emit)),* }
            }

            /// Whether this is a collection left with no element.
            pub fn is_empty_collection(&self) -> bool {
                match self { $(Value::$variant(v) => v.is_empty_collection()),* }
            }
        }

        $(
            impl Typed for $ty {
                fn of(value: &Value) -> Option<&Self> {
                    match value {
                        Value::$variant(v) => Some(v),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }

                fn of_mut(value: &mut Value) -> Option<&mut Self> {
                    match value {
                        Value::$variant(v) => Some(v),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }

                fn into_value(self) -> Value {
                    Value::$variant(self)
                }
            }
        )*
    };
}

value_types! {
    String(Str),
    Hash(Hash),
}

impl Value {
    /// A string value.
    pub fn string(bytes: impl Into<Str>) -> Value {
        Value::String(bytes.into())
    }
}

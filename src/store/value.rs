//! [`Value`]: one variant per data type, dispatching to each type's
//! [`ValueType`] implementation. The keyspace, `dump.json`, the AOF rewrite
//! and `TYPE`/`OBJECT`/`MEMORY`/`COPY` go through it only, so adding a type
//! means its module, one line in [`value_types!`] below, and its command
//! files.

use super::hash::Hash;
use super::list::List;
use super::set::Set;
use super::stream::Stream;
use super::value_type::{Limits, ValueType};
use super::zset::ZSet;
use super::Str;

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
    List(List),
    Set(Set),
    ZSet(ZSet),
    Stream(Stream),
}

impl Value {
    /// A string value.
    pub fn string(bytes: impl Into<Str>) -> Value {
        Value::String(bytes.into())
    }
}

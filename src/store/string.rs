//! The string type: a [`Str`] (see [`super::compact`]).

use super::blob::{read_blob, write_blob};
use super::value_type::{Limits, ValueType};
use super::Str;
use crate::protocol::parse::parse_i64;

/// Heap bytes a string owns, as malloc charges them (also for keys).
pub fn str_heap(s: &Str) -> usize {
    use crate::alloc::charged;
    match s {
        Str::Inline { .. } => 0,
        Str::Boxed(bytes) => charged(bytes.len()),
        Str::Growable(vec) => charged(std::mem::size_of::<Vec<u8>>()) + charged(vec.capacity()),
    }
}

impl ValueType for Str {
    const NAME: &'static str = "string";

    /// As Redis 7.0 chooses it when a value is stored: `int` for the
    /// canonical text of a 64-bit integer, `embstr` up to 44 bytes, `raw` beyond.
    fn encoding(&self) -> &'static str {
        match self.len() {
            0..=20 if parse_i64(self).is_some() => "int",
            0..=44 => "embstr",
            _ => "raw",
        }
    }

    fn heap_size(&self) -> usize {
        str_heap(self)
    }

    fn write_snapshot(&self, out: &mut Vec<u8>) {
        write_blob(out, self);
    }

    fn read_snapshot(json: &str, _: &Limits) -> Result<Self, String> {
        read_blob(json).map(Str::from)
    }

    fn rewrite(&self, key: &[u8], emit: &mut dyn FnMut(&[&[u8]])) {
        emit(&[b"SET", key, self]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_as_redis() {
        let enc = |t: &str| Str::from(t).encoding();
        assert_eq!(enc("123"), "int");
        assert_eq!(enc("-9223372036854775808"), "int");
        assert_eq!(enc("007"), "embstr");
        assert_eq!(enc(&"a".repeat(44)), "embstr");
        assert_eq!(enc(&"a".repeat(45)), "raw");
    }
}

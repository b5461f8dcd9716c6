//! `Str`: the byte string used for keys and string values. Short strings
//! (the common case: `user:1000`, counters, small values) live inline in the
//! 24 bytes of the value itself, with no allocation; longer ones take one
//! exact-size allocation; a string grown in place (`APPEND`, `SETRANGE`)
//! becomes a `Vec` so repeated growth is amortized.

use std::fmt;
use std::ops::Deref;

/// The longest string stored inline.
pub const INLINE: usize = 22;

#[derive(Clone)]
pub enum Str {
    Inline { data: [u8; INLINE], len: u8 },
    Boxed(Box<[u8]>),
    Growable(Box<Vec<u8>>),
}

impl Str {
    pub fn new(bytes: &[u8]) -> Str {
        if bytes.len() <= INLINE {
            let mut data = [0; INLINE];
            data[..bytes.len()].copy_from_slice(bytes);
            Str::Inline { data, len: bytes.len() as u8 }
        } else {
            Str::Boxed(bytes.into())
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Str::Inline { data, len } => &data[..*len as usize],
            Str::Boxed(bytes) => bytes,
            Str::Growable(vec) => vec,
        }
    }

    /// The bytes as a growable `Vec`, converting in place on first use.
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Str::Growable(_)) {
            *self = Str::Growable(Box::new(self.as_bytes().to_vec()));
        }
        match self {
            Str::Growable(vec) => vec,
            _ => unreachable!("converted above"),
        }
    }

    /// Heap bytes this string owns beyond its own 24 bytes.
    pub fn heap_size(&self) -> usize {
        match self {
            Str::Inline { .. } => 0,
            Str::Boxed(bytes) => bytes.len(),
            Str::Growable(vec) => vec.capacity() + std::mem::size_of::<Vec<u8>>(),
        }
    }
}

impl Default for Str {
    fn default() -> Self {
        Str::new(b"")
    }
}

impl Deref for Str {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Str {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Str {}

impl PartialEq<[u8]> for Str {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_bytes() == other
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl From<&[u8]> for Str {
    fn from(bytes: &[u8]) -> Str {
        Str::new(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for Str {
    fn from(bytes: &[u8; N]) -> Str {
        Str::new(bytes)
    }
}

impl From<&str> for Str {
    fn from(text: &str) -> Str {
        Str::new(text.as_bytes())
    }
}

impl From<Vec<u8>> for Str {
    fn from(vec: Vec<u8>) -> Str {
        if vec.len() <= INLINE {
            Str::new(&vec)
        } else {
            Str::Boxed(vec.into_boxed_slice())
        }
    }
}

impl From<Str> for Vec<u8> {
    fn from(s: Str) -> Vec<u8> {
        match s {
            Str::Growable(vec) => *vec,
            Str::Boxed(bytes) => bytes.into_vec(),
            inline => inline.as_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_compact() {
        assert_eq!(std::mem::size_of::<Str>(), 24);
    }

    #[test]
    fn inline_boxed_and_growable_agree() {
        for len in [0, 1, INLINE, INLINE + 1, 1000] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let s = Str::new(&bytes);
            assert_eq!(s.as_bytes(), &bytes[..]);
            assert_eq!(matches!(s, Str::Inline { .. }), len <= INLINE);
            assert_eq!(Str::from(bytes.clone()), s);
            let mut grown = s.clone();
            grown.make_mut().extend_from_slice(b"xy");
            assert_eq!(&grown[..len], &bytes[..]);
            assert_eq!(&grown[len..], b"xy");
            assert_eq!(Vec::from(grown.clone()).len(), len + 2);
        }
    }
}

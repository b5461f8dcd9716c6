//! The error a malformed request gets.

use std::fmt;

/// A malformed request. The text follows `ERR Protocol error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl ParseError {
    pub(super) fn new(text: &str) -> Self {
        ParseError(text.to_string())
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERR Protocol error: {}", self.0)
    }
}

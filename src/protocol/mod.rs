//! Bytes to requests ([`parse`]) and replies to bytes ([`reply`]).

mod error;
mod inline;
pub mod parse;
pub mod reply;

pub use parse::{ParseError, Parsed, RequestParser};
pub use reply::{Reply, ReplyError};

//! Bytes to requests ([`parse`]) and replies to bytes ([`reply`]).

mod error;
mod inline;
pub mod parse;
pub mod reply;

pub use parse::{ParseError, Parsed, RequestParser};
pub use reply::{EncodedBulks, Reply, ReplyError};

/// Appends a RESP array header (`*3\r\n`) or bulk header (`$5\r\n`).
pub fn encode_header(out: &mut Vec<u8>, kind: u8, n: usize) {
    out.push(kind);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Appends one bulk string.
pub fn encode_bulk(out: &mut Vec<u8>, arg: &[u8]) {
    encode_header(out, b'$', arg.len());
    out.extend_from_slice(arg);
    out.extend_from_slice(b"\r\n");
}

/// Appends a command as a client sends it: one RESP array of bulk strings.
pub fn encode_command(out: &mut Vec<u8>, parts: &[&[u8]]) {
    encode_header(out, b'*', parts.len());
    for part in parts {
        encode_bulk(out, part);
    }
}

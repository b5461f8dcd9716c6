//! Redis's RDB format (version 10, Redis 7.0): `DUMP`/`RESTORE` payloads
//! and `dump.rdb` files, both ways, byte-identical to Redis where the
//! encoding is the same (see [`encode`]); [`decode`] reads every version
//! Redis 7.0 reads, and untrusted input never panics or over-allocates.

pub mod crc64;
pub mod decode;
pub mod encode;
mod legacy;
mod listpack;
mod lzf;
mod stream;

use std::fmt;

pub use decode::read_file;
pub use encode::{dump_payload, write_file};

use crate::store::{Limits, Value};

/// The RDB version written (Redis 7.0's).
pub const VERSION: u16 = 10;
/// The newest version read (Redis 7.2 wrote 11, 7.4 12): their files load
/// when they hold only types MiniRedis knows.
pub const MAX_READ_VERSION: u32 = 12;
/// The `redis-ver` written in a file's header, the Redis whose files ours match.
pub const COMPATIBLE_REDIS_VERSION: &str = "7.0.15";

/// Value types (`RDB_TYPE_*`).
pub mod types {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
    pub const SET_LISTPACK: u8 = 20;
    pub const STREAM_LISTPACKS_3: u8 = 21;
}

/// File opcodes (`RDB_OPCODE_*`).
pub mod opcode {
    pub const FUNCTION2: u8 = 245;
    pub const FUNCTION: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

/// Why RDB data could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdbError {
    /// Malformed, truncated or inconsistent data.
    Corrupt(String),
    /// A value of a type MiniRedis does not have (module).
    Unsupported { type_name: &'static str, key: Vec<u8> },
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdbError::Corrupt(why) => write!(f, "{why}"),
            RdbError::Unsupported { type_name, key } => write!(
                f,
                "key '{}' holds a {type_name}, a type MiniRedis does not support yet; nothing was loaded",
                String::from_utf8_lossy(key)
            ),
        }
    }
}

impl std::error::Error for RdbError {}

/// Whether `bytes` start as an RDB file does.
pub fn is_rdb(bytes: &[u8]) -> bool {
    bytes.starts_with(b"REDIS")
}

/// Why `RESTORE` refuses a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// Too short, a newer RDB version or a wrong checksum.
    VersionOrChecksum,
    /// The value inside does not decode (or is empty).
    BadData(RdbError),
}

/// Checks a `DUMP` payload's footer (as `verifyDumpPayload`) and decodes
/// its value.
pub fn restore_payload(payload: &[u8], limits: &Limits) -> Result<Value, PayloadError> {
    if payload.len() < 10 {
        return Err(PayloadError::VersionOrChecksum);
    }
    let footer = &payload[payload.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let stored = u64::from_le_bytes(footer[2..].try_into().expect("8 bytes"));
    if version > VERSION || crc64::crc64(0, &payload[..payload.len() - 8]) != stored {
        return Err(PayloadError::VersionOrChecksum);
    }
    let mut reader = decode::Reader::new(&payload[..payload.len() - 10]);
    let kind = reader.byte().map_err(PayloadError::BadData)?;
    let value = decode::read_value(&mut reader, kind, b"", limits).map_err(PayloadError::BadData)?;
    if value.is_empty_collection() {
        return Err(PayloadError::BadData(RdbError::Corrupt("an empty collection".into())));
    }
    Ok(value)
}

#[cfg(test)]
mod tests;

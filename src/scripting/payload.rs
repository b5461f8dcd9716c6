//! The `FUNCTION DUMP`/`RESTORE` payload, in Redis 7.0's format: one
//! `FUNCTION2` record (opcode 245 and the library code as an RDB string)
//! per library, then the RDB version (2 bytes, little-endian) and the
//! CRC64 (Jones polynomial, as Redis's `crc64`) of everything before.
//!
//! The integrator may share `crc64` with the RDB work of another branch.

use crate::protocol::ReplyError;

const OPCODE_FUNCTION2: u8 = 245;
/// Redis 7.0's RDB version.
const RDB_VERSION: u16 = 10;

/// Redis's CRC64 (Jones, reflected, no final XOR).
pub fn crc64(bytes: &[u8]) -> u64 {
    const POLY: u64 = 0x95ac_9329_ac4b_c9b5;
    let mut crc = 0u64;
    for &byte in bytes {
        crc ^= byte as u64;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ POLY } else { crc >> 1 };
        }
    }
    crc
}

fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 64 {
        out.push(len as u8);
    } else if len < 16384 {
        out.extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
    } else if len <= u32::MAX as usize {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// The payload of libraries with this code (strings stored uncompressed,
/// which Redis reads as well).
pub fn encode(codes: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        write_length(&mut out, code.len());
        out.extend_from_slice(code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn wrong() -> ReplyError {
    ReplyError::err("DUMP payload version or checksum are wrong")
}

fn malformed() -> ReplyError {
    ReplyError::err("given payload is not a valid function payload")
}

/// The library codes of a payload, checked.
pub fn decode(payload: &[u8]) -> Result<Vec<Vec<u8>>, ReplyError> {
    if payload.len() < 10 {
        return Err(wrong());
    }
    let (body, crc) = payload.split_at(payload.len() - 8);
    let version = u16::from_le_bytes([body[body.len() - 2], body[body.len() - 1]]);
    if version > RDB_VERSION || crc64(body).to_le_bytes() != crc {
        return Err(wrong());
    }
    let mut rest = &body[..body.len() - 2];
    let mut codes = Vec::new();
    while let Some((&opcode, after)) = rest.split_first() {
        if opcode != OPCODE_FUNCTION2 {
            return Err(ReplyError::err("given type is not a function"));
        }
        rest = after;
        codes.push(read_string(&mut rest).ok_or_else(malformed)?);
    }
    Ok(codes)
}

/// An RDB length; `Err(encoding)` for the special encodings (`11` prefix).
fn read_length(rest: &mut &[u8]) -> Option<Result<usize, u8>> {
    let (&first, after) = rest.split_first()?;
    *rest = after;
    let value = match first >> 6 {
        0 => (first & 0x3f) as usize,
        1 => {
            let (&next, after) = rest.split_first()?;
            *rest = after;
            (((first & 0x3f) as usize) << 8) | next as usize
        }
        2 => {
            let width = if first == 0x80 {
                4
            } else if first == 0x81 {
                8
            } else {
                return None;
            };
            let bytes = rest.get(..width)?;
            *rest = &rest[width..];
            bytes.iter().fold(0usize, |acc, &b| (acc << 8) | b as usize)
        }
        _ => return Some(Err(first & 0x3f)),
    };
    Some(Ok(value))
}

fn read_string(rest: &mut &[u8]) -> Option<Vec<u8>> {
    match read_length(rest)? {
        Ok(len) => {
            let bytes = rest.get(..len)?.to_vec();
            *rest = &rest[len..];
            Some(bytes)
        }
        // An LZF-compressed string.
        Err(3) => {
            let compressed_len = read_length(rest)?.ok()?;
            let len = read_length(rest)?.ok()?;
            let compressed = rest.get(..compressed_len)?;
            *rest = &rest[compressed_len..];
            lzf_decompress(compressed, len)
        }
        // Integers as strings.
        Err(kind @ 0..=2) => {
            let width = 1 << kind;
            let bytes = rest.get(..width)?;
            *rest = &rest[width..];
            let mut value = 0i64;
            for (i, &b) in bytes.iter().enumerate() {
                value |= (b as i64) << (8 * i);
            }
            let shift = 64 - 8 * width as u32;
            Some(((value << shift) >> shift).to_string().into_bytes())
        }
        Err(_) => None,
    }
}

/// LZF decompression, to exactly `len` bytes.
fn lzf_decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len.min(input.len().saturating_mul(64)));
    let mut i = 0;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            out.extend_from_slice(input.get(i..i + run)?);
            i += run;
        } else {
            let mut run = ctrl >> 5;
            if run == 7 {
                run += *input.get(i)? as usize;
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(i)? as usize + 1;
            i += 1;
            let start = out.len().checked_sub(back)?;
            for k in 0..run + 2 {
                let byte = out[start + k];
                out.push(byte);
            }
        }
        if out.len() > len {
            return None;
        }
    }
    (out.len() == len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_is_redis_s() {
        assert_eq!(crc64(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    #[test]
    fn round_trip_and_corruption() {
        let codes = vec![b"#!lua name=a\nx".to_vec(), vec![b'y'; 20_000]];
        let payload = encode(&codes);
        assert_eq!(decode(&payload).unwrap(), codes);
        let mut bad = payload.clone();
        bad[3] ^= 1;
        assert!(decode(&bad).is_err());
        assert!(decode(b"xxxx").is_err());
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn lzf_back_references() {
        // "abcabcabc": literal "abc", then a back-reference of 6 bytes 3 back.
        let compressed = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(lzf_decompress(&compressed, 9).unwrap(), b"abcabcabc");
        assert!(lzf_decompress(&[0x20, 5], 3).is_none(), "a reference before the start");
    }
}

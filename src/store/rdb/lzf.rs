//! LZF, as Redis compresses RDB strings (liblzf with `HLOG` 16 and
//! `VERY_FAST`), so a compressed string is byte-identical to Redis's; and
//! a decompressor that checks every reference against its input.

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

fn first(input: &[u8], at: usize) -> u32 {
    (u32::from(input[at]) << 8) | u32::from(input[at + 1])
}

fn next(hval: u32, input: &[u8], at: usize) -> u32 {
    (hval << 8) | u32::from(input[at + 2])
}

fn slot(hval: u32) -> usize {
    ((hval >> (3 * 8 - HLOG)).wrapping_sub(hval.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// Compresses `input` into at most `max_out` bytes; `None` when it does not
/// fit (Redis then stores the string plainly).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || max_out == 0 {
        return None;
    }
    // Positions plus one; 0 is an empty slot (liblzf never references
    // the very first byte either: `ref > in_data`).
    let mut table = vec![0u32; HSIZE];
    let mut out = vec![0u8; max_out];
    let (mut ip, mut op, mut lit) = (0usize, 1usize, 0usize);
    let mut hval = if in_len >= 2 { first(input, 0) } else { 0 };
    while in_len >= 2 && ip < in_len - 2 {
        hval = next(hval, input, ip);
        let h = slot(hval);
        let reference = table[h] as usize;
        table[h] = ip as u32 + 1;
        let candidate = reference.checked_sub(1).filter(|&r| {
            r > 0
                && r < ip
                && ip - r - 1 < MAX_OFF
                && ip + 4 < in_len
                && input[r] == input[ip]
                && input[r + 1] == input[ip + 1]
                && input[r + 2] == input[ip + 2]
        });
        if let Some(r) = candidate {
            let off = ip - r - 1;
            let mut len = 2;
            let maxlen = (in_len - ip - len).min(MAX_REF);
            out[op - lit - 1] = (lit as u8).wrapping_sub(1);
            op -= usize::from(lit == 0);
            if op + 3 + 1 >= max_out {
                return None;
            }
            // liblzf first compares 16 bytes unchecked against `maxlen`
            // when more than 16 may match; the same steps give the same bytes.
            let mut mismatch = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        mismatch = true;
                        break;
                    }
                }
            }
            if !mismatch {
                loop {
                    len += 1;
                    if len >= maxlen || input[r + len] != input[ip + len] {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 2;
            lit = 0;
            ip += len + 1;
            if ip >= in_len - 2 {
                break;
            }
            ip -= 2;
            hval = first(input, ip);
            hval = next(hval, input, ip);
            table[slot(hval)] = ip as u32 + 1;
            ip += 1;
            hval = next(hval, input, ip);
            table[slot(hval)] = ip as u32 + 1;
            ip += 1;
        } else {
            if op >= max_out {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > max_out {
        return None;
    }
    while ip < in_len {
        if op >= max_out {
            return None;
        }
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    op -= usize::from(lit == 0);
    out.truncate(op);
    Some(out)
}

/// Decompresses `input` into exactly `out_len` bytes, or `None` when the
/// data is malformed. Memory grows with the output actually produced.
pub fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    // Each input byte yields at most ~88 output bytes (a 3-byte reference
    // copies 264): a larger claim is a lie, refused before allocating.
    if out_len > input.len().saturating_mul(90) {
        return None;
    }
    let mut out = Vec::with_capacity(out_len.min(input.len().saturating_mul(4)));
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let bytes = input.get(ip..ip + run)?;
            if out.len() + run > out_len {
                return None;
            }
            out.extend_from_slice(bytes);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip)? as usize;
                ip += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(ip)? as usize + 1;
            ip += 1;
            let len = len + 2;
            if back > out.len() || out.len() + len > out_len {
                return None;
            }
            let start = out.len() - back;
            for i in 0..len {
                let byte = out[start + i];
                out.push(byte);
            }
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_lies() {
        for input in [
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            b"hello hello hello hello hello world world world".to_vec(),
            (0..5000u32).map(|i| (i % 251) as u8).collect(),
            (0..3000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect(),
        ] {
            let packed = compress(&input, input.len() + 64).unwrap();
            assert_eq!(decompress(&packed, input.len()).unwrap(), input);
            assert_eq!(decompress(&packed, input.len() + 1), None);
            assert_eq!(decompress(&packed[..packed.len() - 1], input.len()), None);
        }
        assert_eq!(compress(b"abcdefghijklmnopqrstuvwxyz", 22), None, "incompressible");
        assert_eq!(decompress(&[0xe0, 0xff, 0x00], 300), None, "a reference before the start");
        assert_eq!(decompress(&[0x00, b'a'], usize::MAX), None, "a lying length allocates nothing");
    }

    #[test]
    fn compresses_as_redis() {
        // redis-server 7.0.15: DUMP of SET k <"a" x 30> holds c3 09 1e, then these.
        assert_eq!(compress(&[b'a'; 30], 26).unwrap(), [1, b'a', b'a', 0xe0, 0x11, 0, 1, b'a', b'a']);
    }
}

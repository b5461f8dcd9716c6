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

/// Copies one literal byte, closing the run at its maximum length; `None`
/// when the output is full.
fn literal(out: &mut [u8], op: &mut usize, lit: &mut usize, byte: u8) -> Option<()> {
    // `out` has one byte of slack past the limit (see `compress_with`).
    if *op >= out.len() - 1 {
        return None;
    }
    *lit += 1;
    out[*op] = byte;
    *op += 1;
    if *lit == MAX_LIT {
        out[*op - *lit - 1] = (*lit - 1) as u8;
        *lit = 0;
        *op += 1;
    }
    Some(())
}

/// Compresses `input` into at most `max_out` bytes; `None` when it does not
/// fit (Redis then stores the string plainly).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || max_out == 0 {
        return None;
    }
    TABLE.with(|table| compress_with(&mut table.borrow_mut(), input, max_out))
}

thread_local! {
    /// The hash table, kept between calls: clearing 64 K slots for every
    /// short string would cost more than compressing it.
    static TABLE: std::cell::RefCell<Table> = std::cell::RefCell::new(Table { slots: vec![0; HSIZE], stamp: 0 });
}

/// Slots hold the call's stamp (high 32 bits) and a position plus one (low):
/// a slot of an earlier call reads as empty, as liblzf's are never
/// referenced before this call set them (`ref > in_data` refuses position 0 too).
struct Table {
    slots: Vec<u64>,
    stamp: u32,
}

impl Table {
    fn get(&self, h: usize) -> usize {
        let slot = self.slots[h];
        if (slot >> 32) as u32 == self.stamp {
            (slot as u32) as usize
        } else {
            0
        }
    }

    fn set(&mut self, h: usize, ip: usize) {
        self.slots[h] = (u64::from(self.stamp) << 32) | (ip as u64 + 1);
    }
}

fn compress_with(table: &mut Table, input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    table.stamp = table.stamp.wrapping_add(1);
    if table.stamp == 0 {
        table.slots.fill(0);
        table.stamp = 1;
    }
    // One byte more than allowed, as Redis allocates for liblzf: a literal
    // run that fills the limit opens its next run's header just past it,
    // and a reference right after closes that header there.
    let mut out = vec![0u8; max_out + 1];
    let (mut ip, mut op, mut lit) = (0usize, 1usize, 0usize);
    let mut hval = if in_len >= 2 { first(input, 0) } else { 0 };
    while in_len >= 2 && ip < in_len - 2 {
        hval = next(hval, input, ip);
        let h = slot(hval);
        let reference = table.get(h);
        table.set(h, ip);
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
            table.set(slot(hval), ip);
            ip += 1;
            hval = next(hval, input, ip);
            table.set(slot(hval), ip);
            ip += 1;
        } else {
            literal(&mut out, &mut op, &mut lit, input[ip])?;
            ip += 1;
        }
    }
    if op + 3 > max_out {
        return None;
    }
    while ip < in_len {
        literal(&mut out, &mut op, &mut lit, input[ip])?;
        ip += 1;
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    op -= usize::from(lit == 0);
    if op > max_out {
        return None;
    }
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
    fn a_full_literal_run_then_a_reference_at_the_limit() {
        // 32 literals end exactly at the limit, then a reference follows:
        // the next run's header lands on the slack byte (a proptest find).
        let input = b"a abba a bacab b cbabc aaacb  bcbbaaa";
        // redis-server 7.0.15 stores this string plainly in DUMP: it does not fit.
        assert_eq!(compress(input, input.len() - 4), None);
        let packed = compress(input, input.len() + 64).unwrap();
        assert_eq!(decompress(&packed, input.len()).unwrap(), input);
    }

    #[test]
    fn compresses_as_redis() {
        // redis-server 7.0.15: DUMP of SET k <"a" x 30> holds c3 09 1e, then these.
        assert_eq!(compress(&[b'a'; 30], 26).unwrap(), [1, b'a', b'a', 0xe0, 0x11, 0, 1, b'a', b'a']);
    }
}

//! Redis's listpack, as RDB holds small hashes, sorted sets and list
//! nodes: a 6-byte header (total bytes, element count), the elements, each
//! an encoding, its data and a back-length, and a 0xFF terminator.

use crate::store::packed::canonical_int;

const HEADER: usize = 6;
const END: u8 = 0xff;

/// Builds a listpack element by element.
pub struct Builder {
    bytes: Vec<u8>,
    count: usize,
}

impl Builder {
    pub fn new() -> Builder {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(&[0; HEADER]);
        Builder { bytes, count: 0 }
    }

    /// Appends an element: an integer when `item` is an integer's
    /// canonical text (as `lpStringToInt64` decides), else a string.
    pub fn push(&mut self, item: &[u8]) {
        match canonical_int(item) {
            Some(n) => self.push_integer(n),
            None => {
                let start = self.bytes.len();
                self.push_str(item);
                let entry_len = self.bytes.len() - start;
                push_backlen(&mut self.bytes, entry_len);
                self.count += 1;
            }
        }
    }

    /// Appends an integer element.
    pub fn push_integer(&mut self, n: i64) {
        let start = self.bytes.len();
        self.push_int(n);
        let entry_len = self.bytes.len() - start;
        push_backlen(&mut self.bytes, entry_len);
        self.count += 1;
    }

    fn push_int(&mut self, n: i64) {
        let out = &mut self.bytes;
        if (0..=127).contains(&n) {
            out.push(n as u8);
        } else if (-4096..=4095).contains(&n) {
            let v = if n < 0 { (1 << 13) + n } else { n } as u16;
            out.extend_from_slice(&[((v >> 8) as u8) | 0xc0, v as u8]);
        } else if i16::try_from(n).is_ok() {
            out.push(0xf1);
            out.extend_from_slice(&(n as i16).to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&n) {
            out.push(0xf2);
            out.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
        } else if i32::try_from(n).is_ok() {
            out.push(0xf3);
            out.extend_from_slice(&(n as i32).to_le_bytes());
        } else {
            out.push(0xf4);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }

    fn push_str(&mut self, item: &[u8]) {
        let out = &mut self.bytes;
        let len = item.len();
        if len < 64 {
            out.push(0x80 | len as u8);
        } else if len < 4096 {
            out.extend_from_slice(&[0xe0 | (len >> 8) as u8, len as u8]);
        } else {
            out.push(0xf0);
            out.extend_from_slice(&(len as u32).to_le_bytes());
        }
        out.extend_from_slice(item);
    }

    /// Bytes the listpack would take if finished now.
    pub fn size(&self) -> usize {
        self.bytes.len() + 1
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.push(END);
        let total = self.bytes.len() as u32;
        self.bytes[..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(65535) as u16;
        self.bytes[4..6].copy_from_slice(&count.to_le_bytes());
        self.bytes
    }
}

/// The back-length of an element of `len` bytes (read right to left).
fn push_backlen(out: &mut Vec<u8>, len: usize) {
    let l = len as u64;
    if l <= 127 {
        out.push(l as u8);
    } else if l < 16383 {
        out.extend_from_slice(&[(l >> 7) as u8, (l & 127) as u8 | 128]);
    } else if l < 2097151 {
        out.extend_from_slice(&[(l >> 14) as u8, ((l >> 7) & 127) as u8 | 128, (l & 127) as u8 | 128]);
    } else if l < 268435455 {
        out.extend_from_slice(&[
            (l >> 21) as u8,
            ((l >> 14) & 127) as u8 | 128,
            ((l >> 7) & 127) as u8 | 128,
            (l & 127) as u8 | 128,
        ]);
    } else {
        out.extend_from_slice(&[
            (l >> 28) as u8,
            ((l >> 21) & 127) as u8 | 128,
            ((l >> 14) & 127) as u8 | 128,
            ((l >> 7) & 127) as u8 | 128,
            (l & 127) as u8 | 128,
        ]);
    }
}

fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// Reads a listpack, checking every length against the blob; calls `item`
/// with each element (an integer as its decimal text).
pub fn read(blob: &[u8], mut item: impl FnMut(&[u8]) -> Result<(), String>) -> Result<usize, String> {
    let bad = |why: &str| Err(format!("invalid listpack: {why}"));
    if blob.len() < HEADER + 1 {
        return bad("too short");
    }
    let total = u32::from_le_bytes(blob[..4].try_into().expect("4 bytes")) as usize;
    if total != blob.len() {
        return bad("its header disagrees with its length");
    }
    let declared = u16::from_le_bytes([blob[4], blob[5]]) as usize;
    let mut at = HEADER;
    let mut count = 0;
    let mut digits = itoa::Buffer::new();
    loop {
        let Some(&tag) = blob.get(at) else { return bad("no terminator") };
        if tag == END {
            break;
        }
        let int = |width: usize| -> Option<i64> {
            let raw = blob.get(at + 1..at + 1 + width)?;
            let mut buf = [0u8; 8];
            buf[..width].copy_from_slice(raw);
            let shift = 64 - 8 * width as u32;
            Some((i64::from_le_bytes(buf) << shift) >> shift)
        };
        let (value, data_end): (Result<i64, (usize, usize)>, usize) = match tag {
            0x00..=0x7f => (Ok(i64::from(tag)), at + 1),
            0x80..=0xbf => {
                let len = (tag & 0x3f) as usize;
                (Err((at + 1, len)), at + 1 + len)
            }
            0xc0..=0xdf => {
                let Some(&low) = blob.get(at + 1) else { return bad("truncated integer") };
                let v = (u16::from(tag & 0x1f) << 8) | u16::from(low);
                let n = if v >= 1 << 12 { i64::from(v) - (1 << 13) } else { i64::from(v) };
                (Ok(n), at + 2)
            }
            0xe0..=0xef => {
                let Some(&low) = blob.get(at + 1) else { return bad("truncated length") };
                let len = ((tag as usize & 0x0f) << 8) | low as usize;
                (Err((at + 2, len)), at + 2 + len)
            }
            0xf0 => {
                let Some(raw) = blob.get(at + 1..at + 5) else { return bad("truncated length") };
                let len = u32::from_le_bytes(raw.try_into().expect("4 bytes")) as usize;
                (Err((at + 5, len)), (at + 5).saturating_add(len))
            }
            0xf1..=0xf4 => {
                let width = [2, 3, 4, 8][(tag - 0xf1) as usize];
                let Some(n) = int(width) else { return bad("truncated integer") };
                (Ok(n), at + 1 + width)
            }
            _ => return bad("unknown element encoding"),
        };
        let entry_len = data_end.saturating_sub(at);
        let next = data_end.saturating_add(backlen_size(entry_len));
        if next >= blob.len() {
            return bad("an element runs past the end");
        }
        match value {
            Ok(n) => item(digits.format(n).as_bytes())?,
            Err((start, len)) => item(&blob[start..start + len])?,
        }
        count += 1;
        at = next;
    }
    if at + 1 != blob.len() {
        return bad("bytes after the terminator");
    }
    if declared != 65535 && declared != count {
        return bad("its element count is wrong");
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_encoding() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let items: Vec<&[u8]> = vec![
            b"0",
            b"127",
            b"128",
            b"-1",
            b"-4096",
            b"4095",
            b"4096",
            b"-32768",
            b"32767",
            b"8388607",
            b"-8388608",
            b"2147483647",
            b"-2147483648",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"007",
            b"-0",
            b"",
            b"name",
            &mid,
            &long,
        ];
        let mut lp = Builder::new();
        items.iter().for_each(|i| lp.push(i));
        let blob = lp.finish();
        let mut back = Vec::new();
        assert_eq!(
            read(&blob, |i| {
                back.push(i.to_vec());
                Ok(())
            })
            .unwrap(),
            items.len()
        );
        assert_eq!(back, items.iter().map(|i| i.to_vec()).collect::<Vec<_>>());
        for cut in 0..blob.len() {
            assert!(read(&blob[..cut], |_| Ok(())).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn bytes_as_redis() {
        // redis-server 7.0.15, HSET h f v: the listpack in DUMP h.
        let mut lp = Builder::new();
        lp.push(b"f");
        lp.push(b"v");
        assert_eq!(lp.finish(), [0x0d, 0, 0, 0, 2, 0, 0x81, b'f', 2, 0x81, b'v', 2, 0xff]);
    }
}

//! The blobs older RDB files (and Redis 7.0 for sets) hold: ziplist
//! (Redis < 7), zipmap (Redis < 2.6) and intset. Read only, except the
//! intset, which Redis 7.0 still writes.

/// Reads a ziplist, checking every length; calls `item` with each entry.
pub fn read_ziplist(blob: &[u8], mut item: impl FnMut(&[u8]) -> Result<(), String>) -> Result<usize, String> {
    let bad = |why: &str| Err(format!("invalid ziplist: {why}"));
    if blob.len() < 11 {
        return bad("too short");
    }
    let total = u32::from_le_bytes(blob[..4].try_into().expect("4 bytes")) as usize;
    if total != blob.len() {
        return bad("its header disagrees with its length");
    }
    let declared = u16::from_le_bytes([blob[8], blob[9]]) as usize;
    let mut at = 10;
    let mut count = 0;
    let mut digits = itoa::Buffer::new();
    loop {
        let Some(&first) = blob.get(at) else { return bad("no terminator") };
        if first == 0xff {
            break;
        }
        // The previous entry's length: one byte, or 0xfe and four.
        at += if first < 0xfe { 1 } else { 5 };
        let Some(&enc) = blob.get(at) else { return bad("truncated entry") };
        let field = |from: usize, width: usize| blob.get(from..from + width);
        let (value, end): (Result<i64, (usize, usize)>, usize) = match enc >> 6 {
            0 => (Err((at + 1, (enc & 0x3f) as usize)), at + 1 + (enc & 0x3f) as usize),
            1 => {
                let Some(&low) = blob.get(at + 1) else { return bad("truncated length") };
                let len = ((enc as usize & 0x3f) << 8) | low as usize;
                (Err((at + 2, len)), at + 2 + len)
            }
            2 => {
                let Some(raw) = field(at + 1, 4) else { return bad("truncated length") };
                let len = u32::from_be_bytes(raw.try_into().expect("4 bytes")) as usize;
                (Err((at + 5, len)), (at + 5).saturating_add(len))
            }
            _ => {
                let width = match enc {
                    0xc0 => 2,
                    0xd0 => 4,
                    0xe0 => 8,
                    0xf0 => 3,
                    0xfe => 1,
                    0xf1..=0xfd => 0,
                    _ => return bad("unknown entry encoding"),
                };
                let n = if width == 0 {
                    i64::from(enc & 0x0f) - 1
                } else {
                    let Some(raw) = field(at + 1, width) else { return bad("truncated integer") };
                    let mut buf = [0u8; 8];
                    buf[..width].copy_from_slice(raw);
                    let shift = 64 - 8 * width as u32;
                    (i64::from_le_bytes(buf) << shift) >> shift
                };
                (Ok(n), at + 1 + width)
            }
        };
        if end >= blob.len() {
            return bad("an entry runs past the end");
        }
        match value {
            Ok(n) => item(digits.format(n).as_bytes())?,
            Err((start, len)) => item(&blob[start..start + len])?,
        }
        count += 1;
        at = end;
    }
    if at + 1 != blob.len() {
        return bad("bytes after the terminator");
    }
    if declared != 65535 && declared != count {
        return bad("its entry count is wrong");
    }
    Ok(count)
}

/// Reads a zipmap (field, value, field, value...).
pub fn read_zipmap(blob: &[u8], mut item: impl FnMut(&[u8]) -> Result<(), String>) -> Result<usize, String> {
    let bad = |why: &str| Err(format!("invalid zipmap: {why}"));
    let mut at = 1;
    let mut count = 0;
    let length = |at: &mut usize| -> Option<usize> {
        let first = *blob.get(*at)?;
        match first {
            0..=253 => {
                *at += 1;
                Some(first as usize)
            }
            254 => {
                let raw = blob.get(*at + 1..*at + 5)?;
                *at += 5;
                Some(u32::from_le_bytes(raw.try_into().ok()?) as usize)
            }
            255 => None,
        }
    };
    loop {
        match blob.get(at) {
            None => return bad("no terminator"),
            Some(0xff) => break,
            Some(_) => {}
        }
        let Some(len) = length(&mut at) else { return bad("bad field length") };
        let Some(field) = blob.get(at..at.saturating_add(len)) else {
            return bad("a field runs past the end");
        };
        item(field)?;
        at += len;
        let Some(len) = length(&mut at) else { return bad("bad value length") };
        let Some(&free) = blob.get(at) else { return bad("truncated") };
        at += 1;
        let Some(value) = blob.get(at..at.saturating_add(len)) else {
            return bad("a value runs past the end");
        };
        item(value)?;
        at = at.saturating_add(len).saturating_add(free as usize);
        count += 1;
    }
    if at + 1 != blob.len() {
        return bad("bytes after the terminator");
    }
    Ok(count * 2)
}

/// Reads an intset: width (u32), count (u32), the sorted integers.
pub fn read_intset(blob: &[u8], mut item: impl FnMut(i64) -> Result<(), String>) -> Result<usize, String> {
    let bad = |why: &str| Err(format!("invalid intset: {why}"));
    if blob.len() < 8 {
        return bad("too short");
    }
    let width = u32::from_le_bytes(blob[..4].try_into().expect("4 bytes")) as usize;
    let count = u32::from_le_bytes(blob[4..8].try_into().expect("4 bytes")) as usize;
    if ![2, 4, 8].contains(&width) {
        return bad("unknown width");
    }
    if count.checked_mul(width) != Some(blob.len() - 8) {
        return bad("its count disagrees with its length");
    }
    let mut previous = None;
    for chunk in blob[8..].chunks_exact(width) {
        let mut buf = [0u8; 8];
        buf[..width].copy_from_slice(chunk);
        let shift = 64 - 8 * width as u32;
        let n = (i64::from_le_bytes(buf) << shift) >> shift;
        if previous.is_some_and(|p| p >= n) {
            return bad("not sorted");
        }
        previous = Some(n);
        item(n)?;
    }
    Ok(count)
}

/// An intset blob of the sorted, distinct `ints`, at the narrowest width
/// that holds them all.
pub fn write_intset(ints: &[i64]) -> Vec<u8> {
    let width: usize = match (ints.first(), ints.last()) {
        (Some(&lo), Some(&hi)) if i16::try_from(lo).is_ok() && i16::try_from(hi).is_ok() => 2,
        (Some(&lo), Some(&hi)) if i32::try_from(lo).is_ok() && i32::try_from(hi).is_ok() => 4,
        (Some(_), _) => 8,
        _ => 2,
    };
    let mut out = Vec::with_capacity(8 + width * ints.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(ints.len() as u32).to_le_bytes());
    for n in ints {
        out.extend_from_slice(&n.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intsets_round_trip() {
        for ints in [vec![1, 2, 3], vec![-70000, 5], vec![i64::MIN, 0, i64::MAX]] {
            let blob = write_intset(&ints);
            let mut back = Vec::new();
            read_intset(&blob, |n| {
                back.push(n);
                Ok(())
            })
            .unwrap();
            assert_eq!(back, ints);
        }
        assert!(read_intset(&write_intset(&[2, 1]), |_| Ok(())).is_err(), "unsorted");
    }

    #[test]
    fn ziplist_of_redis_6() {
        // A ziplist Redis 6 wrote for HSET h a 1 b hello: zlbytes, zltail, zllen, entries, 0xff.
        let blob = [
            0x1b, 0, 0, 0, 0x15, 0, 0, 0, 4, 0, 0, b'\x01', b'a', 3, 0xf2, 2, 0x01, b'b', 3, 0x05, b'h',
            b'e', b'l', b'l', b'o', 0xff,
        ];
        let mut items = Vec::new();
        let mut blob = blob.to_vec();
        blob[0] = blob.len() as u8;
        read_ziplist(&blob, |i| {
            items.push(i.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(items, [&b"a"[..], b"1", b"b", b"hello"].map(<[u8]>::to_vec));
    }

    #[test]
    fn zipmap_reads() {
        let blob = [2, 1, b'a', 1, 0, b'x', 2, b'b', b'c', 0, 0, 0xff];
        let mut items = Vec::new();
        read_zipmap(&blob, |i| {
            items.push(i.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(items, [&b"a"[..], b"x", b"bc", b""].map(<[u8]>::to_vec));
    }
}

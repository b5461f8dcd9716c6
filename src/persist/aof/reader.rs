//! Reading a log back: records, and a cut-off end told from corruption.

use crate::protocol::parse::parse_i64;

/// Why a log could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file ends inside a record starting at this offset.
    Truncated(u64),
    /// Bad bytes at this offset.
    Corrupt(u64, String),
}

/// One record of the log: its byte offset and its arguments.
pub type Record = (u64, Vec<Vec<u8>>);

/// Splits a log into records, and what stopped the reading early, if anything.
pub fn parse(data: &[u8]) -> (Vec<Record>, Option<ReadError>) {
    let mut records = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        match parse_record(data, pos) {
            Ok((args, next)) => {
                records.push((pos as u64, args));
                pos = next;
            }
            Err(e) => return (records, Some(e)),
        }
    }
    (records, None)
}

/// The record at `start`: its arguments and where the next one starts.
pub fn parse_record(data: &[u8], start: usize) -> Result<(Vec<Vec<u8>>, usize), ReadError> {
    let truncated = || ReadError::Truncated(start as u64);
    let line = |pos: usize, kind: u8| -> Result<(usize, usize), ReadError> {
        let Some(end) = memchr::memchr(b'\n', &data[pos..]).map(|i| pos + i) else {
            // Only a valid prefix of a header counts as a cut-off record.
            let rest = &data[pos..];
            let prefix_ok = rest.first().is_none_or(|&b| b == kind)
                && rest.iter().skip(1).all(|b| b.is_ascii_digit() || *b == b'\r');
            return Err(if prefix_ok {
                truncated()
            } else {
                ReadError::Corrupt(pos as u64, "bad header".into())
            });
        };
        let text = &data[pos..end];
        let bad = || ReadError::Corrupt(pos as u64, format!("expected '{}' header", kind as char));
        if text.len() < 3 || text[0] != kind || text[text.len() - 1] != b'\r' {
            return Err(bad());
        }
        let n = parse_i64(&text[1..text.len() - 1]).filter(|&n| n >= 0).ok_or_else(bad)?;
        Ok((n as usize, end + 1))
    };
    let (count, mut pos) = line(start, b'*')?;
    if count == 0 {
        return Err(ReadError::Corrupt(start as u64, "empty command".into()));
    }
    let mut args = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        if pos >= data.len() {
            return Err(truncated());
        }
        let (len, body) = line(pos, b'$')?;
        let end = body.checked_add(len).ok_or_else(truncated)?;
        if end + 2 > data.len() {
            // A cut inside the payload; bytes present after it must still fit.
            return Err(truncated());
        }
        if &data[end..end + 2] != b"\r\n" {
            return Err(ReadError::Corrupt(end as u64, "bulk string not followed by CRLF".into()));
        }
        args.push(data[body..end].to_vec());
        pos = end + 2;
    }
    Ok((args, pos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::aof::encode;

    #[test]
    fn parses_records_and_tells_torn_from_corrupt() {
        let mut log = Vec::new();
        encode(&mut log, &[b"SET", b"k", b"v"]);
        let first = log.len();
        encode(&mut log, &[b"INCR", b"n"]);
        let (records, problem) = parse(&log);
        assert_eq!(records.len(), 2);
        assert!(problem.is_none());
        for cut in 1..log.len() - 1 {
            let (records, problem) = parse(&log[..cut]);
            if cut == first {
                assert_eq!(records.len(), 1);
                assert!(problem.is_none());
                continue;
            }
            assert!(matches!(problem, Some(ReadError::Truncated(_))), "cut at {cut}: {problem:?}");
            assert_eq!(records.len(), usize::from(cut > first));
        }
        let mut bad = log.clone();
        bad[first + 5] = b'x'; // the second record's first '$'
        assert!(
            matches!(parse(&bad).1, Some(ReadError::Corrupt(at, _)) if at == first as u64 + 4),
            "{:?}",
            parse(&bad).1
        );
    }
}

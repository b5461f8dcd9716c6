//! `MIGRATE`'s network part: a connection to the target, `AUTH`, `SELECT`
//! and one `RESTORE` per key sent in one write, then their replies read,
//! each step within the timeout. Runs on the migrating client's task, so
//! other clients are served meanwhile.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::session::{Migration, MigrationOutcome};

fn command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// The requests a migration sends, in order: `AUTH` (if any), `SELECT`,
/// then a `RESTORE` per entry.
pub fn requests(m: &Migration) -> Vec<u8> {
    let mut out = Vec::new();
    if !m.auth.is_empty() {
        let mut args: Vec<&[u8]> = vec![b"AUTH"];
        args.extend(m.auth.iter().map(|a| &a[..]));
        command(&mut out, &args);
    }
    command(&mut out, &[b"SELECT", m.db.to_string().as_bytes()]);
    for (key, ttl, payload) in &m.entries {
        let ttl = ttl.to_string();
        let mut args: Vec<&[u8]> = vec![b"RESTORE", key, ttl.as_bytes(), payload];
        if m.replace {
            args.push(b"REPLACE");
        }
        command(&mut out, &args);
    }
    out
}

/// Sends `m` to its target and reads the replies.
pub async fn transfer(m: &Migration) -> MigrationOutcome {
    let limit = Duration::from_millis(m.timeout_ms.max(1));
    let mut outcome = MigrationOutcome::default();
    let port: Option<u16> = m.port.parse().ok();
    let connected = match port {
        Some(port) => timeout(limit, TcpStream::connect((m.host.as_str(), port))).await,
        None => {
            outcome.io_error = Some("connecting");
            return outcome;
        }
    };
    let Ok(Ok(stream)) = connected else {
        outcome.io_error = Some("connecting");
        return outcome;
    };
    let _ = stream.set_nodelay(true);
    let mut stream = BufReader::new(stream);
    let bytes = requests(m);
    if !matches!(timeout(limit, stream.get_mut().write_all(&bytes)).await, Ok(Ok(()))) {
        outcome.io_error = Some("writing");
        return outcome;
    }
    let preamble = if m.auth.is_empty() { 1 } else { 2 };
    let mut line = Vec::new();
    for index in 0..preamble + m.entries.len() {
        line.clear();
        let read = timeout(limit, stream.read_until(b'\n', &mut line)).await;
        if !matches!(read, Ok(Ok(n)) if n > 0) {
            outcome.io_error = Some("reading");
            break;
        }
        let text = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_string();
        let reply = match text.strip_prefix('-') {
            Some(error) => Err(error.to_string()),
            None => Ok(()),
        };
        if index < preamble {
            if let Err(error) = reply {
                outcome.preamble_error.get_or_insert(error);
            }
        } else {
            outcome.replies.push(reply);
        }
    }
    outcome
}

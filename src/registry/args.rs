//! The argument cursor commands read their arguments with, and expiry units.

use crate::protocol::parse::{parse_f64, parse_i64, Argv};
use crate::protocol::ReplyError;

/// A cursor over a request's arguments with Redis's error texts. Commands
/// take what they need and call [`Args::finish`] to reject leftovers.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    argv: Argv<'a>,
    pos: usize,
}

impl<'a> Args<'a> {
    /// A cursor positioned after the command name.
    pub fn new(argv: Argv<'a>) -> Args<'a> {
        Args { argv, pos: 1 }
    }

    /// The command name as the client sent it.
    pub fn command_name(&self) -> &'a [u8] {
        self.argv.get(0)
    }

    /// Every argument including the name (for `COMMAND GETKEYS`-style tools).
    pub fn argv(&self) -> Argv<'a> {
        self.argv
    }

    pub fn remaining(&self) -> usize {
        self.argv.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn peek(&self) -> Option<&'a [u8]> {
        (self.pos < self.argv.len()).then(|| self.argv.get(self.pos))
    }

    /// The next argument; `syntax error` when there is none.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<&'a [u8], ReplyError> {
        let arg = self.peek().ok_or(ReplyError::SYNTAX)?;
        self.pos += 1;
        Ok(arg)
    }

    /// The next argument as a 64-bit signed integer.
    pub fn next_i64(&mut self) -> Result<i64, ReplyError> {
        parse_i64(self.next()?).ok_or(ReplyError::NOT_INTEGER)
    }

    /// The next argument as a float (`inf` allowed, NaN refused).
    pub fn next_f64(&mut self) -> Result<f64, ReplyError> {
        parse_f64(self.next()?).ok_or(ReplyError::NOT_FLOAT)
    }

    /// Consumes the next argument if it equals `keyword`, ignoring case.
    pub fn eat(&mut self, keyword: &str) -> bool {
        let found = self.peek().is_some_and(|a| a.eq_ignore_ascii_case(keyword.as_bytes()));
        if found {
            self.pos += 1;
        }
        found
    }

    /// All remaining arguments, consuming them.
    pub fn rest(&mut self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let (argv, start) = (self.argv, self.pos);
        self.pos = argv.len();
        (start..argv.len()).map(move |i| argv.get(i))
    }

    /// `syntax error` if any argument is left.
    pub fn finish(&self) -> Result<(), ReplyError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ReplyError::SYNTAX)
        }
    }
}

/// How an expiry argument is expressed (`EX`, `PX`, `EXAT`, `PXAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireUnit {
    Seconds,
    Millis,
    UnixSeconds,
    UnixMillis,
}

impl ExpireUnit {
    /// The absolute deadline (Unix ms) for `value`, with the checks `SET`,
    /// `SETEX` and `GETEX` apply: positive, and no overflow once converted.
    pub fn deadline(self, value: i64, now_ms: u64, command: &str) -> Result<u64, ReplyError> {
        let invalid = || ReplyError::invalid_expire(command);
        if value <= 0 {
            return Err(invalid());
        }
        let ms = match self {
            ExpireUnit::Seconds | ExpireUnit::UnixSeconds => value.checked_mul(1000).ok_or_else(invalid)?,
            ExpireUnit::Millis | ExpireUnit::UnixMillis => value,
        };
        match self {
            ExpireUnit::Seconds | ExpireUnit::Millis => {
                ms.checked_add(now_ms as i64).map(|d| d as u64).ok_or_else(invalid)
            }
            ExpireUnit::UnixSeconds | ExpireUnit::UnixMillis => Ok(ms as u64),
        }
    }
}

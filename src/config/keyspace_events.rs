//! `notify-keyspace-events`: Redis's class letters as bits, and back.

/// `K`: events to `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1;
/// `E`: events to `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
pub const GENERIC: u32 = 1 << 2;
pub const STRING: u32 = 1 << 3;
pub const LIST: u32 = 1 << 4;
pub const SET: u32 = 1 << 5;
pub const HASH: u32 = 1 << 6;
pub const ZSET: u32 = 1 << 7;
pub const EXPIRED: u32 = 1 << 8;
pub const EVICTED: u32 = 1 << 9;
pub const STREAM: u32 = 1 << 10;
pub const KEY_MISS: u32 = 1 << 11;
pub const MODULE: u32 = 1 << 13;
pub const NEW: u32 = 1 << 14;
/// `A`: every class but `m` and `n`.
pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// The class letters shown after `A` is spelled out, in Redis's order.
const CLASSES: [(u32, char); 11] = [
    (GENERIC, 'g'),
    (STRING, '$'),
    (LIST, 'l'),
    (SET, 's'),
    (HASH, 'h'),
    (ZSET, 'z'),
    (EXPIRED, 'x'),
    (EVICTED, 'e'),
    (STREAM, 't'),
    (MODULE, 'd'),
    (NEW, 'n'),
];

/// The bits of a class string, `None` for a letter Redis does not know.
pub fn parse(text: &str) -> Option<u32> {
    text.chars().try_fold(0, |flags, c| {
        let bit = match c {
            'A' => ALL,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            'm' => KEY_MISS,
            c => CLASSES.iter().find(|&&(_, letter)| letter == c)?.0,
        };
        Some(flags | bit)
    })
}

/// The canonical string, as `CONFIG GET` shows it: `A` when every class of
/// it is on (then `n` is not shown), then `K`, `E`, `m`.
pub fn format(flags: u32) -> String {
    let mut text = String::new();
    if flags & ALL == ALL {
        text.push('A');
    } else {
        text.extend(CLASSES.iter().filter(|&&(bit, _)| flags & bit != 0).map(|&(_, letter)| letter));
    }
    for (bit, letter) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & bit != 0 {
            text.push(letter);
        }
    }
    text
}

/// The setting's check: the text as given (its bits are what counts), or Redis's error.
pub(super) fn value(text: &str, _: &super::Config) -> Result<String, String> {
    parse(text).ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
    Ok(text.to_string())
}

/// The setting's value: its bits, shown in the canonical form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyspaceEvents(pub u32);

impl KeyspaceEvents {
    /// The bits of a class string (unknown letters are ignored).
    pub fn load_text(text: &str) -> Self {
        KeyspaceEvents(parse(text).unwrap_or(0))
    }
}

impl super::table::Field for KeyspaceEvents {
    fn show(&self) -> String {
        format(self.0)
    }
    fn load(text: &str) -> Self {
        Self::load_text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_are_redis() {
        let shown = |text: &str| format(parse(text).unwrap());
        assert_eq!(shown("KEA"), "AKE");
        assert_eq!(shown("Kx"), "xK");
        assert_eq!(shown("gn"), "gn");
        assert_eq!(shown("AKEmn"), "AKEm");
        assert_eq!(shown(""), "");
        assert!(value("Q", &Default::default()).is_err());
        assert_eq!(parse("AKEn").unwrap() & NEW, NEW, "n is on though not shown after A");
    }
}

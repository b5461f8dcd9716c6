//! One user's rules: passwords, command permissions as a bitmap over the
//! command ids a [`CommandCatalog`] hands out, key and channel patterns.

use super::{
    category_bit, digests_equal, hash_password, hex, parse_hash, CommandCatalog, PasswordHash, CATEGORIES,
};
use crate::store::glob::glob_match;

/// What a key pattern grants: reading, writing, or both.
pub const KEY_READ: u8 = 1;
pub const KEY_WRITE: u8 = 2;
const READ: u8 = KEY_READ;
const WRITE: u8 = KEY_WRITE;

/// A key pattern and what it grants (`~p`: both, `%R~p`, `%W~p`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: Vec<u8>,
    pub access: u8,
}

/// `skip-sanitize-payload` / `sanitize-payload`, shown as flags (MiniRedis
/// has no `RESTORE`, so neither changes anything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sanitize {
    Unset,
    Sanitize,
    Skip,
}

/// A user's rules.
#[derive(Debug, Clone)]
pub struct User {
    pub enabled: bool,
    /// Any password is accepted.
    pub nopass: bool,
    pub passwords: Vec<PasswordHash>,
    pub sanitize: Sanitize,
    /// One bit per command id ([`CommandCatalog`]); ids past its end are
    /// as `all_commands` says.
    allowed: Vec<u64>,
    /// Commands added later are allowed too (`+@all`); cleared by `-@all`.
    all_commands: bool,
    pub all_keys: bool,
    pub keys: Vec<KeyPattern>,
    pub all_channels: bool,
    pub channels: Vec<Vec<u8>>,
}

impl User {
    /// A new user as `ACL SETUSER name` creates it: off, no passwords, no
    /// commands, keys or channels.
    pub fn new() -> User {
        User {
            enabled: false,
            nopass: false,
            passwords: Vec::new(),
            sanitize: Sanitize::Unset,
            allowed: Vec::new(),
            all_commands: false,
            all_keys: false,
            keys: Vec::new(),
            all_channels: false,
            channels: Vec::new(),
        }
    }

    /// The `default` user of a fresh server: `on nopass ~* &* +@all`.
    pub(super) fn default_user() -> User {
        let mut user = User::new();
        user.enabled = true;
        user.nopass = true;
        user.all_keys = true;
        user.all_channels = true;
        user.set_all(true);
        user
    }

    /// Whether `password` opens this user (an enabled one).
    pub fn accepts(&self, password: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let given = hash_password(password);
        // Every stored digest is compared, matched or not.
        self.passwords.iter().fold(false, |found, stored| digests_equal(stored, &given) | found)
    }

    /// Whether the user may run the command or subcommand with ACL id `id`.
    pub fn may_run(&self, id: usize) -> bool {
        self.allowed.get(id / 64).map_or(self.all_commands, |w| w & (1 << (id % 64)) != 0)
    }

    /// Whether a key pattern grants `need` ([`KEY_READ`], [`KEY_WRITE`],
    /// both, or 0 for neither) on `key`.
    pub fn may_access(&self, key: &[u8], need: u8) -> bool {
        self.all_keys
            || self.keys.iter().any(|k| k.access & need == need && glob_match(&k.pattern, key, false))
    }

    /// Whether the user may use `channel` (`literal`: a `PSUBSCRIBE`
    /// pattern, allowed only when it is one of the user's patterns).
    pub fn may_use_channel(&self, channel: &[u8], literal: bool) -> bool {
        self.all_channels
            || self
                .channels
                .iter()
                .any(|p| if literal { p == channel } else { glob_match(p, channel, false) })
    }

    fn set_id(&mut self, id: usize, on: bool) {
        let index = id / 64;
        if index >= self.allowed.len() {
            if on == self.all_commands {
                return;
            }
            let fill = if self.all_commands { u64::MAX } else { 0 };
            self.allowed.resize(index + 1, fill);
        }
        let word = &mut self.allowed[index];
        if on {
            *word |= 1 << (id % 64);
        } else {
            *word &= !(1 << (id % 64));
        }
    }

    /// Allows or denies the ids of a command with all its subcommands.
    fn set_ids(&mut self, ids: std::ops::Range<usize>, on: bool) {
        for id in ids {
            self.set_id(id, on);
        }
    }

    fn set_category(&mut self, bit: u32, on: bool, commands: &dyn CommandCatalog) {
        commands.each_id(&mut |id, bits| {
            if bits & bit != 0 {
                self.set_id(id, on);
            }
        });
    }

    fn set_all(&mut self, on: bool) {
        self.allowed.clear();
        self.all_commands = on;
    }

    /// Every command, key and channel: the permission check can be skipped.
    pub(super) fn unrestricted(&self) -> bool {
        self.all_keys && self.all_channels && self.all_commands && self.allowed.iter().all(|&w| w == u64::MAX)
    }

    /// Applies one `ACL SETUSER` rule; the error text in Redis's words.
    /// `commands` names the commands and categories rules refer to.
    pub fn apply(&mut self, rule: &[u8], commands: &dyn CommandCatalog) -> Result<(), String> {
        let lower = rule.to_ascii_lowercase();
        match lower.as_slice() {
            b"on" => self.enabled = true,
            b"off" => self.enabled = false,
            b"skip-sanitize-payload" => self.sanitize = Sanitize::Skip,
            b"sanitize-payload" => self.sanitize = Sanitize::Sanitize,
            b"nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            b"resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            b"allkeys" | b"~*" => {
                self.all_keys = true;
                self.keys.clear();
            }
            b"resetkeys" => {
                self.all_keys = false;
                self.keys.clear();
            }
            b"allchannels" | b"&*" => {
                self.all_channels = true;
                self.channels.clear();
            }
            b"resetchannels" => {
                self.all_channels = false;
                self.channels.clear();
            }
            b"allcommands" | b"+@all" => self.set_all(true),
            b"nocommands" | b"-@all" => self.set_all(false),
            // Selectors do not exist here, so there are never any to clear.
            b"clearselectors" => {}
            b"reset" => {
                for rule in ["resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload", "-@all"] {
                    self.apply(rule.as_bytes(), commands)?;
                }
            }
            _ => return self.apply_with_argument(rule, commands),
        }
        Ok(())
    }

    fn apply_with_argument(&mut self, rule: &[u8], commands: &dyn CommandCatalog) -> Result<(), String> {
        let (first, rest) = (rule[0], &rule[1..]);
        match first {
            b'>' | b'#' => {
                let hash = if first == b'>' { hash_password(rest) } else { parse_hash(rest)? };
                if !self.passwords.contains(&hash) {
                    self.passwords.push(hash);
                }
                self.nopass = false;
            }
            b'<' | b'!' => {
                let hash = if first == b'<' { hash_password(rest) } else { parse_hash(rest)? };
                let before = self.passwords.len();
                self.passwords.retain(|p| *p != hash);
                if self.passwords.len() == before {
                    return Err("The password you are trying to remove from the user does not exist".into());
                }
                self.nopass = false;
            }
            b'~' | b'%' => {
                let (access, pattern) = if first == b'~' {
                    (READ | WRITE, rest)
                } else {
                    let tilde = rest.iter().position(|&b| b == b'~').ok_or("Syntax error")?;
                    let mut access = 0;
                    for &flag in &rest[..tilde] {
                        access |= match flag.to_ascii_uppercase() {
                            b'R' => READ,
                            b'W' => WRITE,
                            _ => return Err("Syntax error".into()),
                        };
                    }
                    if access == 0 {
                        return Err("Syntax error".into());
                    }
                    (access, &rest[tilde + 1..])
                };
                if self.all_keys {
                    return Err("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and \
                                does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
                        .into());
                }
                if pattern == b"*" && access == READ | WRITE {
                    self.all_keys = true;
                    self.keys.clear();
                } else if let Some(existing) = self.keys.iter_mut().find(|k| k.pattern == pattern) {
                    existing.access |= access;
                } else {
                    self.keys.push(KeyPattern { pattern: pattern.to_vec(), access });
                }
            }
            b'&' => {
                if self.all_channels {
                    return Err("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid \
                                and does not have any effect. Try 'resetchannels' to start with an empty list of \
                                channels"
                        .into());
                }
                if !self.channels.iter().any(|c| c == rest) {
                    self.channels.push(rest.to_vec());
                }
            }
            b'+' | b'-' => {
                let on = first == b'+';
                let unknown = || "Unknown command or category name in ACL".to_string();
                if let Some(category) = rest.strip_prefix(b"@") {
                    let bit = category_bit(category).ok_or_else(unknown)?;
                    self.set_category(bit, on, commands);
                } else {
                    let mut parts = rest.splitn(2, |&b| b == b'|');
                    let name = parts.next().unwrap_or_default();
                    match parts.next() {
                        None => self.set_ids(commands.command_ids(name).ok_or_else(unknown)?, on),
                        Some(sub) => self.set_id(commands.subcommand_id(name, sub).ok_or_else(unknown)?, on),
                    }
                }
            }
            _ => return Err("Syntax error".into()),
        }
        Ok(())
    }

    /// The flags `ACL GETUSER` and `ACL LIST` show.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            flags.push("nopass");
        }
        match self.sanitize {
            Sanitize::Skip => flags.push("skip-sanitize-payload"),
            Sanitize::Sanitize => flags.push("sanitize-payload"),
            Sanitize::Unset => {}
        }
        flags
    }

    pub fn password_hexes(&self) -> Vec<String> {
        self.passwords.iter().map(hex).collect()
    }

    /// `~*`, or each pattern as `~p`, `%R~p`, `%W~p`.
    pub fn describe_keys(&self) -> String {
        if self.all_keys {
            return "~*".into();
        }
        let words: Vec<String> = self
            .keys
            .iter()
            .map(|k| {
                let prefix = match k.access {
                    READ => "%R~",
                    WRITE => "%W~",
                    _ => "~",
                };
                format!("{prefix}{}", String::from_utf8_lossy(&k.pattern))
            })
            .collect();
        words.join(" ")
    }

    /// `&*`, or each channel pattern as `&p` (empty when there is none).
    pub fn describe_channels(&self) -> String {
        if self.all_channels {
            return "&*".into();
        }
        let words: Vec<String> =
            self.channels.iter().map(|c| format!("&{}", String::from_utf8_lossy(c))).collect();
        words.join(" ")
    }

    /// The command rules as Redis 7.0 describes a bitmap: `+@all` or
    /// `-@all`, then each category that moves more commands toward the
    /// user's set than away from it, then single commands to fix the rest
    /// (in name order; Redis lists them in its hash table's order).
    pub fn describe_commands(&self, commands: &dyn CommandCatalog) -> String {
        let additive = !self.all_commands;
        let mut fake = User::new();
        fake.set_all(!additive);
        let mut rules = vec![if additive { "-@all".to_string() } else { "+@all".to_string() }];
        for (i, name) in CATEGORIES.iter().enumerate() {
            let bit = 1 << i;
            let (mut on, mut off) = (0, 0);
            commands.each_id(&mut |id, bits| {
                if bits & bit != 0 {
                    if self.may_run(id) {
                        on += 1;
                    } else {
                        off += 1;
                    }
                }
            });
            if (additive && on > off) || (!additive && off > on) {
                fake.set_category(bit, additive, commands);
                rules.push(format!("{}@{name}", if additive { '+' } else { '-' }));
            }
        }
        commands.each_command(&mut |id, name, sub_names| {
            let mut fix = |id: usize, name: &str, fake: &mut User, whole: bool| {
                let user_bit = self.may_run(id);
                if user_bit != fake.may_run(id) {
                    rules.push(format!("{}{name}", if user_bit { '+' } else { '-' }));
                    if whole {
                        fake.set_ids(id..id + 1 + sub_names.len(), user_bit);
                    } else {
                        fake.set_id(id, user_bit);
                    }
                }
            };
            fix(id, name, &mut fake, true);
            for (i, name) in sub_names.iter().enumerate() {
                fix(id + 1 + i, name, &mut fake, false);
            }
        });
        rules.join(" ")
    }

    /// The rules as one line of `ACL LIST` (after `user <name> `).
    pub fn describe(&self, commands: &dyn CommandCatalog) -> String {
        let mut words: Vec<String> = self.flags().iter().map(|f| f.to_string()).collect();
        words.extend(self.passwords.iter().map(|p| format!("#{}", hex(p))));
        let keys = self.describe_keys();
        if !keys.is_empty() {
            words.push(keys);
        }
        if self.all_channels {
            words.push("&*".into());
        } else {
            words.push("resetchannels".into());
            let channels = self.describe_channels();
            if !channels.is_empty() {
                words.push(channels);
            }
        }
        words.push(self.describe_commands(commands));
        words.join(" ")
    }
}

impl Default for User {
    fn default() -> Self {
        Self::new()
    }
}

//! Users, their rules and the permission check, as Redis 7's ACL: the
//! `default` user (its password is `requirepass`), passwords kept as
//! SHA-256 digests and compared in constant time, command permissions as a
//! bitmap over command ids, key patterns, the ACL log and the ACL file.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use sha2::{Digest, Sha256};

use crate::protocol::parse::Argv;
use crate::protocol::ReplyError;
use crate::registry::{self, Context, Entry, Flag};
use crate::store::glob::glob_match;

/// Redis's reply to a failed AUTH or HELLO AUTH.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// Redis's ACL categories, in `ACL CAT` order; bit `i` is `CATEGORIES[i]`.
pub const CATEGORIES: [&str; 21] = [
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// The bit of a category name (without `@`).
pub fn category_bit(name: &[u8]) -> Option<u32> {
    CATEGORIES.iter().position(|c| c.as_bytes().eq_ignore_ascii_case(name)).map(|i| 1 << i)
}

/// The bits of `@category` names.
pub fn category_bits(names: &[&str]) -> u32 {
    names.iter().filter_map(|n| category_bit(n.trim_start_matches('@').as_bytes())).fold(0, |a, b| a | b)
}

/// The ACL log keeps this many entries (`acllog-max-len`).
const LOG_MAX_LEN: usize = 128;
/// Entries this close in time with the same reason, object and user are
/// counted as one.
const LOG_GROUPING_MS: u64 = 60_000;

/// A password's SHA-256 digest.
pub type PasswordHash = [u8; 32];

pub fn hash_password(password: &[u8]) -> PasswordHash {
    Sha256::digest(password).into()
}

/// Compares two digests without an early exit, so the time taken does not
/// tell how many leading bytes matched.
pub fn digests_equal(a: &PasswordHash, b: &PasswordHash) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn hex(hash: &PasswordHash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hash(text: &[u8]) -> Result<PasswordHash, String> {
    let bad = || {
        "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            .to_string()
    };
    if text.len() != 64 || !text.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
        return Err(bad());
    }
    let mut hash = [0u8; 32];
    for (i, pair) in text.chunks(2).enumerate() {
        let digit = |b: u8| if b.is_ascii_digit() { b - b'0' } else { b - b'a' + 10 };
        hash[i] = digit(pair[0]) << 4 | digit(pair[1]);
    }
    Ok(hash)
}

const READ: u8 = 1;
const WRITE: u8 = 2;

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
    /// One bit per command id ([`Entry::acl_id`]).
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
            allowed: vec![0; registry::acl_id_count().div_ceil(64)],
            all_commands: false,
            all_keys: false,
            keys: Vec::new(),
            all_channels: false,
            channels: Vec::new(),
        }
    }

    /// The `default` user of a fresh server: `on nopass ~* &* +@all`.
    fn default_user() -> User {
        let mut user = User::new();
        for rule in ["on", "nopass", "~*", "&*", "+@all"] {
            user.apply(rule.as_bytes()).expect("valid default rules");
        }
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

    fn allows_id(&self, id: usize) -> bool {
        self.allowed.get(id / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn set_id(&mut self, id: usize, on: bool) {
        if let Some(word) = self.allowed.get_mut(id / 64) {
            if on {
                *word |= 1 << (id % 64);
            } else {
                *word &= !(1 << (id % 64));
            }
        }
    }

    /// Allows or denies a command with all its subcommands.
    fn set_command(&mut self, entry: &Entry, on: bool) {
        for id in entry.acl_id..=entry.acl_id + entry.meta.subcommands.len() {
            self.set_id(id, on);
        }
    }

    fn set_category(&mut self, bit: u32, on: bool) {
        for entry in registry::commands() {
            if entry.acl_bits & bit != 0 {
                self.set_id(entry.acl_id, on);
            }
            for (i, bits) in entry.sub_acl_bits.iter().enumerate() {
                if bits & bit != 0 {
                    self.set_id(entry.acl_id + 1 + i, on);
                }
            }
        }
    }

    fn set_all(&mut self, on: bool) {
        self.allowed.iter_mut().for_each(|w| *w = if on { u64::MAX } else { 0 });
        self.all_commands = on;
    }

    /// Every command, every key: the permission check can be skipped.
    fn unrestricted(&self) -> bool {
        self.all_keys && (0..registry::acl_id_count()).all(|id| self.allows_id(id))
    }

    /// Applies one `ACL SETUSER` rule; the error text in Redis's words.
    pub fn apply(&mut self, rule: &[u8]) -> Result<(), String> {
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
                    self.apply(rule.as_bytes())?;
                }
            }
            _ => return self.apply_with_argument(rule),
        }
        Ok(())
    }

    fn apply_with_argument(&mut self, rule: &[u8]) -> Result<(), String> {
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
                    self.set_category(bit, on);
                } else {
                    let mut parts = rest.splitn(2, |&b| b == b'|');
                    let name = parts.next().unwrap_or_default();
                    let entry = registry::lookup(name).ok_or_else(unknown)?;
                    match parts.next() {
                        None => self.set_command(entry, on),
                        Some(sub) => {
                            let index = entry
                                .meta
                                .subcommands
                                .iter()
                                .position(|s| s.name.as_bytes().eq_ignore_ascii_case(sub))
                                .ok_or_else(unknown)?;
                            self.set_id(entry.acl_id + 1 + index, on);
                        }
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
    pub fn describe_commands(&self) -> String {
        let additive = !self.all_commands;
        let mut fake = User::new();
        fake.set_all(!additive);
        let mut rules = vec![if additive { "-@all".to_string() } else { "+@all".to_string() }];
        for (i, name) in CATEGORIES.iter().enumerate() {
            let bit = 1 << i;
            let (mut on, mut off) = (0, 0);
            for_each_id(|id, bits| {
                if bits & bit != 0 {
                    if self.allows_id(id) {
                        on += 1;
                    } else {
                        off += 1;
                    }
                }
            });
            if (additive && on > off) || (!additive && off > on) {
                fake.set_category(bit, additive);
                rules.push(format!("{}@{name}", if additive { '+' } else { '-' }));
            }
        }
        for entry in registry::commands() {
            let mut fix = |id: usize, name: &str, fake: &mut User, whole: Option<&Entry>| {
                let user_bit = self.allows_id(id);
                if user_bit != fake.allows_id(id) {
                    rules.push(format!("{}{name}", if user_bit { '+' } else { '-' }));
                    match whole {
                        Some(entry) => fake.set_command(entry, user_bit),
                        None => fake.set_id(id, user_bit),
                    }
                }
            };
            fix(entry.acl_id, entry.meta.name, &mut fake, Some(entry));
            for (i, name) in entry.sub_names.iter().enumerate() {
                fix(entry.acl_id + 1 + i, name, &mut fake, None);
            }
        }
        rules.join(" ")
    }

    /// The rules as one line of `ACL LIST` (after `user <name> `).
    pub fn describe(&self) -> String {
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
        words.push(self.describe_commands());
        words.join(" ")
    }

    /// Why this user may not run `argv` (command `entry`, subcommand `sub`).
    pub fn denial(&self, entry: &Entry, sub: Option<usize>, argv: Argv<'_>) -> Option<Denial> {
        let id = sub.map_or(entry.acl_id, |i| entry.acl_id + 1 + i);
        // Commands a client may run before authenticating are never denied.
        if !self.allows_id(id) && !entry.meta.has(Flag::NoAuth) {
            return Some(Denial::Command);
        }
        if self.all_keys {
            return None;
        }
        // The subcommand's own flags and key specification, if it has them.
        let flags = entry.flags_of(sub);
        let need = if flags & Flag::Write.bit() != 0 {
            WRITE
        } else if flags & Flag::Readonly.bit() != 0 {
            READ
        } else {
            0
        };
        let keys = entry.keys(sub, (argv.len() > 1).then(|| argv.get(1)));
        for position in keys.positions(argv.len()) {
            let key = argv.get(position);
            let granted =
                self.keys.iter().any(|k| k.access & need == need && glob_match(&k.pattern, key, false));
            if !granted {
                return Some(Denial::Key(key.to_vec()));
            }
        }
        None
    }
}

fn for_each_id(mut f: impl FnMut(usize, u32)) {
    for entry in registry::commands() {
        f(entry.acl_id, entry.acl_bits);
        for (i, bits) in entry.sub_acl_bits.iter().enumerate() {
            f(entry.acl_id + 1 + i, *bits);
        }
    }
}

impl Default for User {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    Command,
    Key(Vec<u8>),
}

/// A user as connections hold it: rule changes are seen by every client
/// authenticated as that user.
#[derive(Debug)]
pub struct UserCell {
    pub name: Arc<str>,
    pub rules: RwLock<User>,
    /// Every command on every key is allowed: the permission check is
    /// skipped (one relaxed load per command).
    unrestricted: AtomicBool,
}

impl UserCell {
    fn new(name: &str, user: User) -> UserCell {
        let unrestricted = AtomicBool::new(user.unrestricted());
        UserCell { name: name.into(), rules: RwLock::new(user), unrestricted }
    }

    pub fn unrestricted(&self) -> bool {
        self.unrestricted.load(Ordering::Relaxed)
    }

    /// A user with every permission for the server's own clients (the AOF
    /// replay), as Redis's internal clients bypass ACL whatever the users.
    pub fn internal(name: &str) -> Arc<UserCell> {
        Arc::new(UserCell::new(name, User::default_user()))
    }

    /// Replaces the rules (and the fast-path flag with them).
    pub fn set_rules(&self, user: User) {
        let mut rules = self.rules.write();
        self.unrestricted.store(user.unrestricted(), Ordering::Relaxed);
        *rules = user;
    }
}

/// One `ACL LOG` entry.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub count: u64,
    /// `command`, `key` or `auth`.
    pub reason: &'static str,
    /// The command (`config|get`), the key, or for `auth` the command sent.
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    /// Unix ms of the latest occurrence.
    pub time_ms: u64,
    pub client_info: String,
}

/// Every user, by name, and the ACL log.
#[derive(Debug)]
pub struct Acl {
    users: BTreeMap<String, Arc<UserCell>>,
    log: Mutex<VecDeque<LogEntry>>,
}

impl Acl {
    /// The `default` user: `on ~* &* +@all`, with `requirepass` as its only
    /// password, or `nopass` without one.
    pub fn new(requirepass: &str) -> Acl {
        let mut acl = Acl { users: BTreeMap::new(), log: Mutex::new(VecDeque::new()) };
        acl.users.insert("default".into(), Arc::new(UserCell::new("default", User::default_user())));
        acl.set_requirepass(requirepass);
        acl
    }

    pub fn default_user(&self) -> Arc<UserCell> {
        self.users["default"].clone()
    }

    pub fn user(&self, name: &[u8]) -> Option<Arc<UserCell>> {
        self.users.get(std::str::from_utf8(name).ok()?).cloned()
    }

    pub fn users(&self) -> impl Iterator<Item = &Arc<UserCell>> {
        self.users.values()
    }

    /// `requirepass`: the default user's passwords are reset to this one, or
    /// to `nopass` when it is empty, as Redis does.
    pub fn set_requirepass(&mut self, password: &str) {
        let cell = &self.users["default"];
        let mut user = cell.rules.read().clone();
        user.passwords.clear();
        user.nopass = password.is_empty();
        if !password.is_empty() {
            user.passwords.push(hash_password(password.as_bytes()));
        }
        cell.set_rules(user);
    }

    /// Whether a new connection must authenticate: the default user needs
    /// a password or is disabled.
    pub fn auth_required(&self) -> bool {
        let user = self.users["default"].rules.read();
        !user.nopass || !user.enabled
    }

    /// Whether a new connection starts authenticated as `default`.
    pub fn default_opens_alone(&self) -> bool {
        !self.auth_required()
    }

    /// The user `name` if `password` opens it.
    pub fn authenticate(&self, name: &[u8], password: &[u8]) -> Option<Arc<UserCell>> {
        let cell = self.user(name)?;
        let ok = cell.rules.read().accepts(password);
        ok.then_some(cell)
    }

    /// `ACL SETUSER name rules…`: all rules or none. A new user starts
    /// as [`User::new`].
    pub fn set_user(&mut self, name: &str, rules: &[&[u8]]) -> Result<(), (Vec<u8>, String)> {
        let existing = self.users.get(name).cloned();
        let mut user = existing.as_ref().map_or_else(User::new, |cell| cell.rules.read().clone());
        for rule in rules {
            user.apply(rule).map_err(|problem| (rule.to_vec(), problem))?;
        }
        match existing {
            Some(cell) => cell.set_rules(user),
            None => {
                self.users.insert(name.to_string(), Arc::new(UserCell::new(name, user)));
            }
        }
        Ok(())
    }

    /// Removes a user (never `default`); whether it existed.
    pub fn delete_user(&mut self, name: &[u8]) -> bool {
        let Ok(name) = std::str::from_utf8(name) else { return false };
        name != "default" && self.users.remove(name).is_some()
    }

    /// `ACL LIST`: one `user <name> <rules>` line per user, sorted by name.
    pub fn list(&self) -> Vec<String> {
        self.users
            .values()
            .map(|cell| format!("user {} {}", cell.name, cell.rules.read().describe()))
            .collect()
    }

    /// Records a denial or a failed login, counting repeats within a minute
    /// as one entry, and keeping the newest [`LOG_MAX_LEN`].
    pub fn log(
        &self,
        reason: &'static str,
        object: &[u8],
        username: &[u8],
        now_ms: u64,
        client_info: String,
    ) {
        let mut log = self.log.lock();
        let same = log.iter().take(10).position(|e| {
            e.reason == reason
                && e.object == object
                && e.username == username
                && now_ms.saturating_sub(e.time_ms) < LOG_GROUPING_MS
        });
        if let Some(index) = same {
            let mut entry = log.remove(index).expect("index in range");
            entry.count += 1;
            entry.time_ms = now_ms;
            entry.client_info = client_info;
            log.push_front(entry);
            return;
        }
        log.push_front(LogEntry {
            count: 1,
            reason,
            object: object.to_vec(),
            username: username.to_vec(),
            time_ms: now_ms,
            client_info,
        });
        log.truncate(LOG_MAX_LEN);
    }

    /// The newest `count` log entries.
    pub fn log_entries(&self, count: usize) -> Vec<LogEntry> {
        self.log.lock().iter().take(count).cloned().collect()
    }

    pub fn reset_log(&self) {
        self.log.lock().clear();
    }

    /// Parses an ACL file (`user <name> <rules…>` lines, `#` comments) into
    /// a new set of users; every problem is reported, in Redis's words.
    pub fn parse_file(&self, path: &Path, text: &str) -> Result<BTreeMap<String, User>, String> {
        let shown = path.display();
        let mut users: BTreeMap<String, User> = BTreeMap::new();
        let mut errors = String::new();
        for (number, line) in text.lines().enumerate() {
            let number = number + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
            if words[0] != "user" || words.len() < 2 {
                errors.push_str(&format!(
                    "{shown}:{number} should start with user keyword followed by the username. "
                ));
                continue;
            }
            let name = words[1];
            if users.contains_key(name) {
                errors.push_str(&format!("WARNING: Duplicate user '{name}' found on line {number}. "));
                continue;
            }
            let mut user = User::new();
            for rule in &words[2..] {
                if let Err(problem) = user.apply(rule.as_bytes()) {
                    errors.push_str(&format!("{shown}:{number}: {problem}. "));
                }
            }
            users.insert(name.to_string(), user);
        }
        if !errors.is_empty() {
            errors.push_str(
                "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
            );
            return Err(errors);
        }
        Ok(users)
    }

    /// Replaces every user with `users` (from [`Acl::parse_file`]). The
    /// default user keeps its identity (connections stay logged in) and
    /// gets `on nopass ~* &* +@all` if the file does not define it. Returns
    /// the users that were replaced, whose connections must be closed.
    pub fn replace_users(&mut self, mut users: BTreeMap<String, User>) -> Vec<Arc<UserCell>> {
        let default = users.remove("default").unwrap_or_else(User::default_user);
        let cell = self.default_user();
        cell.set_rules(default);
        let mut fresh = BTreeMap::new();
        fresh.insert("default".to_string(), cell);
        for (name, user) in users {
            fresh.insert(name.clone(), Arc::new(UserCell::new(&name, user)));
        }
        let old = std::mem::replace(&mut self.users, fresh);
        old.into_iter().filter(|(name, _)| name != "default").map(|(_, cell)| cell).collect()
    }
}

/// The permission check [`registry::dispatch`] runs for a user that is not
/// unrestricted: `NOPERM` (and an ACL log entry) when the command or one
/// of its keys is not allowed.
pub fn check(
    ctx: &mut Context<'_>,
    entry: &Entry,
    sub: Option<usize>,
    argv: Argv<'_>,
) -> Result<(), ReplyError> {
    let user = ctx.client.user.clone();
    let denial = user.rules.read().denial(entry, sub, argv);
    let Some(denial) = denial else { return Ok(()) };
    let name = sub.map_or(entry.meta.name, |i| entry.sub_names[i].as_str());
    let (reason, object, text) = match &denial {
        Denial::Command => (
            "command",
            name.as_bytes().to_vec(),
            format!("NOPERM this user has no permissions to run the '{name}' command"),
        ),
        Denial::Key(key) => (
            "key",
            key.clone(),
            "NOPERM this user has no permissions to access one of the keys used as arguments".to_string(),
        ),
    };
    let now = ctx.now_ms();
    let info = ctx.client.handle.info_line(now);
    ctx.server.acl.read().log(reason, &object, user.name.as_bytes(), now, info);
    Err(ReplyError(text.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirepass_sets_the_default_password() {
        let mut acl = Acl::new("");
        assert!(!acl.auth_required());
        assert!(acl.authenticate(b"default", b"anything").is_some());
        acl.set_requirepass("secret");
        assert!(acl.auth_required());
        assert!(acl.authenticate(b"default", b"secret").is_some());
        assert!(acl.authenticate(b"default", b"Secret").is_none());
        assert!(acl.authenticate(b"nobody", b"secret").is_none());
        assert!(acl.authenticate(b"\xff", b"secret").is_none());
        acl.set_requirepass("");
        assert!(!acl.auth_required());
        assert!(acl.default_user().unrestricted());
    }

    #[test]
    fn digests() {
        assert_eq!(
            hex(&hash_password(b"secret")),
            "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b",
            "SHA-256, as ACL LIST shows it in Redis"
        );
        assert!(digests_equal(&hash_password(b"a"), &hash_password(b"a")));
        assert!(!digests_equal(&hash_password(b"a"), &hash_password(b"b")));
        assert_eq!(parse_hash(hex(&hash_password(b"x")).as_bytes()), Ok(hash_password(b"x")));
        assert!(parse_hash(b"ABC").is_err());
    }

    #[test]
    fn descriptions_follow_redis() {
        let mut user = User::new();
        assert_eq!(user.describe(), "off resetchannels -@all");
        for rule in ["on", ">pw", "~k*", "%R~r*", "%W~w*", "+get", "+@hash", "-hdel", "allchannels"] {
            user.apply(rule.as_bytes()).unwrap();
        }
        assert_eq!(
            user.describe(),
            "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* %R~r* %W~w* &* -@all \
             +@hash +get -hdel"
        );
        let mut user = User::new();
        for rule in ["allcommands", "-debug", "nopass", "%RW~a"] {
            user.apply(rule.as_bytes()).unwrap();
        }
        assert_eq!(user.describe(), "off nopass ~a resetchannels +@all -debug");
        assert_eq!(User::default_user().describe(), "on nopass ~* &* +@all");
        user.apply(b"reset").unwrap();
        assert_eq!(user.describe(), "off sanitize-payload resetchannels -@all");
    }

    #[test]
    fn rule_errors() {
        let mut user = User::new();
        assert_eq!(user.apply(b"foo"), Err("Syntax error".into()));
        assert_eq!(user.apply(b"%X~a"), Err("Syntax error".into()));
        assert_eq!(user.apply(b"+nosuch"), Err("Unknown command or category name in ACL".into()));
        assert_eq!(user.apply(b"+@nosuch"), Err("Unknown command or category name in ACL".into()));
        assert_eq!(user.apply(b"+config|nosuch"), Err("Unknown command or category name in ACL".into()));
        assert!(user.apply(b"<nothere").unwrap_err().contains("does not exist"));
        assert!(user.apply(b"#abc").unwrap_err().contains("exactly 64 characters"));
        user.apply(b"allkeys").unwrap();
        assert!(user.apply(b"~a").unwrap_err().starts_with("Adding a pattern after the * pattern"));
    }
}

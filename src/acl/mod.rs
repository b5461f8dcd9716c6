//! Users and their rules, as Redis 7's ACL: the `default` user (its
//! password is `requirepass`), passwords kept as SHA-256 digests and
//! compared in constant time, command permissions as a bitmap over command
//! ids, key patterns, the ACL log and the ACL file. Plain data: the
//! permission check that runs per command is the registry's
//! (`registry::permissions`), which knows the commands.

mod user;

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use sha2::{Digest, Sha256};

pub use user::{KeyPattern, Sanitize, User, KEY_READ, KEY_WRITE};

/// The command table as ACL rules see it: every command and subcommand has
/// an id (a command's subcommands take the ids after its own) and ACL
/// category bits ([`CATEGORIES`]). The registry provides it.
pub trait CommandCatalog: Send + Sync + std::fmt::Debug {
    /// How many ids commands and subcommands take.
    fn id_count(&self) -> usize;
    /// Calls `f(id, category bits)` for every command and subcommand.
    fn each_id(&self, f: &mut dyn FnMut(usize, u32));
    /// Calls `f(id, name, subcommand names)` for every command, by name;
    /// subcommand `i` (`name|sub`) has id `id + 1 + i`.
    fn each_command(&self, f: &mut dyn FnMut(usize, &str, &[String]));
    /// The ids of the command `name` and all its subcommands.
    fn command_ids(&self, name: &[u8]) -> Option<std::ops::Range<usize>>;
    /// The id of subcommand `sub` of `name`.
    fn subcommand_id(&self, name: &[u8], sub: &[u8]) -> Option<usize>;
}

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

pub(crate) fn hex(hash: &PasswordHash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn parse_hash(text: &[u8]) -> Result<PasswordHash, String> {
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
    /// Where it was refused: `toplevel`, `multi` or `lua`.
    pub context: &'static str,
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
    /// The commands rules name.
    commands: &'static dyn CommandCatalog,
    /// `acl-pubsub-default allchannels`: new users (and `reset`) get every channel.
    new_users_all_channels: bool,
}

impl Acl {
    /// The `default` user: `on ~* &* +@all`, with `requirepass` as its only
    /// password, or `nopass` without one.
    pub fn new(requirepass: &str, commands: &'static dyn CommandCatalog) -> Acl {
        let mut acl = Acl {
            users: BTreeMap::new(),
            log: Mutex::new(VecDeque::new()),
            commands,
            new_users_all_channels: false,
        };
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
    pub fn new_connections_start_authenticated(&self) -> bool {
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
        let mut user = existing.as_ref().map_or_else(|| self.new_user(), |cell| cell.rules.read().clone());
        for rule in rules {
            user.apply(rule, self.commands).map_err(|problem| (rule.to_vec(), problem))?;
            if rule.eq_ignore_ascii_case(b"reset") && self.new_users_all_channels {
                user.apply(b"allchannels", self.commands).map_err(|problem| (rule.to_vec(), problem))?;
            }
        }
        match existing {
            Some(cell) => cell.set_rules(user),
            None => {
                self.users.insert(name.to_string(), Arc::new(UserCell::new(name, user)));
            }
        }
        Ok(())
    }

    /// A user as `ACL SETUSER` creates it, with the channels `acl-pubsub-default` gives.
    fn new_user(&self) -> User {
        let mut user = User::new();
        user.all_channels = self.new_users_all_channels;
        user
    }

    /// `acl-pubsub-default`: whether new users get every channel.
    pub fn set_new_users_all_channels(&mut self, all: bool) {
        self.new_users_all_channels = all;
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
            .map(|cell| format!("user {} {}", cell.name, cell.rules.read().describe(self.commands)))
            .collect()
    }

    /// Records a denial or a failed login, counting repeats within a minute
    /// as one entry, and keeping the newest [`LOG_MAX_LEN`].
    pub fn log(
        &self,
        (reason, context): (&'static str, &'static str),
        object: &[u8],
        username: &[u8],
        now_ms: u64,
        client_info: String,
    ) {
        let mut log = self.log.lock();
        let same = log.iter().take(10).position(|e| {
            e.reason == reason
                && e.context == context
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
            context,
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
            let mut user = self.new_user();
            for rule in &words[2..] {
                if let Err(problem) = user.apply(rule.as_bytes(), self.commands) {
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

    /// Reads the ACL file and replaces every user with its contents; the
    /// users replaced, whose connections are to be closed.
    pub fn load_file(&mut self, path: &Path) -> Result<Vec<Arc<UserCell>>, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!("Error loading ACLs, opening file '{}': {}", path.display(), crate::os::error_text(&e))
        })?;
        let users = self.parse_file(path, &text)?;
        Ok(self.replace_users(users))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn commands() -> &'static dyn CommandCatalog {
        crate::registry::catalog()
    }

    #[test]
    fn requirepass_sets_the_default_password() {
        let mut acl = Acl::new("", commands());
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
        assert_eq!(user.describe(commands()), "off resetchannels -@all");
        for rule in ["on", ">pw", "~k*", "%R~r*", "%W~w*", "+get", "+@hash", "-hdel", "allchannels"] {
            user.apply(rule.as_bytes(), commands()).unwrap();
        }
        assert_eq!(
            user.describe(commands()),
            "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* %R~r* %W~w* &* -@all \
             +@hash +get -hdel"
        );
        let mut user = User::new();
        for rule in ["allcommands", "-debug", "nopass", "%RW~a"] {
            user.apply(rule.as_bytes(), commands()).unwrap();
        }
        assert_eq!(user.describe(commands()), "off nopass ~a resetchannels +@all -debug");
        assert_eq!(User::default_user().describe(commands()), "on nopass ~* &* +@all");
        user.apply(b"reset", commands()).unwrap();
        assert_eq!(user.describe(commands()), "off sanitize-payload resetchannels -@all");
    }

    #[test]
    fn rule_errors() {
        let mut user = User::new();
        assert_eq!(user.apply(b"foo", commands()), Err("Syntax error".into()));
        assert_eq!(user.apply(b"%X~a", commands()), Err("Syntax error".into()));
        assert_eq!(user.apply(b"+nosuch", commands()), Err("Unknown command or category name in ACL".into()));
        assert_eq!(
            user.apply(b"+@nosuch", commands()),
            Err("Unknown command or category name in ACL".into())
        );
        assert_eq!(
            user.apply(b"+config|nosuch", commands()),
            Err("Unknown command or category name in ACL".into())
        );
        assert!(user.apply(b"<nothere", commands()).unwrap_err().contains("does not exist"));
        assert!(user.apply(b"#abc", commands()).unwrap_err().contains("exactly 64 characters"));
        user.apply(b"allkeys", commands()).unwrap();
        assert!(user
            .apply(b"~a", commands())
            .unwrap_err()
            .starts_with("Adding a pattern after the * pattern"));
    }
}

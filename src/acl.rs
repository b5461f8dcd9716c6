//! Users and authentication: the `default` user (its password is
//! `requirepass`), passwords kept as SHA-256 digests and compared in
//! constant time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use sha2::{Digest, Sha256};

/// Redis's reply to a failed AUTH or HELLO AUTH.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

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

/// A user's rules.
#[derive(Debug, Clone)]
pub struct User {
    pub enabled: bool,
    /// Any password is accepted.
    pub nopass: bool,
    pub passwords: Vec<PasswordHash>,
}

impl User {
    /// A new user as `ACL SETUSER name` creates it: off, no passwords.
    pub fn new() -> User {
        User { enabled: false, nopass: false, passwords: Vec::new() }
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
}

impl Default for User {
    fn default() -> Self {
        Self::new()
    }
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
        UserCell { name: name.into(), rules: RwLock::new(user), unrestricted: AtomicBool::new(true) }
    }

    pub fn unrestricted(&self) -> bool {
        self.unrestricted.load(Ordering::Relaxed)
    }
}

/// Every user, by name.
#[derive(Debug)]
pub struct Acl {
    users: BTreeMap<String, Arc<UserCell>>,
}

impl Acl {
    /// The `default` user: enabled, with `requirepass` as its only password,
    /// or `nopass` without one.
    pub fn new(requirepass: &str) -> Acl {
        let mut acl = Acl { users: BTreeMap::new() };
        let default = UserCell::new("default", User { enabled: true, ..User::new() });
        acl.users.insert("default".into(), Arc::new(default));
        acl.set_requirepass(requirepass);
        acl
    }

    pub fn default_user(&self) -> Arc<UserCell> {
        self.users["default"].clone()
    }

    /// `requirepass`: the default user's passwords are reset to this one, or
    /// to `nopass` when it is empty, as Redis does.
    pub fn set_requirepass(&mut self, password: &str) {
        let mut user = self.users["default"].rules.write();
        user.passwords.clear();
        user.nopass = password.is_empty();
        if !password.is_empty() {
            user.passwords.push(hash_password(password.as_bytes()));
        }
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
        let name = std::str::from_utf8(name).ok()?;
        let cell = self.users.get(name)?;
        let ok = cell.rules.read().accepts(password);
        ok.then(|| cell.clone())
    }
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
    }

    #[test]
    fn digests() {
        assert_eq!(
            hash_password(b"secret")[..4],
            [0x2b, 0xb8, 0x0d, 0x53],
            "SHA-256, as ACL LIST shows it in Redis"
        );
        assert!(digests_equal(&hash_password(b"a"), &hash_password(b"a")));
        assert!(!digests_equal(&hash_password(b"a"), &hash_password(b"b")));
    }
}

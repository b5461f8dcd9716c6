//! The users part of the server state: the [`Acl`] behind its lock, reached
//! through methods that each take the lock for one step.

use std::path::Path;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::acl::{Acl, CommandCatalog, LogEntry, UserCell};

/// Every user, their rules and the ACL log.
#[derive(Debug)]
pub struct Users {
    acl: RwLock<Acl>,
}

impl Users {
    pub fn new(requirepass: &str, commands: &'static dyn CommandCatalog) -> Users {
        Users { acl: RwLock::new(Acl::new(requirepass, commands)) }
    }

    /// The user a new connection runs as, and whether it starts
    /// authenticated (the default user needs no password).
    pub fn for_new_connection(&self) -> (Arc<UserCell>, bool) {
        let acl = self.acl.read();
        (acl.default_user(), acl.new_connections_start_authenticated())
    }

    /// Whether the default user takes any password (`nopass`).
    pub fn default_user_has_no_password(&self) -> bool {
        self.acl.read().default_user().rules.read().nopass
    }

    /// Whether a client that has not authenticated must.
    pub fn auth_required(&self) -> bool {
        self.acl.read().auth_required()
    }

    /// The user `name`, if it exists.
    pub fn get(&self, name: &[u8]) -> Option<Arc<UserCell>> {
        self.acl.read().user(name)
    }

    /// Every user's name, sorted.
    pub fn names(&self) -> Vec<Arc<str>> {
        self.acl.read().users().map(|cell| cell.name.clone()).collect()
    }

    /// `ACL LIST`: one `user <name> <rules>` line per user.
    pub fn list(&self) -> Vec<String> {
        self.acl.read().list()
    }

    /// `ACL SETUSER`: all rules or none; the failing rule and why.
    pub fn set_user(&self, name: &str, rules: &[&[u8]]) -> Result<(), (Vec<u8>, String)> {
        self.acl.write().set_user(name, rules)
    }

    /// Removes the users named (never `default`); the ones that existed.
    pub fn delete(&self, names: &[&[u8]]) -> Vec<Arc<UserCell>> {
        let mut acl = self.acl.write();
        let mut removed = Vec::new();
        for name in names {
            if let Some(cell) = acl.user(name) {
                acl.delete_user(name);
                removed.push(cell);
            }
        }
        removed
    }

    /// `acl-pubsub-default`: whether users created from now on get every channel.
    pub fn set_new_users_all_channels(&self, all: bool) {
        self.acl.write().set_new_users_all_channels(all);
    }

    /// `requirepass`: the default user's only password (none when empty).
    pub fn set_requirepass(&self, password: &str) {
        self.acl.write().set_requirepass(password);
    }

    /// The user `name` if `password` opens it.
    pub fn authenticate(&self, name: &[u8], password: &[u8]) -> Option<Arc<UserCell>> {
        self.acl.read().authenticate(name, password)
    }

    /// Adds to the ACL log (see [`Acl::log`]).
    pub fn log(
        &self,
        reason: (&'static str, &'static str),
        object: &[u8],
        username: &[u8],
        now_ms: u64,
        client_info: String,
    ) {
        self.acl.read().log(reason, object, username, now_ms, client_info);
    }

    /// The newest `count` ACL log entries.
    pub fn log_entries(&self, count: usize) -> Vec<LogEntry> {
        self.acl.read().log_entries(count)
    }

    pub fn reset_log(&self) {
        self.acl.read().reset_log();
    }

    /// Replaces every user with the ACL file's; the users replaced.
    pub fn load_file(&self, path: &Path) -> Result<Vec<Arc<UserCell>>, String> {
        self.acl.write().load_file(path)
    }
}

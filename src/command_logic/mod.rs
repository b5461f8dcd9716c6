//! Command logic that several files in `commands/` share, by domain. It
//! sits between the registry (whose [`crate::registry::Context`] it uses)
//! and the command files.

pub mod admin;
pub mod hashes;
pub mod keys;
pub mod lists;
pub mod pubsub;
#[cfg(test)]
pub mod set_checks;
pub mod sets;
pub mod sort;
pub mod streams;
pub mod streams_groups;
pub mod streams_read;
pub mod strings;
pub mod zset_pops;
pub mod zsets;

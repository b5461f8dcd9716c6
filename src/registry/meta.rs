//! What a command declares about itself: [`CommandMeta`] with its
//! [`Flag`]s, key positions ([`Keys`]) and [`Subcommand`]s.

use crate::protocol::parse::Argv;

/// Command flags, named as `COMMAND INFO` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Write,
    Readonly,
    DenyOom,
    Admin,
    NoScript,
    Loading,
    Stale,
    Fast,
    NoAuth,
    SkipSlowlog,
    AllowBusy,
    NoMulti,
    /// May block the connection (`BLPOP`): ACL category `@blocking`.
    Blocking,
    /// Keys found by a count argument (`LMPOP`): `COMMAND GETKEYS` cannot use `Keys`.
    MovableKeys,
    /// Pub/sub (`SUBSCRIBE`, `PUBLISH`): ACL category `@pubsub`.
    Pubsub,
}

impl Flag {
    /// The flag's bit in [`Entry::flag_bits`].
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// The bits of a set of flags.
    pub fn bits(flags: &[Flag]) -> u32 {
        flags.iter().fold(0, |bits, flag| bits | flag.bit())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Write => "write",
            Flag::Readonly => "readonly",
            Flag::DenyOom => "denyoom",
            Flag::Admin => "admin",
            Flag::NoScript => "noscript",
            Flag::Loading => "loading",
            Flag::Stale => "stale",
            Flag::Fast => "fast",
            Flag::NoAuth => "no_auth",
            Flag::SkipSlowlog => "skip_slowlog",
            Flag::AllowBusy => "allow_busy",
            Flag::NoMulti => "no_multi",
            Flag::Blocking => "blocking",
            Flag::MovableKeys => "movablekeys",
            Flag::Pubsub => "pubsub",
        }
    }
}

/// Where a command's keys are: arguments `first..=last` every `step`
/// (`last` negative counts from the end). All zero: no keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    pub first: i32,
    pub last: i32,
    pub step: i32,
}

impl Keys {
    pub const NONE: Keys = Keys { first: 0, last: 0, step: 0 };
    pub const ONE: Keys = Keys { first: 1, last: 1, step: 1 };
    pub const ALL: Keys = Keys { first: 1, last: -1, step: 1 };
    pub const PAIRS: Keys = Keys { first: 1, last: -1, step: 2 };
    /// The one argument after a subcommand's name (`OBJECT ENCODING key`).
    pub const AFTER_SUBCOMMAND: Keys = Keys { first: 2, last: 2, step: 1 };

    /// Indexes of the key arguments in an argument vector of length `argc`.
    pub fn positions(&self, argc: usize) -> impl Iterator<Item = usize> {
        let (first, last) = match (self.step <= 0 || self.first <= 0, self.last < 0) {
            (true, _) => (1, 0),
            (false, true) => (self.first, argc as i32 + self.last),
            (false, false) => (self.first, self.last),
        };
        (first..=last.min(argc as i32 - 1)).step_by(self.step.max(1) as usize).map(|i| i as usize)
    }
}

/// Computes a request's key flags from its arguments (command name first).
pub type KeyFlagsFn = fn(&[&[u8]]) -> &'static [&'static str];

/// Finds a request's keys from its arguments (command name first): Redis's
/// `unknown` key search, done by the command's own rules (`SORT ... STORE dest`).
pub type KeyFinderFn = fn(&[&[u8]]) -> Vec<usize>;

/// One of Redis 7's key specifications, for a command whose keys differ in
/// access (`BITOP`'s destination and sources) or whose flags are not the
/// ones derived from the command's flags (`PFADD`: `RW insert`).
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// The arguments it covers.
    pub keys: Keys,
    /// As `COMMAND INFO` lists them: `RW`, `access`, `update`, ...
    pub flags: &'static [&'static str],
    /// Redis's `notes` (empty: none).
    pub notes: &'static str,
    /// For `variable_flags` specifications: the flags a given request's
    /// keys have (`COMMAND GETKEYSANDFLAGS`), from its arguments.
    pub flags_for: Option<KeyFlagsFn>,
    /// Keys counted by an argument (`LMPOP numkeys key ...`): Redis's
    /// `keynum` search from `keys.first` (its `begin_search` index); the
    /// rest of `keys` is then unused.
    pub keynum: Option<Keynum>,
    /// An `unknown` search (`COMMAND INFO` shows no positions): the keys this
    /// function finds (none without one), locked and permission-checked.
    pub unknown: Option<Option<KeyFinderFn>>,
    /// Keys after a keyword (`XREAD … STREAMS key… id…`): Redis's `keyword`
    /// search from `keys.first` (its `startfrom`); the rest of `keys` is then unused.
    pub keyword: Option<Keyword>,
}

/// A `keyword` key search: the keys follow the first `word` (any case) at
/// or after the begin index, to the end; `half`: only the first half of
/// what follows (Redis's `limit` 2: `STREAMS key… id…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub word: &'static str,
    pub half: bool,
}

/// A `keynum` key search, relative to the specification's begin index:
/// the count is at `keynumidx`, the keys start at `firstkey`, every `keystep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keynum {
    pub keynumidx: i32,
    pub firstkey: i32,
    pub keystep: i32,
}

impl KeySpec {
    /// Whether its keys are found in the arguments rather than at fixed
    /// positions (a `keynum`, `keyword` or `unknown` search).
    pub fn is_searched(&self) -> bool {
        self.keynum.is_some() || self.keyword.is_some() || self.unknown.is_some()
    }

    /// Defaults for the fields a specification leaves out.
    pub const DEFAULT: KeySpec = KeySpec {
        keys: Keys::ONE,
        flags: &[],
        notes: "",
        flags_for: None,
        keynum: None,
        keyword: None,
        unknown: None,
    };

    /// One key at argument `index` with `flags`.
    pub const fn one(index: i32, flags: &'static [&'static str]) -> KeySpec {
        KeySpec { keys: Keys { first: index, last: index, step: 1 }, flags, ..KeySpec::DEFAULT }
    }

    /// Argument positions of the keys in `argv` (command name first);
    /// `None` when a key count is malformed or exceeds the arguments.
    pub fn positions(&self, argv: &[&[u8]]) -> Option<Vec<usize>> {
        let mut found = Vec::new();
        self.search(argv.len(), |i| argv[i], &mut found).then_some(found)
    }

    /// As [`KeySpec::positions`] for a request's arguments, appended to
    /// `found` without copying the arguments; false (nothing appended)
    /// when a key count is malformed or exceeds the arguments.
    pub fn extend_positions(&self, argv: Argv<'_>, found: &mut Vec<usize>) -> bool {
        self.search(argv.len(), |i| argv.get(i), found)
    }

    fn search<'a>(&self, len: usize, arg: impl Fn(usize) -> &'a [u8], found: &mut Vec<usize>) -> bool {
        if let Some(find) = self.unknown {
            if let Some(find) = find {
                found.extend(find(&(0..len).map(arg).collect::<Vec<_>>()));
            }
            return true;
        }
        if let Some(Keyword { word, half }) = self.keyword {
            let begin = (self.keys.first.max(0) as usize).min(len);
            let Some(at) = (begin..len).find(|&i| arg(i).eq_ignore_ascii_case(word.as_bytes())) else {
                return false;
            };
            let after = len - at - 1;
            let count = if half { after / 2 } else { after };
            found.extend(at + 1..at + 1 + count);
            return count > 0;
        }
        let Some(Keynum { keynumidx, firstkey, keystep }) = self.keynum else {
            found.extend(self.keys.positions(len));
            return true;
        };
        let begin = self.keys.first as usize;
        let index = begin + keynumidx as usize;
        let Some(count) = (index < len).then(|| crate::protocol::parse::parse_i64(arg(index))).flatten()
        else {
            return false;
        };
        let first = begin + firstkey as usize;
        let step = keystep.max(1) as usize;
        match usize::try_from(count) {
            Ok(n) if n > 0 && n <= len.saturating_sub(first) => {
                found.extend((0..n).map(|i| first + i * step));
                true
            }
            _ => false,
        }
    }
}

/// A subcommand of a container command (`CLIENT SETNAME`, `CONFIG GET`).
#[derive(Debug, Clone, Copy)]
pub struct Subcommand {
    /// Lowercase, without the container: `setname`.
    pub name: &'static str,
    /// Arity counting the container and the subcommand, as Redis does.
    pub arity: i32,
    pub flags: &'static [Flag],
    pub summary: &'static str,
    /// Where the subcommand's keys are, counting the container as argument
    /// 0, as Redis 7's per-subcommand key specifications do.
    pub keys: Keys,
}

impl Subcommand {
    /// Defaults for the fields a subcommand leaves out (`..Subcommand::DEFAULT`).
    pub const DEFAULT: Subcommand =
        Subcommand { name: "", arity: 2, flags: &[], summary: "", keys: Keys::NONE };

    /// The `HELP` subcommand as Redis declares it for its containers
    /// (`CLIENT HELP`, `CONFIG HELP`, ...); the reply is `command_logic::admin::help_reply`.
    pub const HELP: Subcommand = Subcommand {
        name: "help",
        arity: 2,
        flags: &[Flag::Loading, Flag::Stale],
        summary: "Returns helpful text about the different subcommands.",
        keys: Keys::NONE,
    };

    /// `HELP` with Redis 7.0's older summary, which `MEMORY`, `OBJECT` and
    /// `SLOWLOG` still carry there.
    pub const HELP_SHOW: Subcommand =
        Subcommand { summary: "Show helpful text about the different subcommands", ..Subcommand::HELP };
}

/// ACL categories of the data types, as a command may declare them itself.
const DATA_TYPE_CATEGORIES: &[&str] = &["@list", "@set", "@sortedset"];

/// A command's metadata, next to its handler; `COMMAND` and `COMMAND DOCS`
/// are generated from it.
#[derive(Debug, Clone, Copy)]
pub struct CommandMeta {
    /// Lowercase name.
    pub name: &'static str,
    /// Redis's convention: positive = exactly, negative = at least; the name counts.
    pub arity: i32,
    pub flags: &'static [Flag],
    /// Redis's command group: string, hash, generic, connection, server.
    pub group: &'static str,
    pub summary: &'static str,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    pub complexity: &'static str,
    pub keys: Keys,
    /// Key specifications, when the one derived from `keys` and the flags
    /// is not Redis's (empty: derived). `keys` still drives key lookup.
    pub key_specs: &'static [KeySpec],
    /// Keys Redis declares no specification for but MiniRedis still checks
    /// permissions on and locks: when argument 1 is the keyword (any
    /// case), these (`DEBUG OBJECT key`). Not shown by `COMMAND`.
    pub keyword_keys: &'static [(&'static str, Keys)],
    pub subcommands: &'static [Subcommand],
    /// ACL categories beyond those derived from the group and flags (as
    /// Redis lists them: `["@dangerous"]`), for this command and its
    /// subcommands.
    pub extra_acl_categories: &'static [&'static str],
}

impl CommandMeta {
    /// Defaults for the fields a command leaves out (`..CommandMeta::DEFAULT`).
    pub const DEFAULT: CommandMeta = CommandMeta {
        name: "",
        arity: 1,
        flags: &[],
        group: "generic",
        summary: "",
        since: "1.0.0",
        complexity: "O(1)",
        keys: Keys::NONE,
        key_specs: &[],
        keyword_keys: &[],
        subcommands: &[],
        extra_acl_categories: &[],
    };

    pub fn has(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }

    /// ACL categories, derived from the group and flags, plus the extra
    /// ones the command lists. A container command (with subcommands) gets
    /// only its flags' categories, as in Redis.
    pub fn acl_categories(&self) -> Vec<&'static str> {
        self.categories_for(self.flags, self.keys, !self.subcommands.is_empty(), false)
    }

    /// The ACL categories of one of this command's subcommands.
    pub fn subcommand_acl_categories(&self, sub: &Subcommand) -> Vec<&'static str> {
        self.categories_for(sub.flags, Keys::NONE, false, true)
    }

    fn categories_for(&self, flags: &[Flag], keys: Keys, container: bool, sub: bool) -> Vec<&'static str> {
        let has = |flag| flags.contains(&flag);
        let mut cats = Vec::new();
        if has(Flag::Write) {
            cats.push("@write");
        }
        if has(Flag::Readonly) {
            cats.push("@read");
        }
        match self.group {
            _ if container => {}
            "string" => cats.push("@string"),
            "hash" => cats.push("@hash"),
            "list" => cats.push("@list"),
            "set" => cats.push("@set"),
            "sortedset" => cats.push("@sortedset"),
            "stream" => cats.push("@stream"),
            "bitmap" => cats.push("@bitmap"),
            "hyperloglog" => cats.push("@hyperloglog"),
            // A generic command that names its data types (SORT) is not @keyspace.
            "generic" if self.extra_acl_categories.iter().any(|c| DATA_TYPE_CATEGORIES.contains(c)) => {}
            "generic" if sub || keys != Keys::NONE || has(Flag::Write) || has(Flag::Readonly) => {
                cats.push("@keyspace")
            }
            "connection" => cats.push("@connection"),
            _ => {}
        }
        if has(Flag::Admin) {
            cats.extend(["@admin", "@dangerous"]);
        }
        cats.push(if has(Flag::Fast) { "@fast" } else { "@slow" });
        if has(Flag::Blocking) {
            cats.push("@blocking");
        }
        if has(Flag::Pubsub) {
            cats.push("@pubsub");
        }
        for extra in self.extra_acl_categories {
            if !cats.contains(extra) {
                cats.push(extra);
            }
        }
        // Redis lists them in its category table's order (`@admin @slow @dangerous`).
        let rank = |cat: &&str| crate::acl::CATEGORIES.iter().position(|name| cat.get(1..) == Some(*name));
        cats.sort_by_key(rank);
        cats
    }
}

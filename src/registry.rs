//! The command plug-in interface: the [`Command`] trait with its metadata,
//! the table built once from every `inventory::submit!`ed [`Registration`],
//! the argument cursor [`Args`], the per-command [`Context`], and [`dispatch`].

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use once_cell::sync::Lazy;

use crate::protocol::parse::{parse_f64, parse_i64, Argv};
use crate::protocol::{Reply, ReplyError};
use crate::server::{ClientState, Shared};
use crate::store::effects::{Deletion, Effects, EventClass, Propagation};
use crate::store::Keyspace;

/// What a command handler returns; an `Err` becomes an error reply.
pub type CommandResult = Result<Reply, ReplyError>;

/// A command. Each file in `commands/` implements this for one type and
/// registers it with `inventory::submit!`.
pub trait Command: Send + Sync + 'static {
    /// Name, arity, flags and documentation, read once when the table is built.
    fn meta(&self) -> CommandMeta;

    /// Runs the command. `args` is positioned after the command name, and
    /// arity (and the subcommand's, if any) has already been checked.
    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult;
}

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
}

impl KeySpec {
    /// Defaults for the fields a specification leaves out.
    pub const DEFAULT: KeySpec = KeySpec { keys: Keys::ONE, flags: &[], notes: "", flags_for: None };
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
    /// (`CLIENT HELP`, `CONFIG HELP`, ...); the reply is `ops::help_reply`.
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
            "bitmap" => cats.push("@bitmap"),
            "hyperloglog" => cats.push("@hyperloglog"),
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

/// One command's entry in the inventory. Every file in `commands/` submits one:
/// `inventory::submit! { Registration::new(&Get, module_path!()) }`.
pub struct Registration {
    pub command: &'static dyn Command,
    /// `module_path!()` of the file that registered it (checked by a test).
    pub module: &'static str,
}

impl Registration {
    pub const fn new(command: &'static dyn Command, module: &'static str) -> Registration {
        Registration { command, module }
    }
}

inventory::collect!(Registration);

/// A row of the command table.
pub struct Entry {
    pub meta: CommandMeta,
    pub command: &'static dyn Command,
    pub module: &'static str,
    /// `container|sub` for each subcommand, as `CLIENT LIST` shows `cmd=`.
    pub sub_names: Vec<String>,
    /// The command's ACL id; subcommand `i` has `acl_id + 1 + i`.
    pub acl_id: usize,
    /// ACL category bits (see [`crate::acl::CATEGORIES`]) of the command,
    /// then of each subcommand.
    pub acl_bits: u32,
    pub sub_acl_bits: Vec<u32>,
    /// [`Flag::bit`]s of the command's flags, and of each subcommand's.
    pub flag_bits: u32,
    pub sub_flag_bits: Vec<u32>,
    /// This command's slot in the server's [`crate::metrics::Metrics`];
    /// its subcommands' follow it.
    pub stat_slot: u32,
}

impl Entry {
    /// The key specification that applies to a request whose argument 1
    /// is `first_arg`: subcommand `sub`'s, a keyword's, or the command's.
    pub fn keys(&self, sub: Option<usize>, first_arg: Option<&[u8]>) -> Keys {
        if let Some(index) = sub {
            return self.meta.subcommands[index].keys;
        }
        let keyword =
            |(word, _): &&(&str, Keys)| first_arg.is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()));
        self.meta.keyword_keys.iter().find(keyword).map_or(self.meta.keys, |(_, keys)| *keys)
    }

    /// The [`Flag::bit`]s of the command, or of subcommand `sub`.
    pub fn flags_of(&self, sub: Option<usize>) -> u32 {
        sub.map_or(self.flag_bits, |index| self.sub_flag_bits[index])
    }

    /// The subcommand called `name` (any case), by index.
    pub fn subcommand_index(&self, name: &[u8]) -> Option<usize> {
        self.meta.subcommands.iter().position(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }

    pub fn arity_ok(arity: i32, argc: usize) -> bool {
        if arity >= 0 {
            argc == arity as usize
        } else {
            argc >= arity.unsigned_abs() as usize
        }
    }
}

struct Table {
    entries: Vec<Entry>,
    /// Entry names by [`bucket`]: a lookup compares the request's name
    /// with the one or two names that share its length and first letter,
    /// a word at a time, without hashing it.
    buckets: Vec<Vec<Name>>,
}

/// The longest command name [`lookup`] finds.
const MAX_NAME: usize = 32;

/// A command name as [`lookup`] compares it: the lowercase name in
/// little-endian words, zero-padded, and per byte the bit that case may
/// flip (0x20 for letters, 0 for other bytes).
#[derive(Clone)]
struct Name {
    words: [u64; MAX_NAME / 8],
    case: [u64; MAX_NAME / 8],
    entry: u16,
}

/// The bucket of a name of 1..=[`MAX_NAME`] bytes: its length and the low
/// bits of its first byte (the same for both cases of a letter).
fn bucket(name: &[u8]) -> Option<usize> {
    match name {
        [first, ..] if name.len() <= MAX_NAME => Some(name.len() << 5 | usize::from(first & 0x1f)),
        _ => None,
    }
}

/// `name` zero-padded to [`MAX_NAME`] bytes, as little-endian words.
fn words(name: &[u8]) -> [u64; MAX_NAME / 8] {
    let mut padded = [0u8; MAX_NAME];
    padded[..name.len()].copy_from_slice(name);
    std::array::from_fn(|i| u64::from_le_bytes(padded[i * 8..i * 8 + 8].try_into().unwrap_or_default()))
}

static TABLE: Lazy<Table> = Lazy::new(|| {
    let mut entries: Vec<Entry> = inventory::iter::<Registration>
        .into_iter()
        .map(|r| {
            let meta = r.command.meta();
            let sub_names =
                meta.subcommands.iter().map(|sub| format!("{}|{}", meta.name, sub.name)).collect();
            let acl_bits = crate::acl::category_bits(&meta.acl_categories());
            let sub_acl_bits = meta
                .subcommands
                .iter()
                .map(|sub| crate::acl::category_bits(&meta.subcommand_acl_categories(sub)))
                .collect();
            Entry {
                flag_bits: Flag::bits(meta.flags),
                sub_flag_bits: meta.subcommands.iter().map(|sub| Flag::bits(sub.flags)).collect(),
                meta,
                command: r.command,
                module: r.module,
                sub_names,
                acl_id: 0,
                acl_bits,
                sub_acl_bits,
                stat_slot: 0,
            }
        })
        .collect();
    entries.sort_by_key(|e| e.meta.name);
    let mut next_id = 0;
    for entry in &mut entries {
        entry.acl_id = next_id;
        entry.stat_slot = next_id as u32;
        next_id += 1 + entry.meta.subcommands.len();
    }
    let mut by_name = HashMap::new();
    let mut buckets = vec![Vec::new(); (MAX_NAME + 1) << 5];
    for (i, entry) in entries.iter().enumerate() {
        let name = entry.meta.name;
        assert!(
            !name.is_empty() && name.bytes().all(|b| !b.is_ascii_uppercase()),
            "command name {name:?} (from {}) must be non-empty lowercase",
            entry.module
        );
        if let Some(&first) = by_name.get(name.as_bytes()) {
            let first: &Entry = &entries[first];
            panic!("duplicate command name '{name}': registered by {} and by {}", first.module, entry.module);
        }
        by_name.insert(name.as_bytes(), i);
        if let Some(b) = bucket(name.as_bytes()) {
            let case: Vec<u8> = name.bytes().map(|c| if c.is_ascii_lowercase() { 0x20 } else { 0 }).collect();
            let entry = u16::try_from(i).expect("fewer than 65536 commands");
            buckets[b].push(Name { words: words(name.as_bytes()), case: words(&case), entry });
        }
    }
    Table { entries, buckets }
});

/// Builds the command table now, so a duplicate name panics at start-up.
pub fn init() -> usize {
    TABLE.entries.len()
}

/// How many ACL ids commands and subcommands use.
pub fn acl_id_count() -> usize {
    TABLE.entries.last().map_or(0, |e| e.acl_id + 1 + e.meta.subcommands.len())
}

/// How many statistics slots the commands and subcommands take.
pub fn stat_slots() -> usize {
    TABLE.entries.last().map_or(0, |e| e.stat_slot as usize + 1 + e.sub_names.len())
}

/// (slot, name) of every command and subcommand, as `INFO commandstats` names them.
pub fn stat_names() -> impl Iterator<Item = (usize, &'static str)> {
    TABLE.entries.iter().flat_map(|e| {
        let base = e.stat_slot as usize;
        std::iter::once((base, e.meta.name))
            .chain(e.sub_names.iter().enumerate().map(move |(i, name)| (base + 1 + i, name.as_str())))
    })
}

/// Every command, sorted by name.
pub fn commands() -> &'static [Entry] {
    &TABLE.entries
}

/// The command called `name`, case-insensitively (names are lowercase).
pub fn lookup(name: &[u8]) -> Option<&'static Entry> {
    let table = &*TABLE;
    let candidates = table.buckets.get(bucket(name)?)?;
    // Equal lengths: `name` lowercased equals the entry's name exactly when
    // each word, with the case bit set where the entry has a letter, does.
    let given = words(name);
    let used = name.len().div_ceil(8);
    let found = candidates.iter().find(|c| (0..used).all(|i| given[i] | c.case[i] == c.words[i]))?;
    Some(&table.entries[usize::from(found.entry)])
}

/// The subcommand of `meta` called `name`, case-insensitively.
pub fn find_subcommand(meta: &'static CommandMeta, name: &[u8]) -> Option<&'static Subcommand> {
    meta.subcommands.iter().find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Runs one request and returns its reply: lookup, the generic arity checks,
/// then the handler. Never panics on client input. Every error reply is
/// counted for `INFO errorstats`.
pub fn dispatch(ctx: &mut Context<'_>, argv: Argv<'_>) -> Reply {
    let reply = dispatch_counted(ctx, argv);
    if let Reply::Error(e) = &reply {
        ctx.server.metrics.count_error(e.text());
    }
    reply
}

fn dispatch_counted(ctx: &mut Context<'_>, argv: Argv<'_>) -> Reply {
    let Some(entry) = lookup(argv.get(0)) else {
        return Reply::Error(unknown_command(argv));
    };
    let meta = &entry.meta;
    let mut slot = entry.stat_slot;
    if !Entry::arity_ok(meta.arity, argv.len()) {
        ctx.client.tally.reject(slot);
        return Reply::Error(ReplyError::wrong_arity(meta.name));
    }
    let mut name = meta.name;
    let mut sub = None;
    // The subcommand's flag bits (none without a subcommand).
    let mut sub_flags = 0;
    if !meta.subcommands.is_empty() && argv.len() >= 2 {
        let given = argv.get(1);
        let Some(index) = entry.subcommand_index(given) else {
            return Reply::Error(ReplyError::err(format_args!(
                "unknown subcommand '{}'. Try {} HELP.",
                truncate(given, 128),
                meta.name.to_ascii_uppercase()
            )));
        };
        let full_name = &entry.sub_names[index];
        slot += 1 + index as u32;
        if !Entry::arity_ok(meta.subcommands[index].arity, argv.len()) {
            ctx.client.tally.reject(slot);
            return Reply::Error(ReplyError::wrong_arity(full_name));
        }
        name = full_name;
        sub = Some(index);
        sub_flags = entry.sub_flag_bits[index];
    }
    // Redis's order: authentication, then permissions, then memory. A
    // rejection counts in the command's `rejected_calls`.
    let flags = entry.flag_bits;
    if !ctx.client.authenticated && flags & Flag::NoAuth.bit() == 0 && ctx.server.auth_required() {
        ctx.client.tally.reject(slot);
        return Reply::Error(ReplyError::NOAUTH);
    }
    if !ctx.client.user.unrestricted() {
        if let Err(denied) = crate::acl::check(ctx, entry, sub, argv) {
            ctx.client.tally.reject(slot);
            return Reply::Error(denied);
        }
    }
    ctx.command = name;
    // The shards of the command's (or subcommand's) keys are locked
    // together, on first use; keyless commands lock every shard.
    let keys = entry.keys(sub, (argv.len() > 1).then(|| argv.get(1)));
    if keys.step > 0 {
        ctx.keyspace.want_keys(keys.positions(argv.len()).map(|i| argv.get(i)));
    }
    // One comparison when there is no limit.
    let maxmemory = ctx.server.maxmemory.load(Ordering::Relaxed);
    if maxmemory != 0
        && !within_memory_limit(ctx, maxmemory)
        && (flags | sub_flags) & Flag::DenyOom.bit() != 0
    {
        ctx.client.tally.reject(slot);
        return Reply::Error(ReplyError::OOM);
    }
    let metrics = &ctx.server.metrics;
    if metrics.monitor_count.load(Ordering::Relaxed) != 0 && (flags | sub_flags) & Flag::Admin.bit() == 0 {
        let now_us = ctx.server.clock.now_us();
        metrics.feed_monitors(now_us, ctx.client.db, &ctx.client.handle.addr, argv.iter());
    }
    let started = crate::metrics::monotonic_ns();
    let mut args = Args::new(argv);
    let write = flags & Flag::Write.bit() != 0;
    let result = entry.command.execute(ctx, &mut args);
    let usec = crate::metrics::monotonic_ns().wrapping_sub(started) / 1000;
    ctx.client.tally.call(slot, usec, result.is_err());
    after_call(ctx, argv, usec, flags | sub_flags);
    let reply = match result {
        Ok(reply) => {
            if write {
                ctx.server.note_write();
            }
            reply
        }
        Err(err) => Reply::Error(err),
    };
    ctx.hand_on_effects(write, argv, &reply);
    reply
}

/// The slow log and the latency monitor: one load each while they are off.
/// `flags`: the command's and the subcommand's [`Flag::bit`]s.
fn after_call(ctx: &mut Context<'_>, argv: Argv<'_>, usec: u64, flags: u32) {
    let metrics = &ctx.server.metrics;
    let slower_than = metrics.slowlog_threshold.load(Ordering::Relaxed);
    if slower_than >= 0 && usec >= slower_than as u64 && flags & Flag::SkipSlowlog.bit() == 0 {
        metrics.log_slow(crate::metrics::SlowEntry {
            id: 0,
            time_secs: ctx.now_ms / 1000,
            usec,
            argv: crate::metrics::slowlog_argv((0..argv.len()).map(|i| argv.get(i))),
            addr: ctx.client.handle.addr.clone(),
            name: ctx.client.handle.info.lock().name.clone(),
        });
    }
    let threshold_ms = metrics.latency_threshold.load(Ordering::Relaxed);
    if threshold_ms != 0 && usec / 1000 >= threshold_ms {
        let event = if flags & Flag::Fast.bit() != 0 { "fast-command" } else { "command" };
        metrics.latency_sample(event, ctx.server.clock.now_ms() / 1000, usec / 1000);
    }
}

/// Redis's `performEvictions` before a command: evicts by the policy while
/// the memory in use is above `maxmemory`; false when it stays above.
fn within_memory_limit(ctx: &mut Context<'_>, maxmemory: u64) -> bool {
    let over = || crate::alloc::allocated() as u64 > maxmemory;
    if !over() {
        return true;
    }
    let (now, aof) = (ctx.now_ms(), ctx.aof.then_some(&ctx.server.persist.aof));
    let effects = ctx.keyspace.effects_mut();
    ctx.server.store.perform_evictions(now, over, |db, key| {
        effects.deleted(db, key, Deletion::Evicted);
        if let Some(aof) = aof {
            crate::persist::log_eviction(aof, db, key);
        }
    })
}

/// At most `max` bytes of `bytes`, ending at a NUL as C's `%.*s` does.
fn truncate(bytes: &[u8], max: usize) -> String {
    let bytes = bytes.split(|&b| b == 0).next().unwrap_or_default();
    String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned()
}

/// Redis's text: `ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
fn unknown_command(argv: Argv<'_>) -> ReplyError {
    let mut args = String::new();
    for arg in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push_str(&format!("'{}' ", truncate(arg, room)));
    }
    ReplyError::err(format_args!(
        "unknown command '{}', with args beginning with: {args}",
        truncate(argv.get(0), 128)
    ))
}

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

/// What a command sees while it runs: the server, its connection, the
/// clock, and the keyspace (the shards of its keys, locked on first use and
/// released when it returns).
pub struct Context<'a> {
    pub server: &'a Shared,
    pub client: &'a mut ClientState,
    /// The running command's name (lowercase).
    pub command: &'static str,
    keyspace: Keyspace<'a>,
    now_ms: u64,
    /// The append-only file was on when the command started.
    aof: bool,
}

impl<'a> Context<'a> {
    pub fn new(server: &'a Shared, client: &'a mut ClientState) -> Context<'a> {
        let now_ms = server.clock.now_ms();
        Self::at(server, client, now_ms)
    }

    /// A context at a given time: the connection reads the clock once per
    /// batch of pipelined requests rather than once per command.
    pub fn at(server: &'a Shared, client: &'a mut ClientState, now_ms: u64) -> Context<'a> {
        let aof = server.persist.aof.on();
        let mut keyspace = server.store.view();
        // The connection's buffers, reused from command to command; the last
        // command's effects stay readable until the next one starts.
        if !client.effects.is_empty() {
            client.effects.clear();
        }
        keyspace.swap_effects(&mut client.effects);
        Context { server, client, command: "", keyspace, now_ms, aof }
    }

    /// Hands on what the command did, while its shards are still held: to
    /// the append-only file when it is on (the one place writes reach it;
    /// the reply then waits for the log). A command that did nothing costs
    /// one check.
    fn hand_on_effects(&mut self, write: bool, argv: Argv<'_>, reply: &Reply) {
        if self.aof {
            self.keyspace.collect_expired();
        }
        let effects = self.keyspace.effects();
        if effects.is_empty() && !write {
            return;
        }
        if self.aof {
            let logged = !reply.is_error() && (write || effects.propagation() == Propagation::Rewritten);
            let has_expired = effects.deleted_keys().any(|(_, why, _)| why == Deletion::Expired);
            // A read that expired nothing never takes the log's lock, which every write takes.
            if logged || has_expired {
                let aof = &self.server.persist.aof;
                let wait = crate::persist::log_effects(aof, effects, logged, self.client.db, argv);
                if wait > 0 {
                    self.client.aof_wait = wait;
                }
            }
        }
    }

    /// What the command did so far (its effects).
    pub fn effects(&self) -> &Effects {
        self.keyspace.effects()
    }

    /// Records keyspace event `event` (Redis's name: `set`, `hset`, `del`)
    /// on `key` in the selected database.
    pub fn notify(&mut self, class: EventClass, event: &'static str, key: &[u8]) {
        self.notify_in(self.client.db, class, event, key);
    }

    /// As [`Context::notify`], in database `db` (`MOVE`, `COPY ... DB`).
    pub fn notify_in(&mut self, db: usize, class: EventClass, event: &'static str, key: &[u8]) {
        self.keyspace.effects_mut().event(db, class, event, key);
    }

    /// Propagates `parts` (in the selected database) instead of the request;
    /// called several times, propagates each in turn.
    pub fn propagate_as(&mut self, parts: &[&[u8]]) {
        let db = self.client.db;
        self.keyspace.effects_mut().propagate_as(db, parts);
    }

    /// Propagates already encoded records that carry their own `SELECT`s.
    pub fn propagate_encoded(&mut self, records: &[u8]) {
        self.keyspace.effects_mut().propagate_encoded(records);
    }

    /// Propagates nothing (the command changed nothing).
    pub fn propagate_none(&mut self) {
        self.keyspace.effects_mut().propagate_none();
    }

    /// Whether anything consumes propagated records (the append-only file
    /// is on): a command whose logged form is costly to build asks first.
    pub fn propagates(&self) -> bool {
        self.aof
    }

    /// Propagates `parts` followed by `PXAT <at>` (`SET` with a relative
    /// expiry, `SETEX`).
    pub fn propagate_set_pxat(&mut self, parts: &[&[u8]], at: u64) {
        let mut at_text = itoa::Buffer::new();
        let at = at_text.format(at).as_bytes();
        let mut record = Vec::with_capacity(parts.len() + 2);
        record.extend_from_slice(parts);
        record.extend_from_slice(&[b"PXAT", at]);
        self.propagate_as(&record);
    }

    /// Reports an expiry the command gave `key` (`EXPIRE`, `GETEX EX`):
    /// event `expire`, or `del` when the deadline had passed and the key
    /// went, and the propagation in absolute time. When not `applied`,
    /// nothing is propagated.
    pub fn report_expiry(&mut self, applied: bool, key: &[u8]) {
        if !applied {
            return self.propagate_none();
        }
        let event = if self.db().contains(key) { "expire" } else { "del" };
        self.notify(EventClass::Generic, event, key);
        self.propagate_expiry(key);
    }

    /// Propagates `key`'s expiry as it now stands, in absolute time:
    /// `PEXPIREAT key <deadline>`, `PERSIST key` without one, or `DEL key`
    /// once it is gone. Relative times (`EXPIRE`, `GETEX EX`) never reach
    /// the log, so a replay at any later time gives the same data.
    pub fn propagate_expiry(&mut self, key: &[u8]) {
        match self.db().deadline(key) {
            Some(at) => self.propagate_as(&[b"PEXPIREAT", key, itoa::Buffer::new().format(at).as_bytes()]),
            None if self.db().contains(key) => self.propagate_as(&[b"PERSIST", key]),
            None => self.propagate_as(&[b"DEL", key]),
        }
    }

    /// The time this command runs at, in Unix ms (fixed for the whole command).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Every database, every shard (for commands that cross databases or
    /// keys without a key specification).
    pub fn keyspace(&mut self) -> &mut Keyspace<'a> {
        self.keyspace.want_all();
        self.db().hold_all()
    }

    /// The connection's selected database, in the shards of the command's keys.
    pub fn db(&mut self) -> &mut Keyspace<'a> {
        let (index, now, touch) = (self.client.db, self.now_ms, !self.client.no_touch);
        self.keyspace.prepare(index, now, touch, self.aof);
        &mut self.keyspace
    }

    /// Whether replies use RESP3 types.
    pub fn resp3(&self) -> bool {
        self.client.protocol == 3
    }
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        self.keyspace.swap_effects(&mut self.client.effects);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    #[test]
    fn every_command_file_registers_a_command() {
        let registered: Vec<&str> =
            commands().iter().map(|e| e.module.rsplit("::").next().unwrap_or("")).collect();
        for module in crate::commands::MODULES {
            assert!(
                registered.contains(module),
                "commands/{}.rs registers no command: add inventory::submit! {{ Registration::new(...) }}",
                module.trim_end_matches('_')
            );
        }
    }

    #[test]
    fn table_is_sane() {
        assert!(init() >= 20);
        for entry in commands() {
            let meta = &entry.meta;
            assert_ne!(meta.arity, 0, "{}", meta.name);
            assert!(!meta.summary.is_empty(), "{} has no summary", meta.name);
            assert!(
                !(meta.has(Flag::Write) && meta.has(Flag::Readonly)),
                "{} is both write and readonly",
                meta.name
            );
            for sub in meta.subcommands {
                assert!(sub.arity.unsigned_abs() >= 2, "{}|{}", meta.name, sub.name);
            }
        }
        assert!(lookup(b"GeT").is_some());
        assert!(lookup(&[b'a'; 100]).is_none());
    }

    #[test]
    fn lookup_finds_every_name_in_any_case_and_nothing_else() {
        for entry in commands() {
            let name = entry.meta.name;
            for spelled in [name.to_string(), name.to_ascii_uppercase(), {
                let mut mixed = name.to_string();
                mixed[..1].make_ascii_uppercase();
                mixed
            }] {
                let found = lookup(spelled.as_bytes()).map(|e| e.meta.name);
                assert_eq!(found, Some(name), "{spelled}");
            }
            // Same length and first letter, another name.
            let mut other = name.as_bytes().to_vec();
            *other.last_mut().unwrap() ^= 0x80;
            assert!(lookup(&other).is_none(), "{name}");
        }
        // The first byte's low bits alone do not match: `G` (0x47) and `'` (0x27) share them.
        assert!(lookup(b"'et").is_none());
        assert!(lookup(b"").is_none());
        assert!(lookup(&[b'g'; 33]).is_none());
    }

    #[test]
    fn unknown_command_and_arity_errors_are_redis_texts() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("FOO a b"),
            Reply::error("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ")
        );
        assert_eq!(h.run("GET"), Reply::error("ERR wrong number of arguments for 'get' command"));
        assert_eq!(h.run("CLIENT FOO"), Reply::error("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
        assert_eq!(
            h.run("CLIENT SETNAME"),
            Reply::error("ERR wrong number of arguments for 'client|setname' command")
        );
    }

    #[test]
    fn denyoom_commands_get_oom_over_the_limit_under_noeviction() {
        let mut h = Harness::new();
        h.run("SET k v");
        h.run("CONFIG SET maxmemory 1");
        let oom = Reply::error("OOM command not allowed when used memory > 'maxmemory'.");
        assert_eq!(h.run("SET k2 v"), oom);
        assert_eq!(h.run("APPEND k x"), oom);
        assert_eq!(h.run("GET k"), Reply::bulk("v"), "reads work");
        assert_eq!(h.run("PERSIST k"), Reply::Integer(0), "writes that are not denyoom work");
        assert_eq!(h.run("DEL k"), Reply::Integer(1));
        h.run("CONFIG SET maxmemory 0");
        assert_eq!(h.run("SET k2 v"), Reply::OK);
    }

    #[test]
    fn over_the_limit_keys_are_evicted_by_policy() {
        let mut h = Harness::new();
        for i in 0..50 {
            h.run(&format!("SET k{i} v"));
        }
        h.run("SET volatile v EX 100");
        // A limit the process is always above: every write evicts what it can.
        h.run("CONFIG SET maxmemory-policy volatile-ttl maxmemory 1");
        assert_eq!(
            h.run("SET k50 v"),
            Reply::error("OOM command not allowed when used memory > 'maxmemory'.")
        );
        assert_eq!(h.run("EXISTS volatile"), Reply::Integer(0), "the only volatile key went");
        assert_eq!(h.run("DBSIZE"), Reply::Integer(50), "non-volatile keys stay");
        h.run("CONFIG SET maxmemory-policy allkeys-random");
        h.run("SET k50 v");
        assert_eq!(h.run("DBSIZE"), Reply::Integer(0), "everything goes, and the write is refused");
        let info = match h.run("INFO stats") {
            Reply::Verbatim(text) => String::from_utf8(text).unwrap(),
            other => panic!("{other:?}"),
        };
        assert!(info.contains("evicted_keys:51\r\n"), "{info}");
    }

    #[test]
    fn the_effects_of_a_command_that_evicts_name_the_evicted_keys() {
        let mut h = Harness::new();
        for i in 0..5 {
            h.run(&format!("SET k{i} v"));
        }
        h.run("CONFIG SET maxmemory-policy allkeys-random");
        // The limit set behind CONFIG's back, so the next command is the one that evicts.
        h.shared.maxmemory.store(1, Ordering::Relaxed);
        assert_eq!(
            h.run("SET k5 v"),
            Reply::error("OOM command not allowed when used memory > 'maxmemory'.")
        );
        let evicted = h.effects().deleted_keys().filter(|&(db, why, _)| db == 0 && why == Deletion::Evicted);
        assert_eq!(evicted.count(), 5);
        assert_eq!(h.events().iter().filter(|e| e.starts_with("0:evicted:k")).count(), 5);
    }

    #[test]
    fn lru_evicts_the_idle_keys_first() {
        let mut h = Harness::new();
        for i in 0..200 {
            h.run(&format!("SET old{i} v"));
        }
        h.advance_ms(100_000);
        for i in 0..200 {
            h.run(&format!("SET new{i} v"));
        }
        h.run("CONFIG SET maxmemory-policy allkeys-lru maxmemory-samples 10");
        let now = h.shared.clock.now_ms();
        let mut left = 100;
        assert!(h.shared.store.perform_evictions(
            now,
            || {
                left -= 1;
                left >= 0
            },
            |_, _| {}
        ));
        let mut db = h.keyspace();
        let old_left = (0..200).filter(|i| db.contains(format!("old{i}").as_bytes())).count();
        let new_left = (0..200).filter(|i| db.contains(format!("new{i}").as_bytes())).count();
        assert_eq!(old_left + new_left, 300);
        assert_eq!(new_left, 200, "only idle keys were evicted ({old_left} old left)");
    }

    #[test]
    fn key_positions() {
        assert_eq!(Keys::ONE.positions(3).collect::<Vec<_>>(), vec![1]);
        assert_eq!(Keys::ALL.positions(4).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(Keys::PAIRS.positions(5).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(Keys::NONE.positions(5).collect::<Vec<_>>(), Vec::<usize>::new());
    }
}

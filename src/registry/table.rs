//! The command table, built once from every `inventory::submit!`ed
//! [`Registration`], and the case-insensitive [`lookup`].

use std::collections::HashMap;

use once_cell::sync::Lazy;

use super::{Command, CommandMeta, Flag, Keys, Subcommand};
use crate::protocol::parse::Argv;

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

    /// Argument positions of a request's keys: those of [`Entry::keys`],
    /// then those a key count finds (`ZUNION numkeys key ...`). A count
    /// that is malformed or exceeds the arguments finds none (the command
    /// then refuses the request itself).
    pub fn key_positions(&self, sub: Option<usize>, argv: Argv<'_>) -> Vec<usize> {
        let keys = self.keys(sub, (argv.len() > 1).then(|| argv.get(1)));
        let mut positions: Vec<usize> = keys.positions(argv.len()).collect();
        if sub.is_none() {
            for spec in self.meta.key_specs.iter().filter(|spec| spec.is_searched()) {
                spec.extend_positions(argv, &mut positions);
            }
        }
        positions
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

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({} commands)", self.entries.len())
    }
}

impl crate::acl::CommandCatalog for Table {
    fn id_count(&self) -> usize {
        acl_id_count()
    }

    fn each_id(&self, f: &mut dyn FnMut(usize, u32)) {
        for entry in &self.entries {
            f(entry.acl_id, entry.acl_bits);
            for (i, bits) in entry.sub_acl_bits.iter().enumerate() {
                f(entry.acl_id + 1 + i, *bits);
            }
        }
    }

    fn each_command(&self, f: &mut dyn FnMut(usize, &str, &[String])) {
        for entry in &self.entries {
            f(entry.acl_id, entry.meta.name, &entry.sub_names);
        }
    }

    fn command_ids(&self, name: &[u8]) -> Option<std::ops::Range<usize>> {
        let entry = lookup(name)?;
        Some(entry.acl_id..entry.acl_id + 1 + entry.meta.subcommands.len())
    }

    fn subcommand_id(&self, name: &[u8], sub: &[u8]) -> Option<usize> {
        let entry = lookup(name)?;
        let index = entry.subcommand_index(sub)?;
        Some(entry.acl_id + 1 + index)
    }
}

/// The command table as ACL rules and statistics see it.
pub fn catalog() -> &'static dyn crate::acl::CommandCatalog {
    &*TABLE
}

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

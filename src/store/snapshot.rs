//! The JSON snapshot (`dump.json`): versioned, binary-safe, written atomically.
//!
//! ```json
//! {"format":"miniredis-dump","version":4,"saved_at_ms":1700000000000,
//!  "databases":[{"index":0,"keys":[
//!    {"type":"string","key":"name","value":"Alice","expires_at_ms":1700000005000},
//!    {"type":"hash","key":"user:1","value":[["name","Alice"],["age","23"]]},
//!    {"type":"string","key":{"base64":"AP8="},"value":{"base64":"gA=="}}]}]}
//! ```
//! Text that is valid UTF-8 is a JSON string; anything else is `{"base64": …}`.
//! A last field `"functions":[code, …]` holds the `FUNCTION` libraries'
//! code when there are any (readers that predate it ignore it).

use std::borrow::Cow;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Deserialize;

use super::blob::{write_blob, Blob};
use super::{Dataset, Keyspace, Limits, Shape, Value};

pub const FORMAT: &str = "miniredis-dump";
/// Version 2 added lists, version 3 sets and sorted sets, version 4
/// streams; older dumps (version 1: strings and hashes; 2: and lists; 3:
/// and sets and sorted sets) still load.
pub const VERSION: u32 = 4;

/// One key; `value`'s form is its type's (see [`super::ValueType::write_snapshot`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry<'a> {
    #[serde(rename = "type", borrow)]
    type_name: Cow<'a, str>,
    #[serde(borrow)]
    key: Blob<'a>,
    #[serde(borrow)]
    value: &'a serde_json::value::RawValue,
    #[serde(default)]
    expires_at_ms: Option<u64>,
}

#[derive(Deserialize)]
struct DumpDb<'a> {
    index: usize,
    #[serde(borrow)]
    keys: Vec<Entry<'a>>,
}

#[derive(Deserialize)]
struct DumpFile<'a> {
    #[serde(borrow)]
    format: Cow<'a, str>,
    version: u32,
    /// Required, though loading does not use it.
    #[allow(dead_code)]
    saved_at_ms: u64,
    #[serde(borrow)]
    databases: Vec<DumpDb<'a>>,
    /// `FUNCTION` library code; absent when there is none (older dumps).
    #[serde(default, borrow)]
    functions: Vec<Blob<'a>>,
}

/// Why a dump could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Io(io::Error),
    Corrupt(String),
    /// An RDB file that is corrupt or holds what MiniRedis lacks.
    Rdb(super::rdb::RdbError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "{e}"),
            LoadError::Corrupt(why) => write!(f, "corrupt dump: {why}"),
            LoadError::Rdb(super::rdb::RdbError::Corrupt(why)) => write!(f, "corrupt RDB file: {why}"),
            LoadError::Rdb(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Serializes every live key (a point-in-time view: the caller holds every shard).
pub fn to_json(keyspace: &Keyspace, now_ms: u64) -> Vec<u8> {
    let mut out = Vec::new();
    write_json(keyspace, now_ms, &mut out).expect("writing to memory cannot fail");
    out
}

/// Streams the dump of every live key to `out`, one entry at a time, so a
/// background save needs no second copy of the dataset.
pub fn write_json(keyspace: &Keyspace, now_ms: u64, out: &mut impl Write) -> io::Result<()> {
    write!(out, r#"{{"format":"{FORMAT}","version":{VERSION},"saved_at_ms":{now_ms},"databases":["#)?;
    let mut first_db = true;
    let mut entry = Vec::new();
    for index in (0..keyspace.databases()).filter(|&i| keyspace.entries(i).next().is_some()) {
        if !std::mem::take(&mut first_db) {
            out.write_all(b",")?;
        }
        write!(out, r#"{{"index":{index},"keys":["#)?;
        let mut first = true;
        for (key, value, expires_at_ms) in
            keyspace.entries(index).filter(|(_, _, d)| d.is_none_or(|d| d > now_ms))
        {
            if !std::mem::take(&mut first) {
                out.write_all(b",")?;
            }
            entry.clear();
            entry.extend_from_slice(br#"{"type":""#);
            entry.extend_from_slice(value.type_name().as_bytes());
            entry.extend_from_slice(br#"","key":"#);
            write_blob(&mut entry, key);
            entry.extend_from_slice(br#","value":"#);
            value.write_snapshot(&mut entry);
            if let Some(at) = expires_at_ms {
                entry.extend_from_slice(br#","expires_at_ms":"#);
                entry.extend_from_slice(itoa::Buffer::new().format(at).as_bytes());
            }
            entry.push(b'}');
            out.write_all(&entry)?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"]")?;
    let functions = keyspace.functions();
    if !functions.is_empty() {
        entry.clear();
        entry.extend_from_slice(br#","functions":["#);
        for (i, code) in functions.iter().enumerate() {
            if i > 0 {
                entry.push(b',');
            }
            write_blob(&mut entry, code);
        }
        entry.push(b']');
        out.write_all(&entry)?;
    }
    out.write_all(b"}")
}

/// Writes `bytes` to `path` atomically: a temp file beside it, fsync, rename,
/// fsync of the directory. A crash at any point leaves the old file intact.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically_with(path, |out| out.write_all(bytes))
}

/// The temp file an atomic write of `path` by process `pid` uses.
pub fn temp_path(path: &Path, pid: u32) -> std::path::PathBuf {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("dump.json");
    dir.join(format!(".{name}.tmp-{pid}"))
}

/// Like [`write_atomically`], with the content streamed by `fill`.
pub fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = temp_path(path, std::process::id());
    let result = (|| {
        let mut out = BufWriter::with_capacity(256 * 1024, File::create(&tmp)?);
        fill(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Parses a dump into a dataset of `shape`, dropping keys already expired;
/// values get the encodings `limits` choose.
pub fn from_json(bytes: &[u8], shape: Shape, now_ms: u64, limits: &Limits) -> Result<Dataset, LoadError> {
    let databases = shape.databases;
    let corrupt = |why: String| LoadError::Corrupt(why);
    let file: DumpFile = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    if file.format != FORMAT {
        return Err(corrupt(format!("format is {:?}, expected {FORMAT:?}", file.format)));
    }
    if !(1..=VERSION).contains(&file.version) {
        return Err(corrupt(format!("unsupported version {} (this build reads {VERSION})", file.version)));
    }
    let mut data = Dataset::new(shape);
    data.functions =
        file.functions.into_iter().map(Blob::into_bytes).collect::<Result<_, _>>().map_err(corrupt)?;
    for dump_db in file.databases {
        if dump_db.index >= databases {
            return Err(corrupt(format!(
                "database {} is out of range (databases is {databases})",
                dump_db.index
            )));
        }
        for entry in dump_db.keys {
            let key = entry.key.into_bytes().map_err(corrupt)?;
            let value = Value::read_snapshot(&entry.type_name, entry.value.get(), limits).map_err(corrupt)?;
            let deadline = entry.expires_at_ms;
            data.insert(dump_db.index, &key, value, deadline, now_ms);
        }
    }
    Ok(data)
}

/// Reads and parses the dump at `path`, in whichever format it is: an
/// RDB file (it starts with `REDIS`) or `dump.json`.
pub fn load(path: &Path, shape: Shape, now_ms: u64, limits: &Limits) -> Result<Dataset, LoadError> {
    let bytes = fs::read(path).map_err(LoadError::Io)?;
    if super::rdb::is_rdb(&bytes) {
        return super::rdb::read_file(&bytes, shape, now_ms, limits).map_err(LoadError::Rdb);
    }
    from_json(&bytes, shape, now_ms, limits)
}

/// Whether saves to `path` write Redis's RDB format: a `dbfilename`
/// ending in `.rdb`. Anything else gets `dump.json`'s format.
pub fn writes_rdb(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("rdb"))
}

/// Streams the snapshot of every live key to `out` in the format `path`
/// asks for (see [`writes_rdb`]); the caller holds every shard.
pub fn write_for(path: &Path, keyspace: &Keyspace, now_ms: u64, out: &mut impl Write) -> io::Result<()> {
    if writes_rdb(path) {
        super::rdb::write_file(keyspace, now_ms, crate::alloc::allocated() as u64, out)
    } else {
        write_json(keyspace, now_ms, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_binary_keys_values_and_deadlines() {
        let shape = Shape::for_threads(16, 2);
        let store = crate::store::Store::new(Dataset::new(shape));
        let mut db = store.view();
        db.prepare(3, 1_000, true, false);
        db.set(b"\x00\xff", Value::string(vec![0x80, 0, 1]));
        db.set(b"name", Value::string(b"Alice"));
        db.set_deadline(b"name", 5_000);
        db.hash_or_default(b"h").unwrap().insert(b"f\xfe", b"v", &Limits::default());
        db.set(b"gone", Value::string(b"x"));
        db.set_deadline(b"gone", 2_000);

        let json = to_json(db.hold_all(), 1_000);
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.contains(r#""key":{"base64":"AP8="}"#), "{text}");
        assert!(text.contains(r#""expires_at_ms":5000"#), "{text}");

        let back = crate::store::Store::new(from_json(&json, shape, 3_000, &Limits::default()).unwrap());
        let mut db = back.view();
        db.prepare(3, 3_000, true, false);
        assert_eq!(db.get(b"\x00\xff"), Some(&Value::string(vec![0x80, 0, 1])));
        assert_eq!(db.deadline(b"name"), Some(5_000));
        assert_eq!(db.get_hash(b"h").unwrap().unwrap().get(b"f\xfe").as_deref(), Some(&b"v"[..]));
        assert_eq!(db.len(), 3, "the key expired before loading is dropped");
    }

    #[test]
    fn corrupt_input_is_an_error() {
        for bad in [
            &b"{"[..],
            br#"{"format":"other","version":1,"saved_at_ms":0,"databases":[]}"#,
            br#"{"format":"miniredis-dump","version":5,"saved_at_ms":0,"databases":[]}"#,
            br#"{"format":"miniredis-dump","version":1,"saved_at_ms":0,"databases":[{"index":99,"keys":[]}]}"#,
            br#"{"format":"miniredis-dump","version":1,"saved_at_ms":0,"databases":[{"index":0,"keys":[{"type":"string","key":{"base64":"!!"},"value":"x"}]}]}"#,
        ] {
            assert!(matches!(from_json(bad, Shape::for_threads(16, 1), 0, &Limits::default()), Err(LoadError::Corrupt(_))));
        }
    }

    #[test]
    fn both_hash_encodings_round_trip_and_old_dumps_load() {
        let shape = Shape::for_threads(16, 1);
        let limits = Limits::default();
        // As the writer before the value layer produced it.
        let old = br#"{"format":"miniredis-dump","version":1,"saved_at_ms":0,"databases":[{"index":0,"keys":[
            {"type":"string","key":"s","value":"v"},
            {"type":"hash","key":"small","value":[["name","Alice"],["age","23"],[{"base64":"AP8="},""]]},
            {"type":"hash","key":"big","value":[["f","xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],["n","-9223372036854775808"]],"expires_at_ms":99000}]}]}"#;
        let store = crate::store::Store::new(from_json(old, shape, 0, &limits).unwrap());
        let mut db = store.view();
        db.prepare(0, 0, true, false);
        let encoding = |db: &mut Keyspace, key: &[u8]| db.peek(key).map(Value::encoding);
        assert_eq!(encoding(&mut db, b"small"), Some("listpack"));
        assert_eq!(encoding(&mut db, b"big"), Some("hashtable"));
        let before: Vec<(Vec<u8>, Value)> =
            [&b"s"[..], b"small", b"big"].iter().map(|k| (k.to_vec(), db.peek(k).unwrap().clone())).collect();
        let small = db.get_hash(b"small").unwrap().unwrap();
        assert_eq!(small.get(b"\x00\xff").as_deref(), Some(&b""[..]));
        assert_eq!(small.get(b"age").as_deref(), Some(&b"23"[..]));

        let json = to_json(db.hold_all(), 0);
        let back = crate::store::Store::new(from_json(&json, shape, 0, &limits).unwrap());
        let mut again = back.view();
        again.prepare(0, 0, true, false);
        for (key, value) in &before {
            let loaded = again.peek(key).unwrap().clone();
            assert_eq!(&loaded, value);
            assert_eq!(loaded.encoding(), value.encoding());
        }
        assert_eq!(again.deadline(b"big"), Some(99_000));
        let order: Vec<Vec<u8>> =
            again.get_hash(b"small").unwrap().unwrap().iter().map(|(f, _)| f.to_vec()).collect();
        assert_eq!(
            order,
            [&b"name"[..], b"age", b"\x00\xff"].map(<[u8]>::to_vec),
            "a listpack keeps its order"
        );

        let tight = Limits { hash_max_listpack_entries: 2, ..limits };
        let reloaded = crate::store::Store::new(from_json(&json, shape, 0, &tight).unwrap());
        let mut view = reloaded.view();
        view.prepare(0, 0, true, false);
        assert_eq!(encoding(&mut view, b"small"), Some("hashtable"), "loading follows the limits now");
        let empty = br#"{"format":"miniredis-dump","version":1,"saved_at_ms":0,"databases":[{"index":0,"keys":[{"type":"hash","key":"h","value":[]}]}]}"#;
        assert!(matches!(from_json(empty, shape, 0, &limits), Err(LoadError::Corrupt(_))));
        let unknown = br#"{"format":"miniredis-dump","version":1,"saved_at_ms":0,"databases":[{"index":0,"keys":[{"type":"nope","key":"h","value":1}]}]}"#;
        assert!(matches!(from_json(unknown, shape, 0, &limits), Err(LoadError::Corrupt(_))));
    }

    #[test]
    fn sets_and_sorted_sets_round_trip_exactly() {
        let shape = Shape::for_threads(16, 1);
        let limits = Limits::default();
        let dump = br#"{"format":"miniredis-dump","version":3,"saved_at_ms":0,"databases":[{"index":0,"keys":[
            {"type":"set","key":"ints","value":["3","-1","70000"]},
            {"type":"set","key":"words","value":["a",{"base64":"AP8="}]},
            {"type":"zset","key":"small","value":[["a","-inf"],["b","1.1"],["c","inf"]]},
            {"type":"zset","key":"skip","value":[["negzero","-0.0"],["x","0.30000000000000004"],["long-member-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","1e300"]]}]}]}"#;
        let store = crate::store::Store::new(from_json(dump, shape, 0, &limits).unwrap());
        let mut db = store.view();
        db.prepare(0, 0, true, false);
        let encodings: Vec<&str> = [&b"ints"[..], b"words", b"small", b"skip"]
            .iter()
            .map(|k| db.peek(k).unwrap().encoding())
            .collect();
        assert_eq!(encodings, ["intset", "hashtable", "listpack", "skiplist"]);
        let zset = db.get_typed::<crate::store::ZSet>(b"skip").unwrap().unwrap();
        assert_eq!(zset.score(b"negzero").unwrap().to_bits(), (-0.0f64).to_bits());
        let json = to_json(db.hold_all(), 0);
        let back = crate::store::Store::new(from_json(&json, shape, 0, &limits).unwrap());
        let mut again = back.view();
        again.prepare(0, 0, true, false);
        for key in [&b"ints"[..], b"words", b"small", b"skip"] {
            let (a, b) = (db.peek(key).unwrap().clone(), again.peek(key).unwrap().clone());
            assert_eq!(a, b);
            assert_eq!(a.encoding(), b.encoding());
        }
        let zset = again.get_typed::<crate::store::ZSet>(b"skip").unwrap().unwrap();
        assert_eq!(zset.score(b"negzero").unwrap().to_bits(), (-0.0f64).to_bits(), "-0 survives");
        assert_eq!(zset.score(b"x"), Some(0.30000000000000004));
        let small = again.get_typed::<crate::store::ZSet>(b"small").unwrap().unwrap();
        assert_eq!(small.score(b"a"), Some(f64::NEG_INFINITY));
        let mut rewrite = Vec::new();
        again.peek(b"small").unwrap().rewrite(b"small", &mut |args| {
            rewrite.push(args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>())
        });
        assert_eq!(rewrite, [["ZADD", "small", "-inf", "a", "1.1", "b", "inf", "c"]]);
        let empty = br#"{"format":"miniredis-dump","version":3,"saved_at_ms":0,"databases":[{"index":0,"keys":[{"type":"zset","key":"z","value":[["a","nan"]]}]}]}"#;
        assert!(matches!(from_json(empty, shape, 0, &limits), Err(LoadError::Corrupt(_))));
    }

    /// Each version's dumps load: 1 (strings, hashes), 2 (and lists), 3
    /// (and sets and sorted sets); a newer one is refused.
    #[test]
    fn dumps_of_every_version_load() {
        let shape = Shape::for_threads(16, 1);
        let limits = Limits::default();
        let keys = [
            r#"{"type":"hash","key":"h","value":[["f","v"]]}"#,
            r#"{"type":"list","key":"l","value":["a","b"]}"#,
            r#"{"type":"set","key":"s","value":["1","2"]}"#,
            r#"{"type":"stream","key":"x","value":{"last_id":"1-0","entries_added":1,"max_deleted_id":"0-0","entries":[["1-0",["f","v"]]],"groups":[]}}"#,
        ];
        for version in 1..=VERSION {
            let entries = keys[..version as usize].join(",");
            let dump = format!(
                r#"{{"format":"miniredis-dump","version":{version},"saved_at_ms":0,"databases":[{{"index":0,"keys":[{entries}]}}]}}"#
            );
            let store = crate::store::Store::new(from_json(dump.as_bytes(), shape, 0, &limits).unwrap());
            let mut db = store.view();
            db.prepare(0, 0, true, false);
            let types: Vec<&str> = [&b"h"[..], b"l", b"s", b"x"]
                .iter()
                .filter_map(|k| db.peek(k).map(Value::type_name))
                .collect();
            assert_eq!(types, ["hash", "list", "set", "stream"][..version as usize], "version {version}");
        }
        let newer = format!(
            r#"{{"format":"miniredis-dump","version":{},"saved_at_ms":0,"databases":[]}}"#,
            VERSION + 1
        );
        assert!(matches!(from_json(newer.as_bytes(), shape, 0, &limits), Err(LoadError::Corrupt(_))));
    }
}

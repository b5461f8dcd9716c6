//! Differential test: the same scripted commands go to a real `redis-server`
//! and to MiniRedis over raw TCP, and the reply bytes must be identical.
//!
//! The scripts are `tests/differential/*.txt`, one command per line in
//! redis-cli syntax ("double quotes" with `\xHH` escapes, 'single quotes').
//!
//! - `# ...` is a comment; blank lines are ignored.
//! - `=== title` starts a section: new connections, `FLUSHALL` on both.
//! - `@sleep 150` waits 150 ms (for expiry with short `PX` TTLs).
//! - An argument written `{N*text}` becomes `text` repeated N times (big values).
//! - Prefixes before a command change how its replies are compared:
//!   - `@sort`: sort the elements of the top-level array/set/map (unordered replies).
//!   - `@sortpairs`: sort element pairs (`HGETALL` of a hash in hashtable encoding).
//!   - `@approx:N`: integer replies, also inside arrays, may differ by up to N
//!     (TTLs, idle times); default 1.
//!   - `@type`: compare only the reply's type (`LASTSAVE`, `INFO`).
//!   - `@shape`: compare types and element counts, not contents (`TIME`).
//!   - `@fields:a,b`: compare only the `a:…`/`a=…` and `b:…`/`b=…` words of a
//!     status/bulk line (`DEBUG OBJECT`, `CLIENT INFO`).
//!   - `@noreply`: send without reading a reply (`CLIENT REPLY OFF`); a
//!     reply that does arrive shows up as a mismatch on the next line.
//!   - `@scanall`: iterate `SCAN`/`HSCAN` from cursor 0 to the end and compare
//!     the sorted, de-duplicated elements (cursors differ between servers).
//!
//! A script whose commands MiniRedis does not know yet (`COMMAND INFO name`
//! is nil but redis-server knows it) is skipped with a printed note.
//! `MINIREDIS_DIFF_ONLY=strings` runs only the scripts whose name contains it.
//! The test fails when no reply's content was compared (`@type`, `@shape`
//! and `@noreply` lines do not count), e.g. after a typo there.
//! `MINIREDIS_DIFF_SELFCHECK=1` compares redis-server with a second
//! redis-server instead of MiniRedis: a script that fails then is not
//! deterministic (or a normalizer is missing), whatever MiniRedis does.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{knows_command, report, show_cut, Conn, Server};

#[derive(Debug, Clone, PartialEq)]
enum Directive {
    Sort,
    SortPairs,
    Approx(i64),
    Type,
    Shape,
    Fields(Vec<String>),
    NoReply,
    ScanAll,
}

#[derive(Debug)]
enum Step {
    Sleep(u64),
    Command { line: usize, text: String, directives: Vec<Directive>, args: Vec<Vec<u8>> },
}

#[derive(Debug)]
struct Section {
    title: String,
    steps: Vec<Step>,
}

fn expand(arg: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&arg);
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        if let Some((count, unit)) = inner.split_once('*') {
            if let Ok(count) = count.parse::<usize>() {
                return unit.repeat(count).into_bytes();
            }
        }
    }
    arg
}

fn parse_directive(word: &str, file: &Path, line: usize) -> Directive {
    let (name, value) = word.split_once(':').unwrap_or((word, ""));
    match name {
        "@sort" => Directive::Sort,
        "@sortpairs" => Directive::SortPairs,
        "@approx" => Directive::Approx(value.parse().unwrap_or(1)),
        "@type" => Directive::Type,
        "@shape" => Directive::Shape,
        "@fields" => Directive::Fields(value.split(',').map(str::to_string).collect()),
        "@noreply" => Directive::NoReply,
        "@scanall" => Directive::ScanAll,
        _ => panic!("{}:{line}: unknown directive {word}", file.display()),
    }
}

fn parse_script(path: &Path) -> Vec<Section> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut sections = vec![Section { title: "(start)".into(), steps: Vec::new() }];
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(title) = trimmed.strip_prefix("===") {
            sections.push(Section { title: title.trim().to_string(), steps: Vec::new() });
            continue;
        }
        let steps = &mut sections.last_mut().expect("a section").steps;
        if let Some(ms) = trimmed.strip_prefix("@sleep ") {
            steps.push(Step::Sleep(
                ms.trim().parse().unwrap_or_else(|_| panic!("{}:{line}: @sleep ms", path.display())),
            ));
            continue;
        }
        let mut rest = trimmed;
        let mut directives = Vec::new();
        while rest.starts_with('@') {
            let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            directives.push(parse_directive(word, path, line));
            rest = after.trim_start();
        }
        let args = miniredis::protocol::parse::split_inline(rest.as_bytes())
            .unwrap_or_else(|e| panic!("{}:{line}: {e:?}", path.display()));
        assert!(!args.is_empty(), "{}:{line}: no command", path.display());
        let args = args.into_iter().map(expand).collect();
        steps.push(Step::Command { line, text: rest.to_string(), directives, args });
    }
    sections.retain(|s| !s.steps.is_empty());
    sections
}

/// A reply parsed enough to normalize it.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    kind: u8,
    /// The header line without type byte and CRLF.
    head: Vec<u8>,
    /// A blob's payload (`$`, `=`, `!`).
    body: Option<Vec<u8>>,
    children: Vec<Node>,
}

fn parse_node(bytes: &[u8], pos: &mut usize) -> Node {
    let kind = bytes[*pos];
    let end = *pos + bytes[*pos..].windows(2).position(|w| w == b"\r\n").expect("CRLF");
    let head = bytes[*pos + 1..end].to_vec();
    *pos = end + 2;
    let number = || String::from_utf8_lossy(&head).parse::<i64>().unwrap_or(-1);
    let mut node = Node { kind, head: head.clone(), body: None, children: Vec::new() };
    match kind {
        b'$' | b'=' | b'!' if number() >= 0 => {
            let len = number() as usize;
            node.body = Some(bytes[*pos..*pos + len].to_vec());
            *pos += len + 2;
        }
        b'*' | b'~' | b'>' | b'%' | b'|' if number() > 0 => {
            let count = if matches!(kind, b'%' | b'|') { number() * 2 } else { number() };
            for _ in 0..count {
                node.children.push(parse_node(bytes, pos));
            }
        }
        _ => {}
    }
    node
}

fn encode_node(node: &Node, out: &mut Vec<u8>) {
    out.push(node.kind);
    out.extend_from_slice(&node.head);
    out.extend_from_slice(b"\r\n");
    if let Some(body) = &node.body {
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    for child in &node.children {
        encode_node(child, out);
    }
}

fn node_bytes(node: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    encode_node(node, &mut out);
    out
}

fn sort_chunks(node: &mut Node, size: usize) {
    let size = if node.kind == b'%' { 2 } else { size };
    let mut chunks: Vec<Vec<Node>> = node.children.chunks(size).map(<[Node]>::to_vec).collect();
    chunks.sort_by_key(|chunk| chunk.iter().flat_map(node_bytes).collect::<Vec<u8>>());
    node.children = chunks.into_iter().flatten().collect();
}

fn shape(node: &Node) -> String {
    let count = if node.children.is_empty() { String::new() } else { node.children.len().to_string() };
    let inner: Vec<String> = node.children.iter().map(shape).collect();
    format!("{}{count}[{}]", node.kind as char, inner.join(","))
}

/// Applies the directives to one reply; the bytes to compare.
fn normalize(raw: &[u8], directives: &[Directive]) -> Vec<u8> {
    let mut node = parse_node(raw, &mut 0);
    for directive in directives {
        match directive {
            Directive::Sort => sort_chunks(&mut node, 1),
            Directive::SortPairs => sort_chunks(&mut node, 2),
            Directive::Type => return vec![node.kind],
            Directive::Shape => return shape(&node).into_bytes(),
            Directive::Fields(wanted) => {
                let text = node.body.clone().unwrap_or_else(|| node.head.clone());
                let kept: Vec<&str> = std::str::from_utf8(&text)
                    .unwrap_or("")
                    .split_ascii_whitespace()
                    .filter(|word| {
                        word.split_once([':', '=']).is_some_and(|(k, _)| wanted.iter().any(|w| w == k))
                    })
                    .collect();
                return format!("{}{}", node.kind as char, kept.join(" ")).into_bytes();
            }
            _ => {}
        }
    }
    node_bytes(&node)
}

fn same(redis: &[u8], mini: &[u8], directives: &[Directive]) -> bool {
    for directive in directives {
        if let Directive::Approx(tolerance) = directive {
            let int = |raw: &[u8]| {
                raw.strip_prefix(b":")
                    .and_then(|r| std::str::from_utf8(r).ok())
                    .and_then(|r| r.trim().parse::<i64>().ok())
            };
            if let (Some(a), Some(b)) = (int(redis), int(mini)) {
                return (a - b).abs() <= *tolerance;
            }
            // Inside an aggregate (`XPENDING`'s idle times): line by line,
            // integers within the tolerance, everything else exact.
            let (r, m): (Vec<&[u8]>, Vec<&[u8]>) =
                (redis.split(|&b| b == b'\n').collect(), mini.split(|&b| b == b'\n').collect());
            if r.len() == m.len() && r.len() > 2 {
                return r.iter().zip(&m).all(|(a, b)| match (int(a), int(b)) {
                    (Some(a), Some(b)) => (a - b).abs() <= *tolerance,
                    _ => a == b,
                });
            }
        }
    }
    normalize(redis, directives) == normalize(mini, directives)
}

/// Runs a full `SCAN`-family iteration; a synthetic array reply of the
/// sorted, de-duplicated elements (pairs for HSCAN/ZSCAN), or the first
/// non-array reply (an error).
fn scan_all(conn: &mut Conn, args: &[Vec<u8>]) -> std::io::Result<Vec<u8>> {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    let (cursor_at, unit) = match name.as_str() {
        "scan" => (1, 1),
        "hscan" | "zscan" => (2, 2),
        _ => (2, 1),
    };
    let mut args = args.to_vec();
    args[cursor_at] = b"0".to_vec();
    let mut elements: Vec<Vec<u8>> = Vec::new();
    for _ in 0..100_000 {
        let raw = conn.call(&args)?;
        let node = parse_node(&raw, &mut 0);
        if node.kind != b'*' || node.children.len() != 2 {
            return Ok(raw);
        }
        for chunk in node.children[1].children.chunks(unit) {
            elements.push(chunk.iter().flat_map(node_bytes).collect());
        }
        let next = node.children[0].body.clone().unwrap_or_default();
        if next == b"0" {
            elements.sort();
            elements.dedup();
            let mut out = format!("*{}\r\n", elements.len() * unit).into_bytes();
            elements.iter().for_each(|e| out.extend_from_slice(e));
            return Ok(out);
        }
        args[cursor_at] = next;
    }
    Err(std::io::Error::other("SCAN did not finish in 100000 calls"))
}

struct Mismatch {
    file: String,
    line: usize,
    section: String,
    command: String,
    redis: String,
    mini: String,
}

#[derive(Default)]
struct FileResult {
    compared: usize,
    sections: usize,
    mismatches: Vec<Mismatch>,
}

const SENTINEL: &str = "__end_of_section__";

fn run_section(file: &str, section: &Section, redis: &Server, mini: &Server, result: &mut FileResult) {
    let (mut rc, mut mc) = (redis.connect(), mini.connect());
    for conn in [&mut rc, &mut mc] {
        assert_eq!(conn.call(&["FLUSHALL"]).expect("FLUSHALL"), b"+OK\r\n");
    }
    let mut found = Vec::new();
    let mut compared = 0;
    let mut mismatch = |line: usize, command: &str, redis: String, mini: String| {
        found.push(Mismatch {
            file: file.to_string(),
            line,
            section: section.title.clone(),
            command: command.to_string(),
            redis,
            mini,
        });
    };
    for step in &section.steps {
        let (line, text, directives, args) = match step {
            Step::Sleep(ms) => {
                std::thread::sleep(Duration::from_millis(*ms));
                continue;
            }
            Step::Command { line, text, directives, args } => (*line, text, directives, args),
        };
        // Only replies whose content is compared count.
        if !directives.iter().any(|d| matches!(d, Directive::Type | Directive::Shape | Directive::NoReply)) {
            compared += 1;
        }
        if directives.contains(&Directive::NoReply) {
            let _ = rc.try_send_cmd(args);
            let _ = mc.try_send_cmd(args);
            continue;
        }
        let call = |conn: &mut Conn| {
            if directives.contains(&Directive::ScanAll) {
                scan_all(conn, args)
            } else {
                conn.call(args)
            }
        };
        match (call(&mut rc), call(&mut mc)) {
            (Ok(r), Ok(m)) => {
                if !same(&r, &m, directives) {
                    mismatch(line, text, show_cut(&r, 400), show_cut(&m, 400));
                }
            }
            (r, m) => {
                let describe = |reply: std::io::Result<Vec<u8>>| match reply {
                    Ok(bytes) => show_cut(&bytes, 400),
                    Err(e) => format!("(no reply: {e})"),
                };
                mismatch(line, text, describe(r), describe(m));
                mismatch(line, "(rest of the section not run)", String::new(), String::new());
                result.compared += compared;
                result.mismatches.extend(found);
                return;
            }
        }
    }
    // A stray reply (e.g. one that CLIENT REPLY OFF should have swallowed)
    // would be read here instead of the sentinel's.
    let sentinel = ["ECHO", SENTINEL];
    let r = rc.call(&sentinel).map(|b| show_cut(&b, 200)).unwrap_or_else(|e| e.to_string());
    let m = mc.call(&sentinel).map(|b| show_cut(&b, 200)).unwrap_or_else(|e| e.to_string());
    if r != m {
        mismatch(0, "(end of section: ECHO sentinel)", r, m);
    }
    result.compared += compared;
    result.mismatches.extend(found);
}

/// Command names a script uses that redis-server knows and MiniRedis does not.
fn missing_commands(sections: &[Section], redis: &mut Conn, mini: &mut Conn) -> Vec<String> {
    let mut names: Vec<String> = sections
        .iter()
        .flat_map(|s| &s.steps)
        .filter_map(|step| match step {
            Step::Command { args, .. } => Some(String::from_utf8_lossy(&args[0]).to_ascii_lowercase()),
            Step::Sleep(_) => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().filter(|name| knows_command(redis, name) && !knows_command(mini, name)).collect()
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let only = std::env::var("MINIREDIS_DIFF_ONLY").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains(&only)))
        .collect();
    files.sort();
    files
}

#[test]
fn scripts_parse() {
    for path in scripts() {
        let sections = parse_script(&path);
        assert!(!sections.is_empty(), "{} has no commands", path.display());
    }
    let sections = parse_script(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/basics.txt"));
    assert!(sections.len() > 3);
    assert_eq!(expand(b"{3*ab}".to_vec()), b"ababab");
    assert_eq!(
        normalize(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n", &[Directive::Sort]),
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert!(same(b":100\r\n", b":99\r\n", &[Directive::Approx(1)]));
    assert!(!same(b":100\r\n", b":98\r\n", &[Directive::Approx(1)]));
    let nested = |n: &str| format!("*2\r\n$1\r\na\r\n:{n}\r\n").into_bytes();
    assert!(same(&nested("100"), &nested("95"), &[Directive::Approx(10)]));
    assert!(!same(&nested("100"), &nested("80"), &[Directive::Approx(10)]));
    assert!(same(b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n", b"*2\r\n$2\r\n10\r\n$1\r\n3\r\n", &[Directive::Shape]));
    assert!(!same(b"*1\r\n$1\r\n1\r\n", b"*2\r\n$2\r\n10\r\n$1\r\n3\r\n", &[Directive::Shape]));
    assert!(same(
        b"+Value at:0x1 refcount:1 lru:5\r\n",
        b"+Value at:0x2 refcount:1 lru:7\r\n",
        &[Directive::Fields(vec!["refcount".into()])]
    ));
}

#[test]
fn differential_against_redis_server() {
    let started = Instant::now();
    let Some(binary) = common::redis_binary("redis-server", "differential test") else {
        return;
    };
    let redis = Server::start_redis(&binary, &["--enable-debug-command", "yes"]);
    let selfcheck = std::env::var("MINIREDIS_DIFF_SELFCHECK").is_ok_and(|v| v == "1");
    let mini = if selfcheck {
        Server::start_redis(&binary, &["--enable-debug-command", "yes"])
    } else {
        Server::start_miniredis(&["--enable-debug-command", "yes"])
    };
    let version = {
        let mut conn = redis.connect();
        let info = conn.call(&["INFO", "server"]).unwrap_or_default();
        let text = String::from_utf8_lossy(&info).into_owned();
        text.lines().find_map(|l| l.strip_prefix("redis_version:")).unwrap_or("?").trim().to_string()
    };
    let other = if selfcheck { "a second redis-server (MINIREDIS_DIFF_SELFCHECK)" } else { "MiniRedis" };
    let mut summary =
        vec![format!("differential test: redis-server {version} ({}) vs {other}", binary.display())];
    let mut all_mismatches = Vec::new();
    let (mut total, mut skipped) = (0, Vec::new());
    for path in scripts() {
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let sections = parse_script(&path);
        let missing = missing_commands(&sections, &mut redis.connect(), &mut mini.connect());
        if !missing.is_empty() {
            let note = format!(
                "{file}: SKIPPED - MiniRedis does not know {} yet (COMMAND INFO is nil); \
                 it runs once they are merged",
                missing.join(", ").to_uppercase()
            );
            summary.push(format!("  {note}"));
            skipped.push(note);
            continue;
        }
        let mut result = FileResult { sections: sections.len(), ..FileResult::default() };
        for section in &sections {
            run_section(&file, section, &redis, &mini, &mut result);
        }
        summary.push(format!(
            "  {file}: {} commands compared in {} sections, {} mismatches",
            result.compared,
            result.sections,
            result.mismatches.len()
        ));
        total += result.compared;
        all_mismatches.extend(result.mismatches);
    }
    summary.push(format!(
        "  total: {total} commands compared, {} mismatches, {} scripts skipped, {:.1} s",
        all_mismatches.len(),
        skipped.len(),
        started.elapsed().as_secs_f64()
    ));
    for m in &all_mismatches {
        summary.push(format!(
            "MISMATCH {}:{} [{}] {}\n    redis:     {}\n    miniredis: {}",
            m.file, m.line, m.section, m.command, m.redis, m.mini
        ));
    }
    report(&summary.join("\n"));
    if !skipped.is_empty() {
        common::loud(&skipped.join("\n"));
    }
    let only = std::env::var("MINIREDIS_DIFF_ONLY").unwrap_or_default();
    assert!(
        total > 0,
        "no reply was compared (MINIREDIS_DIFF_ONLY={only:?} matched {} scripts): nothing was tested",
        scripts().len()
    );
    assert!(
        all_mismatches.is_empty(),
        "{} replies differ from redis-server; see the report above",
        all_mismatches.len()
    );
}

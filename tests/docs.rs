//! The documents' checkable statements stay true: CONTRIBUTING's worked
//! example is `commands/strlen.rs` byte for byte, no heading is repeated
//! or left without text,
//! and `.ci/run` installs every tool the README says CI installs.

use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn the_strlen_walkthrough_is_the_file() {
    let contributing = read("CONTRIBUTING.md");
    let start = "### 1. Create `commands/strlen.rs`\n\n```rust\n";
    let at = contributing.find(start).expect("the walkthrough's first step") + start.len();
    let end = contributing[at..].find("```\n").expect("the end of its code block") + at;
    assert_eq!(
        &contributing[at..end],
        read("commands/strlen.rs"),
        "CONTRIBUTING.md's STRLEN differs from the file"
    );
}

#[test]
fn no_heading_is_repeated() {
    for name in ["README.md", "CONTRIBUTING.md"] {
        let mut headings: Vec<&str> = Vec::new();
        let text = read(name);
        let mut in_code = false;
        let mut only_blank_since_heading = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && line.starts_with('#') {
                assert!(!headings.contains(&line), "{name}: heading {line:?} appears twice");
                // A heading straight after another of its level or above: an empty, stray section.
                let level = |h: &str| h.len() - h.trim_start_matches('#').len();
                if let (Some(previous), true) = (headings.last(), only_blank_since_heading) {
                    assert!(
                        level(line) > level(previous),
                        "{name}: {previous:?} has no text before {line:?}"
                    );
                }
                headings.push(line);
                only_blank_since_heading = true;
            } else if !line.trim().is_empty() {
                only_blank_since_heading = false;
            }
        }
    }
}

#[test]
fn ci_installs_the_tools_the_tests_use() {
    let ci = read(".ci/run");
    let packages =
        ci.lines().find(|l| l.trim_start().starts_with("for package in")).expect("the package loop");
    for package in [
        "redis-server",
        "redis-tools",
        "netcat-openbsd",
        "openssl",
        "prometheus-redis-exporter",
        "nutcracker",
    ] {
        assert!(
            packages.split_whitespace().any(|w| w.trim_end_matches(';') == package),
            ".ci/run does not install {package}"
        );
        assert!(
            read("CONTRIBUTING.md").contains(&format!("`{package}`")),
            "CONTRIBUTING.md does not list {package}"
        );
    }
}

//! Logs: `--logfile` and `--log-format json`.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, TempDir};

#[test]
fn json_log_lines_are_objects() {
    let server = Server::start(&["--log-format", "json"]);
    let output = server.output();
    let line = output.lines().find(|l| l.contains("listening on")).expect("ready line");
    let value: serde_json::Value = serde_json::from_str(line).expect("a JSON object per line");
    assert_eq!(value["level"], "INFO");
    assert!(value["message"].as_str().unwrap().contains("ready: listening on 127.0.0.1:"));
    assert!(value["timestamp"].is_string());
}

#[test]
fn logfile_receives_the_log_and_stdout_stays_quiet() {
    let dir = TempDir::new("logfile");
    let log = dir.path().join("miniredis.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_miniredis"))
        .args(["--port", "0", "--logfile"])
        .arg(&log)
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("ready: listening on") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    assert!(text.contains("ready: listening on 127.0.0.1:"), "{text}");
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn an_unwritable_logfile_stops_start_up() {
    let (status, _, stderr) =
        common::run_to_exit(&["--logfile", "/nonexistent-dir/miniredis.log"], Duration::from_secs(10));
    assert!(!status.success());
    assert!(stderr.contains("can't open the log file /nonexistent-dir/miniredis.log"), "{stderr}");
}

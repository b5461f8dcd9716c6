//! Start-up and shutdown of the real binary: flags, config file, signals,
//! `SHUTDOWN`, and the errors a bad start-up must report.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::{bulk, run_to_exit, Server, TempDir};

const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

fn signal(server: &Server, name: &str) {
    let number = match name {
        "TERM" => libc::SIGTERM,
        "INT" => libc::SIGINT,
        other => panic!("no signal SIG{other} in this test"),
    };
    // SAFETY: kill(2) only sends a signal to the server this test started.
    let sent = unsafe { libc::kill(server.pid as libc::pid_t, number) };
    assert_eq!(sent, 0, "kill -{name} {} failed", server.pid);
}

#[test]
fn sigterm_and_sigint_shut_down_cleanly() {
    for name in ["TERM", "INT"] {
        let mut server = Server::start(&[]);
        let mut c = server.connect();
        c.roundtrip("PING\r\n", "+PONG\r\n");
        // Past the start-up window covered by the ignored test below.
        std::thread::sleep(Duration::from_millis(300));
        signal(&server, name);
        let status = server.wait_exit(EXIT_TIMEOUT);
        assert!(
            status.is_some_and(|s| s.success()),
            "SIG{name}: exit status {status:?}\n{}",
            server.output()
        );
        c.expect_closed();
    }
}

/// A supervisor may stop the server as soon as it reports ready; the signal
/// must neither kill it uncleanly nor be lost. A shell waits with `kill` armed,
/// so the signal follows the ready line within microseconds.
#[test]
fn a_signal_right_after_the_ready_line_is_handled() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    for attempt in 0..20 {
        let dir = TempDir::new("early-signal");
        let mut server = Command::new(env!("CARGO_BIN_EXE_miniredis"))
            .args(["--port", "0", "--dir", dir.path().to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut trigger = Command::new("sh")
            .args(["-c", &format!("read go; kill -TERM {}", server.id())])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = server.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let _ = tx.send(line);
            }
        });
        let ready = rx.iter().any(|line| line.contains("ready: listening on"));
        trigger.stdin.take().unwrap().write_all(b"go\n").unwrap();
        let _ = trigger.wait();
        assert!(ready, "no ready line");

        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        let status = loop {
            if let Some(status) = server.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() >= deadline {
                let _ = server.kill();
                let _ = server.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(
            status.is_some_and(|s| s.success()),
            "attempt {attempt}: SIGTERM right after ready gave exit status {status:?} \
             (None: the signal was lost and the server kept running)"
        );
    }
}

#[test]
fn shutdown_save_writes_the_dump_and_exits() {
    let mut server = Server::start(&["--human-session-delay", "0"]);
    let mut c = server.connect();
    c.cmd(&["SET", "k", "v"], "+OK\r\n");
    c.send_cmd(&["SHUTDOWN", "SAVE"]);
    // A successful SHUTDOWN sends no reply: the connection just closes.
    c.expect_closed();
    let status = server.wait_exit(EXIT_TIMEOUT);
    assert!(status.is_some_and(|s| s.success()), "exit status {status:?}\n{}", server.output());
    assert!(server.dir_path().join("dump.json").is_file());

    let again = Server::start_in(server.dir.clone(), &["--human-session-delay", "0"]);
    again.connect().cmd(&["GET", "k"], bulk("v"));
}

#[test]
fn shutdown_nosave_writes_nothing() {
    let mut server = Server::start(&["--human-session-delay", "0"]);
    let mut c = server.connect();
    c.cmd(&["SET", "k", "v"], "+OK\r\n");
    c.send_cmd(&["SHUTDOWN", "NOSAVE"]);
    c.expect_closed();
    let status = server.wait_exit(EXIT_TIMEOUT);
    assert!(status.is_some_and(|s| s.success()), "exit status {status:?}\n{}", server.output());
    assert!(!server.dir_path().join("dump.json").exists());
}

#[test]
fn bad_flags_exit_non_zero_with_a_message() {
    let dir = TempDir::new("flags");
    let dir = dir.path().to_str().unwrap();
    for (args, mentions) in [
        (vec!["--bogus"], "--bogus"),
        (vec!["--port", "not-a-port", "--dir", dir], "not-a-port"),
        (vec!["--port", "70000", "--dir", dir], "70000"),
        (vec!["--databases", "0", "--dir", dir], "0"),
        (vec!["--loglevel", "chatty", "--dir", dir], "chatty"),
        (vec!["/nonexistent/miniredis.conf"], "/nonexistent/miniredis.conf"),
        (vec!["--dir", "/nonexistent/data-dir"], "/nonexistent/data-dir"),
    ] {
        let (status, stdout, stderr) = run_to_exit(&args, EXIT_TIMEOUT);
        assert!(!status.success(), "{args:?} exited with {status}\n{stdout}{stderr}");
        assert!(stderr.contains(mentions), "{args:?}: stderr does not mention {mentions:?}:\n{stderr}");
    }
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let first = Server::start(&[]);
    let dir = TempDir::new("port-in-use");
    let port = first.port.to_string();
    let args = ["--port", &port, "--dir", dir.path().to_str().unwrap()];
    let (status, stdout, stderr) = run_to_exit(&args, EXIT_TIMEOUT);
    assert!(!status.success(), "started twice on port {port}\n{stdout}{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "stderr does not name the address:\n{stderr}");
    // The first server is unaffected.
    first.connect().roundtrip("PING\r\n", "+PONG\r\n");
}

#[test]
fn a_config_file_as_first_argument() {
    let dir = Arc::new(TempDir::new("conf"));
    let conf = dir.path().join("miniredis.conf");
    std::fs::write(
        &conf,
        format!(
            "# a redis.conf-style file\nport 0\ndir {:?}\ndbfilename \"my dump.json\"\n\
             human-session-delay 0\ndatabases 4\n",
            dir.path().to_str().unwrap()
        ),
    )
    .unwrap();
    let server = Server::start_with_args(dir.clone(), &[conf.as_os_str()]);
    let mut c = server.connect();
    c.cmd(&["CONFIG", "GET", "dbfilename"], "*2\r\n$10\r\ndbfilename\r\n$12\r\nmy dump.json\r\n");
    c.cmd(&["CONFIG", "GET", "databases"], "*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n");
    c.cmd(&["SELECT", "4"], "-ERR DB index is out of range\r\n");
    c.cmd(&["SET", "k", "v"], "+OK\r\n");
    c.cmd(&["SAVE"], "+OK\r\n");
    assert!(dir.path().join("my dump.json").is_file());

    // Flags after the file override it.
    let other =
        Server::start_with_args(dir.clone(), &[conf.as_os_str(), "--databases".as_ref(), "8".as_ref()]);
    other.connect().cmd(&["SELECT", "7"], "+OK\r\n");
}

/// Issue 18 item 4: `CONFIG SET port` rebinds as in Redis 7; a port that
/// cannot be bound is refused with Redis's text and the old one keeps
/// serving, with every setting of the command rolled back.
#[test]
fn config_set_port_rebinds_and_a_busy_port_rolls_back() {
    let server = Server::start_miniredis(&[]);
    let mut conn = server.connect();
    let new_port = common::free_port();
    let reply = conn.call(&["CONFIG", "SET", "port", &new_port.to_string()]).unwrap();
    assert_eq!(reply, b"+OK\r\n");
    assert!(common::Conn::open(server.port).is_err(), "the old port is closed");
    let mut moved = common::Conn::connect(new_port);
    assert_eq!(moved.call(&["PING"]).unwrap(), b"+PONG\r\n");
    assert_eq!(conn.call(&["PING"]).unwrap(), b"+PONG\r\n", "open connections stay");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    let reply = moved.call(&["CONFIG", "SET", "timeout", "7", "port", &busy_port]).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check \
         server logs.\r\n"
    );
    let mut again = common::Conn::connect(new_port);
    assert_eq!(
        again.call(&["CONFIG", "GET", "timeout"]).unwrap(),
        b"*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n",
        "rolled back"
    );
    drop(busy);
}

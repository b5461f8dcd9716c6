//! TLS with the real binary and the real `redis-cli --tls`: certificates
//! are made with the `openssl` command for each run (a CA, a server
//! certificate for 127.0.0.1, a client certificate). Without `openssl` or a
//! TLS-capable `redis-cli`, the test fails, unless
//! `MINIREDIS_SKIP_DIFFERENTIAL=1` is set (then it says so loudly and passes).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl").args(args).current_dir(dir).output().is_ok_and(|o| o.status.success())
}

/// Writes ca.crt, server.crt/key and client.crt/key into `dir`.
fn make_certificates(dir: &Path) -> bool {
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n\
         subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ok = openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=MiniRedis test CA"],
        ]
        .concat(),
    );
    for name in ["server", "client"] {
        let (key, csr, crt, ext) =
            (format!("{name}.key"), format!("{name}.csr"), format!("{name}.crt"), format!("{name}.ext"));
        ok =
            ok && openssl(
                dir,
                &[&["req"][..], &ec, &["-keyout", &key, "-out", &csr, "-subj", &format!("/CN={name}")]]
                    .concat(),
            ) && openssl(
                dir,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &crt,
                    "-days",
                    "2",
                    "-extfile",
                    &ext,
                ],
            );
    }
    ok
}

/// Runs redis-cli with `args` (20 s at most); stdout and stderr together.
fn redis_cli(args: &[&str]) -> String {
    match Command::new("timeout").arg("20").arg("redis-cli").args(args).output() {
        Ok(out) => {
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
        }
        Err(e) => format!("cannot run redis-cli: {e}"),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn redis_cli_over_tls_with_client_certificates() {
    let certs = TempDir::new("tls");
    let dir = certs.path();
    if !make_certificates(dir) {
        return tool_missing("tls", "`openssl` is missing or could not make the test certificates");
    }
    if !redis_cli(&["--help"]).contains("--tls") {
        return tool_missing("tls", "`redis-cli` is missing or was built without TLS (`--tls`)");
    }
    let file = |name: &str| dir.join(name).display().to_string();
    let tls_port = free_port().to_string();
    let server = Server::start(&[
        "--tls-port",
        &tls_port,
        "--tls-cert-file",
        &file("server.crt"),
        "--tls-key-file",
        &file("server.key"),
        "--tls-ca-cert-file",
        &file("ca.crt"),
    ]);
    let tls = |extra: &[&str]| {
        let (ca, cert, key) = (file("ca.crt"), file("client.crt"), file("client.key"));
        let mut args = vec!["--tls", "--cacert", &ca, "-h", "127.0.0.1", "-p", &tls_port];
        let with_cert = ["--cert", &cert, "--key", &key];
        if !extra.contains(&"NOCERT") {
            args.extend(with_cert);
        }
        args.extend(extra.iter().filter(|a| **a != "NOCERT"));
        redis_cli(&args)
    };
    assert_eq!(tls(&["SET", "greeting", "over tls"]), "OK\n");
    assert_eq!(tls(&["GET", "greeting"]), "over tls\n");
    let big = "x".repeat(100_000);
    assert_eq!(tls(&["SET", "big", &big]), "OK\n");
    assert_eq!(tls(&["STRLEN", "big"]).trim(), "100000");
    assert_eq!(tls(&["GET", "big"]).trim(), big, "a reply larger than one TLS record");
    // The plain port still works, on the same data.
    let mut plain = server.connect();
    plain.cmd(&["GET", "greeting"], "$8\r\nover tls\r\n");
    // Without a client certificate the handshake is refused.
    let refused = tls(&["NOCERT", "PING"]);
    assert!(!refused.contains("PONG"), "{refused}");
    // A plain-text client on the TLS port gets nothing useful.
    let plain_on_tls = redis_cli(&["-h", "127.0.0.1", "-p", &tls_port, "PING"]);
    assert!(!plain_on_tls.contains("PONG"), "{plain_on_tls}");
    plain.cmd(&["PING"], "+PONG\r\n");

    // --tls-auth-clients no: no client certificate needed.
    let tls_port2 = free_port().to_string();
    let _open = Server::start(&[
        "--tls-port",
        &tls_port2,
        "--tls-cert-file",
        &file("server.crt"),
        "--tls-key-file",
        &file("server.key"),
        "--tls-auth-clients",
        "no",
    ]);
    let ca = file("ca.crt");
    assert_eq!(redis_cli(&["--tls", "--cacert", &ca, "-h", "127.0.0.1", "-p", &tls_port2, "PING"]), "PONG\n");
}

#[test]
fn tls_settings_are_checked_at_start_up() {
    let (status, _out, err) =
        run_to_exit(&["--port", "0", "--tls-port", "1"], std::time::Duration::from_secs(10));
    assert!(!status.success());
    assert!(err.contains("--tls-port needs --tls-cert-file and --tls-key-file"), "{err}");
}

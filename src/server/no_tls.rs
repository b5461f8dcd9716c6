//! Built without the `tls` feature: `--tls-port` is refused at start-up.

use crate::config::Config;

/// No acceptor can exist without the `tls` feature.
#[derive(Clone)]
pub enum TlsAcceptor {}

impl TlsAcceptor {
    pub async fn accept(&self, _socket: tokio::net::TcpStream) -> std::io::Result<tokio::net::TcpStream> {
        match *self {}
    }
}

pub fn acceptor(_config: &Config) -> Result<TlsAcceptor, String> {
    Err("this build has no TLS support (the `tls` feature of the miniredis crate)".into())
}

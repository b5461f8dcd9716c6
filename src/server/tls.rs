//! TLS (`--tls-port`) through rustls: the server's certificate and key, and
//! client certificates checked against `--tls-ca-cert-file` unless
//! `--tls-auth-clients no`.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
pub use tokio_rustls::TlsAcceptor;

use crate::config::Config;

/// The acceptor for `config`, or why it cannot be built.
pub fn acceptor(config: &Config) -> Result<TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert_file = &config.tls_cert_file;
    let key_file = &config.tls_key_file;
    if cert_file.is_empty() || key_file.is_empty() {
        return Err("--tls-port needs --tls-cert-file and --tls-key-file".into());
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certs| certs.collect())
        .map_err(|e| format!("cannot read the certificate {cert_file}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("no certificate in {cert_file}"));
    }
    let key =
        PrivateKeyDer::from_pem_file(key_file).map_err(|e| format!("cannot read the key {key_file}: {e}"))?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match config.tls_auth_clients.as_str() {
        "no" => builder.with_no_client_auth(),
        mode => {
            let ca_file = &config.tls_ca_cert_file;
            if ca_file.is_empty() {
                return Err("--tls-auth-clients yes|optional needs --tls-ca-cert-file".into());
            }
            let mut roots = RootCertStore::empty();
            for cert in
                CertificateDer::pem_file_iter(ca_file).map_err(|e| format!("cannot read {ca_file}: {e}"))?
            {
                let cert = cert.map_err(|e| format!("cannot read {ca_file}: {e}"))?;
                roots.add(cert).map_err(|e| format!("bad CA certificate in {ca_file}: {e}"))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if mode == "optional" { verifier.allow_unauthenticated() } else { verifier };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| e.to_string())?)
        }
    };
    let server = builder.with_single_cert(certs, key).map_err(|e| format!("certificate and key: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(server)))
}

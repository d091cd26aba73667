//! TLS for the bundled server and the client: a certificate authority and a
//! `localhost` leaf generated for each run (rcgen), and rustls configs that
//! verify against that CA — never "accept any certificate" unless the user
//! asks for it for a target of their own (`--insecure`, `unverified.rs`).
//!
//! Crypto is rustls' `ring` provider, which builds from crates.io with only
//! a C compiler.

mod unverified;

use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::client::Resumption;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache};
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedProtocolVersion};

pub use crate::results::TlsVersion;

/// How both sides do TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TlsSettings {
    pub version: TlsVersion,
    /// Session resumption (tickets / session IDs) on both sides.
    pub resumption: bool,
    /// The client checks the server's certificate (`false`: `--insecure`).
    pub verify: bool,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            version: TlsVersion::Tls13,
            resumption: true,
            verify: true,
        }
    }
}

/// What a client trusts and how it does TLS; builds client configs.
#[derive(Debug, Clone)]
pub struct TlsTrust {
    /// The CA to trust: the run's own, or the external target's. `None`
    /// trusts the public (webpki) roots only.
    pub ca: Option<CertificateDer<'static>>,
    pub settings: TlsSettings,
}

impl TlsTrust {
    /// A new client config. `like_reqwest` builds the root store the way
    /// `reqwest::Client::new()` with rustls does, public roots included, so
    /// a client built per request pays what it pays in real life.
    pub fn client_config(&self, like_reqwest: bool) -> anyhow::Result<Arc<ClientConfig>> {
        let mut roots = RootCertStore::empty();
        if like_reqwest || self.ca.is_none() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if let Some(ca) = &self.ca {
            roots
                .add(ca.clone())
                .context("the CA certificate is not valid")?;
        }
        client_config(roots, self.settings)
    }

    /// Reads the first certificate of a PEM file as the CA to trust.
    pub fn ca_from_file(path: &std::path::Path) -> anyhow::Result<CertificateDer<'static>> {
        let pem = crate::files::read_text(path, 1024 * 1024)
            .with_context(|| format!("cannot read {}", path.display()))?;
        CertificateDer::pem_slice_iter(pem.as_bytes())
            .next()
            .with_context(|| format!("{} holds no PEM certificate", path.display()))?
            .with_context(|| format!("cannot read {}", path.display()))
    }
}

/// `config`, offering `protocols` by ALPN instead (the same session cache).
pub fn with_alpn(config: Arc<ClientConfig>, protocols: Vec<Vec<u8>>) -> Arc<ClientConfig> {
    if config.alpn_protocols == protocols {
        return config;
    }
    let mut config = (*config).clone();
    config.alpn_protocols = protocols;
    Arc::new(config)
}

/// A CA and a leaf certificate for `localhost`, 127.0.0.1 and ::1.
pub struct TestPki {
    /// The CA certificate clients trust.
    pub ca: CertificateDer<'static>,
    pub ca_pem: String,
    /// The leaf certificate the server presents.
    pub cert_pem: String,
    /// The leaf's private key.
    pub key_pem: String,
}

impl TestPki {
    pub fn generate() -> anyhow::Result<TestPki> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "poolbench run CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
        let leaf_key = KeyPair::generate()?;
        let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
        let mut leaf_params = CertificateParams::new(names)?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf = leaf_params.signed_by(&leaf_key, &ca)?;
        Ok(TestPki {
            ca: ca.der().clone(),
            ca_pem: ca.pem(),
            cert_pem: leaf.pem(),
            key_pem: leaf_key.serialize_pem(),
        })
    }
}

static TLS12_ONLY: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
static TLS13_ONLY: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS13];

fn versions(version: TlsVersion) -> &'static [&'static SupportedProtocolVersion] {
    match version {
        TlsVersion::Tls12 => &TLS12_ONLY,
        TlsVersion::Tls13 => &TLS13_ONLY,
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client config verifying servers against `roots`.
pub fn client_config(
    roots: RootCertStore,
    settings: TlsSettings,
) -> anyhow::Result<Arc<ClientConfig>> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(versions(settings.version))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    if !settings.resumption {
        config.resumption = Resumption::disabled();
    }
    if !settings.verify {
        let unverified = unverified::Unverified(config.crypto_provider().clone());
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(unverified));
    }
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A server config presenting the PEM certificate chain and key.
pub fn server_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    settings: TlsSettings,
) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .context("cannot read the certificate PEM")?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).context("cannot read the private key PEM")?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions(settings.version))?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    if settings.resumption {
        config.session_storage = ServerSessionMemoryCache::new(64 * 1024);
    } else {
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pki_makes_valid_configs_for_both_versions() -> anyhow::Result<()> {
        let pki = TestPki::generate()?;
        for version in [TlsVersion::Tls12, TlsVersion::Tls13] {
            let settings = TlsSettings {
                version,
                resumption: false,
                verify: true,
            };
            server_config(pki.cert_pem.as_bytes(), pki.key_pem.as_bytes(), settings)?;
            let trust = TlsTrust {
                ca: Some(pki.ca.clone()),
                settings,
            };
            trust.client_config(false)?;
            trust.client_config(true)?;
        }
        Ok(())
    }
}

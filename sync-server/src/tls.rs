//! The server's side of TLS: its own certificate authority, the certificate it gives
//! kiosks, and an optional certificate from the web's PKI for browsers.
//!
//! The CA (`keys/ca.key`, `keys/ca.pem`) is made once, like the other keys, and never
//! replaced: kiosks pin its fingerprint at enrolment (see `frivillig_common::tls`). The
//! kiosk certificate is made anew at every start, signed by the CA, for
//! [`KIOSK_NAME`] and the server's own names; a handshake naming [`KIOSK_NAME`] always gets
//! it. Any other name gets the web certificate when one is configured (read again when its
//! files change, so a renewal needs no restart), else the kiosk certificate too.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use frivillig_common::tls::{KIOSK_NAME, fingerprint, provider};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::config::ServerConfig;
use crate::keys::KeyError;

/// A TLS set-up problem, named with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// A key or certificate file could not be read, written or understood.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Making a certificate failed.
    #[error("making a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
    /// The key folder.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// A kiosk asked for a certificate for a key of another kind than the kiosk makes.
    #[error("the kiosk's key must be an ECDSA P-256 key")]
    DeviceKeyKind,
}

/// A kiosk's certificate as made.
pub struct DeviceCertificate {
    /// The certificate, PEM.
    pub pem: String,
    /// When it ends (RFC 3339).
    pub expires_at: String,
    /// The public half of the kiosk's key (hex), with which its signatures on its
    /// journals' heads are checked ([`frivillig_common::sign::verify_device_heads`]).
    pub signing_key: String,
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> TlsSetupError {
    TlsSetupError::File {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// The server's certificate authority.
pub struct ServerCa {
    key: KeyPair,
    /// Its certificate as stored (what kiosks pin).
    der: CertificateDer<'static>,
    /// The same certificate as PEM, for kiosks that check each other's certificates.
    pem: String,
}

const CA_NAME: &str = "Frivillig server CA";

fn ca_params() -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_NAME);
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2050, 1, 1);
    Ok(params)
}

impl ServerCa {
    /// Where the CA's files live.
    pub fn paths(data_dir: &Path) -> (PathBuf, PathBuf) {
        let keys = data_dir.join("keys");
        (keys.join("ca.key"), keys.join("ca.pem"))
    }

    /// The CA in `data_dir`, made on first use (owner-only files, never overwritten).
    pub fn load_or_create(data_dir: &Path) -> Result<ServerCa, TlsSetupError> {
        let (key_path, cert_path) = Self::paths(data_dir);
        if key_path.exists() || cert_path.exists() {
            let key_pem =
                std::fs::read_to_string(&key_path).map_err(|e| file_error(&key_path, e))?;
            let key = KeyPair::from_pem(&key_pem).map_err(|e| file_error(&key_path, e))?;
            let der =
                CertificateDer::from_pem_file(&cert_path).map_err(|e| file_error(&cert_path, e))?;
            let pem = std::fs::read_to_string(&cert_path).map_err(|e| file_error(&cert_path, e))?;
            return Ok(ServerCa { key, der, pem });
        }
        let key = KeyPair::generate()?;
        let cert = ca_params()?.self_signed(&key)?;
        crate::keys::write_private(&key_path, &key.serialize_pem())?;
        crate::keys::write_private(&cert_path, &cert.pem())?;
        Ok(ServerCa {
            key,
            der: cert.der().clone(),
            pem: cert.pem(),
        })
    }

    /// The fingerprint kiosks pin.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.der)
    }

    /// A certificate for kiosks: [`KIOSK_NAME`] and `names`, signed by the CA, with the CA
    /// certificate after it in the chain (kiosks find their pin there).
    pub fn kiosk_certificate(&self, names: &[String]) -> Result<CertifiedKey, TlsSetupError> {
        // The CA's certificate as an issuer: the same name and key as the stored one, which
        // is all a signature and its check need.
        let issuer = ca_params()?.self_signed(&self.key)?;
        let mut all = vec![KIOSK_NAME.to_owned()];
        all.extend(names.iter().cloned());
        all.dedup();
        let mut params = CertificateParams::new(all)?;
        params
            .distinguished_name
            .push(DnType::CommonName, KIOSK_NAME);
        params.is_ca = IsCa::NoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        // Made anew at every start; a year covers any run between restarts.
        let (y, m, d) = ymd(chrono::Utc::now() - chrono::Duration::days(1));
        params.not_before = rcgen::date_time_ymd(y, m, d);
        let (y, m, d) = ymd(chrono::Utc::now() + chrono::Duration::days(397));
        params.not_after = rcgen::date_time_ymd(y, m, d);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &issuer, &self.key)?;
        let chain = vec![cert.der().clone(), self.der.clone()];
        let signing = provider().key_provider.load_private_key(
            PrivateKeyDer::try_from(key.serialize_der())
                .map_err(|e| TlsSetupError::Rustls(rustls::Error::General(e.to_string())))?,
        )?;
        Ok(CertifiedKey::new(chain, signing))
    }
}

/// How long a kiosk's certificate is valid; kiosks renew it when a third is left.
pub const DEVICE_CERT_DAYS: i64 = 90;

/// The name a kiosk's certificate carries: its id under [`KIOSK_NAME`].
pub fn device_name(kiosk_id: &str) -> String {
    format!("{kiosk_id}.{KIOSK_NAME}")
}

impl ServerCa {
    /// A certificate for the key in `csr_pem` (whose signature proves the kiosk holds the
    /// private key), naming `kiosk_id` whatever the request asked for. The key must be of
    /// the kind kiosks make (ECDSA P-256), since the kiosk signs its journals' heads with it.
    pub fn device_certificate(
        &self,
        csr_pem: &str,
        kiosk_id: &str,
    ) -> Result<DeviceCertificate, TlsSetupError> {
        use rcgen::PublicKeyData as _;
        let csr = rcgen::CertificateSigningRequestParams::from_pem(csr_pem)?;
        if csr.public_key.algorithm() != &rcgen::PKCS_ECDSA_P256_SHA256 {
            return Err(TlsSetupError::DeviceKeyKind);
        }
        let signing_key = hex::encode(csr.public_key.der_bytes());
        let issuer = ca_params()?.self_signed(&self.key)?;
        let mut params = CertificateParams::new(vec![device_name(kiosk_id)])?;
        params.distinguished_name.push(DnType::CommonName, kiosk_id);
        params.is_ca = IsCa::NoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let now = chrono::Utc::now();
        let (y, m, d) = ymd(now - chrono::Duration::days(1));
        params.not_before = rcgen::date_time_ymd(y, m, d);
        let end = now + chrono::Duration::days(DEVICE_CERT_DAYS);
        let (y, m, d) = ymd(end);
        params.not_after = rcgen::date_time_ymd(y, m, d);
        let cert = params.signed_by(&csr.public_key, &issuer, &self.key)?;
        let end_of_day = end
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(end);
        Ok(DeviceCertificate {
            pem: cert.pem(),
            expires_at: end_of_day.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            signing_key,
        })
    }

    /// The CA's certificate as stored (DER).
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// The CA's certificate as PEM, for kiosks that check each other's certificates.
    pub fn pem(&self) -> &str {
        &self.pem
    }
}

/// `t`'s date as rcgen takes a validity bound (its time type is not ours to name).
fn ymd(t: chrono::DateTime<chrono::Utc>) -> (i32, u8, u8) {
    use chrono::Datelike as _;
    // Month and day of a chrono date always fit.
    (t.year(), t.month() as u8, t.day() as u8)
}

/// A certificate from files, read again when either file changes.
#[derive(Debug)]
struct WebCertificate {
    cert_path: PathBuf,
    key_path: PathBuf,
    loaded: Mutex<(Option<SystemTime>, Option<SystemTime>, Arc<CertifiedKey>)>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read_web_certificate(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsSetupError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| file_error(cert_path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(cert_path, e))?;
    if chain.is_empty() {
        return Err(file_error(cert_path, "holds no certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| file_error(key_path, e))?;
    let signing = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| file_error(key_path, e))?;
    Ok(CertifiedKey::new(chain, signing))
}

impl WebCertificate {
    fn current(&self) -> Option<Arc<CertifiedKey>> {
        let mut loaded = self.loaded.lock().ok()?;
        let stamps = (modified(&self.cert_path), modified(&self.key_path));
        if (loaded.0, loaded.1) != stamps {
            match read_web_certificate(&self.cert_path, &self.key_path) {
                Ok(c) => *loaded = (stamps.0, stamps.1, Arc::new(c)),
                // Half-written during a renewal, perhaps: keep serving the last good one.
                Err(e) => tracing::warn!(error = %e, "the web certificate could not be read again"),
            }
        }
        Some(loaded.2.clone())
    }
}

/// Picks the certificate for a handshake by the name the client asked for.
#[derive(Debug)]
struct Certificates {
    kiosk: Arc<CertifiedKey>,
    web: Option<WebCertificate>,
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match (&self.web, hello.server_name()) {
            (Some(web), Some(name)) if name != KIOSK_NAME => web.current(),
            _ => Some(self.kiosk.clone()),
        }
    }
}

/// What the server serves TLS with, and the fingerprint kiosks pin.
pub struct ServerTls {
    /// Accepts TLS connections.
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// The CA's fingerprint.
    pub fingerprint: String,
}

/// The names the kiosk certificate carries besides [`KIOSK_NAME`]: the public address's
/// host, the listen address when it is a specific one, and this machine's loopback names.
fn own_names(config: &ServerConfig) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(host) = url::Url::parse(&config.public_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()))
    {
        names.push(host);
    }
    if !config.listen.ip().is_unspecified() {
        names.push(config.listen.ip().to_string());
    }
    names.sort();
    names.dedup();
    names
}

/// The TLS set-up `config` asks for, with `ca`'s certificates, or `None` for plain HTTP.
pub fn server_tls(
    config: &ServerConfig,
    ca: &ServerCa,
) -> Result<Option<ServerTls>, TlsSetupError> {
    if !config.tls && config.tls_cert_file.is_none() {
        return Ok(None);
    }
    let kiosk = Arc::new(ca.kiosk_certificate(&own_names(config))?);
    let web = match (&config.tls_cert_file, &config.tls_key_file) {
        (Some(cert_path), Some(key_path)) => {
            let first = read_web_certificate(cert_path, key_path)?;
            Some(WebCertificate {
                cert_path: cert_path.clone(),
                key_path: key_path.clone(),
                loaded: Mutex::new((modified(cert_path), modified(key_path), Arc::new(first))),
            })
        }
        (Some(p), None) | (None, Some(p)) => {
            return Err(file_error(
                p,
                "tls_cert_file and tls_key_file go together; give both",
            ));
        }
        (None, None) => None,
    };
    let mut server = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Certificates { kiosk, web }));
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(ServerTls {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(server)),
        fingerprint: ca.fingerprint(),
    }))
}

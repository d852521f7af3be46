//! Mutual TLS between kiosks: each side shows the certificate the server's CA signed for it
//! at enrolment (`crate::identity`) and takes the other's only if that CA signed it for a
//! kiosk name (`<kiosk id>.kiosk.frivillig.invalid`), valid now. Which kiosks it then talks
//! to is the core's allow-list (`KioskCore::may_talk_to`), checked by the caller.

use std::path::Path;
use std::sync::Arc;

use frivillig_common::tls::{KIOSK_NAME, provider};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

/// Why festival mode cannot start or a peer was refused.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The kiosk has no certificate yet (it gets one at its first contact with the server).
    #[error(
        "kiosken har endnu ikke sit certifikat / the kiosk has no certificate yet: it gets one at its first contact with the server ({0})"
    )]
    NoIdentity(String),
    /// TLS could not be set up.
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// A network problem.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The other side is not a kiosk this one may talk to.
    #[error("refused peer: {0}")]
    Refused(String),
}

/// Client and server configurations for talking to peers.
#[derive(Clone)]
pub struct PeerTls {
    /// For connections this kiosk accepts.
    pub server: Arc<ServerConfig>,
    /// For connections it dials.
    pub client: Arc<ClientConfig>,
}

impl PeerTls {
    /// From the kiosk's key, its certificate and the server's CA in `data_dir`.
    pub fn load(data_dir: &Path) -> Result<PeerTls, PeerError> {
        let (key_path, cert_path) = crate::identity::paths(data_dir);
        let ca_path = crate::identity::ca_path(data_dir);
        let missing = |p: &Path, e: &dyn std::fmt::Display| {
            PeerError::NoIdentity(format!("{}: {e}", p.display()))
        };
        let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| missing(&key_path, &e))?;
        let cert =
            CertificateDer::from_pem_file(&cert_path).map_err(|e| missing(&cert_path, &e))?;
        let ca = CertificateDer::from_pem_file(&ca_path).map_err(|e| missing(&ca_path, &e))?;
        let mut roots = RootCertStore::empty();
        roots.add(ca)?;
        let roots = Arc::new(roots);
        let provider = provider();
        let clients = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(clients)
            .with_single_cert(vec![cert.clone()], key.clone_key())?;
        let servers = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyKiosk { inner: servers }))
            .with_client_auth_cert(vec![cert], key)?;
        Ok(PeerTls {
            server: Arc::new(server),
            client: Arc::new(client),
        })
    }
}

/// The kiosk a certificate names (`<id>.kiosk.frivillig.invalid`), if it names one. The
/// caller has had the certificate verified for that name.
pub fn kiosk_of(cert: &CertificateDer<'_>) -> Option<String> {
    let cert = webpki::EndEntityCert::try_from(cert).ok()?;
    let suffix = format!(".{KIOSK_NAME}");
    cert.valid_dns_names()
        .find_map(|n| n.strip_suffix(&suffix).map(str::to_owned))
        .filter(|id| frivillig_common::sync::valid_kiosk_id(id))
}

/// The name rustls is given when dialling a peer whose id is not known yet; [`AnyKiosk`]
/// checks the certificate for the kiosk name it carries instead.
pub fn dial_name() -> ServerName<'static> {
    ServerName::try_from(format!("peer.{KIOSK_NAME}"))
        .unwrap_or_else(|_| ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()))
}

/// Accepts a server certificate the CA signed for some kiosk's name, valid now: peers are
/// dialled by address, and which kiosk answered is read from its certificate afterwards.
#[derive(Debug)]
struct AnyKiosk {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyKiosk {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let id = kiosk_of(end_entity)
            .ok_or_else(|| rustls::Error::General("not a kiosk's certificate".into()))?;
        let name = ServerName::try_from(format!("{id}.{KIOSK_NAME}"))
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        self.inner
            .verify_server_cert(end_entity, intermediates, &name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

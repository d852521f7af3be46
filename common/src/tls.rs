//! TLS from kiosks and the provisioning tool to the server, pinned to the server's own
//! certificate authority (Syncthing's model): the server runs a small CA, its certificate
//! for kiosks is signed by it, and a kiosk trusts that CA alone, identified by the SHA-256
//! of its certificate. The pin arrives with the enrolment (the configuration file, or the
//! one-time code's QR), so not even the first request can be answered by another server,
//! and the server's own certificate can be renewed under it.
//!
//! Kiosks name the server [`KIOSK_NAME`] in TLS (SNI), whatever its address: the server
//! answers that name with its CA-signed certificate even where browsers get a certificate
//! from the web's PKI on the same port. HTTP requests reach that name through a resolver
//! that looks up the server's real host.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

/// The name kiosks give the server in TLS, and that its kiosk certificate carries.
pub const KIOSK_NAME: &str = "kiosk.frivillig.invalid";

/// A TLS set-up problem.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The pin is not a SHA-256 in hex.
    #[error("the server's CA fingerprint must be 64 hexadecimal characters")]
    BadPin,
    /// rustls refused the configuration.
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
    /// The server address is not a URL with a host.
    #[error("the server address has no host: {0}")]
    NoHost(String),
}

/// The fingerprint kiosks pin: SHA-256 of a certificate's DER, lower-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The crypto provider every TLS endpoint of ours uses (ring).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts a server only if the chain it sends holds the pinned CA certificate and its own
/// certificate, for [`KIOSK_NAME`], is signed by that CA and valid now.
#[derive(Debug)]
struct PinnedCa {
    pin: String,
    provider: Arc<CryptoProvider>,
}

/// What a kiosk says when a server is not the one it was enrolled with.
pub const NOT_OUR_SERVER: &str = "the server's certificate is not signed by the certificate authority this kiosk was enrolled with (another server, or someone in between)";

impl ServerCertVerifier for PinnedCa {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let ca = intermediates
            .iter()
            .find(|c| fingerprint(c) == self.pin)
            .ok_or_else(|| rustls::Error::General(NOT_OUR_SERVER.into()))?;
        let mut roots = RootCertStore::empty();
        roots.add(ca.clone().into_owned())?;
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            self.provider.clone(),
        )
        .build()
        .map_err(|e| rustls::Error::General(e.to_string()))?;
        let name =
            ServerName::try_from(KIOSK_NAME).map_err(|e| rustls::Error::General(e.to_string()))?;
        verifier.verify_server_cert(end_entity, &[], &name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A client configuration that trusts only the CA with fingerprint `pin`.
pub fn pinned_client_config(pin: &str) -> Result<ClientConfig, TlsError> {
    let pin = pin.trim().to_ascii_lowercase();
    if pin.len() != 64 || !pin.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TlsError::BadPin);
    }
    let provider = provider();
    let verifier = PinnedCa {
        pin,
        provider: provider.clone(),
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// Resolves [`KIOSK_NAME`] (the only name the pinned client is given) to the server's real
/// host.
struct ToServer {
    host: String,
    port: u16,
}

impl reqwest::dns::Resolve for ToServer {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (host, port) = (self.host.clone(), self.port);
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect();
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An HTTP client for `server_url` and the base URL to put paths after. For `https` with a
/// pin, the client trusts only the pinned CA and the base names [`KIOSK_NAME`] (resolved to
/// the real host); for `http` it is a plain client and the base is the URL as given.
pub fn http_client(
    server_url: &str,
    pin: Option<&str>,
    builder: reqwest::ClientBuilder,
) -> Result<(reqwest::Client, String), TlsError> {
    let base = server_url.trim_end_matches('/').to_owned();
    let url = url::Url::parse(&base).map_err(|_| TlsError::NoHost(base.clone()))?;
    let (Some(pin), "https") = (pin, url.scheme()) else {
        let client = builder.build().map_err(|e| TlsError::Http(e.to_string()))?;
        return Ok((client, base));
    };
    let host = url
        .host_str()
        .ok_or_else(|| TlsError::NoHost(base.clone()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let client = builder
        .use_preconfigured_tls(pinned_client_config(pin)?)
        .dns_resolver(Arc::new(ToServer { host, port }))
        .build()
        .map_err(|e| TlsError::Http(e.to_string()))?;
    Ok((client, client_base(&base, Some(pin))))
}

/// The base URL the client of [`http_client`] puts paths after: for `https` with a pin the
/// server named [`KIOSK_NAME`] at its real port, else `server_url` as given.
pub fn client_base(server_url: &str, pin: Option<&str>) -> String {
    let base = server_url.trim_end_matches('/').to_owned();
    match (pin, url::Url::parse(&base)) {
        (Some(_), Ok(url)) if url.scheme() == "https" => {
            let port = url.port_or_known_default().unwrap_or(443);
            let path = url.path().trim_end_matches('/');
            format!("https://{KIOSK_NAME}:{port}{path}")
        }
        _ => base,
    }
}

/// What an enrolment code's QR (or a typed server address) carries: the server's address,
/// and after `#` the code and the CA fingerprint to pin, e.g.
/// `https://frivillig.glostrup.dk#enrol=abcd-efgh-jkmn&ca=3f…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolLink {
    /// The server's base address, without the `#` part.
    pub server: String,
    /// The one-time code, if the link carries one.
    pub code: Option<String>,
    /// The CA fingerprint, if the link carries one.
    pub ca: Option<String>,
}

impl EnrolLink {
    /// Read a link (or a plain address, which carries neither code nor pin).
    pub fn parse(text: &str) -> EnrolLink {
        let text = text.trim();
        let (server, fragment) = text.split_once('#').unwrap_or((text, ""));
        let mut link = EnrolLink {
            server: server.trim_end_matches('/').to_owned(),
            code: None,
            ca: None,
        };
        for part in fragment.split('&') {
            match part.split_once('=') {
                Some(("enrol", v)) if !v.is_empty() => link.code = Some(v.to_owned()),
                Some(("ca", v)) if !v.is_empty() => link.ca = Some(v.to_ascii_lowercase()),
                _ => {}
            }
        }
        link
    }

    /// The link as text, as the QR carries it.
    pub fn to_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(code) = &self.code {
            parts.push(format!("enrol={code}"));
        }
        if let Some(ca) = &self.ca {
            parts.push(format!("ca={ca}"));
        }
        if parts.is_empty() {
            self.server.clone()
        } else {
            format!("{}#{}", self.server, parts.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enrolment_link_reads_back() {
        let link = EnrolLink {
            server: "https://frivillig.glostrup.dk".into(),
            code: Some("abcd-efgh-jkmn".into()),
            ca: Some("ab".repeat(32)),
        };
        assert_eq!(EnrolLink::parse(&link.to_text()), link);
        let plain = EnrolLink::parse(" http://srv:8700/ ");
        assert_eq!(
            (plain.server.as_str(), plain.code, plain.ca),
            ("http://srv:8700", None, None)
        );
    }

    #[test]
    fn a_pin_is_a_sha256() {
        assert!(matches!(pinned_client_config("abc"), Err(TlsError::BadPin)));
        assert!(pinned_client_config(&"A".repeat(64)).is_ok());
        assert_eq!(fingerprint(b"").len(), 64);
    }

    #[test]
    fn the_pinned_base_names_the_kiosk_name_at_the_servers_port() {
        let pin = "0".repeat(64);
        let (_, base) = http_client(
            "https://frivillig.glostrup.dk:8443/",
            Some(&pin),
            reqwest::Client::builder(),
        )
        .expect("client");
        assert_eq!(base, format!("https://{KIOSK_NAME}:8443"));
        let (_, base) =
            http_client("http://127.0.0.1:8700", None, reqwest::Client::builder()).expect("client");
        assert_eq!(base, "http://127.0.0.1:8700");
    }
}

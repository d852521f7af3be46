//! Who a kiosk refuses to talk to.

use super::*;

/// A kiosk of another site, a revoked kiosk of the same site, and a client without a
/// certificate are refused; a kiosk of the site, asked the same way, is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_revoked_kiosks_and_the_uncertified_are_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let clock = ManualClock::new(chrono::Utc::now().fixed_offset());
    let host = kiosk(&server, "telt-a", SITE, dir.path(), &clock).await?;
    let friend = kiosk(&server, "telt-b", SITE, dir.path(), &clock).await?;
    let stranger = kiosk(&server, "bib-1", "bibliotek", dir.path(), &clock).await?;
    let revoked = kiosk(&server, "telt-r", SITE, dir.path(), &clock).await?;
    server.revoke("telt-r").await?;
    eventually("telt-a learns telt-r is revoked", async || {
        host.core.sync_now();
        let peers = host.core.site_peers();
        peers.iter().any(|p| p.kiosk_id == "telt-b")
            && !peers.iter().any(|p| p.kiosk_id == "telt-r")
    })
    .await?;
    let ask = |who: &Kiosk| {
        let data_dir = who.core.config().data_dir.clone();
        let address = host.address();
        async move {
            let tls = PeerTls::load(&data_dir)?;
            tell(&tls, &address, &empty_manifest()).await
        }
    };
    let answered = ask(&friend).await?;
    anyhow::ensure!(answered.kiosk_id == "telt-a", "{answered:?}");
    for who in [&stranger, &revoked] {
        let refused = ask(who).await;
        anyhow::ensure!(refused.is_err(), "{} was answered: {refused:?}", who.id);
    }
    // No client certificate at all: the handshake fails.
    let config = rustls::ClientConfig::builder_with_provider(frivillig_common::tls::provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnything))
        .with_no_client_auth();
    let tls = PeerTls {
        server: PeerTls::load(&host.core.config().data_dir)?.server,
        client: Arc::new(config),
    };
    let refused = tell(&tls, &host.address(), &empty_manifest()).await;
    anyhow::ensure!(
        refused.is_err(),
        "a client without a certificate was answered"
    );
    for k in [host, friend, stranger, revoked] {
        k.stop().await;
    }
    server.stop().await;
    Ok(())
}

/// Trusts any server: the uncertified client's only aim is to be refused by the kiosk.
#[derive(Debug)]
struct AcceptAnything;

impl rustls::client::danger::ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        frivillig_common::tls::provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

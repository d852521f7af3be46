//! Festival mode: kiosks of one site that cannot reach the server sync with each other over
//! mutual TLS, count each other's signups in the spots left, carry each other's journals
//! to the server, and delete their own only on the server's signed acknowledgement, which
//! a peer carried back. Kiosks of another site, revoked kiosks and anyone without a
//! certificate the server's CA signed are refused.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use frivillig_kiosk::peers::{PeerTls, wire};
use frivillig_kiosk::{KioskCore, ManualClock, PeerNet, SyncWorker};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

const SITE: &str = "kulturnat";
const JOB: &str = "kulturnat-oprydning";
const SHIFT: &str = "oprydning";

/// A kiosk of the test: its core, its sync worker and its festival mode.
struct Kiosk {
    id: String,
    core: KioskCore,
    worker: Option<SyncWorker>,
    peers: PeerNet,
}

impl Kiosk {
    fn address(&self) -> String {
        self.peers.local_addr().to_string()
    }

    async fn stop(self) {
        self.peers.stop().await;
        if let Some(w) = self.worker {
            w.stop().await;
        }
        self.core.shutdown().await;
    }
}

/// The cleanup shift with room for `capacity`, as the server's catalog.
async fn shift_of(server: &TestServer, capacity: u32) -> anyhow::Result<()> {
    let mut catalog = frivillig_sync_server::service::catalog::catalog(&server.state).await?;
    for o in &mut catalog.opportunities {
        for s in &mut o.shifts {
            if s.id == SHIFT {
                s.capacity = capacity;
            }
        }
    }
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, catalog, "admin")
        .await?;
    Ok(())
}

/// Enrol `id` at `site`, open it on `clock`, start festival mode on loopback and sync, until
/// it has the catalog and its certificate.
async fn kiosk(
    server: &TestServer,
    id: &str,
    site: &str,
    dir: &Path,
    clock: &ManualClock,
) -> anyhow::Result<Kiosk> {
    let enrol = server.enrol(id, site).await?;
    let config = kiosk_config(&server.url(), &enrol, site, &dir.join(id));
    let data_dir = config.data_dir.clone();
    let core = open_kiosk(config, Arc::new(clock.clone())).await?;
    let peers = PeerNet::start(&core, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let worker = SyncWorker::start(&core);
    let (_, cert) = frivillig_kiosk::identity::paths(&data_dir);
    let ca = frivillig_kiosk::identity::ca_path(&data_dir);
    wait_status(&core, Duration::from_secs(20), |s| s.online && s.rounds > 0).await?;
    for _ in 0..100 {
        if cert.exists() && ca.exists() && core.catalog().is_some() {
            return Ok(Kiosk {
                id: id.to_owned(),
                core,
                worker: Some(worker),
                peers,
            });
        }
        core.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{id} got no certificate or catalog")
}

/// Sync every kiosk until each knows the addresses of all the others from the server.
async fn introduce(kiosks: &[Kiosk]) -> anyhow::Result<()> {
    for _ in 0..200 {
        let all_known = kiosks.iter().all(|k| {
            let peers = k.core.site_peers();
            kiosks.iter().filter(|o| o.id != k.id).all(|o| {
                peers
                    .iter()
                    .any(|p| p.kiosk_id == o.id && p.addresses.contains(&o.address()))
            })
        });
        if all_known {
            return Ok(());
        }
        for k in kiosks {
            k.core.sync_now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the kiosks did not learn each other's addresses from the server")
}

/// Wait until `check` holds, or fail with `what`.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) -> anyhow::Result<()> {
    for _ in 0..300 {
        if check().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("timed out: {what}")
}

fn taken(core: &KioskCore) -> u32 {
    core.taken().get(SHIFT).copied().unwrap_or(0)
}

/// Three kiosks of the site take signups with the server gone: each sees the others' in
/// its spots left within seconds, so the shift's last spot shows as taken everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosks_of_a_site_count_each_others_signups_without_the_server() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    shift_of(&server, 3).await?;
    let clock = ManualClock::new(chrono::Utc::now().fixed_offset());
    let mut kiosks = Vec::new();
    for id in ["telt-a", "telt-b", "telt-c"] {
        kiosks.push(kiosk(&server, id, SITE, dir.path(), &clock).await?);
    }
    introduce(&kiosks).await?;
    let before = taken(&kiosks[0].core);
    server.stop().await;

    for (n, k) in kiosks.iter().enumerate() {
        k.core
            .submit_signup(JOB, Some(SHIFT), &visitor_form(&k.id, n))
            .await?;
        let want = before + n as u32 + 1;
        for other in &kiosks {
            eventually(
                &format!("{} counts {want} at {}", other.id, k.id),
                async || taken(&other.core) == want,
            )
            .await?;
        }
    }
    for k in &kiosks {
        anyhow::ensure!(
            taken(&k.core) == 3,
            "{} counts {} spots taken of 3",
            k.id,
            taken(&k.core)
        );
        let held = k.core.held_journals().await;
        anyhow::ensure!(held.len() == 2, "{} holds {held:?}", k.id);
        anyhow::ensure!(
            k.core.peers_seen().len() == 2,
            "{} heard from {:?}",
            k.id,
            k.core.peers_seen()
        );
    }
    for k in kiosks {
        k.stop().await;
    }
    Ok(())
}

/// Two kiosks never reach the server; the third does, carries their journals, and brings
/// back the server's signed acknowledgements, on which the two delete their closed
/// journals. A forged or altered acknowledgement, told by an enrolled kiosk, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_kiosk_carries_the_others_journals_and_their_acknowledgements() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server_dir = dir.path().join("server");
    let server = TestServer::start(&server_dir).await?;
    let port = server.addr.port();
    // Two minutes to midnight: past it the day's journals are closed.
    let today = chrono::Utc::now().date_naive();
    let clock = ManualClock::new(DateTime::parse_from_rfc3339(&format!(
        "{today}T23:58:00+01:00"
    ))?);
    let mut kiosks = Vec::new();
    for id in ["telt-a", "telt-b", "telt-c"] {
        kiosks.push(kiosk(&server, id, SITE, dir.path(), &clock).await?);
    }
    let forger = kiosk(&server, "telt-f", SITE, dir.path(), &clock).await?;
    introduce(&kiosks).await?;
    server.stop().await;
    // Only telt-c will sync with the server again.
    for k in &mut kiosks[..2] {
        if let Some(w) = k.worker.take() {
            w.stop().await;
        }
    }
    let mut ids = std::collections::HashSet::new();
    for (n, k) in kiosks.iter().enumerate() {
        for i in 0..3 {
            let r = k
                .core
                .submit_signup(JOB, Some(SHIFT), &visitor_form(&k.id, n * 3 + i))
                .await?;
            ids.insert(r.signup_id);
        }
    }
    clock.advance(chrono::Duration::minutes(3));
    for k in &kiosks {
        eventually(&format!("{} holds both other journals", k.id), async || {
            k.core.held_journals().await.len() == 2
        })
        .await?;
    }

    // An enrolled kiosk of the site tells telt-a its journal is acknowledged, with a made-up
    // signature, and with a real-looking one for other heads: neither is taken.
    let a_journal = kiosks[0].core.journals().await[0].doc_id.clone();
    let forged = |signature: String, heads: Vec<String>| wire::Manifest {
        kiosk_id: "telt-f".into(),
        listen: Vec::new(),
        catalog_doc_id: None,
        journals: vec![wire::JournalEntry {
            doc_id: a_journal.clone(),
            owner: "telt-a".into(),
            day: today.to_string(),
            closed: true,
            heads: heads.clone(),
            ack: Some(frivillig_kiosk::store::SignedAck { heads, signature }),
        }],
    };
    let tls = PeerTls::load(&forger.core.config().data_dir)?;
    let heads = kiosks[0].core.journals().await[0].heads.clone();
    for m in [
        forged("00".repeat(64), heads.clone()),
        forged("ab".repeat(64), vec!["cd".repeat(32)]),
    ] {
        let answer = tell(&tls, &kiosks[0].address(), &m).await;
        anyhow::ensure!(
            answer.is_ok(),
            "the forger is an enrolled kiosk: {answer:?}"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let kept = kiosks[0].core.journals().await;
    anyhow::ensure!(
        kept.len() == 1 && !kept[0].fully_acked,
        "telt-a took a forged acknowledgement: {kept:?}"
    );
    forger.stop().await;

    // The server comes back; only telt-c reaches it.
    let server = TestServer::start_on(&server_dir, port).await?;
    kiosks[2].core.sync_now();
    for k in &kiosks {
        eventually(
            &format!("{} deleted its journal on a carried acknowledgement", k.id),
            async || k.core.journals().await.is_empty(),
        )
        .await?;
    }
    let signups = server.signups().await?;
    let got: std::collections::HashSet<String> =
        signups.iter().map(|s| s.record.id.clone()).collect();
    anyhow::ensure!(
        got == ids && signups.len() == ids.len(),
        "the server holds {} signups, {} expected",
        signups.len(),
        ids.len()
    );
    let relays = server.state.store.journals_relayed_by("telt-c")?;
    anyhow::ensure!(
        relays == 2,
        "telt-c is recorded as carrying {relays} journals"
    );
    for k in kiosks {
        k.stop().await;
    }
    server.stop().await;
    Ok(())
}

/// A manifest that holds nothing.
fn empty_manifest() -> wire::Manifest {
    wire::Manifest {
        kiosk_id: "x".into(),
        listen: Vec::new(),
        catalog_doc_id: None,
        journals: Vec::new(),
    }
}

/// Send `manifest` to the kiosk at `address` as the holder of `tls`, and read its answer.
async fn tell(
    tls: &PeerTls,
    address: &str,
    manifest: &wire::Manifest,
) -> anyhow::Result<wire::Manifest> {
    use tokio::io::AsyncWriteExt as _;
    let connector = tokio_rustls::TlsConnector::from(tls.client.clone());
    let tcp = tokio::net::TcpStream::connect(address).await?;
    let mut stream = connector
        .connect(frivillig_kiosk::peers::tls::dial_name(), tcp)
        .await?;
    stream.write_all(&[wire::MANIFEST]).await?;
    wire::write_frame(&mut stream, manifest).await?;
    Ok(tokio::time::timeout(Duration::from_secs(5), wire::read_frame(&mut stream)).await??)
}

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

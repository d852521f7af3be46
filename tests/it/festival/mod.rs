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

mod check_in;
mod forgery;
mod kill;
mod lan;
mod refusals;
mod relay;
mod spots;

pub(super) const SITE: &str = "kulturnat";
pub(super) const JOB: &str = "kulturnat-oprydning";
pub(super) const SHIFT: &str = "oprydning";

/// A kiosk of the test: its core, its sync worker and its festival mode.
pub(super) struct Kiosk {
    pub(super) id: String,
    pub(super) core: KioskCore,
    pub(super) worker: Option<SyncWorker>,
    pub(super) peers: PeerNet,
}

impl Kiosk {
    pub(super) fn address(&self) -> String {
        self.peers.local_addr().to_string()
    }

    pub(super) async fn stop(self) {
        self.peers.stop().await;
        if let Some(w) = self.worker {
            w.stop().await;
        }
        self.core.shutdown().await;
    }
}

/// The cleanup shift with room for `capacity`, starting in an hour (tonight's, on the staff
/// board), as the server's catalog.
pub(super) async fn shift_of(server: &TestServer, capacity: u32) -> anyhow::Result<()> {
    let mut catalog = frivillig_sync_server::service::catalog::catalog(&server.state).await?;
    for o in &mut catalog.opportunities {
        for s in &mut o.shifts {
            if s.id == SHIFT {
                s.capacity = capacity;
                let starts = chrono::Utc::now().fixed_offset() + chrono::Duration::hours(1);
                s.starts = starts.to_rfc3339();
                s.ends = (starts + chrono::Duration::hours(3)).to_rfc3339();
            }
        }
    }
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, catalog, "admin")
        .await?;
    Ok(())
}

/// Enrol `id` at `site`, open it on `clock`, start festival mode on loopback and sync, until
/// it has the catalog and its certificate.
pub(super) async fn kiosk(
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
pub(super) async fn introduce(kiosks: &[Kiosk]) -> anyhow::Result<()> {
    for _ in 0..200 {
        let all_known = kiosks.iter().all(|k| {
            let peers = k.core.site_peers();
            kiosks.iter().filter(|o| o.id != k.id).all(|o| {
                peers.iter().any(|p| {
                    p.kiosk_id == o.id
                        && p.addresses.contains(&o.address())
                        && !p.signing_key.is_empty()
                })
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

/// Sync every kiosk until each has learnt from the server that it may talk to all the
/// others (addresses aside).
pub(super) async fn know_each_other(kiosks: &[Kiosk]) -> anyhow::Result<()> {
    let others = kiosks.len() - 1;
    eventually("every kiosk knows the others", async || {
        for k in kiosks {
            k.core.sync_now();
        }
        kiosks.iter().all(|k| k.core.site_peers().len() == others)
    })
    .await
}

/// Wait until `check` holds, or fail with `what`.
pub(super) async fn eventually(
    what: &str,
    mut check: impl AsyncFnMut() -> bool,
) -> anyhow::Result<()> {
    for _ in 0..600 {
        if check().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("timed out: {what}")
}

pub(super) fn taken(core: &KioskCore) -> u32 {
    core.taken().get(SHIFT).copied().unwrap_or(0)
}

/// A manifest that holds nothing.
pub(super) fn empty_manifest() -> wire::Manifest {
    wire::Manifest {
        kiosk_id: "x".into(),
        listen: Vec::new(),
        catalog_doc_id: None,
        journals: Vec::new(),
    }
}

/// Send `manifest` to the kiosk at `address` as the holder of `tls`, and read its answer.
pub(super) async fn tell(
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

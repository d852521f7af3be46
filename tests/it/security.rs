//! Isolation between kiosks and device authentication: a kiosk gets nothing of another
//! kiosk's, cannot change the catalog, and unknown or revoked devices are refused.

use std::sync::Arc;
use std::time::Duration;

use frivillig_common::catalog::{demo_catalog, read_catalog, write_catalog};
use frivillig_common::domain::Catalog;
use frivillig_common::sign::SigningKeyPair;
use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{
    TestServer, kiosk_config, open_kiosk, probe_repo, visitor_form, wait_status,
};
use futures::StreamExt;
use samod::{DialerEvent, DocumentId};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn upgrade_status(server: &TestServer, token: Option<&str>) -> anyhow::Result<u16> {
    upgrade_status_from(server, token, None).await
}

async fn upgrade_status_from(
    server: &TestServer,
    token: Option<&str>,
    origin: Option<&str>,
) -> anyhow::Result<u16> {
    let mut req = format!("ws://{}/sync", server.addr).into_client_request()?;
    if let Some(t) = token {
        req.headers_mut()
            .insert("authorization", format!("Bearer {t}").parse()?);
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse()?);
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => Ok(101),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Ok(resp.status().as_u16()),
        Err(e) => Err(e.into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_cannot_reach_another_kiosks_journal_or_change_the_catalog() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol_a = server.enrol("kiosk-a", "bibliotek").await?;
    let enrol_b = server.enrol("kiosk-b", "bibliotek").await?;
    let config_a = kiosk_config(&server.url(), &enrol_a, "bibliotek", &dir.path().join("a"));
    let config_b = kiosk_config(&server.url(), &enrol_b, "bibliotek", &dir.path().join("b"));

    let a = open_kiosk(config_a.clone(), Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&a);
    wait_status(&a, Duration::from_secs(20), |s| s.online).await?;
    a.submit_signup("hojtlaesning", None, &visitor_form("a", 1))
        .await?;
    wait_status(&a, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    let journal_a: DocumentId = a.journals().await[0].doc_id.parse()?;

    // B, speaking samod directly, asks for A's journal by id: the server says nothing.
    let (repo_b, _dialer_b) = probe_repo(&config_b).await?;
    let catalog_id = server.state.sync.catalog_id.clone();
    let before = server
        .state
        .sync
        .repo
        .find(catalog_id.clone())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no catalog"))?
        .with_document(|d| read_catalog(d))?;
    let found_catalog =
        tokio::time::timeout(Duration::from_secs(10), repo_b.find(catalog_id.clone())).await??;
    anyhow::ensure!(found_catalog.is_some(), "B should read the catalog");
    let found =
        tokio::time::timeout(Duration::from_secs(10), repo_b.find(journal_a.clone())).await??;
    anyhow::ensure!(found.is_none(), "B obtained A's journal");

    // Nor over HTTP: acknowledging or claiming A's journal is refused.
    let http = reqwest::Client::new();
    let token_b = frivillig_common::sync::device_token("kiosk-b", &enrol_b.device_secret);
    let ack = http
        .post(format!(
            "{}/api/device/journals/{journal_a}/ack",
            server.url()
        ))
        .bearer_auth(&token_b)
        .json(&serde_json::json!({"heads": [], "queued": 0}))
        .send()
        .await?;
    anyhow::ensure!(
        ack.status() == 404,
        "ack of another's journal: {}",
        ack.status()
    );
    let claim = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&token_b)
        .json(
            &serde_json::json!({"doc_id": journal_a.to_string(), "day": frivillig_tests::today()}),
        )
        .send()
        .await?;
    anyhow::ensure!(
        claim.status() == 409,
        "claim of another's journal: {}",
        claim.status()
    );

    // B rewrites the catalog on its side; the server's catalog stays as it was.
    let handle = found_catalog.ok_or_else(|| anyhow::anyhow!("no catalog"))?;
    handle.with_document(|doc| {
        write_catalog(doc, &Catalog::default(), &SigningKeyPair::generate())
    })?;
    let mut changes = {
        let server_handle = server
            .state
            .sync
            .repo
            .find(catalog_id.clone())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no catalog"))?;
        server_handle.changes()
    };
    // A negative claim needs a window to watch: no change may reach the server's catalog.
    let changed = tokio::time::timeout(Duration::from_millis(1500), changes.next()).await;
    anyhow::ensure!(changed.is_err(), "the server's catalog changed");
    let server_catalog = server
        .state
        .sync
        .repo
        .find(catalog_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no catalog"))?
        .with_document(|d| read_catalog(d))?;
    anyhow::ensure!(server_catalog == before, "catalog was altered");
    anyhow::ensure!(server.signups().await?.len() == 1);

    worker.stop().await;
    a.shutdown().await;
    repo_b.stop().await;
    server.stop().await;
    Ok(())
}

/// The server signs every catalog it writes. A catalog change without that signature
/// (written by anything but the server's import: a tampered link, a doctored database) is
/// refused by the kiosk, which keeps showing the last signed catalog and says so in staff
/// mode; the next signed import reaches it. Mutation check: reading the catalog without
/// the signature check shows the forged site name and fails this test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_refuses_a_catalog_without_the_servers_signature() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-s", "bibliotek").await?;
    let config = kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join("k"));
    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    let first_name = demo_catalog().sites[0].name.clone();
    let site_name =
        |core: &frivillig_kiosk::KioskCore| core.catalog().map(|c| c.sites[0].name.clone());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while site_name(&core).as_ref() != Some(&first_name) {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "no catalog at the kiosk"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let handle = server
        .state
        .sync
        .repo
        .find(server.state.sync.catalog_id.clone())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no catalog"))?;
    let mut forged = demo_catalog();
    forged.sites[0].name = "Falsk bibliotek".into();
    handle.with_document(|doc| write_catalog(doc, &forged, &SigningKeyPair::generate()))?;
    core.sync_now();
    let status = wait_status(&core, Duration::from_secs(20), |s| {
        s.catalog_refused.is_some()
    })
    .await?;
    anyhow::ensure!(
        site_name(&core).as_ref() == Some(&first_name),
        "the kiosk took the forged catalog: {:?}",
        site_name(&core)
    );
    anyhow::ensure!(
        status
            .catalog_refused
            .as_deref()
            .is_some_and(|m| m.contains("afvist")),
        "{status:?}"
    );

    let mut renamed = demo_catalog();
    renamed.sites[0].name = "Glostrup Bibliotek, ny afdeling".into();
    let (code, body) = server
        .admin_put("/api/admin/catalog", &serde_json::to_value(&renamed)?)
        .await?;
    anyhow::ensure!(code == 200, "import: {code} {body}");
    core.sync_now();
    let status = wait_status(&core, Duration::from_secs(20), |s| {
        s.catalog_refused.is_none()
    })
    .await?;
    anyhow::ensure!(
        site_name(&core).as_deref() == Some("Glostrup Bibliotek, ny afdeling"),
        "{:?} {status:?}",
        site_name(&core)
    );

    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_revoked_devices_are_refused_and_open_connections_closed() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-r", "kulturnat").await?;
    let config = kiosk_config(&server.url(), &enrol, "kulturnat", &dir.path().join("r"));
    let good = frivillig_common::sync::device_token("kiosk-r", &enrol.device_secret);

    anyhow::ensure!(upgrade_status(&server, None).await? == 401);
    anyhow::ensure!(upgrade_status(&server, Some("nobody.secret")).await? == 401);
    anyhow::ensure!(upgrade_status(&server, Some("kiosk-r.wrong")).await? == 401);
    anyhow::ensure!(upgrade_status(&server, Some(&good)).await? == 101);
    // A page on another site, holding a valid token, is refused; the portal's own is not.
    let evil = upgrade_status_from(&server, Some(&good), Some("https://evil.example")).await?;
    anyhow::ensure!(evil == 403, "foreign origin answered {evil}");
    let own = upgrade_status_from(&server, Some(&good), Some(&server.url())).await?;
    anyhow::ensure!(own == 101, "own origin answered {own}");

    let (repo, dialer) = probe_repo(&config).await?;
    let mut events = dialer.events();
    server.revoke("kiosk-r").await?;
    let disconnected = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.next().await {
            if matches!(ev, DialerEvent::Disconnected { .. }) {
                return true;
            }
        }
        false
    })
    .await;
    anyhow::ensure!(
        matches!(disconnected, Ok(true)),
        "the revoked kiosk's connection stayed open"
    );
    anyhow::ensure!(upgrade_status(&server, Some(&good)).await? == 403);
    let info = reqwest::Client::new()
        .get(format!("{}/api/device/info", server.url()))
        .bearer_auth(&good)
        .send()
        .await?;
    anyhow::ensure!(info.status() == 403);

    // The kiosk core tells staff it is revoked.
    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    let status = wait_status(&core, Duration::from_secs(10), |s| s.revoked).await?;
    anyhow::ensure!(!status.online && status.last_error.is_some());
    worker.stop().await;
    core.shutdown().await;
    dialer.close();
    repo.stop().await;
    server.stop().await;
    Ok(())
}

/// A kiosk cannot be enrolled under the name the portal's journals are owned by (it would be
/// handed every web signup), nor under an id that is not one, by the admin API or a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_kiosk_is_enrolled_as_the_web_or_under_a_malformed_id() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    for id in ["web", "Bibliotek 1", ""] {
        let (code, body) = server
            .admin_post(
                "/api/admin/kiosks",
                &serde_json::json!({"kiosk_id": id, "site_id": "bibliotek"}),
            )
            .await?;
        anyhow::ensure!(code == 400, "enrolling {id:?}: {code} {body}");
        let (code, _) = server
            .admin_post(
                "/api/admin/enrol-codes",
                &serde_json::json!({"kiosk_id": id, "site_id": "bibliotek"}),
            )
            .await?;
        anyhow::ensure!(code == 400, "a code for {id:?}: {code}");
    }
    anyhow::ensure!(server.state.store.device("web")?.is_none());
    server.enrol("web-1", "bibliotek").await?;
    server.stop().await;
    Ok(())
}

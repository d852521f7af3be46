//! The server ingests what a kiosk synced even if the kiosk never asks for an
//! acknowledgement (it died, or was revoked, right after syncing).

use std::sync::Arc;
use std::time::Duration;

use frivillig_common::domain::{SignupRecord, Source};
use frivillig_common::journal::{JournalHeader, add_signup, new_journal_doc};
use frivillig_common::seal::{SealingPublicKey, seal_personal_data};
use frivillig_common::sync::{device_token, kiosk_peer_id};
use frivillig_kiosk::sync::WsDialer;
use frivillig_tests::{TestServer, kiosk_config};
use samod::{BackoffConfig, Repo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synced_journal_is_ingested_without_an_acknowledgement_request() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-u", "plejecenter").await?;
    let config = kiosk_config(&server.url(), &enrol, "plejecenter", &dir.path().join("u"));

    let key = SealingPublicKey::from_hex(&enrol.server_public_key)?;
    let person = frivillig_tests::sealed_person("Bodil Kjær");
    let record = SignupRecord {
        id: frivillig_common::receipt::new_signup_id(),
        opportunity_id: "gaatur".into(),
        shift_id: Some("gaatur-lor".into()),
        site_id: "plejecenter".into(),
        source: Source::Kiosk("kiosk-u".into()),
        created_at: frivillig_tests::now_rfc3339(),
        consent_version: 1,
        consent_at: frivillig_tests::now_rfc3339(),
        receipt_hash: frivillig_common::receipt::receipt_hash("t"),
        sealed: seal_personal_data(&key, &person)?,
        status: frivillig_common::domain::Status::New,
        status_history: vec![],
        check_ins: vec![],
        notes: vec![],
        assignee: None,
    };
    let mut doc = new_journal_doc(&JournalHeader {
        owner: "kiosk:kiosk-u".into(),
        day: frivillig_tests::today(),
    })?;
    add_signup(&mut doc, &record)?;

    let repo = Repo::build_tokio()
        .with_peer_id(kiosk_peer_id("kiosk-u"))
        .load()
        .await;
    let handle = repo.create(doc).await?;
    let reg = reqwest::Client::new()
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(device_token("kiosk-u", &enrol.device_secret))
        .json(&serde_json::json!({"doc_id": handle.document_id().to_string(), "day": frivillig_tests::today()}))
        .send()
        .await?;
    anyhow::ensure!(reg.status() == 200, "register: {}", reg.status());
    let mut ingests = server.state.ingest.committed.subscribe();
    let dialer = repo.dial(BackoffConfig::default(), Arc::new(WsDialer::new(&config)?))?;

    // No acknowledgement request: the server's own watcher must ingest it.
    let store = server.state.store.clone();
    let id = record.id.clone();
    let arrived = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(Some(row)) = store.signup(&id) {
                return Some(row);
            }
            if ingests.changed().await.is_err() {
                return None;
            }
        }
    })
    .await?
    .ok_or_else(|| anyhow::anyhow!("the server stopped publishing ingests"))?;
    anyhow::ensure!(
        arrived.person == Some(person),
        "personal data not opened: {:?}",
        arrived.person
    );
    dialer.close();
    repo.stop().await;
    server.stop().await;
    Ok(())
}

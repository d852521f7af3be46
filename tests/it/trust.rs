//! The trust boundary at ingest: a kiosk's journal is checked against the device that sent
//! it, the catalog and the server's clock. A stolen device token writing by hand gets none
//! of its forgeries into the coordinators' list; each is kept aside for admins with its
//! reason, the kiosk is told, and the journal's honest signups still arrive.

use std::sync::Arc;
use std::time::Duration;

use frivillig_common::api::AckResponse;
use frivillig_common::domain::{CheckIn, SignupRecord, Source, Status, StatusChange};
use frivillig_common::journal::{JournalHeader, add_signup, new_journal_doc};
use frivillig_common::refusal::Refusal;
use frivillig_common::seal::{SealingPublicKey, seal_personal_data};
use frivillig_common::sync::{device_token, kiosk_peer_id};
use frivillig_kiosk::sync::WsDialer;
use frivillig_tests::{
    Browser, TestServer, kiosk_config, now_rfc3339, signup_for_a_removed_job, today,
};
use samod::{BackoffConfig, DocHandle, Repo};

/// What the hand-written kiosk sends: an honest record unless a test changes it.
fn record(key: &SealingPublicKey, id: &str, name: &str) -> anyhow::Result<SignupRecord> {
    Ok(SignupRecord {
        id: id.into(),
        opportunity_id: "hojtlaesning".into(),
        shift_id: None,
        site_id: "bibliotek".into(),
        source: Source::Kiosk("kiosk-bad".into()),
        created_at: now_rfc3339(),
        consent_version: 1,
        consent_at: now_rfc3339(),
        receipt_hash: frivillig_common::receipt::receipt_hash(id),
        sealed: seal_personal_data(key, &frivillig_tests::sealed_person(name))?,
        status: Status::New,
        status_history: vec![],
        check_ins: vec![],
        notes: vec![],
        assignee: None,
    })
}

/// Ask for the acknowledgement of the journal at its current heads, once the server has
/// them.
async fn ack(server: &TestServer, token: &str, handle: &DocHandle) -> anyhow::Result<AckResponse> {
    let heads: Vec<String> = handle
        .with_document(|d| d.get_heads())
        .iter()
        .map(|h| h.to_string())
        .collect();
    let url = format!(
        "{}/api/device/journals/{}/ack",
        server.url(),
        handle.document_id()
    );
    let http = reqwest::Client::new();
    for _ in 0..100 {
        let resp = http
            .post(&url)
            .bearer_auth(token)
            .json(&serde_json::json!({"heads": heads, "queued": 0}))
            .send()
            .await?;
        if resp.status() == 200 {
            return Ok(resp.json().await?);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server never acknowledged the journal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosks_forged_records_are_refused_shown_to_admins_and_reported() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-bad", "bibliotek").await?;
    let config = kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join("bad"));
    let token = device_token("kiosk-bad", &enrol.device_secret);
    let key = SealingPublicKey::from_hex(&enrol.server_public_key)?;

    let a_year_ago = (chrono::Utc::now() - chrono::Duration::days(365)).to_rfc3339();
    let forged_change = StatusChange {
        status: Status::Active,
        at: now_rfc3339(),
        by: "koordinator".into(),
    };
    let forgeries: Vec<(SignupRecord, Refusal)> = vec![
        (
            // The library's job, listed under the nursing home.
            SignupRecord {
                site_id: "plejecenter".into(),
                ..record(&key, "other-site", "Bo Berg")?
            },
            Refusal::ForeignSite,
        ),
        (
            SignupRecord {
                opportunity_id: "lektiecafe".into(),
                shift_id: Some("lektiecafe-aldrig".into()),
                ..record(&key, "no-such-shift", "Cai Clausen")?
            },
            Refusal::UnknownShift,
        ),
        (
            SignupRecord {
                status: Status::Active,
                status_history: vec![forged_change.clone()],
                ..record(&key, "forged-status", "Dina Dahl")?
            },
            Refusal::CoordinatorField,
        ),
        (
            SignupRecord {
                check_ins: vec![CheckIn {
                    at: now_rfc3339(),
                    by: "koordinator".into(),
                    out: false,
                }],
                ..record(&key, "forged-check-in", "Eva Eriksen")?
            },
            Refusal::CoordinatorField,
        ),
        (
            record(&key, "oversized-name", &"Frederik".repeat(200))?,
            Refusal::InvalidPerson,
        ),
        (
            SignupRecord {
                created_at: a_year_ago.clone(),
                consent_at: a_year_ago,
                ..record(&key, "a-year-off", "Gitte Grøn")?
            },
            Refusal::ImplausibleTime,
        ),
    ];
    let honest = record(&key, "honest", "Anna Andersen")?;
    let mut doc = new_journal_doc(&JournalHeader {
        owner: "kiosk:kiosk-bad".into(),
        day: today(),
    })?;
    add_signup(&mut doc, &honest)?;
    for (r, _) in &forgeries {
        add_signup(&mut doc, r)?;
    }

    let repo = Repo::build_tokio()
        .with_peer_id(kiosk_peer_id("kiosk-bad"))
        .load()
        .await;
    let handle = repo.create(doc).await?;
    let http = reqwest::Client::new();
    let reg = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"doc_id": handle.document_id().to_string(), "day": today()}))
        .send()
        .await?;
    anyhow::ensure!(reg.status() == 200, "register: {}", reg.status());
    // A journal "of" a day far off is refused at registration: the day is the server's to
    // judge.
    let far = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"doc_id": handle.document_id().to_string(), "day": "2099-01-01"}))
        .send()
        .await?;
    anyhow::ensure!(far.status() == 400, "a day far off: {}", far.status());
    let dialer = repo.dial(BackoffConfig::default(), Arc::new(WsDialer::new(&config)?))?;

    // The kiosk is told what was refused, and why.
    let answer = ack(&server, &token, &handle).await?;
    let mut told: Vec<(String, Refusal)> = answer
        .refused
        .iter()
        .map(|r| (r.signup_id.clone(), r.reason))
        .collect();
    told.sort();
    let mut expected: Vec<(String, Refusal)> = forgeries
        .iter()
        .map(|(r, why)| (r.id.clone(), *why))
        .collect();
    expected.sort();
    anyhow::ensure!(told == expected, "told {told:?}, expected {expected:?}");

    // The coordinators' list holds the honest signup only.
    let listed: Vec<String> = server
        .signups()
        .await?
        .into_iter()
        .map(|s| s.record.id)
        .collect();
    anyhow::ensure!(listed == ["honest"], "listed: {listed:?}");

    // Admins see each refusal with its reason.
    let mut b = Browser::new(&server.url())?;
    b.log_in("admin", &server.admin_password).await?;
    let page = b.get("/admin/afviste").await?;
    anyhow::ensure!(page.status == 200, "refused page: {}", page.status);
    let text = page.text();
    for (r, why) in &forgeries {
        anyhow::ensure!(text.contains(&r.id), "{} is not on the page", r.id);
        anyhow::ensure!(text.contains(why.text().0), "{why:?} is not on the page");
    }
    anyhow::ensure!(
        !text.contains(">honest<"),
        "the honest signup is shown as refused"
    );

    // Later the kiosk rewrites the honest record as a coordinator's work and moves it to
    // another job: refused, and the stored signup stays as it was.
    handle.with_document(|d| {
        frivillig_common::journal::set_status(
            d,
            "honest",
            forged_change.status,
            &forged_change.at,
            &forged_change.by,
        )
    })?;
    let answer = ack(&server, &token, &handle).await?;
    anyhow::ensure!(
        answer
            .refused
            .iter()
            .any(|r| r.signup_id == "honest" && r.reason == Refusal::CoordinatorField),
        "the forged status change was not refused: {:?}",
        answer.refused
    );
    let stored = server
        .state
        .store
        .signup("honest")?
        .ok_or_else(|| anyhow::anyhow!("the honest signup is gone"))?;
    anyhow::ensure!(
        stored.record.status == Status::New && stored.record.status_history.is_empty(),
        "the forgery reached the store: {:?}",
        stored.record
    );
    anyhow::ensure!(
        stored.person.as_ref().map(|p| p.name.as_str()) == Some("Anna Andersen"),
        "the honest signup lost its person"
    );

    dialer.close();
    repo.stop().await;
    server.stop().await;
    Ok(())
}

/// A real kiosk takes a signup offline for a job a coordinator removes from the catalog
/// before the kiosk's next sync: the server keeps it aside instead of listing a signup for a
/// job that no longer exists, and the kiosk's staff screen learns it was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_learns_that_a_signup_was_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-1", "bibliotek").await?;
    let (status, signup_id) = signup_for_a_removed_job(
        &server,
        &enrol,
        "bibliotek",
        "hojtlaesning",
        &dir.path().join("k"),
    )
    .await?;
    anyhow::ensure!(
        status
            .refused
            .iter()
            .any(|r| r.signup_id == signup_id && r.reason == Refusal::UnknownJob),
        "{:?}",
        status.refused
    );
    anyhow::ensure!(
        server.state.store.signup(&signup_id)?.is_none(),
        "a signup for a removed job was listed"
    );
    anyhow::ensure!(
        server.state.store.refused_records()?.len() == 1,
        "the refusal was not kept for admins"
    );
    server.stop().await;
    Ok(())
}

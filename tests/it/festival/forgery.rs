//! A kiosk that carries another's journal cannot pass off records of its own as the
//! owner's: the server takes a carried journal only as far as its owner signed it.

use frivillig_common::domain::{SignupRecord, Source, Status};
use frivillig_common::journal::add_signup;
use frivillig_common::seal::{SealingPublicKey, seal_personal_data};
use frivillig_common::sync::device_token;
use frivillig_tests::probe_repo;

use super::*;

/// A signup in telt-a's name that would pass every other check at the server.
fn forged_record(key: &SealingPublicKey, id: &str) -> anyhow::Result<SignupRecord> {
    let now = frivillig_tests::now_rfc3339();
    let person = frivillig_tests::sealed_person("Falske Frida");
    Ok(SignupRecord {
        id: id.into(),
        opportunity_id: JOB.into(),
        shift_id: Some(SHIFT.into()),
        site_id: SITE.into(),
        source: Source::Kiosk("telt-a".into()),
        created_at: now.clone(),
        consent_version: 1,
        consent_at: now,
        receipt_hash: frivillig_common::receipt::receipt_hash(id),
        sealed: seal_personal_data(key, &person)?,
        status: Status::New,
        status_history: vec![],
        check_ins: vec![],
        notes: vec![],
        assignee: None,
    })
}

/// telt-f, enrolled at the same site, registers itself as carrying telt-a's journal, gets
/// it, adds a signup in telt-a's name and asks the server to acknowledge it: without
/// telt-a's signature the acknowledgement is refused and the record never arrives, while
/// telt-a's own signups, before and after, all do, and telt-a never takes the forged change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_cannot_add_records_to_the_journal_it_carries() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    shift_of(&server, 50).await?;
    let clock = ManualClock::new(chrono::Utc::now().fixed_offset());
    let owner = kiosk(&server, "telt-a", SITE, dir.path(), &clock).await?;
    for i in 0..2 {
        owner
            .core
            .submit_signup(JOB, Some(SHIFT), &visitor_form("a", i))
            .await?;
    }
    owner.core.sync_now();
    wait_status(&owner.core, Duration::from_secs(20), |s| {
        s.queued_signups == 0
    })
    .await?;
    let journal = owner.core.journals().await.remove(0);

    let enrol = server.enrol("telt-f", SITE).await?;
    let config = kiosk_config(&server.url(), &enrol, SITE, &dir.path().join("telt-f"));
    let token = device_token("telt-f", &enrol.device_secret);
    let http = reqwest::Client::new();
    let registered = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "doc_id": journal.doc_id, "day": journal.day, "owner": "telt-a"
        }))
        .send()
        .await?;
    anyhow::ensure!(
        registered.status() == 200,
        "a kiosk of the site may carry telt-a's journal: {}",
        registered.status()
    );
    // Nor may it carry for a kiosk that is not in festival mode (which takes the server's
    // changes to its journals, and so would take the carrier's).
    server.enrol("skranke", SITE).await?;
    let refused = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "doc_id": samod::DocumentId::try_from(vec![7u8; 16])?.to_string(),
            "day": journal.day, "owner": "skranke"
        }))
        .send()
        .await?;
    anyhow::ensure!(
        refused.status() == 409,
        "carried a journal of a kiosk outside festival mode: {}",
        refused.status()
    );
    let (repo, _dialer) = probe_repo(&config).await?;
    let handle = tokio::time::timeout(Duration::from_secs(10), repo.find(journal.doc_id.parse()?))
        .await??
        .ok_or_else(|| anyhow::anyhow!("the carrier did not get the journal"))?;
    let key = SealingPublicKey::from_hex(&enrol.server_public_key)?;
    let forged = forged_record(&key, "forged-1")?;
    handle.with_document(|d| add_signup(d, &forged))?;
    let heads: Vec<String> = handle
        .with_document(|d| d.get_heads())
        .iter()
        .map(ToString::to_string)
        .collect();
    let ack_url = format!(
        "{}/api/device/journals/{}/ack",
        server.url(),
        journal.doc_id
    );
    for signature in [None, Some("30".repeat(36)), Some("zz".into())] {
        let mut body = serde_json::json!({"heads": heads, "queued": 0});
        if let Some(s) = &signature {
            body["owner_signature"] = serde_json::json!(s);
        }
        let answer = http
            .post(&ack_url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            answer.status() == 409,
            "the carrier's word on telt-a's heads was taken ({signature:?}): {}",
            answer.status()
        );
    }
    // The forged change is at the server (the background ingest has had it) ...
    let at_server = server
        .state
        .sync
        .repo
        .find(journal.doc_id.parse()?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the server lost the journal"))?;
    eventually("the forged change reaches the server", async || {
        at_server
            .with_document(|d| d.get_heads())
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            == heads
    })
    .await?;
    // ... and telt-a syncs a third signup into the same journal, acknowledged as usual.
    owner
        .core
        .submit_signup(JOB, Some(SHIFT), &visitor_form("a", 2))
        .await?;
    owner.core.sync_now();
    wait_status(&owner.core, Duration::from_secs(20), |s| {
        s.queued_signups == 0
    })
    .await?;
    let ids: std::collections::HashSet<String> = server
        .signups()
        .await?
        .into_iter()
        .map(|s| s.record.id)
        .collect();
    anyhow::ensure!(
        ids.len() == 3 && !ids.contains("forged-1"),
        "the server holds {ids:?}: telt-a's three signups, not the forged one"
    );
    anyhow::ensure!(
        ids == owner.core.signup_ids().await,
        "telt-a's journal changed: it took a change the server had from the carrier"
    );
    repo.stop().await;
    owner.stop().await;
    server.stop().await;
    Ok(())
}

//! Erasure (GDPR): an admin erases one person's signup; it leaves the server's store and
//! list at once, the journal that held it is rewritten without it once the kiosk holds no
//! copy, no stored document keeps a trace of it, the others keep their history, and the old
//! journal can never be registered again. Retention erases what has been kept too long.

use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, Utc};
use frivillig_common::receipt::receipt_hash;
use frivillig_kiosk::{ManualClock, SyncWorker};
use frivillig_sync_server::service::erasure::{Retention, retention_sweep};
use frivillig_tests::{Browser, TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every document the server's file holds, in samod's storage and in the durable journal
/// copies, saved without compression so that text in them can be searched for.
fn stored_documents(
    db_path: &std::path::Path,
    scratch: &std::path::Path,
) -> anyhow::Result<Vec<u8>> {
    use redb::{ReadableDatabase, ReadableTable, TableDefinition};
    let copy = scratch.join("server-copy.redb");
    std::fs::copy(db_path, &copy)?;
    let mut plain = Vec::new();
    {
        let storage = frivillig_common::storage::RedbStorage::open(&copy)?;
        for doc_id in storage.document_ids()? {
            let mut doc = automerge::Automerge::new();
            for (_, chunk) in storage.chunks_with_prefix(&format!("{doc_id}/"))? {
                doc.load_incremental(&chunk)?;
            }
            plain.extend(doc.save_nocompress());
        }
    }
    let db = redb::Database::open(&copy)?;
    let tx = db.begin_read()?;
    let chunks: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("journal_chunks");
    let table = tx.open_table(chunks)?;
    let mut per_doc: std::collections::BTreeMap<String, automerge::Automerge> = Default::default();
    for item in table.iter()? {
        let (k, v) = item?;
        let doc = per_doc.entry(k.value().0.to_owned()).or_default();
        doc.load_incremental(v.value())?;
    }
    for doc in per_doc.values() {
        plain.extend(doc.save_nocompress());
    }
    Ok(plain)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_signup_leaves_no_trace_and_cannot_come_back() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-gdpr", "bibliotek").await?;
    let offset = FixedOffset::east_opt(3600).ok_or_else(|| anyhow::anyhow!("offset"))?;
    // The signups are made three days ago, as at a festival whose kiosk synced at once.
    let clock = ManualClock::new((Utc::now() - chrono::Duration::days(3)).with_timezone(&offset));
    let core = open_kiosk(
        kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join("k")),
        Arc::new(clock.clone()),
    )
    .await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    let mut receipts = Vec::new();
    for i in 0..3 {
        receipts.push(
            core.submit_signup("hojtlaesning", None, &visitor_form("gdpr", i))
                .await?,
        );
    }
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    let (keep_a, erase_b, keep_c) = (&receipts[0], &receipts[1], &receipts[2]);
    let old_journal = server
        .state
        .store
        .signup(&erase_b.signup_id)?
        .map(|r| r.journal_doc_id)
        .ok_or_else(|| anyhow::anyhow!("signup not at the server"))?;
    // A coordinator's status change on one that stays: its history must survive the rewrite.
    let (code, _) = server
        .admin_post(
            &format!("/api/admin/signups/{}/status", keep_a.signup_id),
            &serde_json::json!({"status": "contacted"}),
        )
        .await?;
    anyhow::ensure!(code == 200);

    // The kiosk's clock reaches today: the old journal is closed, acknowledged, deleted there.
    clock.advance(chrono::Duration::days(3));
    let rounds = core.status().rounds;
    core.sync_now();
    wait_status(&core, Duration::from_secs(20), |s| {
        s.rounds > rounds + 1 && s.journals_held == 0
    })
    .await?;
    let device = server.state.store.device("kiosk-gdpr")?;
    anyhow::ensure!(
        device.is_some_and(|d| d.queued == 0),
        "kiosk still reports queued signups"
    );

    // The admin erases B in the web app; the confirmation box is required.
    let mut b = Browser::new(&server.url())?;
    anyhow::ensure!(b.log_in("admin", &server.admin_password).await?.status == 303);
    let detail = b
        .get(&format!("/admin/tilmeldinger/{}", erase_b.signup_id))
        .await?;
    anyhow::ensure!(detail.text().contains("Slet personoplysninger"));
    let csrf = detail
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let path = format!("/admin/tilmeldinger/{}/slet", erase_b.signup_id);
    let a = b.post(&path, &[("csrf", &csrf)]).await?;
    anyhow::ensure!(
        a.status == 400,
        "erasure without confirmation: {}",
        a.status
    );
    anyhow::ensure!(server.state.store.signup(&erase_b.signup_id)?.is_some());
    // Without the password again (a session left open is not enough): refused.
    let a = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("bekraeft", "ja"),
                ("password", "not the password"),
            ],
        )
        .await?;
    anyhow::ensure!(
        a.status == 403,
        "erasure without the password: {}",
        a.status
    );
    anyhow::ensure!(server.state.store.signup(&erase_b.signup_id)?.is_some());
    // A coordinator's note about B: its words are in the audit log until B is erased.
    let noted = "Ringede til B; hun har travlt til marts.";
    let a = b
        .post(
            &format!("/admin/tilmeldinger/{}/note", erase_b.signup_id),
            &[("csrf", &csrf), ("text", noted)],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "note: {}", a.status);
    anyhow::ensure!(b.get("/admin/log").await?.text().contains(noted));
    let a = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("bekraeft", "ja"),
                ("password", &server.admin_password),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "erasure: {} {}", a.status, a.text());

    let erased_name = visitor_form("gdpr", 1).name;
    anyhow::ensure!(server.state.store.signup(&erase_b.signup_id)?.is_none());
    anyhow::ensure!(
        !b.get("/admin/tilmeldinger")
            .await?
            .text()
            .contains(&erased_name)
    );
    anyhow::ensure!(
        b.get(&format!("/admin/tilmeldinger/{}", erase_b.signup_id))
            .await?
            .status
            == 404
    );
    let receipt = b
        .get(&format!(
            "/kvittering/{}/{}",
            erase_b.signup_id, erase_b.token
        ))
        .await?;
    anyhow::ensure!(!receipt.text().contains(&erased_name));

    // The journal was rewritten: the others live on in a new one, with their history.
    anyhow::ensure!(
        server.state.store.journal(&old_journal)?.is_none(),
        "old journal kept"
    );
    anyhow::ensure!(server.state.store.is_retired(&old_journal)?);
    let a_row = server
        .state
        .store
        .signup(&keep_a.signup_id)?
        .ok_or_else(|| anyhow::anyhow!("A lost"))?;
    anyhow::ensure!(a_row.journal_doc_id != old_journal);
    anyhow::ensure!(
        a_row.record.status == "contacted" && a_row.record.status_history.len() == 1,
        "A lost its history: {:?}",
        a_row.record
    );
    anyhow::ensure!(
        a_row
            .person
            .is_some_and(|p| p.name == visitor_form("gdpr", 0).name)
    );
    anyhow::ensure!(server.state.store.signup(&keep_c.signup_id)?.is_some());

    // The old journal id cannot be registered again.
    let http = reqwest::Client::new();
    let token = frivillig_common::sync::device_token("kiosk-gdpr", &enrol.device_secret);
    let again = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"doc_id": old_journal, "day": frivillig_tests::today()}))
        .send()
        .await?;
    anyhow::ensure!(
        again.status() == 409,
        "retired journal registered: {}",
        again.status()
    );
    // The audit log names the erasure, and nothing of the person.
    let log = b.get("/admin/log").await?.text();
    anyhow::ensure!(log.contains("erase") && !log.contains(&erased_name));
    anyhow::ensure!(
        !log.contains(noted),
        "the note's words outlived the erasure"
    );

    worker.stop().await;
    core.shutdown().await;
    let db_path = server.data_dir.join("server.redb");
    server.stop().await;

    let plain = stored_documents(&db_path, dir.path())?;
    for kept in [keep_a, keep_c] {
        anyhow::ensure!(
            contains(&plain, &receipt_hash(&kept.token)),
            "a kept signup's receipt hash is not found: the check would prove nothing"
        );
    }
    anyhow::ensure!(
        !contains(&plain, &receipt_hash(&erase_b.token)),
        "a stored document still holds the erased signup"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_erases_what_has_been_kept_too_long() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-ret", "plejecenter").await?;
    let offset = FixedOffset::east_opt(3600).ok_or_else(|| anyhow::anyhow!("offset"))?;
    let clock = ManualClock::new((Utc::now() - chrono::Duration::days(40)).with_timezone(&offset));
    let core = open_kiosk(
        kiosk_config(&server.url(), &enrol, "plejecenter", &dir.path().join("k")),
        Arc::new(clock.clone()),
    )
    .await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    let old = core
        .submit_signup("gaatur", Some("gaatur-lor"), &visitor_form("ret", 0))
        .await?;
    clock.advance(chrono::Duration::days(40));
    let withdrawn = core
        .submit_signup("gaatur", Some("gaatur-lor"), &visitor_form("ret", 1))
        .await?;
    let fresh = core
        .submit_signup("gaatur", Some("gaatur-lor"), &visitor_form("ret", 2))
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    let (code, _) = server
        .admin_post(
            &format!("/api/admin/signups/{}/status", withdrawn.signup_id),
            &serde_json::json!({"status": "withdrawn"}),
        )
        .await?;
    anyhow::ensure!(code == 200);

    // A withdrawn signup is due ten days after the withdrawal, not before; others are not.
    let closed = Retention {
        closed_days: 10,
        max_days: 0,
    };
    let store = &server.state.store;
    anyhow::ensure!(
        store
            .expired_signups(closed, Utc::now() + chrono::Duration::days(9))?
            .is_empty()
    );
    anyhow::ensure!(
        store.expired_signups(closed, Utc::now() + chrono::Duration::days(11))?
            == vec![withdrawn.signup_id.clone()]
    );

    // Kept 30 days at most, counted from the server's receipt: the signup the kiosk's clock
    // dates 40 days back arrived today, so it stays (a kiosk's clock, or a stolen token,
    // does not decide how long a person is kept).
    let max_30 = Retention {
        closed_days: 10,
        max_days: 30,
    };
    let erased = retention_sweep(&server.state, max_30, Utc::now()).await?;
    anyhow::ensure!(erased == 0, "erased {erased} by the kiosk's dates");
    // 31 days after they arrived, all three go: two by age, the withdrawn one by both.
    let erased = retention_sweep(
        &server.state,
        max_30,
        Utc::now() + chrono::Duration::days(31),
    )
    .await?;
    anyhow::ensure!(erased == 3, "erased {erased}");
    for id in [&old.signup_id, &withdrawn.signup_id, &fresh.signup_id] {
        anyhow::ensure!(store.signup(id)?.is_none() && store.is_erased(id)?);
    }
    // 0 means keep: the kiosk's next signup stays however late the sweep runs.
    let late = core
        .submit_signup("gaatur", Some("gaatur-lor"), &visitor_form("ret", 3))
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    let erased = retention_sweep(
        &server.state,
        Retention {
            closed_days: 0,
            max_days: 0,
        },
        Utc::now() + chrono::Duration::days(3650),
    )
    .await?;
    anyhow::ensure!(store.signup(&late.signup_id)?.is_some());
    anyhow::ensure!(erased == 0, "0 means keep: erased {erased}");
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

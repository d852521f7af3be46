//! A journal stored as many single changes is compacted into one snapshot when the kiosk
//! opens (that is what keeps a cold start with 10,000 signups under a second), and nothing
//! is lost on the way: every signup is still in the kiosk and still reaches the server.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::store::KioskStore;
use frivillig_kiosk::{COMPACT_AFTER_CHUNKS, SyncWorker, SystemClock};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

fn journal_chunks(dir: &std::path::Path, doc: &str) -> anyhow::Result<Vec<String>> {
    let store = KioskStore::open(dir)?;
    let keys = store
        .chunks()
        .chunks_with_prefix(&format!("{doc}/"))?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    Ok(keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_compacts_a_journal_of_single_changes_and_loses_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-c", "bibliotek").await?;
    let kiosk_dir = dir.path().join("kiosk");
    let config = kiosk_config(&server.url(), &enrol, "bibliotek", &kiosk_dir);
    let core = open_kiosk(config.clone(), Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;
    worker.stop().await;

    let n = COMPACT_AFTER_CHUNKS + 8;
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            core.submit_signup("hojtlaesning", None, &visitor_form("c", i))
                .await?
                .signup_id,
        );
    }
    let doc = core.journals().await[0].doc_id.clone();
    core.shutdown().await;
    let before = journal_chunks(&kiosk_dir, &doc)?;
    anyhow::ensure!(
        before
            .iter()
            .filter(|k| k.contains("/incremental/"))
            .count()
            == n,
        "{before:?}"
    );

    // Opening again compacts: one snapshot is left, and every signup is there.
    let core = open_kiosk(config.clone(), Arc::new(SystemClock)).await?;
    for id in &ids {
        anyhow::ensure!(
            core.signup(id).await.is_some(),
            "signup {id} lost in compaction"
        );
    }
    core.shutdown().await;
    let after = journal_chunks(&kiosk_dir, &doc)?;
    anyhow::ensure!(
        after.len() == 1 && after[0].contains("/snapshot/"),
        "{after:?}"
    );

    // And from the snapshot, everything reaches the server; new signups still work.
    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let extra = core
        .submit_signup("hojtlaesning", None, &visitor_form("c", n))
        .await?;
    ids.push(extra.signup_id);
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(30), |s| {
        s.queued_signups == 0 && s.unacked_journals == 0
    })
    .await?;
    let at_server: std::collections::HashSet<String> = server
        .signups()
        .await?
        .into_iter()
        .map(|s| s.record.id)
        .collect();
    for id in &ids {
        anyhow::ensure!(
            at_server.contains(id),
            "signup {id} never reached the server"
        );
    }
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

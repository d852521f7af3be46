//! A kiosk's database never holds a visitor's name, e-mail or phone in the clear.

use std::sync::Arc;
use std::time::Duration;

use frivillig_common::receipt::receipt_hash;
use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_file_holds_no_personal_data_in_the_clear() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-p", "plejecenter").await?;
    let config = kiosk_config(&server.url(), &enrol, "plejecenter", &dir.path().join("p"));
    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    worker.stop().await;
    let mut forms = Vec::new();
    let mut receipts = Vec::new();
    for i in 0..30 {
        let mut form = visitor_form("p", i);
        form.note = format!("Jeg kan bedst om tirsdagen, hilsen nr {i}");
        receipts.push(
            core.submit_signup("gaatur", Some("gaatur-lor"), &form)
                .await?,
        );
        forms.push(form);
    }
    core.shutdown().await;
    drop(core);
    let path = dir.path().join("p").join("kiosk.redb");
    let bytes = std::fs::read(&path)?;
    // Automerge compresses what it stores, so a name missing from the raw bytes could just
    // be deflated. Decode every stored document without compression too: there the
    // records' receipt hashes must appear (proving the view is readable) and names must not.
    // samod's background tasks may still hold the file's lock for a moment; read a copy.
    let copy = dir.path().join("copy.redb");
    std::fs::write(&copy, &bytes)?;
    let storage = frivillig_common::storage::RedbStorage::open(&copy)?;
    let mut plain = Vec::new();
    for doc_id in storage.document_ids()? {
        let mut doc = automerge::Automerge::new();
        for (_, chunk) in storage.chunks_with_prefix(&format!("{doc_id}/"))? {
            doc.load_incremental(&chunk)?;
        }
        plain.extend(doc.save_nocompress());
        // The sealed field is ciphertext, not merely an encoding of the plain text.
        if let Ok((records, _)) = frivillig_common::journal::read_signups(&doc) {
            for r in records {
                use base64::Engine as _;
                plain.extend(base64::engine::general_purpose::STANDARD.decode(&r.sealed)?);
            }
        }
    }
    let hashes_found = receipts
        .iter()
        .filter(|r| contains(&plain, &receipt_hash(&r.token)))
        .count();
    anyhow::ensure!(
        hashes_found == receipts.len(),
        "only {hashes_found} receipt hashes found: the check would prove nothing"
    );
    for form in &forms {
        for secret in [&form.name, &form.email, &form.phone, &form.note] {
            anyhow::ensure!(
                !contains(&bytes, secret),
                "{secret:?} is in the kiosk's file"
            );
            anyhow::ensure!(
                !contains(&plain, secret),
                "{secret:?} is in a stored document"
            );
        }
    }
    for r in &receipts {
        anyhow::ensure!(
            !contains(&bytes, &r.token) && !contains(&plain, &r.token),
            "a receipt token is stored"
        );
    }
    server.stop().await;
    Ok(())
}

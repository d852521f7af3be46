//! Backups taken while kiosks sync, their restore, and the doctor's diagnoses.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{KioskCore, SyncWorker, SystemClock};
use frivillig_tests::{TestServer, visitor_form, wait_status};

use super::provision;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_signups_restores_everything_acknowledged_before_it()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-b", "bibliotek").await?;
    let config = frivillig_tests::kiosk_config(
        &server.url(),
        &enrol,
        "bibliotek",
        &dir.path().join("kiosk"),
    );
    let core = KioskCore::open(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;

    // A steady stream of signups while the backup is taken.
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let streamer = {
        let core = core.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                if stop_rx.try_recv().is_ok() {
                    return n;
                }
                if core
                    .submit_signup("hojtlaesning", None, &visitor_form("b", n))
                    .await
                    .is_ok()
                {
                    n += 1;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    wait_status(&core, Duration::from_secs(20), |s| {
        s.last_contact.is_some() && s.queued_signups < 1000
    })
    .await?;
    let mut ingests = server.state.ingest.committed.subscribe();
    let _ = tokio::time::timeout(Duration::from_secs(10), ingests.wait_for(|n| *n >= 3)).await;
    let before: Vec<String> = server
        .signups()
        .await?
        .into_iter()
        .map(|s| s.record.id)
        .collect();
    anyhow::ensure!(
        !before.is_empty(),
        "nothing was acknowledged before the backup"
    );
    let backup = dir.path().join("backup.redb");
    let (ok, out, err) = provision(&[
        "backup",
        "--server",
        &server.url(),
        "--admin-token",
        &server.admin_token,
        "--out",
        backup.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok, "backup failed: {err}");
    anyhow::ensure!(out.contains("signups"), "{out}");
    let _ = stop_tx.send(());
    let streamed = streamer.await?;
    anyhow::ensure!(
        streamed > before.len(),
        "signups did not keep coming during the backup"
    );

    // Restore into a new folder and start a server there.
    let restored_dir = dir.path().join("restored");
    let (ok, _, err) = provision(&[
        "restore",
        backup.to_str().unwrap_or_default(),
        "--data-dir",
        restored_dir.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok, "restore failed: {err}");
    let (ok, _, err) = provision(&[
        "restore",
        backup.to_str().unwrap_or_default(),
        "--data-dir",
        restored_dir.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(
        !ok && err.contains("exists already"),
        "a restore over a database must be refused: {err}"
    );
    std::fs::copy(
        server.data_dir.join("admin-token.txt"),
        restored_dir.join("admin-token.txt"),
    )?;
    let restored = TestServer::start(&restored_dir).await?;
    let after: std::collections::HashMap<String, bool> = restored
        .signups()
        .await?
        .into_iter()
        .map(|s| (s.record.id, s.person.is_some()))
        .collect();
    for id in &before {
        anyhow::ensure!(
            after.get(id) == Some(&true),
            "signup {id} acknowledged before the backup is missing or unopened"
        );
    }
    anyhow::ensure!(
        restored.state.keys.sealing.public().to_hex() == enrol.server_public_key,
        "the sealing key was not restored"
    );
    anyhow::ensure!(
        restored.state.keys.signing.public_hex() == enrol.server_signing_key,
        "the signing key was not restored: enrolled kiosks would refuse the catalog"
    );

    // A truncated backup is refused, and nothing is written.
    let bytes = std::fs::read(&backup)?;
    let truncated = dir.path().join("truncated.redb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2])?;
    let (ok, _, err) = provision(&["verify", truncated.to_str().unwrap_or_default()])?;
    anyhow::ensure!(!ok, "a truncated backup verified: {err}");
    let empty_dir = dir.path().join("never");
    let (ok, _, _) = provision(&[
        "restore",
        truncated.to_str().unwrap_or_default(),
        "--data-dir",
        empty_dir.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(
        !ok && !empty_dir.join("server.redb").exists(),
        "a truncated backup was restored"
    );

    worker.stop().await;
    core.shutdown().await;
    restored.stop().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_what_is_wrong() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-d", "bibliotek").await?;
    let config = frivillig_tests::kiosk_config(
        &server.url(),
        &enrol,
        "bibliotek",
        &dir.path().join("kiosk"),
    );
    let good = dir.path().join("good.toml");
    config.save(&good)?;
    let (ok, out, err) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok && !out.contains("FEJL"), "a healthy kiosk: {out} {err}");

    let mut other_key = config.clone();
    other_key.server_public_key = frivillig_common::seal::SealingKeyPair::generate()
        .public()
        .to_hex();
    let wrong = dir.path().join("wrong-key.toml");
    other_key.save(&wrong)?;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        wrong.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("different key"), "{out}");

    let (ok, out, _) = provision(&[
        "doctor",
        "--data-dir",
        server.data_dir.to_str().unwrap_or_default(),
        "--server",
        &server.url(),
    ])?;
    anyhow::ensure!(ok && !out.contains("FEJL"), "a healthy server: {out}");

    server.revoke("kiosk-d").await?;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("revoked"), "{out}");

    let url = server.url();
    server.stop().await;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("cannot be reached"), "{out}");
    let (ok, out, _) = provision(&[
        "doctor",
        "--data-dir",
        dir.path().join("nowhere").to_str().unwrap_or_default(),
        "--server",
        &url,
    ])?;
    anyhow::ensure!(
        !ok && out.contains("cannot be read") && out.contains("does not answer"),
        "{out}"
    );
    std::fs::write(&good, "kiosk_id = \"x\"\n")?;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("good.toml"), "{out}");
    Ok(())
}

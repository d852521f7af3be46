//! A coordinator sets a status at the server while an offline kiosk checks the volunteer in:
//! both survive the merge, at the server and at the kiosk.

use std::time::Duration;

use frivillig_kiosk::SyncWorker;
use frivillig_tests::{TestServer, synced_kiosk, visitor_form, wait_status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_at_the_server_and_check_in_at_the_kiosk_both_survive() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-m", "kulturnat", &dir.path().join("m")).await?;
    let receipt = core
        .submit_signup("kulturnat-info", Some("kulturnat-1"), &visitor_form("m", 0))
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    worker.stop().await;

    // Concurrently: the coordinator at the server, and the kiosk with no link.
    let (code, view) = server
        .admin_post(
            &format!("/api/admin/signups/{}/status", receipt.signup_id),
            &serde_json::json!({"status": "contacted"}),
        )
        .await?;
    anyhow::ensure!(
        code == 200 && view["record"]["status"] == "contacted",
        "{code} {view}"
    );
    core.check_in(&receipt.signup_id).await?;

    anyhow::ensure!(core.status().unacked_journals == 1, "{:?}", core.status());
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| {
        s.online && s.unacked_journals == 0
    })
    .await?;
    let (_, view) = server
        .admin_get(&format!("/api/admin/signups/{}", receipt.signup_id))
        .await?;
    anyhow::ensure!(
        view["record"]["status"] == "contacted",
        "server lost the status: {view}"
    );
    anyhow::ensure!(
        view["record"]["check_ins"].as_array().map(Vec::len) == Some(1),
        "server lost the check-in: {view}"
    );
    anyhow::ensure!(
        view["record"]["status_history"].as_array().map(Vec::len) == Some(1),
        "{view}"
    );
    // The kiosk gets the coordinator's change too.
    let mut seen = false;
    let mut rx = core.subscribe_status();
    for _ in 0..50 {
        if core
            .signup(&receipt.signup_id)
            .await
            .is_some_and(|r| r.status == "contacted" && r.check_ins.len() == 1)
        {
            seen = true;
            break;
        }
        worker.sync_now();
        let _ = tokio::time::timeout(Duration::from_millis(200), rx.changed()).await;
    }
    anyhow::ensure!(seen, "the kiosk never saw the merged signup");
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

//! A kiosk process is killed with SIGKILL in the middle of a burst of signups and started
//! again: every signup whose `submit_signup` returned reaches the server.

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, wait_status};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signups_confirmed_before_a_sigkill_reach_the_server() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-k", "bibliotek").await?;
    let config = kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join("k"));
    let config_path = dir.path().join("kiosk.toml");
    config.save(&config_path)?;
    // First start: fetch the catalog, then let the file go to the kiosk process.
    let core = open_kiosk(config.clone(), Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    anyhow::ensure!(core.catalog().is_some());
    worker.stop().await;
    core.shutdown().await;
    drop(core);

    let mut confirmed: HashSet<String> = HashSet::new();
    for round in 0..3 {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kiosk-burst"))
            .args([
                config_path.to_str().unwrap_or_default(),
                "100000",
                "hojtlaesning",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let kill_after = 40 + round * 37;
        let mut seen = 0;
        while let Some(line) = lines.next_line().await? {
            if let Some(id) = line.strip_prefix("SAVED ") {
                confirmed.insert(id.to_owned());
                seen += 1;
            }
            if seen == kill_after {
                // SIGKILL, in the middle of the burst.
                child.start_kill()?;
            }
        }
        anyhow::ensure!(
            seen >= kill_after,
            "round {round}: the kiosk process confirmed only {seen}"
        );
        let status = child.wait().await?;
        anyhow::ensure!(!status.success(), "the burst finished before it was killed");
    }
    anyhow::ensure!(
        confirmed.len() >= 40 + 77 + 114,
        "only {} confirmed",
        confirmed.len()
    );

    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(60), |s| {
        s.online && s.queued_signups == 0
    })
    .await?;
    let at_server: HashSet<String> = server
        .signups()
        .await?
        .into_iter()
        .map(|s| s.record.id)
        .collect();
    let missing: Vec<&String> = confirmed.difference(&at_server).collect();
    anyhow::ensure!(
        missing.is_empty(),
        "{} confirmed signups lost, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

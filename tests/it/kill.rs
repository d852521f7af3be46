//! A kiosk process is killed with SIGKILL in the middle of a burst of signups and started
//! again: every signup whose `submit_signup` returned reaches the server.

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{
    Proc, TestServer, kiosk_config, open_kiosk, start_server_process, wait_status,
};
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

/// Start a syncing kiosk process whose confirmed signups go to `saved`.
fn start_kiosk(
    config: &std::path::Path,
    first: usize,
    epoch: &str,
    saved: tokio::sync::mpsc::UnboundedSender<String>,
) -> anyhow::Result<Proc> {
    let from = chrono::DateTime::parse_from_rfc3339(epoch)? - chrono::Duration::days(40);
    let child = frivillig_tests::spawn_burst(
        env!("CARGO_BIN_EXE_kiosk-burst"),
        &[
            config.to_str().unwrap_or_default(),
            "1000000",
            "hojtlaesning",
        ],
        &[
            ("FRIVILLIG_BURST_SYNC", "1".into()),
            ("FRIVILLIG_BURST_PAUSE_MS", "4".into()),
            ("FRIVILLIG_BURST_FIRST", first.to_string()),
            // A kiosk day lasts 4 s: journals close, are acknowledged and deleted throughout.
            ("FRIVILLIG_BURST_SPEED", "21600".into()),
            ("FRIVILLIG_BURST_EPOCH", epoch.to_owned()),
            // A day every four seconds, starting 40 days ago: the loop stays in the past,
            // where the server accepts a kiosk's times (it refuses days to come).
            ("FRIVILLIG_BURST_FROM", from.to_rfc3339()),
        ],
        saved,
    )?;
    Ok(Proc { child })
}

async fn kill(p: &mut Option<Proc>) -> anyhow::Result<()> {
    if let Some(mut proc) = p.take() {
        proc.child.start_kill()?;
        proc.child.wait().await?;
    }
    Ok(())
}

/// The kill loop: the kiosk process (taking signups and syncing) and the server process
/// are SIGKILLed at random moments, one or the other, and started again; at the end every
/// signup the kiosk confirmed is at the server exactly once. `FRIVILLIG_KILLS` (default 50)
/// and `FRIVILLIG_SEED` set the run; the seed is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_loop_of_kiosk_and_server_loses_and_duplicates_nothing() -> anyhow::Result<()> {
    use rand::{Rng, SeedableRng};
    let kills: usize = std::env::var("FRIVILLIG_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("FRIVILLIG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    println!("kill loop: {kills} kills, FRIVILLIG_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    std::fs::create_dir_all(&data)?;
    let port = frivillig_tests::bind(0)?.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server =
        Some(start_server_process(env!("CARGO_BIN_EXE_server-proc"), &data, port).await?);
    let token = std::fs::read_to_string(data.join("admin-token.txt"))?;
    let http = reqwest::Client::new();
    let enrol: frivillig_common::api::EnrolResponse = http
        .post(format!("{url}/api/admin/kiosks"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kiosk_id": "kiosk-kl", "site_id": "bibliotek"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let config = kiosk_config(&url, &enrol, "bibliotek", &dir.path().join("k"));
    let config_path = dir.path().join("kiosk.toml");
    config.save(&config_path)?;
    {
        let core = open_kiosk(config.clone(), Arc::new(SystemClock)).await?;
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;
        worker.stop().await;
        core.shutdown().await;
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let epoch = chrono::Utc::now().to_rfc3339();
    let mut confirmed: HashSet<String> = HashSet::new();
    let mut kiosk: Option<Proc> = None;
    let (mut server_kills, mut kiosk_kills) = (0, 0);
    for k in 0..kills {
        if server.is_none() {
            server =
                Some(start_server_process(env!("CARGO_BIN_EXE_server-proc"), &data, port).await?);
        }
        if kiosk.is_none() {
            kiosk = Some(start_kiosk(&config_path, k * 100_000, &epoch, tx.clone())?);
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..700))).await;
        if rng.gen_bool(0.5) {
            kill(&mut server).await?;
            server_kills += 1;
        } else {
            kill(&mut kiosk).await?;
            kiosk_kills += 1;
        }
        while let Ok(id) = rx.try_recv() {
            confirmed.insert(id);
        }
    }
    kill(&mut kiosk).await?;
    if server.is_none() {
        server = Some(start_server_process(env!("CARGO_BIN_EXE_server-proc"), &data, port).await?);
    }
    drop(tx);
    // Give the readers of killed processes time to hand over their last lines.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(id) = rx.try_recv() {
        confirmed.insert(id);
    }
    anyhow::ensure!(
        confirmed.len() >= kills,
        "only {} signups confirmed in {kills} rounds: the loop did not exercise much",
        confirmed.len()
    );

    // The kiosk, started once more, delivers what it still holds.
    frivillig_tests::deliver_all(config, Duration::from_secs(120)).await?;
    // Every signup at the server, by id, with the visitor's name: each attempt had its own
    // visitor, so one name under two ids would be a signup taken twice.
    let at_server: std::collections::HashMap<String, String> =
        frivillig_tests::all_signups(&http, &url, &token)
            .await?
            .into_iter()
            .map(|s| (s.record.id, s.person.map(|p| p.name).unwrap_or_default()))
            .collect();
    let missing = confirmed
        .iter()
        .filter(|id| !at_server.contains_key(*id))
        .count();
    let mut names: Vec<&String> = at_server.values().collect();
    names.sort();
    let before = names.len();
    names.dedup();
    let duplicated = before - names.len();
    println!(
        "kill loop: {server_kills} server kills, {kiosk_kills} kiosk kills, {} confirmed, {} at the server, {missing} lost, {duplicated} duplicated",
        confirmed.len(),
        at_server.len(),
    );
    anyhow::ensure!(
        missing == 0,
        "{missing} confirmed signups lost (seed {seed})"
    );
    anyhow::ensure!(
        duplicated == 0,
        "{duplicated} signups taken twice (seed {seed})"
    );
    kill(&mut server).await?;
    Ok(())
}

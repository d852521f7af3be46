//! Disk errors while the system runs (item 3 of the hardening issue): a full disk and a
//! failing one, switched on and off at random under the kiosk's signup path and under the
//! server's ingest. A visitor is told "saved" only for what is stored; the server
//! acknowledges only what it stored; once the fault clears, both go on without a restart,
//! and everything confirmed reaches the server exactly once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use frivillig_common::storage::RedbStorage;
use frivillig_kiosk::core::SubmitError;
use frivillig_kiosk::store::KioskStore;
use frivillig_kiosk::{KioskCore, SyncWorker, SystemClock};
use frivillig_tests::powercut::{Fault, PowerCutDisk};
use frivillig_tests::{
    TestServer, all_signups, kiosk_config, synced_kiosk, visitor_form, wait_status,
};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// How many times each visitor name is held by the server.
async fn names_at(server: &TestServer) -> anyhow::Result<HashMap<String, usize>> {
    let mut out = HashMap::new();
    let http = reqwest::Client::new();
    for s in all_signups(&http, &server.url(), &server.admin_token).await? {
        if let Some(p) = s.person {
            *out.entry(p.name).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// The first job with a shift, as a visitor would pick it, once the catalog has arrived.
async fn a_job(core: &KioskCore) -> anyhow::Result<(String, String)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while core.catalog().is_none() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let catalog = core
        .catalog()
        .ok_or_else(|| anyhow::anyhow!("no catalog"))?;
    catalog
        .opportunities
        .iter()
        .find_map(|o| o.shifts.first().map(|s| (o.id.clone(), s.id.clone())))
        .ok_or_else(|| anyhow::anyhow!("no job with a shift"))
}

/// A server and an enrolled kiosk whose store lives on a simulated disk, on which faults can
/// be switched on.
async fn kiosk_on_a_simulated_disk(
    dir: &std::path::Path,
) -> anyhow::Result<(TestServer, PowerCutDisk, KioskCore)> {
    let server = TestServer::start(&dir.join("server")).await?;
    let enrol = server.enrol("disk-kiosk", "bibliotek").await?;
    let config = kiosk_config(&server.url(), &enrol, "bibliotek", &dir.join("kiosk"));
    let disk = PowerCutDisk::new();
    let store = KioskStore::on(RedbStorage::with_backend(disk.clone())?)?;
    let core = KioskCore::open_on(config, Arc::new(SystemClock), store).await?;
    Ok((server, disk, core))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_on_a_failing_disk_confirms_only_what_it_saved_and_goes_on() -> anyhow::Result<()> {
    let seed: u64 = std::env::var("FRIVILLIG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("disk fault seed {seed} (FRIVILLIG_SEED={seed} repeats this run)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir()?;
    let (server, disk, core) = kiosk_on_a_simulated_disk(dir.path()).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    let (job, shift) = a_job(&core).await?;

    let mut confirmed: Vec<String> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    let mut refused_while_broken = 0;
    let mut fault = None;
    for i in 0..80 {
        if i % 8 == 0 {
            fault = match rng.gen_range(0..3) {
                0 => None,
                1 => Some(Fault::Full),
                _ => Some(Fault::Broken),
            };
            disk.set_fault(fault);
        }
        let form = visitor_form("disk", i);
        match core.submit_signup(&job, Some(&shift), &form).await {
            Ok(_) => confirmed.push(form.name),
            Err(SubmitError::Storage(_)) => {
                if fault == Some(Fault::Broken) {
                    refused_while_broken += 1;
                }
                refused.push(form.name);
            }
            Err(e) => anyhow::bail!("signup {i} failed for another reason: {e}"),
        }
        // Sync runs meanwhile, through the same faults.
        if rng.gen_bool(0.2) {
            core.sync_now();
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..50))).await;
        }
    }
    // The disk has healed: the kiosk goes on without a restart.
    disk.set_fault(None);
    for i in 80..90 {
        let form = visitor_form("disk", i);
        core.submit_signup(&job, Some(&shift), &form)
            .await
            .map_err(|e| anyhow::anyhow!("after the fault cleared, signup {i} failed: {e}"))?;
        confirmed.push(form.name);
    }
    println!(
        "kiosk disk faults: {} operations failed; {} signups confirmed, {} refused ({} while the disk was broken)",
        disk.faults_hit(),
        confirmed.len(),
        refused.len(),
        refused_while_broken
    );
    core.sync_now();
    wait_status(&core, Duration::from_secs(60), |s| {
        s.online && s.queued_signups == 0
    })
    .await?;
    let held = names_at(&server).await?;
    for name in &confirmed {
        assert_eq!(
            held.get(name),
            Some(&1),
            "seed {seed}: confirmed signup {name} must arrive exactly once"
        );
    }
    for name in &refused {
        assert!(
            !held.contains_key(name),
            "seed {seed}: {name} was told it was not saved, yet it arrived"
        );
    }
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

/// The disk fails just after the server registered a new journal, while the kiosk records
/// that: the journal must still be offered to the server and its signups acknowledged once
/// the disk is back. (Found by the random test above, seed 4461795195973434732: the kiosk
/// had marked the journal registered in memory only, so it neither offered it nor
/// registered it again, and its signups stayed queued for ever.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_registered_while_the_disk_fails_still_reaches_the_server() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let (server, disk, core) = kiosk_on_a_simulated_disk(dir.path()).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    let (job, shift) = a_job(&core).await?;
    // Offline for the signup (no round may register the journal before the disk fails).
    worker.stop().await;
    let form = visitor_form("register", 0);
    core.submit_signup(&job, Some(&shift), &form).await?;
    disk.set_fault(Some(Fault::Broken));
    let rounds = core.status().rounds;
    let worker = SyncWorker::start(&core);
    // The first round registers the journal at the server and fails to record it.
    let failed = wait_status(&core, Duration::from_secs(20), |s| s.rounds > rounds).await?;
    anyhow::ensure!(
        !failed.online && failed.last_error.is_some(),
        "the round on a broken disk should have failed: {failed:?}"
    );
    disk.set_fault(None);
    worker.sync_now();
    wait_status(&core, Duration::from_secs(30), |s| {
        s.online && s.queued_signups == 0
    })
    .await?;
    assert_eq!(names_at(&server).await?.get(&form.name), Some(&1));
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_a_failing_disk_acknowledges_only_what_it_stored() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server_dir = dir.path().join("server");
    let disk = PowerCutDisk::new();
    let server = TestServer::start_on_disk(&server_dir, |_| {}, disk.clone()).await?;
    let (core, worker) =
        synced_kiosk(&server, "ingest-kiosk", "bibliotek", &dir.path().join("k")).await?;
    let (job, shift) = a_job(&core).await?;
    let mut names = Vec::new();
    let submit = async |names: &mut Vec<String>, n: usize| -> anyhow::Result<()> {
        for _ in 0..n {
            let form = visitor_form("ingest", names.len());
            core.submit_signup(&job, Some(&shift), &form).await?;
            names.push(form.name);
        }
        core.sync_now();
        Ok(())
    };
    submit(&mut names, 10).await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;

    for fault in [Fault::Full, Fault::Broken] {
        disk.set_fault(Some(fault));
        let hit_before = disk.faults_hit();
        submit(&mut names, 10).await?;
        // Several sync rounds against the failing disk: nothing may be acknowledged
        // unless it was stored.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let queued = core.status().queued_signups;
        let hit = disk.faults_hit() - hit_before;
        println!("server disk {fault:?}: {hit} operations failed, kiosk still holds {queued}");
        if fault == Fault::Broken {
            assert!(hit > 0, "the broken disk was never touched");
            assert_eq!(
                queued, 10,
                "nothing can be stored on a broken disk, so nothing may be acknowledged"
            );
        }
        // The server keeps answering (an error, not a hang or a crash).
        let (code, _) = server.admin_get("/api/admin/kiosks").await?;
        assert!(
            code == 200 || code >= 500,
            "the server answers while its disk fails ({code})"
        );
        disk.set_fault(None);
        core.sync_now();
        wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    }
    let held = names_at(&server).await?;
    for name in &names {
        assert_eq!(held.get(name), Some(&1), "{name} must be held exactly once");
    }
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;

    // After a restart on what the disk holds, every acknowledged signup is still there and
    // the server's copy of the journal holds them too: a coordinator's change to one that
    // arrived while the disk was broken (samod's own writes of it failed, and nothing has
    // made samod write the document since) is written into the journal.
    let restarted =
        TestServer::start_on_disk(&server_dir, |_| {}, PowerCutDisk::from_image(disk.image()))
            .await?;
    let http = reqwest::Client::new();
    let all = all_signups(&http, &restarted.url(), &restarted.admin_token).await?;
    assert_eq!(all.len(), names.len());
    let late = all
        .iter()
        .find(|s| s.person.as_ref().is_some_and(|p| p.name == names[25]))
        .ok_or_else(|| anyhow::anyhow!("{} is missing after the restart", names[25]))?;
    let (code, body) = restarted
        .admin_post(
            &format!("/api/admin/signups/{}/status", late.record.id),
            &serde_json::json!({"status": "contacted"}),
        )
        .await?;
    assert_eq!(code, 200, "status change after the restart: {body}");
    restarted.stop().await;
    Ok(())
}

//! Kiosks take signups with the server down, across midnight; the server comes up; every
//! signup arrives exactly once, opened; closed journals are deleted only after the server's
//! durable acknowledgement.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use frivillig_kiosk::{ManualClock, SyncWorker};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_offline_kiosks_across_midnight_deliver_every_signup_exactly_once()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let port = server.addr.port();
    // Two minutes to midnight today: the server refuses times far from its own clock.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today
        .succ_opt()
        .ok_or_else(|| anyhow::anyhow!("no tomorrow"))?;
    let clock = ManualClock::new(DateTime::parse_from_rfc3339(&format!(
        "{today}T23:58:00+01:00"
    ))?);
    let mut kiosks = Vec::new();
    for (n, site) in ["bibliotek", "plejecenter", "kulturnat"].iter().enumerate() {
        let id = format!("kiosk-{n}");
        let enrol = server.enrol(&id, site).await?;
        let config = kiosk_config(&server.url(), &enrol, site, &dir.path().join(&id));
        let core = open_kiosk(config, Arc::new(clock.clone())).await?;
        let worker = SyncWorker::start(&core);
        // A kiosk needs the catalog once before it can show jobs.
        wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
        anyhow::ensure!(core.catalog().is_some(), "catalog not received");
        kiosks.push((id, core, worker));
    }
    server.stop().await;

    let mut taken: HashSet<String> = HashSet::new();
    for half in 0..2 {
        for (id, core, _) in &kiosks {
            for i in 0..25 {
                let form = visitor_form(id, half * 25 + i);
                let receipt = core
                    .submit_signup("gaatur", Some("gaatur-lor"), &form)
                    .await?;
                anyhow::ensure!(taken.insert(receipt.signup_id), "duplicate signup id");
            }
        }
        // Midnight passes while the network is down: journals roll over.
        clock.advance(chrono::Duration::minutes(3));
    }
    for (_, core, _) in &kiosks {
        let journals = core.journals().await;
        anyhow::ensure!(
            journals.len() == 2,
            "expected two journals, got {journals:?}"
        );
        anyhow::ensure!(
            journals.iter().filter(|j| j.closed).count() == 1,
            "{journals:?}"
        );
        anyhow::ensure!(
            journals.iter().map(|j| j.signups).sum::<u64>() == 50,
            "{journals:?}"
        );
        anyhow::ensure!(core.status().queued_signups == 50, "{:?}", core.status());
    }

    let server = TestServer::start_on(&dir.path().join("server"), port).await?;
    for (_, _, worker) in &kiosks {
        worker.sync_now();
    }
    for (_, core, _) in &kiosks {
        // Closed journal deleted, today's journal kept; nothing queued.
        wait_status(core, Duration::from_secs(60), |s| {
            s.online && s.queued_signups == 0 && s.journals_held == 1
        })
        .await?;
        let journals = core.journals().await;
        anyhow::ensure!(
            journals.len() == 1 && !journals[0].closed && journals[0].day == tomorrow.to_string(),
            "{journals:?}"
        );
    }
    let signups = server.signups().await?;
    anyhow::ensure!(
        signups.len() == 150,
        "server holds {} signups",
        signups.len()
    );
    let at_server: HashSet<String> = signups.iter().map(|s| s.record.id.clone()).collect();
    anyhow::ensure!(
        at_server == taken,
        "the server's signups differ from those taken"
    );
    for s in &signups {
        let person = s
            .person
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("signup {} not opened", s.record.id))?;
        anyhow::ensure!(
            person.name.starts_with("Åse Frivillig-kiosk-"),
            "{person:?}"
        );
    }
    let (code, page) = server
        .admin_get(&format!(
            "/api/admin/signups?date={tomorrow}&site=plejecenter"
        ))
        .await?;
    anyhow::ensure!(code == 200 && page["total"] == 75, "{code} {page}");
    for (_, core, worker) in kiosks {
        worker.stop().await;
        core.shutdown().await;
    }
    server.stop().await;
    Ok(())
}

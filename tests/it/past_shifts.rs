//! No past shift on offer: a shift that has started leaves the portal and is refused there;
//! a kiosk whose clock says it is still ahead takes the signup, and the server keeps it and
//! flags it for the coordinator. (The kiosk's screens: `ui::a_shift_leaves_the_screens_when_it_starts`.)

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use frivillig_kiosk::{ManualClock, SyncWorker};
use frivillig_tests::{
    Browser, TestServer, demo_catalog_with_shifts_in, kiosk_config, open_kiosk, visitor_form,
    wait_status,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_shift_is_refused_on_the_portal_and_flagged_when_a_kiosk_took_it()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    // Tuesday's shift ended an hour ago; Thursday's is two days ahead; the walk ended too.
    let catalog = demo_catalog_with_shifts_in(&[
        ("lektiecafe-tir", -3),
        ("lektiecafe-tor", 50),
        ("gaatur-lor", -3),
    ]);
    let (code, body) = server
        .admin_put("/api/admin/catalog", &serde_json::to_value(&catalog)?)
        .await?;
    anyhow::ensure!(code == 200, "catalog: {code} {body}");
    let shift = |id: &str| {
        catalog
            .opportunities
            .iter()
            .flat_map(|o| &o.shifts)
            .find(|s| s.id == id)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no shift {id}"))
    };
    let (tir, tor) = (shift("lektiecafe-tir")?, shift("lektiecafe-tor")?);
    let label = |s: &frivillig_common::domain::Shift| {
        frivillig_common::text::shift_label(frivillig_common::text::Lang::Da, &s.starts, &s.ends)
    };

    // The portal: the job shows Thursday only; the walk, all of whose shifts started, is
    // neither listed nor open, and its poster's link says why.
    let mut b = Browser::new(&server.url())?;
    let job = b.get("/frivilligjob/lektiecafe").await?;
    anyhow::ensure!(job.status == 200, "{}", job.status);
    anyhow::ensure!(job.text().contains(&label(&tor)), "Thursday missing");
    anyhow::ensure!(
        !job.text().contains(&label(&tir)),
        "the ended shift is offered"
    );
    anyhow::ensure!(
        !job.text().contains("lektiecafe-tir"),
        "the ended shift is in the form"
    );
    let list = b.get("/frivilligjob").await?;
    anyhow::ensure!(
        !list.text().contains("Gåtur og kaffe"),
        "the walk is listed"
    );
    anyhow::ensure!(
        list.text().contains("Højtlæsning for voksne"),
        "an ongoing job went"
    );
    let walk = b.get("/frivilligjob/gaatur").await?;
    anyhow::ensure!(
        walk.status == 410 && walk.text().contains("Ikke længere åben for tilmelding"),
        "{} {}",
        walk.status,
        walk.text()
    );

    // A signup for it posted anyway (an old tab) is refused and nothing is stored.
    let csrf = job
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let late = b
        .post(
            "/frivilligjob/lektiecafe/tilmeld",
            &[
                ("csrf", csrf.as_str()),
                ("shift", "lektiecafe-tir"),
                ("name", "For Sen"),
                ("phone", "12345678"),
                ("email", ""),
                ("age", "ja"),
                ("note", ""),
                ("consent", "ja"),
            ],
        )
        .await?;
    anyhow::ensure!(
        late.status == 409 && late.text().contains("Vagten er begyndt"),
        "{} {}",
        late.status,
        late.text()
    );
    anyhow::ensure!(
        server.signups().await?.is_empty(),
        "a refused signup was stored"
    );

    // A kiosk whose clock is four hours behind sees Tuesday's shift ahead and takes a signup
    // while offline; it arrives after the shift ended.
    let enrol = server.enrol("bibliotek-1", "bibliotek").await?;
    let config = kiosk_config(
        &server.url(),
        &enrol,
        "bibliotek",
        &dir.path().join("kiosk"),
    );
    let offset = chrono::FixedOffset::east_opt(3600).ok_or_else(|| anyhow::anyhow!("offset"))?;
    let clock = ManualClock::new((Utc::now() - chrono::Duration::hours(4)).with_timezone(&offset));
    let core = open_kiosk(config, Arc::new(clock.clone())).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    worker.stop().await;
    let offered = core
        .offered_catalog()
        .ok_or_else(|| anyhow::anyhow!("no catalog"))?;
    anyhow::ensure!(
        offered
            .opportunity("lektiecafe")
            .is_some_and(|o| o.shifts.iter().any(|s| s.id == tir.id)),
        "the kiosk's clock says Tuesday is ahead"
    );
    let receipt = core
        .submit_signup(
            "lektiecafe",
            Some("lektiecafe-tir"),
            &visitor_form("sen", 0),
        )
        .await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    worker.stop().await;
    let stored = server.signups().await?;
    anyhow::ensure!(
        stored.len() == 1 && stored[0].record.id == receipt.signup_id,
        "the kiosk's signup is kept: {stored:?}"
    );

    // The coordinator sees it flagged, on the review page and on the signup's page.
    anyhow::ensure!(b.log_in("admin", &server.admin_password).await?.status == 303);
    let queues = b.get("/admin/koer").await?.text();
    let flagged = queues
        .split("id=\"late\"")
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("no late section: {queues}"))?;
    anyhow::ensure!(
        flagged.contains(&receipt.signup_id)
            && flagged.contains("Nåede serveren efter vagtens slutning"),
        "{flagged}"
    );
    let page = b
        .get(&format!("/admin/tilmeldinger/{}", receipt.signup_id))
        .await?
        .text();
    anyhow::ensure!(page.contains("kendte ikke til tilmeldingen"), "{page}");

    // The same kiosk, its clock put right, refuses the shift with a clear reason.
    clock.advance(chrono::Duration::hours(4));
    let refused = core
        .submit_signup(
            "lektiecafe",
            Some("lektiecafe-tir"),
            &visitor_form("sen", 1),
        )
        .await;
    anyhow::ensure!(
        matches!(
            refused,
            Err(frivillig_kiosk::SubmitError::NoLongerOffered(_))
        ),
        "{refused:?}"
    );
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

//! The review queues (duplicates, overbooked shifts), the overview and the kiosks page.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{Browser, TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

use super::coordinator_of_kulturnat;

async fn post_pair(
    b: &mut Browser,
    form: Vec<(&'static str, String)>,
) -> anyhow::Result<frivillig_tests::Answer> {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/admin/koer/dublet", &refs).await
}

/// Two kiosks offline together take six signups for a shift of four, one person at both:
/// the review page suggests the pair and the latest two for the waiting list; decisions
/// are stored and undone; the overview counts; the kiosks page shows and revokes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_queues_overview_and_kiosks_page() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut cores = Vec::new();
    for id in ["kiosk-qa", "kiosk-qb"] {
        let enrol = server.enrol(id, "bibliotek").await?;
        let core = open_kiosk(
            kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join(id)),
            Arc::new(SystemClock),
        )
        .await?;
        // Online once for the catalog, then offline for the signups.
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;
        worker.stop().await;
        cores.push(core);
    }
    let same_person = visitor_form("qa", 0);
    let mut twin = same_person.clone();
    twin.name = same_person.name.to_uppercase();
    twin.phone = String::new();
    for i in 0..3 {
        cores[0]
            .submit_signup("lektiecafe", Some("lektiecafe-tir"), &visitor_form("qa", i))
            .await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for i in 0..3 {
        // Distinct phones: the test's visitors share numbers by index otherwise.
        let form = if i == 0 {
            twin.clone()
        } else {
            let mut f = visitor_form("qb", i);
            f.phone = format!("{}", 31_000_000 + i);
            f
        };
        cores[1]
            .submit_signup("lektiecafe", Some("lektiecafe-tir"), &form)
            .await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut workers = Vec::new();
    for core in &cores {
        workers.push(SyncWorker::start(core));
        wait_status(core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    }

    let mut b = Browser::new(&server.url())?;
    anyhow::ensure!(b.log_in("admin", &server.admin_password).await?.status == 303);
    let page = b.get("/admin/koer").await?;
    anyhow::ensure!(page.status == 200, "queues: {}", page.status);
    let t = page.text();
    anyhow::ensure!(
        t.contains(&same_person.name) && t.contains(&twin.name),
        "the pair is not suggested"
    );
    anyhow::ensure!(t.contains("6 tilmeldt til 4"), "overbooking not shown");
    anyhow::ensure!(
        t.matches("Sæt på venteliste").count() == 2,
        "not two suggestions"
    );
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let (a, pb) = {
        let rows = server.state.store.listing();
        let q = frivillig_sync_server::store::listing::ListQuery::default();
        let ids: Vec<String> = rows
            .matching(&q, None)
            .iter()
            .filter(|r| r.email == same_person.email)
            .map(|r| r.id.clone())
            .collect();
        anyhow::ensure!(ids.len() == 2, "{ids:?}");
        (ids[0].clone(), ids[1].clone())
    };
    let decide = |d: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("a", a.clone()),
            ("b", pb.clone()),
            ("decision", d.to_owned()),
        ]
    };
    anyhow::ensure!(post_pair(&mut b, decide("merge")).await?.status == 400);
    let mut wrong = decide("linked");
    wrong[0].1 = "f".repeat(64);
    anyhow::ensure!(post_pair(&mut b, wrong).await?.status == 403);
    anyhow::ensure!(post_pair(&mut b, decide("linked")).await?.status == 303);
    let t = b.get("/admin/koer").await?.text();
    anyhow::ensure!(
        t.contains("Afgjort") && t.contains("Fortryd") && t.contains("Ingen forslag"),
        "after linking: {}",
        &t[t.find("id=\"dupes\"").unwrap_or(0)..t.find("id=\"overbooked\"").unwrap_or(t.len())]
    );
    let detail = b.get(&format!("/admin/tilmeldinger/{a}")).await?.text();
    anyhow::ensure!(
        detail.contains("Samme person som") && detail.contains(&pb),
        "the link is not shown on the signup's page"
    );
    anyhow::ensure!(post_pair(&mut b, decide("undo")).await?.status == 303);
    let t = b.get("/admin/koer").await?.text();
    anyhow::ensure!(
        !t.contains("Afgjort") && t.contains("Samme person"),
        "undo did not bring it back"
    );
    anyhow::ensure!(post_pair(&mut b, decide("dismissed")).await?.status == 303);
    anyhow::ensure!(b.get("/admin/koer").await?.text().contains("Ikke samme ("));

    // The suggested two go to the waiting list; the page comes back with nothing overbooked.
    for _ in 0..2 {
        let page = b.get("/admin/koer").await?.text();
        let at = page
            .find("/status\"")
            .ok_or_else(|| anyhow::anyhow!("no waitlist form"))?;
        let start = page[..at]
            .rfind("/admin/tilmeldinger/")
            .ok_or_else(|| anyhow::anyhow!("no form action"))?;
        let action = format!("{}/status", &page[start..at]);
        let a = b
            .post(
                &action,
                &[
                    ("csrf", &csrf),
                    ("status", "waitlisted"),
                    ("tilbage", "/admin/koer"),
                ],
            )
            .await?;
        anyhow::ensure!(
            a.status == 303 && a.location.as_deref() == Some("/admin/koer?gemt=1"),
            "waitlist: {} {:?}",
            a.status,
            a.location
        );
    }
    anyhow::ensure!(
        b.get("/admin/koer")
            .await?
            .text()
            .contains("Ingen vagter har flere")
    );

    // Overview: charts with their numbers.
    let t = b.get("/admin/oversigt").await?.text();
    anyhow::ensure!(t.contains("<svg") && t.contains("6 tilmeldinger i alt"));
    anyhow::ensure!(t.contains("Kiosk kiosk-qa") && t.contains("Venteliste"));

    // Kiosks: both listed with version and an empty queue; revoke one from the page.
    let page = b.get("/admin/kiosker").await?;
    let t = page.text();
    anyhow::ensure!(t.contains("kiosk-qa") && t.contains("kiosk-qb"));
    anyhow::ensure!(t.contains(env!("CARGO_PKG_VERSION")), "no version shown");
    let a = b
        .post("/admin/kiosker/kiosk-qb/spaer", &[("csrf", &csrf)])
        .await?;
    anyhow::ensure!(a.status == 400, "revoke without confirmation: {}", a.status);
    let a = b
        .post(
            "/admin/kiosker/kiosk-qb/spaer",
            &[
                ("csrf", &csrf),
                ("bekraeft", "ja"),
                ("password", &server.admin_password),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "revoke: {}", a.status);
    cores[1].sync_now();
    wait_status(&cores[1], Duration::from_secs(20), |s| s.revoked).await?;
    anyhow::ensure!(b.get("/admin/kiosker").await?.text().contains("Spærret"));

    // A coordinator of another site: no kiosks page, nothing to review.
    let mut kim = coordinator_of_kulturnat(&server).await?;
    anyhow::ensure!(kim.get("/admin/kiosker").await?.status == 403);
    let t = kim.get("/admin/koer").await?.text();
    anyhow::ensure!(!t.contains(&same_person.name) && t.contains("Ingen forslag"));
    anyhow::ensure!(
        kim.get("/admin/oversigt")
            .await?
            .text()
            .contains("0 tilmeldinger i alt")
    );

    for w in workers {
        w.stop().await;
    }
    for c in cores {
        c.shutdown().await;
    }
    server.stop().await;
    Ok(())
}

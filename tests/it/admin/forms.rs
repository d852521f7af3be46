//! The catalog built with forms: a coordinator creates a job at their own site with a
//! weekly series of shifts, the portal and a kiosk show it (the kiosk also offline), a
//! coordinator of another site can neither open nor post to it, a form with problems comes
//! back with what was typed and each problem named, moving or cancelling a shift with
//! signups asks first and keeps them marked, and the TOML export of the result imports into
//! a fresh server as the same catalog.

use std::time::Duration;

use chrono::{Datelike, Duration as Days, NaiveDate, Weekday};
use frivillig_sync_server::store::follow_up::ShiftChange;
use frivillig_tests::{
    Browser, TestServer, demo_catalog_with_shifts_in, synced_kiosk, wait_status, web_signup,
};

use super::{catalog, coordinator_of_kulturnat, csrf_of};

/// A coordinator of the library only, logged in.
async fn coordinator_of_the_library(server: &TestServer) -> anyhow::Result<Browser> {
    let (user, password) = frivillig_tests::library_coordinator(server)?;
    let mut b = Browser::new(&server.url())?;
    anyhow::ensure!(b.log_in(user, password).await?.status == 303);
    Ok(b)
}

/// The first Tuesday at least a week ahead.
fn a_tuesday_ahead() -> NaiveDate {
    let mut d = chrono::Utc::now().date_naive() + Days::days(7);
    while d.weekday() != Weekday::Tue {
        d += Days::days(1);
    }
    d
}

fn job_form<'a>(
    csrf: &'a str,
    id: &'a str,
    site: &'a str,
    title: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("id", id),
        ("site", site),
        ("title", title),
        ("title_en", "Knitting café"),
        ("theme", "kultur"),
        ("description", "Strik med os hver tirsdag.\n\n* Garn er der"),
        ("description_en", "Knit with us every Tuesday."),
        ("contact", "strik@example.dk"),
        ("ambassador", "amb-bibliotek"),
        ("min_age", "15"),
        ("visible_from", ""),
        ("visible_until", ""),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_builds_a_job_with_a_weekly_series_and_another_site_cannot_touch_it()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut lise = coordinator_of_the_library(&server).await?;
    let csrf = csrf_of(&mut lise, "/admin/job/ny").await?;
    let a = lise
        .post(
            "/admin/job/ny",
            &job_form(&csrf, "strikkecafe", "bibliotek", "Strikkecafé"),
        )
        .await?;
    anyhow::ensure!(a.status == 303, "new job: {} {}", a.status, a.text());

    // Thirteen Tuesdays, one of them the winter break: twelve shifts.
    let first = a_tuesday_ahead();
    let (from, until, off) = (
        first.to_string(),
        (first + Days::weeks(12)).to_string(),
        (first + Days::weeks(3)).to_string(),
    );
    let a = lise
        .post(
            "/admin/job/strikkecafe/vagter",
            &[
                ("csrf", csrf.as_str()),
                ("from", from.as_str()),
                ("until", until.as_str()),
                ("wd_tue", "ja"),
                ("starts", "15:00"),
                ("ends", "17:00"),
                ("capacity", "6"),
                ("except", off.as_str()),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "series: {} {}", a.status, a.text());
    let c = catalog(&server).await?;
    let job = c
        .opportunity("strikkecafe")
        .ok_or_else(|| anyhow::anyhow!("no job"))?;
    anyhow::ensure!(job.shifts.len() == 12, "{} shifts", job.shifts.len());
    anyhow::ensure!(
        job.shifts
            .iter()
            .all(|s| !s.starts.starts_with(&off) && s.capacity == 6)
    );
    anyhow::ensure!(job.site_id == "bibliotek" && job.requirements.min_age == Some(15));
    let audit = server.state.store.audit_entries(0, 50)?.0;
    anyhow::ensure!(
        audit.iter().any(|e| e.by == "lise"
            && e.target == "job strikkecafe"
            && e.detail == "12 shift(s) added"),
        "audit: {audit:?}"
    );

    // The portal shows it with its shifts.
    let page = reqwest::get(format!("{}/frivilligjob/strikkecafe", server.url()))
        .await?
        .text()
        .await?;
    anyhow::ensure!(page.contains("Strikkecafé"), "{page}");
    anyhow::ensure!(page.matches("kl. 15.00–17.00").count() >= 12, "{page}");
    let en = reqwest::get(format!("{}/frivilligjob/strikkecafe?lang=en", server.url()))
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        en.contains("Knit with us every Tuesday.") && !en.contains("The description is in Danish."),
        "{en}"
    );

    // A kiosk at the library receives it, and shows it once the server is gone.
    let (kiosk, worker) = synced_kiosk(
        &server,
        "bibliotek-1",
        "bibliotek",
        &dir.path().join("kiosk"),
    )
    .await?;
    wait_status(&kiosk, Duration::from_secs(20), |_| {
        kiosk
            .catalog()
            .is_some_and(|c| c.opportunity("strikkecafe").is_some())
    })
    .await?;

    // A coordinator of another site can neither open the job nor post to it.
    let mut kim = coordinator_of_kulturnat(&server).await?;
    anyhow::ensure!(kim.get("/admin/job/strikkecafe").await?.status == 404);
    let kim_csrf = csrf_of(&mut kim, "/admin/job").await?;
    let a = kim
        .post(
            "/admin/job/strikkecafe",
            &job_form(&kim_csrf, "", "kulturnat", "Overtaget"),
        )
        .await?;
    anyhow::ensure!(a.status == 404, "another site's post: {}", a.status);
    let a = kim
        .post(
            "/admin/job/strikkecafe/vagter",
            &[
                ("csrf", kim_csrf.as_str()),
                ("from", from.as_str()),
                ("starts", "10:00"),
                ("ends", "11:00"),
                ("capacity", "1"),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 404, "another site's shifts: {}", a.status);
    let shift = &job.shifts[0].id;
    let a = kim
        .post(
            &format!("/admin/job/strikkecafe/vagter/{shift}/aflys"),
            &[("csrf", kim_csrf.as_str()), ("confirmed", "ja")],
        )
        .await?;
    anyhow::ensure!(a.status == 404, "another site's cancel: {}", a.status);
    // Nor create a job at the library.
    let a = kim
        .post(
            "/admin/job/ny",
            &job_form(&kim_csrf, "kims-job", "bibliotek", "Kims job"),
        )
        .await?;
    anyhow::ensure!(
        a.status == 422 && a.text().contains("dine egne steder"),
        "{} {}",
        a.status,
        a.text()
    );
    let after = catalog(&server).await?;
    anyhow::ensure!(after == c, "another site's coordinator changed the catalog");
    anyhow::ensure!(
        !kim.get("/admin/job").await?.text().contains("Strikkecafé"),
        "listed for kim"
    );

    // The TOML export of what the forms built imports into a fresh server as the same.
    let toml = frivillig_common::catalog_file::catalog_to_toml(&after)?;
    worker.stop().await;
    server.stop().await;
    let offline = kiosk
        .offered_catalog()
        .ok_or_else(|| anyhow::anyhow!("no catalog"))?;
    anyhow::ensure!(
        offline
            .opportunity("strikkecafe")
            .is_some_and(|o| o.shifts.len() == 12),
        "the kiosk shows the job offline"
    );
    kiosk.shutdown().await;
    let fresh = TestServer::start(&dir.path().join("fresh")).await?;
    let mut admin = Browser::new(&fresh.url())?;
    anyhow::ensure!(admin.log_in("admin", &fresh.admin_password).await?.status == 303);
    let csrf = csrf_of(&mut admin, "/admin/katalog").await?;
    let a = admin
        .post(
            "/admin/katalog",
            &[
                ("csrf", csrf.as_str()),
                ("toml", toml.as_str()),
                ("password", fresh.admin_password.as_str()),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "import: {} {}", a.status, a.text());
    anyhow::ensure!(
        catalog(&fresh).await? == after,
        "the import differs from the export"
    );
    fresh.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_with_problems_keeps_the_input_names_each_problem_and_saves_nothing()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let before = catalog(&server).await?;
    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);
    let csrf = csrf_of(&mut admin, "/admin/job/ny").await?;
    let mut form = job_form(&csrf, "Strik Café!", "bibliotek", " ");
    form.retain(|(k, _)| !matches!(*k, "min_age" | "visible_from" | "visible_until"));
    form.extend([
        ("min_age", "ti"),
        ("visible_from", "2027-02-01"),
        ("visible_until", "2027-01-01"),
    ]);
    let a = admin.post("/admin/job/ny", &form).await?;
    let page = a.text();
    anyhow::ensure!(a.status == 422, "{} {page}", a.status);
    for kept in [
        "value=\"Strik Café!\"",
        "Strik med os hver tirsdag.",
        "value=\"ti\"",
        "value=\"2027-02-01\"",
    ] {
        anyhow::ensure!(page.contains(kept), "lost {kept}: {page}");
    }
    for (field, problem) in [
        ("f-id-error", "Brug små bogstaver"),
        ("f-title-error", "Skal udfyldes"),
        ("f-min_age-error", "Skriv en alder"),
        (
            "f-visible_until-error",
            "Den sidste dag ligger før den første",
        ),
    ] {
        let at = page
            .find(&format!("id=\"{field}\""))
            .ok_or_else(|| anyhow::anyhow!("no {field}: {page}"))?;
        anyhow::ensure!(
            page[at..]
                .chars()
                .take(200)
                .collect::<String>()
                .contains(problem),
            "{field}: {page}"
        );
    }
    anyhow::ensure!(page.contains("aria-invalid=\"true\"") && page.contains("href=\"#f-title\""));

    // A series with problems: the same.
    let a = admin
        .post(
            "/admin/job/lektiecafe/vagter",
            &[
                ("csrf", csrf.as_str()),
                ("from", "2027-03-10"),
                ("until", "2027-03-01"),
                ("starts", "15:00"),
                ("ends", "kvart over"),
                ("capacity", "0"),
            ],
        )
        .await?;
    let page = a.text();
    anyhow::ensure!(a.status == 422, "{} {page}", a.status);
    anyhow::ensure!(
        page.contains("value=\"kvart over\"") && page.contains("value=\"2027-03-10\""),
        "{page}"
    );
    anyhow::ensure!(
        page.contains("f-ends-error") && page.contains("f-capacity-error"),
        "{page}"
    );
    anyhow::ensure!(catalog(&server).await? == before, "something was saved");
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_or_cancelling_a_shift_with_signups_asks_first_and_keeps_them_marked()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let c = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 50), ("lektiecafe-tir", 26)]);
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, c, "admin").await?;
    let mut visitor = Browser::new(&server.url())?;
    web_signup(&mut visitor, "Tove Torsdag", "tove@example.dk").await?;
    let signup = server.signups().await?.remove(0).record.id;

    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);
    let base = "/admin/job/lektiecafe/vagter/lektiecafe-tor";
    let page = admin.get(base).await?;
    anyhow::ensure!(page.text().contains("1 tilmeldt"), "{}", page.text());
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let day = (chrono::Utc::now() + Days::days(5))
        .date_naive()
        .to_string();
    let moved = [
        ("csrf", csrf.as_str()),
        ("day", day.as_str()),
        ("starts", "16:00"),
        ("ends", "18:00"),
        ("capacity", "5"),
    ];
    let before = catalog(&server).await?;
    let ask = admin.post(&format!("{base}/flyt"), &moved).await?;
    anyhow::ensure!(
        ask.status == 409 && ask.text().contains("har tilmeldt sig vagten"),
        "{} {}",
        ask.status,
        ask.text()
    );
    anyhow::ensure!(catalog(&server).await? == before, "moved without asking");
    let mut confirmed = moved.to_vec();
    confirmed.push(("confirmed", "ja"));
    let a = admin.post(&format!("{base}/flyt"), &confirmed).await?;
    anyhow::ensure!(a.status == 303, "{} {}", a.status, a.text());
    let shift = catalog(&server)
        .await?
        .opportunities
        .into_iter()
        .flat_map(|o| o.shifts)
        .find(|s| s.id == "lektiecafe-tor")
        .ok_or_else(|| anyhow::anyhow!("the shift went"))?;
    anyhow::ensure!(
        shift.starts.starts_with(&format!("{day}T16:00:00")) && shift.capacity == 5,
        "{shift:?}"
    );
    let kept = server.signups().await?;
    anyhow::ensure!(
        kept.len() == 1 && kept[0].record.shift_id.as_deref() == Some("lektiecafe-tor")
    );
    let mark = server
        .state
        .store
        .follow_up(&signup)?
        .ok_or_else(|| anyhow::anyhow!("not marked"))?;
    anyhow::ensure!(
        matches!(mark.change, ShiftChange::Moved { .. }) && mark.by == "admin",
        "{mark:?}"
    );
    let queues = admin.get("/admin/koer").await?.text();
    anyhow::ensure!(
        queues.contains("Vagten er flyttet") && queues.contains("Tove Torsdag"),
        "{queues}"
    );
    let page = admin
        .get(&format!("/admin/tilmeldinger/{signup}"))
        .await?
        .text();
    anyhow::ensure!(page.contains("Til opfølgning"), "{page}");
    let a = admin
        .post(
            &format!("/admin/tilmeldinger/{signup}/fulgt-op"),
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303 && server.state.store.follow_up(&signup)?.is_none());

    // Cancelling asks too, keeps the signup, and marks it again.
    let cancel = format!("{base}/aflys");
    let ask = admin.post(&cancel, &[("csrf", csrf.as_str())]).await?;
    anyhow::ensure!(ask.status == 409, "{}", ask.status);
    let a = admin
        .post(&cancel, &[("csrf", csrf.as_str()), ("confirmed", "ja")])
        .await?;
    anyhow::ensure!(a.status == 303, "{} {}", a.status, a.text());
    let c = catalog(&server).await?;
    anyhow::ensure!(
        c.opportunities
            .iter()
            .flat_map(|o| &o.shifts)
            .all(|s| s.id != "lektiecafe-tor")
    );
    anyhow::ensure!(
        server.signups().await?.len() == 1,
        "the signup went with the shift"
    );
    let mark = server
        .state
        .store
        .follow_up(&signup)?
        .ok_or_else(|| anyhow::anyhow!("not marked"))?;
    anyhow::ensure!(
        matches!(mark.change, ShiftChange::Cancelled { .. }),
        "{mark:?}"
    );
    // A shift nobody holds goes at once.
    let a = admin
        .post(
            "/admin/job/lektiecafe/vagter/lektiecafe-tir/aflys",
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "{}", a.status);
    server.stop().await;
    Ok(())
}

//! Hours and the volunteer certificate: check-ins at two kiosks reach the server and count
//! their shifts; a coordinator's no-show mark overrides a check-in (and can be taken back),
//! hours by hand add with their reason; one person's signups at both kiosks add up; the
//! person downloads the certificate from Min side, and the PDF, rendered by poppler, says
//! the hours.

use std::process::Command;
use std::time::Duration;

use frivillig_tests::{
    Browser, TestServer, demo_catalog_with_shifts_in, synced_kiosk, visitor_form, wait_status,
};

/// The text of the PDF at `path`, as poppler reads it.
fn pdf_text(path: &std::path::Path) -> anyhow::Result<String> {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .map_err(|e| anyhow::anyhow!("pdftotext (poppler-utils): {e}"))?;
    anyhow::ensure!(out.status.success(), "pdftotext failed");
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_ins_at_two_kiosks_and_a_correction_give_the_hours_on_the_certificate()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    // Two two-hour shifts ahead (today's year, unless it is the last days of December).
    let catalog = demo_catalog_with_shifts_in(&[("lektiecafe-tir", 30), ("lektiecafe-tor", 50)]);
    let year = chrono::DateTime::parse_from_rfc3339(
        &catalog
            .opportunities
            .iter()
            .flat_map(|o| &o.shifts)
            .find(|s| s.id == "lektiecafe-tir")
            .ok_or_else(|| anyhow::anyhow!("shift"))?
            .starts,
    )?
    .format("%Y")
    .to_string();
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, catalog, "admin")
        .await?;
    let (a, a_worker) =
        synced_kiosk(&server, "kiosk-time-1", "bibliotek", &dir.path().join("a")).await?;
    let (b, b_worker) =
        synced_kiosk(&server, "kiosk-time-2", "bibliotek", &dir.path().join("b")).await?;
    let mut ida = visitor_form("timer", 1);
    ida.name = "Ida Timer".into();
    ida.email = "ida.timer@example.dk".into();
    let first = a
        .submit_signup("lektiecafe", Some("lektiecafe-tir"), &ida)
        .await?;
    let second = b
        .submit_signup("lektiecafe", Some("lektiecafe-tor"), &ida)
        .await?;
    let ole = b
        .submit_signup(
            "lektiecafe",
            Some("lektiecafe-tor"),
            &visitor_form("timer", 2),
        )
        .await?;
    // Each kiosk checks in the volunteers of its own journal; Per is checked in and out.
    let per = a
        .submit_signup(
            "lektiecafe",
            Some("lektiecafe-tir"),
            &visitor_form("timer", 3),
        )
        .await?;
    a.check_in(&per.signup_id).await?;
    a.check_out(&per.signup_id).await?;
    a.check_in(&first.signup_id).await?;
    b.check_in(&second.signup_id).await?;
    b.check_in(&ole.signup_id).await?;
    for core in [&a, &b] {
        wait_status(core, Duration::from_secs(30), |s| {
            s.queued_signups == 0 && s.unacked_journals == 0
        })
        .await?;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let checked = [&first, &second, &ole, &per].iter().all(|r| {
            server
                .state
                .store
                .signup(&r.signup_id)
                .ok()
                .flatten()
                .is_some_and(|row| !row.record.check_ins.is_empty())
        });
        if checked {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "check-ins did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let per_row = server
        .state
        .store
        .signup(&per.signup_id)?
        .ok_or_else(|| anyhow::anyhow!("per"))?;
    anyhow::ensure!(
        per_row.record.check_ins.iter().filter(|c| c.out).count() == 1,
        "the check-out did not arrive: {:?}",
        per_row.record.check_ins
    );
    // The coordinator: Ole did not come after all (a kiosk checked the wrong name), and Ida
    // spent an hour and a half preparing.
    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);
    let page = format!("/admin/tilmeldinger/{}", ole.signup_id);
    let csrf = crate::admin::csrf_of(&mut admin, &page).await?;
    let r = admin
        .post(
            &format!("{page}/fremmoede"),
            &[("csrf", csrf.as_str()), ("mark", "no_show")],
        )
        .await?;
    anyhow::ensure!(r.status == 303, "mark: {} {}", r.status, r.text());
    let ida_page = format!("/admin/tilmeldinger/{}", first.signup_id);
    let day = format!("{year}-11-30");
    let r = admin
        .post(
            &format!("{ida_page}/timer"),
            &[
                ("csrf", csrf.as_str()),
                ("hours", "1,5"),
                ("day", day.as_str()),
                ("reason", "Forberedelse af materialer"),
            ],
        )
        .await?;
    anyhow::ensure!(r.status == 303, "hours: {} {}", r.status, r.text());
    let bad = admin
        .post(
            &format!("{ida_page}/timer"),
            &[
                ("csrf", csrf.as_str()),
                ("hours", "mange"),
                ("day", day.as_str()),
                ("reason", "x"),
            ],
        )
        .await?;
    anyhow::ensure!(
        bad.status >= 400,
        "hours that are not a number: {}",
        bad.status
    );
    let text = admin.get(&ida_page).await?.text();
    anyhow::ensure!(
        text.contains("Tjekket ind på en kiosk") && text.contains("5,5 timer"),
        "{text}"
    );
    let text = admin.get(&page).await?.text();
    anyhow::ensure!(
        text.contains("Markeret som udeblevet") && text.contains("0 timer"),
        "{text}"
    );
    // Taken back, Ole's check-in counts again; marked again, it does not.
    admin
        .post(
            &format!("{page}/fremmoede"),
            &[("csrf", csrf.as_str()), ("mark", "clear")],
        )
        .await?;
    let ole_hours =
        frivillig_sync_server::service::hours::person_hours(&server.state, &ole.signup_id).await?;
    anyhow::ensure!(ole_hours.in_year(year.parse()?) == 120, "{ole_hours:?}");
    admin
        .post(
            &format!("{page}/fremmoede"),
            &[("csrf", csrf.as_str()), ("mark", "no_show")],
        )
        .await?;

    // The strategy's numbers: the library's hours (Per's check-out moments after his
    // check-in gives him no hours, not his shift's two), its one active volunteer, three new
    // volunteers who came in at a kiosk; the same in the CSV.
    let ida_id = frivillig_common::ids::SignupId::parse(&first.signup_id)
        .ok_or_else(|| anyhow::anyhow!("id"))?;
    frivillig_sync_server::service::signups::change_status(
        &server.state,
        &ida_id,
        frivillig_common::domain::Status::Active,
        "admin",
    )
    .await?;
    let overview = admin
        .get(&format!("/admin/oversigt?aar={year}"))
        .await?
        .text();
    anyhow::ensure!(
        overview.contains("Strategiens opfølgning") && overview.contains("Timer pr. sted"),
        "{overview}"
    );
    let csv = admin
        .get(&format!("/admin/oversigt/strategi.csv?aar={year}"))
        .await?
        .text();
    for line in [
        format!("\"minutes_per_site\";\"{year}\";\"bibliotek\";\"Glostrup Bibliotek\";\"330\""),
        format!(
            "\"active_volunteers_per_site\";\"{year}\";\"bibliotek\";\"Glostrup Bibliotek\";\"1\""
        ),
        format!("\"new_volunteers_per_source\";\"{year}\";\"kiosk\";\"kiosk\";\"3\""),
    ] {
        anyhow::ensure!(csv.contains(&line), "{line} missing in:\n{csv}");
    }

    // An invitation to "volunteers with at least five hours this year" reaches Ida only.
    let mut with_party = frivillig_sync_server::service::catalog::catalog(&server.state).await?;
    with_party.opportunities.push(crate::events::party());
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, with_party, "admin")
        .await?;
    let reach = frivillig_sync_server::service::invitations::audience(
        &server.state,
        "frivilligfest",
        &frivillig_sync_server::service::invitations::Who::Hours {
            at_least_minutes: 300,
        },
    )
    .await?;
    let emails: Vec<&str> = reach.by_mail.iter().map(|i| i.email.as_str()).collect();
    anyhow::ensure!(emails == [ida.email.as_str()], "{emails:?}");

    // Ida on Min side: her hours, and the certificate.
    let mut ida_browser = Browser::new(&server.url())?;
    frivillig_tests::sign_in_to_min_side(&server, &mut ida_browser, &ida.email).await?;
    let mine = ida_browser.get("/min-side").await?.text();
    anyhow::ensure!(
        mine.contains(&format!("{year}: 5,5 timer")) && !mine.contains("udeblevet"),
        "{mine}"
    );
    // Her own copy of her data holds the hours too.
    let data: serde_json::Value =
        serde_json::from_slice(&ida_browser.get("/min-side/data").await?.bytes)?;
    anyhow::ensure!(data["minutes_per_year"][&year] == 330, "{data}");
    let pdf = ida_browser.get("/min-side/frivilligbevis.pdf").await?.bytes;
    anyhow::ensure!(pdf.starts_with(b"%PDF"), "not a PDF");
    let file = dir.path().join("bevis.pdf");
    std::fs::write(&file, &pdf)?;
    let text = pdf_text(&file)?;
    for needle in [
        "Frivilligbevis",
        "Ida Timer",
        "Lektiehjælper i lektiecaféen",
        &format!("I alt i {year}: 5,5 timer"),
    ] {
        anyhow::ensure!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
    // It renders as a page with ink on it.
    let st = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-singlefile"])
        .arg(&file)
        .arg(dir.path().join("bevis"))
        .status()?;
    anyhow::ensure!(st.success(), "pdftoppm failed");
    let png = image::open(dir.path().join("bevis.png"))?.to_luma8();
    let dark = png.pixels().filter(|p| p.0[0] < 128).count();
    anyhow::ensure!(dark > 500, "the page is nearly blank: {dark} dark pixels");
    // Nobody else gets it: without a session there is nothing.
    let mut stranger = Browser::new(&server.url())?;
    anyhow::ensure!(stranger.get("/min-side/frivilligbevis.pdf").await?.status == 404);

    a_worker.stop().await;
    b_worker.stop().await;
    server.stop().await;
    Ok(())
}

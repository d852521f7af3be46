//! The public job pages that the posters' QR codes open, against the real server: the list
//! with its theme filter, a job's page with requirements, contact and spots left (which move
//! when a kiosk's signup arrives), English, and a kind 404 for a job that is gone.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

/// The page at `url` once it shows every one of `texts` (the spots taken are counted again
/// shortly after an ingest), or as it is after 10 s.
async fn page_showing(url: &str, texts: &[&str]) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let page = reqwest::get(url).await?.text().await?;
        if texts.iter().all(|t| page.contains(t)) || tokio::time::Instant::now() >= deadline {
            return Ok(page);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_pages_list_filter_and_show_spots_left_as_signups_arrive() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let get = |path: String| {
        let http = http.clone();
        async move {
            let r = http.get(path).send().await?;
            let code = r.status().as_u16();
            anyhow::Ok((code, r.text().await?))
        }
    };
    let base = server.url();

    // The front page (once a redirect to the job list) leads to the jobs.
    let (code, front) = get(format!("{base}/")).await?;
    anyhow::ensure!(
        code == 200 && front.contains(r#"href="/frivilligjob""#),
        "{code}"
    );

    let (code, list) = get(format!("{base}/frivilligjob")).await?;
    anyhow::ensure!(code == 200 && list.contains(r#"lang="da""#));
    anyhow::ensure!(
        list.contains("Lektiehjælper i lektiecaféen") && list.contains("Glostrup Bibliotek"),
        "{list}"
    );
    let (_, culture) = get(format!("{base}/frivilligjob?tema=kultur")).await?;
    anyhow::ensure!(
        culture.contains("Højtlæsning for voksne") && !culture.contains("Lektiehjælper"),
        "{culture}"
    );
    let (_, english) = get(format!("{base}/frivilligjob?lang=en")).await?;
    anyhow::ensure!(
        english.contains("Homework helper at the homework café")
            && english.contains(r#"lang="en""#)
    );

    // The page a poster's QR code opens.
    let (code, job) = get(format!("{base}/frivilligjob/lektiecafe")).await?;
    anyhow::ensure!(code == 200, "{code}");
    for expected in [
        "mindst 18 år",
        "børneattest",
        "4 ledige pladser",
        "Mette Holm",
    ] {
        anyhow::ensure!(job.contains(expected), "{expected:?} missing: {job}");
    }

    // A kiosk's signup for Tuesday's shift arrives: one spot fewer on the page.
    let enrol = server.enrol("kiosk-p", "bibliotek").await?;
    let config = kiosk_config(&base, &enrol, "bibliotek", &dir.path().join("kiosk"));
    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;
    core.submit_signup("lektiecafe", Some("lektiecafe-tir"), &visitor_form("p", 0))
        .await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    // The server counts spots again shortly after an ingest (at most every 2 s).
    let job = page_showing(
        &format!("{base}/frivilligjob/lektiecafe"),
        &["3 ledige pladser", "4 ledige pladser"],
    )
    .await?;
    anyhow::ensure!(job.contains("3 ledige pladser"), "{job}");

    // Gone or odd: a kind 404, never the raw input.
    let (code, gone) = get(format!("{base}/frivilligjob/findes-ikke")).await?;
    anyhow::ensure!(
        code == 404 && gone.contains("Se alle frivilligjob"),
        "{code}: {gone}"
    );
    let (code, odd) = get(format!(
        "{base}/frivilligjob/%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    ))
    .await?;
    anyhow::ensure!(code == 404 && !odd.contains("<script>"), "{code}: {odd}");

    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

/// The portal's own signup form: refused without the page's CSRF pair, answered with the
/// problems in the page, and when complete taken like a kiosk's signup (sealed, in the
/// server's web journal, ingested) and answered with the receipt page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_signs_up_on_the_portal_from_a_phone() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let base = server.url();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = http
        .get(format!("{base}/frivilligjob/lektiecafe"))
        .send()
        .await?;
    let cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no CSRF cookie"))?;
    anyhow::ensure!(cookie.starts_with("frivillig_csrf="));
    let html = page.text().await?;
    let csrf = html
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("no CSRF field in {html}"))?
        .to_owned();
    let url = format!("{base}/frivilligjob/lektiecafe/tilmeld");
    let complete = |csrf: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("shift", "lektiecafe-tor".to_owned()),
            ("name", "Åse Web".to_owned()),
            ("phone", "".to_owned()),
            ("email", "aase.web@example.dk".to_owned()),
            ("age", "ja".to_owned()),
            ("note", "".to_owned()),
            ("consent", "ja".to_owned()),
        ]
    };

    // Without the cookie, or with another token: refused, nothing stored.
    let r = http.post(&url).form(&complete(&csrf)).send().await?;
    anyhow::ensure!(r.status() == 403, "no cookie: {}", r.status());
    let r = http
        .post(&url)
        .header("cookie", &cookie)
        .form(&complete(&"0".repeat(32)))
        .send()
        .await?;
    anyhow::ensure!(r.status() == 403, "wrong token: {}", r.status());
    anyhow::ensure!(server.signups().await?.is_empty());

    // Missing consent and contact: the page again, with the messages by their fields and
    // what was typed kept.
    let partial = vec![
        ("csrf", csrf.clone()),
        ("shift", "lektiecafe-tor".into()),
        ("name", "Åse Web".into()),
        ("age", "ja".into()),
    ];
    let r = http
        .post(&url)
        .header("cookie", &cookie)
        .form(&partial)
        .send()
        .await?;
    anyhow::ensure!(r.status() == 422, "{}", r.status());
    let html = r.text().await?;
    for expected in [
        "Du skal give samtykke",
        "Skriv et telefonnummer eller en e-mailadresse",
        r#"value="Åse Web""#,
        r#"aria-invalid="true""#,
    ] {
        anyhow::ensure!(html.contains(expected), "{expected:?} missing: {html}");
    }

    // Complete: to the receipt page, and at the server like a kiosk's signup.
    let r = http
        .post(&url)
        .header("cookie", &cookie)
        .form(&complete(&csrf))
        .send()
        .await?;
    anyhow::ensure!(r.status() == 303, "{}", r.status());
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    anyhow::ensure!(location.starts_with("/kvittering/"), "{location}");
    let receipt = http
        .get(format!("{base}{location}"))
        .send()
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        receipt.contains("Lektiehjælper i lektiecaféen") && receipt.contains("Modtaget"),
        "{receipt}"
    );
    let signups = server.signups().await?;
    anyhow::ensure!(signups.len() == 1, "{signups:?}");
    let s = &signups[0];
    anyhow::ensure!(s.record.source == frivillig_common::domain::Source::Web);
    anyhow::ensure!(s.record.shift_id.as_deref() == Some("lektiecafe-tor"));
    anyhow::ensure!(s.person.as_ref().map(|p| p.name.as_str()) == Some("Åse Web"));
    anyhow::ensure!(
        !s.record.sealed.contains("Åse"),
        "personal data is sealed in the journal"
    );
    let job = page_showing(
        &format!("{base}/frivilligjob/lektiecafe"),
        &["3 ledige pladser"],
    )
    .await?;
    anyhow::ensure!(job.contains("3 ledige pladser"), "the spot is taken: {job}");

    // Many posts from one address in a minute: refused in words.
    let mut last = 0;
    for _ in 0..12 {
        last = http
            .post(&url)
            .header("cookie", &cookie)
            .form(&partial)
            .send()
            .await?
            .status()
            .as_u16();
    }
    anyhow::ensure!(last == 429, "{last}");
    server.stop().await;
    Ok(())
}

/// The rest of the public portal: ambassadors per institution, the handbook, and the
/// accessibility statement, each reachable from every page's menu.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambassadors_handbook_and_accessibility_statement() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let base = server.url();
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let (http, url) = (http.clone(), format!("{base}{path}"));
        async move {
            let r = http.get(url).send().await?;
            anyhow::Ok((r.status().as_u16(), r.text().await?))
        }
    };
    let (code, job) = get("/frivilligjob").await?;
    anyhow::ensure!(code == 200);
    for link in [
        r#"href="/ambassadoerer""#,
        r#"href="/haandbog""#,
        r#"href="/tilgaengelighed""#,
    ] {
        anyhow::ensure!(job.contains(link), "menu lacks {link}");
    }
    let (code, people) = get("/ambassadoerer").await?;
    anyhow::ensure!(
        code == 200 && people.contains("Mette Holm") && people.contains("Glostrup Bibliotek"),
        "{people}"
    );
    let (code, book) = get("/haandbog").await?;
    anyhow::ensure!(
        code == 200 && book.contains(r#"href="/haandbog/boerneattest""#),
        "{book}"
    );
    let (code, page) = get("/haandbog/hvad-er-frivilligt-arbejde").await?;
    anyhow::ensure!(
        code == 200 && page.contains("Hvad er frivilligt arbejde?"),
        "{page}"
    );
    let (code, _) = get("/haandbog/findes-ikke").await?;
    anyhow::ensure!(code == 404);
    let (code, a11y) = get("/tilgaengelighed?lang=en").await?;
    anyhow::ensure!(
        code == 200 && a11y.contains("WCAG 2.1") && a11y.contains(r#"lang="en""#),
        "{a11y}"
    );
    server.stop().await;
    Ok(())
}

//! The web pages in a real browser (headless Chromium through ChromeDriver): a coordinator
//! logs in, finds a kiosk signup that arrived by sync, changes its status and the kiosk's
//! copy receives it, exports CSV; a citizen signs up on a phone-sized screen and withdraws
//! through a kiosk's receipt link; axe-core finds no serious accessibility violation on the
//! public pages or the admin app. Screenshots go to `target/browser-screenshots/`.

use std::time::Duration;

use frivillig_tests::webdriver::{Chrome, screenshot_dir};
use frivillig_tests::{TestServer, synced_kiosk, visitor_form, wait_status};

/// Wait until the page's source contains `text`.
pub(crate) async fn wait_for_text(chrome: &Chrome, text: &str) -> anyhow::Result<String> {
    for _ in 0..100 {
        let source = chrome.source().await?;
        if source.contains(text) {
            return Ok(source);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!(
        "the page never showed {text:?}; it is at {}",
        chrome.url().await?
    )
}

/// Fill in and send the admin login form the browser shows.
async fn log_in(chrome: &Chrome, password: &str) -> anyhow::Result<()> {
    chrome.type_into("#username", "admin").await?;
    chrome.type_into("#password", password).await?;
    chrome
        .click("form[action='/admin/login'] button[type=submit]")
        .await
}

/// Wait until the browser's address contains `part` (a navigation has happened).
pub(crate) async fn wait_for_url(chrome: &Chrome, part: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if chrome.url().await?.contains(part) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the browser never went to a page with {part:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_works_in_a_real_browser() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-web", "plejecenter", &dir.path().join("k")).await?;
    let form = visitor_form("web", 7);
    let receipt = core
        .submit_signup("gaatur", Some("gaatur-lor"), &form)
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;

    let chrome = Chrome::start(1280, 900).await?;
    let shots = screenshot_dir();
    let url = server.url();
    chrome.goto(&format!("{url}/admin")).await?;
    anyhow::ensure!(
        chrome.url().await?.ends_with("/admin/login"),
        "not sent to login"
    );
    chrome.screenshot(&shots.join("admin-login.png")).await?;
    log_in(&chrome, &server.admin_password).await?;
    let source = wait_for_text(&chrome, &form.name).await?;
    anyhow::ensure!(chrome.url().await?.ends_with("/admin/tilmeldinger"));
    anyhow::ensure!(source.contains("Kiosk kiosk-web"));
    chrome.screenshot(&shots.join("admin-list.png")).await?;

    // Search, open, change the status.
    chrome.type_into("input[name=q]", &form.phone).await?;
    chrome.click("form.filters button[type=submit]").await?;
    wait_for_url(&chrome, "q=").await?;
    if let Err(e) = wait_for_text(&chrome, "1 tilmelding<").await {
        let source = chrome.source().await?;
        let at = source.find("role=\"status\"").unwrap_or(0);
        anyhow::bail!("{e}: {}", &source[at..(at + 300).min(source.len())]);
    }
    chrome
        .click(&format!(
            "a[href='/admin/tilmeldinger/{}']",
            receipt.signup_id
        ))
        .await?;
    wait_for_text(&chrome, "Modtaget af serveren").await?;
    chrome.select("#status", "contacted").await?;
    chrome
        .click("form[action$='/status'] button[type=submit]")
        .await?;
    let source = wait_for_text(&chrome, "Ændringen er gemt").await?;
    anyhow::ensure!(source.contains("Status: Kontaktet"));
    chrome.screenshot(&shots.join("admin-signup.png")).await?;
    let mut seen = false;
    for _ in 0..100 {
        if core
            .signup(&receipt.signup_id)
            .await
            .is_some_and(|r| r.status == "contacted")
        {
            seen = true;
            break;
        }
        core.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(seen, "the kiosk's copy never received the status");

    // Export: the browser downloads the file; its bytes are what Danish Excel needs.
    chrome.goto(&format!("{url}/admin/tilmeldinger")).await?;
    chrome
        .click("a[href^='/admin/tilmeldinger/eksport.csv']")
        .await?;
    let mut csv = None;
    for _ in 0..100 {
        let done = std::fs::read_dir(&chrome.downloads)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"));
        if let Some(p) = done {
            csv = Some(std::fs::read(p)?);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let csv = csv.ok_or_else(|| anyhow::anyhow!("no CSV was downloaded"))?;
    anyhow::ensure!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "no byte-order mark");
    let text = String::from_utf8(csv[3..].to_vec())?;
    // Every cell quoted, so no separator a spreadsheet guesses can split one.
    anyhow::ensure!(
        text.starts_with("\"Navn\";\"Telefon\";\"E-mail\";"),
        "{text}"
    );
    anyhow::ensure!(text.contains(&format!("\"{}\";\"{}\";", form.name, form.phone)));
    anyhow::ensure!(text.contains(";\"Kontaktet\";") && text.contains("\r\n"));

    // The catalog editor: a new title typed in the browser reaches the kiosk.
    chrome.goto(&format!("{url}/admin/katalog")).await?;
    chrome
        .run(
            "const t = document.getElementById('catalog');\
             t.value = t.value.replace('Gåtur og kaffe med en beboer', 'Gåtur, kaffe og en god snak');",
            vec![],
        )
        .await?;
    chrome.screenshot(&shots.join("admin-catalog.png")).await?;
    chrome
        .type_into("#catalog-password", &server.admin_password)
        .await?;
    chrome
        .click("form[action='/admin/katalog'] button[type=submit]")
        .await?;
    wait_for_text(&chrome, "Kataloget er gemt").await?;
    let mut received = false;
    for _ in 0..100 {
        core.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if core.catalog().is_some_and(|c| {
            c.opportunities
                .iter()
                .any(|o| o.title == "Gåtur, kaffe og en god snak")
        }) {
            received = true;
            break;
        }
    }
    anyhow::ensure!(
        received,
        "the kiosk never received the catalog edited in the browser"
    );

    for (page, file) in [
        ("/admin/oversigt", "admin-overview.png"),
        ("/admin/koer", "admin-review.png"),
        ("/admin/kiosker", "admin-kiosks.png"),
    ] {
        chrome.goto(&format!("{url}{page}")).await?;
        chrome.screenshot(&shots.join(file)).await?;
    }
    chrome.click("form.logout button[type=submit]").await?;
    wait_for_text(&chrome, "Adgangskode").await?;
    chrome.goto(&format!("{url}/admin/tilmeldinger")).await?;
    anyhow::ensure!(
        chrome.url().await?.ends_with("/admin/login"),
        "still logged in"
    );

    chrome.quit().await;
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_signs_up_on_a_phone_and_withdraws_through_a_receipt() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let url = server.url();
    let chrome = Chrome::start(390, 844).await?;
    let shots = screenshot_dir();

    chrome.goto(&format!("{url}/frivilligjob")).await?;
    chrome
        .screenshot(&shots.join("portal-jobs-phone.png"))
        .await?;
    chrome.click("a[href='/frivilligjob/gaatur']").await?;
    wait_for_text(&chrome, "Tilmeld dig her").await?;
    // Nothing is wider than the phone's screen.
    let fits = chrome
        .run(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await?;
    anyhow::ensure!(
        fits == serde_json::Value::Bool(true),
        "the page scrolls sideways on a phone"
    );
    // Sent empty first: the problems are shown next to their fields.
    chrome
        .click("form[action$='/tilmeld'] button[type=submit]")
        .await?;
    // The page's CSS names aria-invalid too, so wait for the message itself.
    let source = wait_for_text(&chrome, "id=\"name-error\"").await?;
    anyhow::ensure!(
        source.contains("aria-describedby=\"name-error\""),
        "the name field is not tied to its message"
    );
    chrome.type_into("#name", "Birgitte Østergaard").await?;
    chrome.type_into("#phone", "+45 21 43 65 87").await?;
    chrome.type_into("#email", "birgitte@example.dk").await?;
    if chrome.source().await?.contains("id=\"age\"") {
        chrome.click("#age").await?;
    }
    chrome.click("#consent").await?;
    chrome
        .screenshot(&shots.join("portal-form-phone.png"))
        .await?;
    chrome
        .click("form[action$='/tilmeld'] button[type=submit]")
        .await?;
    wait_for_text(&chrome, "Træk min tilmelding tilbage").await?;
    anyhow::ensure!(chrome.url().await?.contains("/kvittering/"));
    chrome
        .screenshot(&shots.join("portal-receipt-phone.png"))
        .await?;
    let at_server = server.signups().await?;
    anyhow::ensure!(
        at_server.iter().any(|s| s
            .person
            .as_ref()
            .is_some_and(|p| p.name == "Birgitte Østergaard")),
        "the web signup is not at the server"
    );

    // A kiosk visitor scans the QR code at home and withdraws.
    let (core, worker) =
        synced_kiosk(&server, "kiosk-qr", "plejecenter", &dir.path().join("k")).await?;
    let receipt = core
        .submit_signup("gaatur", Some("gaatur-lor"), &visitor_form("qr", 1))
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    chrome.goto(&receipt.url).await?;
    wait_for_text(&chrome, "Træk min tilmelding tilbage").await?;
    chrome
        .click("form[action*='/tilbagetraek'] button[type=submit]")
        .await?;
    wait_for_text(&chrome, "Du har trukket tilmeldingen tilbage").await?;
    chrome
        .screenshot(&shots.join("portal-withdrawn-phone.png"))
        .await?;
    let row = server.state.store.signup(&receipt.signup_id)?;
    anyhow::ensure!(row.is_some_and(|r| r.record.status == "withdrawn"));

    chrome.quit().await;
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

/// Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page the browser shows; the
/// violations as (rule, impact, help, elements).
async fn axe(
    chrome: &Chrome,
    source: &str,
) -> anyhow::Result<Vec<(String, String, String, usize)>> {
    chrome
        .run(&format!("{source}\n;return typeof axe;"), vec![])
        .await?;
    let v = chrome
        .run_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
               .then(r => done(r.violations.map(v => [v.id, v.impact || '', v.help, v.nodes.length])))\
               .catch(e => done([['axe-failed', 'critical', String(e), 0]]));",
            vec![],
        )
        .await?;
    let list = v.as_array().cloned().unwrap_or_default();
    Ok(list
        .into_iter()
        .map(|x| {
            (
                x[0].as_str().unwrap_or("").to_owned(),
                x[1].as_str().unwrap_or("").to_owned(),
                x[2].as_str().unwrap_or("").to_owned(),
                x[3].as_u64().unwrap_or(0) as usize,
            )
        })
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_serious_accessibility_violations() -> anyhow::Result<()> {
    let axe_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("browser")
        .join("node_modules")
        .join("axe-core")
        .join("axe.min.js");
    let source = std::fs::read_to_string(&axe_path).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}; run `npm ci` in tests/browser (.ci/run does)",
            axe_path.display()
        )
    })?;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let url = server.url();
    frivillig_sync_server::service::catalog::replace_catalog(
        &server.state,
        crate::events::catalog_with_events(),
        "admin",
    )
    .await?;
    // An invitation (to the ambassadors), so its page can be checked too.
    frivillig_sync_server::service::invitations::send(
        &server.state,
        "frivilligfest",
        &frivillig_sync_server::service::invitations::Who::Ambassadors,
        "admin",
    )
    .await?;
    let invitation = server
        .state
        .store
        .messages(None, 10)?
        .into_iter()
        .find_map(|(_, m)| {
            let at = m.message.body.find("/invitation/")?;
            m.message.body[at..]
                .split_whitespace()
                .next()
                .map(str::to_owned)
        })
        .ok_or_else(|| anyhow::anyhow!("no invitation link"))?;
    // A published story, for the front page and the story's page.
    let admin = frivillig_sync_server::service::catalog_edit::Editor {
        username: "admin".into(),
        sites: None,
    };
    let story = frivillig_common::domain::Story {
        id: "lektier-med-sofie".into(),
        site_id: "bibliotek".into(),
        opportunity_id: Some("lektiecafe".into()),
        title: "Sofie har hjulpet med lektier i tre år".into(),
        title_en: String::new(),
        body_md: "Hver tirsdag sidder Sofie i lektiecaféen.".into(),
        body_md_en: String::new(),
        photo: None,
        published_on: String::new(),
    };
    frivillig_sync_server::service::stories::save(
        &server.state,
        &admin,
        None,
        story,
        Vec::new(),
        true,
    )
    .await?;
    frivillig_sync_server::service::stories::publish(&server.state, &admin, "lektier-med-sofie")
        .await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-axe", "bibliotek", &dir.path().join("k")).await?;
    let receipt = core
        .submit_signup(
            "lektiecafe",
            Some("lektiecafe-tir"),
            &visitor_form("axe", 1),
        )
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;

    let chrome = Chrome::start(1280, 900).await?;
    // The check can see a violation: a page with an unlabeled field and an image without a
    // text alternative must be reported.
    chrome
        .goto("data:text/html,<html lang=da><head><title>x</title></head><body><main><img src=x.png><input id=a></main></body></html>")
        .await?;
    let control = axe(&chrome, &source).await?;
    anyhow::ensure!(
        control
            .iter()
            .any(|(_, impact, _, _)| impact == "serious" || impact == "critical"),
        "axe reported nothing on a page built to fail: {control:?}"
    );
    let mut pages: Vec<String> = [
        "/frivilligjob",
        "/frivilligjob?lang=en",
        "/frivilligjob/lektiecafe",
        "/ambassadoerer",
        "/haandbog",
        "/haandbog/hvad-er-frivilligt-arbejde",
        "/tilgaengelighed",
        "/min-side",
        "/admin/login",
        "/arrangementer",
        "/frivilligjob/temamoede",
        "/",
        "/?lang=en&sted=bibliotek",
        "/historier",
        "/historier/lektier-med-sofie",
        "/frivillighedspris",
        &invitation,
    ]
    .iter()
    .map(|p| format!("{url}{p}"))
    .collect();
    pages.push(receipt.url.clone());
    let mut serious = Vec::new();
    let mut report = String::new();
    let mut check = |page: &str, found: Vec<(String, String, String, usize)>| {
        for (id, impact, help, nodes) in found {
            report.push_str(&format!(
                "{page}: {id} ({impact}, {nodes} elements): {help}\n"
            ));
            if impact == "serious" || impact == "critical" {
                serious.push(format!("{page}: {id}: {help}"));
            }
        }
    };
    for page in &pages {
        chrome.goto(page).await?;
        let found = axe(&chrome, &source).await?;
        check(page, found);
    }
    // The admin app too, logged in.
    chrome.goto(&format!("{url}/admin/login")).await?;
    log_in(&chrome, &server.admin_password).await?;
    wait_for_url(&chrome, "/admin/tilmeldinger").await?;
    for page in [
        "/admin/tilmeldinger".to_owned(),
        format!("/admin/tilmeldinger/{}", receipt.signup_id),
        "/admin/oversigt".to_owned(),
        "/admin/koer".to_owned(),
        "/admin/kiosker".to_owned(),
        "/admin/log".to_owned(),
        "/admin/udbakke".to_owned(),
        "/admin/udbakke/1".to_owned(),
        "/admin/besked".to_owned(),
        "/admin/skabeloner".to_owned(),
        "/admin/skabeloner/bekraeftelse".to_owned(),
        "/admin/job".to_owned(),
        "/admin/job/ny".to_owned(),
        "/admin/job/lektiecafe".to_owned(),
        "/admin/job/lektiecafe/vagter/lektiecafe-tor".to_owned(),
        "/admin/steder".to_owned(),
        "/admin/steder/ny".to_owned(),
        "/admin/ambassadoerer/ny".to_owned(),
        "/admin/haandbog".to_owned(),
        "/admin/haandbog/samarbejde".to_owned(),
        "/admin/arrangementer".to_owned(),
        "/admin/arrangementer/frivilligfest".to_owned(),
        "/admin/arrangementer/frivilligfest/inviter?hvem=aktive".to_owned(),
        "/admin/historier".to_owned(),
        "/admin/priser".to_owned(),
        "/admin/historier/ny".to_owned(),
        "/admin/historier/lektier-med-sofie".to_owned(),
        "/admin/historier/lektier-med-sofie/foto".to_owned(),
    ] {
        chrome.goto(&format!("{url}{page}")).await?;
        let found = axe(&chrome, &source).await?;
        check(&page, found);
    }
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    std::fs::write(shots.join("axe-report.txt"), &report)?;
    anyhow::ensure!(
        serious.is_empty(),
        "serious accessibility violations:\n{}",
        serious.join("\n")
    );
    chrome.quit().await;
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

/// Over https a coordinator's cookies are locked down: `__Host-` (only from this host,
/// over TLS, for the whole site), Secure, HttpOnly, SameSite=Strict; and the browser is
/// told to stay on https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_logs_in_over_https_with_locked_down_cookies() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, |c| {
        c.tls = true;
        c.public_url = format!("https://{}", c.listen);
    })
    .await?;
    let chrome = Chrome::start_with(1280, 900, true).await?;
    let url = server.url();
    anyhow::ensure!(url.starts_with("https://"));
    chrome.goto(&format!("{url}/admin/login")).await?;
    log_in(&chrome, &server.admin_password).await?;
    wait_for_url(&chrome, "/admin/tilmeldinger").await?;
    let session = chrome
        .cookie("__Host-frivillig_session")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no __Host- session cookie"))?;
    anyhow::ensure!(
        session["secure"] == true
            && session["httpOnly"] == true
            && session["sameSite"] == "Strict"
            && session["path"] == "/",
        "session cookie: {session}"
    );
    anyhow::ensure!(
        chrome.cookie("frivillig_session").await?.is_none(),
        "an unprefixed session cookie over https"
    );
    chrome.quit().await;
    server.stop().await;
    Ok(())
}

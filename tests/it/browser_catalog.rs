//! The catalog forms in a real browser (headless Chromium): a coordinator of the library
//! creates a job at their site, adds a weekly series of twelve shifts with one week left
//! out, and uploads a photo through the file picker; the portal shows the job with its
//! shifts and the photo, and a kiosk receives both. Screenshots go to
//! `target/browser-screenshots/`.

use std::time::Duration;

use frivillig_tests::webdriver::{Chrome, screenshot_dir};
use frivillig_tests::{TestServer, synced_kiosk, wait_status};

use crate::browser::{wait_for_text, wait_for_url};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_builds_a_job_with_shifts_and_a_photo_in_a_real_browser() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    frivillig_tests::library_coordinator(&server)?;
    let url = server.url();
    let chrome = Chrome::start(1280, 1400).await?;
    chrome.goto(&format!("{url}/admin/login")).await?;
    chrome.type_into("#username", "lise").await?;
    chrome
        .type_into("#password", "bibliotek-koordinator-2026")
        .await?;
    chrome
        .click("form[action='/admin/login'] button[type=submit]")
        .await?;
    wait_for_url(&chrome, "/admin/tilmeldinger").await?;

    chrome.goto(&format!("{url}/admin/job/ny")).await?;
    chrome.type_into("#f-id", "strikkecafe").await?;
    chrome.type_into("#f-title", "Strikkecafé").await?;
    chrome.type_into("#f-title_en", "Knitting café").await?;
    chrome
        .type_into("#f-description", "Strik med os hver tirsdag.")
        .await?;
    chrome
        .click("form[action='/admin/job/ny'] button[type=submit]")
        .await?;
    wait_for_url(&chrome, "/admin/job/strikkecafe?gemt=1").await?;

    // Twelve Tuesdays of thirteen: the fourth is left out. The date and time pickers are
    // the browser's own; their values are set as a picker sets them.
    let mut first = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    while chrono::Datelike::weekday(&first) != chrono::Weekday::Tue {
        first += chrono::Duration::days(1);
    }
    let set = |css: &str, value: String| {
        let chrome = &chrome;
        let css = css.to_owned();
        async move {
            chrome
                .run(
                    "document.querySelector(arguments[0]).value = arguments[1];",
                    vec![css.into(), value.into()],
                )
                .await
        }
    };
    set("#f-from", first.to_string()).await?;
    set(
        "#f-until",
        (first + chrono::Duration::weeks(12)).to_string(),
    )
    .await?;
    set("#f-starts", "15:00".into()).await?;
    set("#f-ends", "17:00".into()).await?;
    chrome.click("#f-wd_tue").await?;
    chrome.type_into("#f-capacity", "6").await?;
    let off = (first + chrono::Duration::weeks(3)).to_string();
    chrome.type_into("#f-except", &off).await?;
    chrome
        .click("form[action='/admin/job/strikkecafe/vagter'] button[type=submit]")
        .await?;
    wait_for_url(&chrome, "gemt=1#shifts").await?;
    let page = chrome.source().await?;
    anyhow::ensure!(page.matches("Flyt eller aflys").count() == 12, "{page}");

    // A photo through the file picker.
    let picture = dir.path().join("strik.png");
    std::fs::write(
        &picture,
        frivillig_sync_server::service::demo_photos::png(
            frivillig_sync_server::service::demo_photos::Scene::Library,
        ),
    )?;
    chrome
        .goto(&format!("{url}/admin/job/strikkecafe/foto"))
        .await?;
    chrome.upload("#f-file", &picture).await?;
    chrome
        .type_into("#f-alt_da", "Tegning af to personer ved et bord med bøger")
        .await?;
    chrome
        .click("form[enctype='multipart/form-data'] button[type=submit]")
        .await?;
    wait_for_url(&chrome, "/admin/job/strikkecafe?gemt=1").await?;

    // The portal shows the job, its shifts and its photo, drawn.
    chrome
        .goto(&format!("{url}/frivilligjob/strikkecafe"))
        .await?;
    let page = wait_for_text(&chrome, "Strikkecafé").await?;
    anyhow::ensure!(page.matches("kl. 15.00–17.00").count() >= 12, "{page}");
    let drawn = chrome
        .run(
            "const i = document.querySelector('img.photo'); return i && i.complete && i.naturalWidth;",
            vec![],
        )
        .await?;
    anyhow::ensure!(
        drawn.as_u64().is_some_and(|w| w >= 800),
        "the photo is not drawn: {drawn}"
    );
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots)?;
    chrome
        .screenshot(&shots.join("portal-job-with-photo.png"))
        .await?;
    chrome.quit().await;

    // A kiosk receives the job and its photo.
    let (kiosk, worker) = synced_kiosk(
        &server,
        "bibliotek-1",
        "bibliotek",
        &dir.path().join("kiosk"),
    )
    .await?;
    let photo = frivillig_sync_server::service::catalog::catalog(&server.state)
        .await?
        .opportunity("strikkecafe")
        .and_then(|o| o.photo.clone())
        .ok_or_else(|| anyhow::anyhow!("no photo in the catalog"))?;
    wait_status(&kiosk, Duration::from_secs(30), |_| {
        kiosk.sync_now();
        kiosk.photo(&photo.id).is_some()
            && kiosk.catalog().is_some_and(|c| {
                c.opportunity("strikkecafe")
                    .is_some_and(|o| o.shifts.len() == 12)
            })
    })
    .await?;
    worker.stop().await;
    kiosk.shutdown().await;
    server.stop().await;
    Ok(())
}

/// The handbook's preview follows the text as it is typed, drawn by the server with the
/// portal's markdown code, without a click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handbook_preview_follows_the_text_as_it_is_typed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let url = server.url();
    let chrome = Chrome::start(1280, 1000).await?;
    chrome.goto(&format!("{url}/admin/login")).await?;
    chrome.type_into("#username", "admin").await?;
    chrome
        .type_into("#password", &server.admin_password)
        .await?;
    chrome
        .click("form[action='/admin/login'] button[type=submit]")
        .await?;
    wait_for_url(&chrome, "/admin/tilmeldinger").await?;
    chrome.goto(&format!("{url}/admin/haandbog/ny")).await?;
    chrome
        .type_into("#f-body", "# Mød op\n\nTi minutter før.\n\n* Navneskilt")
        .await?;
    let mut drawn = String::new();
    for _ in 0..50 {
        drawn = chrome
            .run(
                "return document.getElementById('live-preview').innerHTML;",
                vec![],
            )
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if drawn.contains("<li>Navneskilt</li>") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(
        drawn == "<h2>Mød op</h2><p>Ti minutter før.</p><ul><li>Navneskilt</li></ul>",
        "the live preview shows {drawn:?}"
    );
    anyhow::ensure!(
        frivillig_sync_server::service::catalog::catalog(&server.state)
            .await?
            .handbook
            .len()
            == 3,
        "the preview saved a page"
    );
    chrome.quit().await;
    server.stop().await;
    Ok(())
}

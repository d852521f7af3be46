//! Min side in a real browser (headless Chromium), against a real SMTP server: a volunteer
//! asks for a link, opens it from the received e-mail, sees the signups made with their
//! address at two kiosks and on the web (and nobody else's), withdraws one (the kiosk's copy
//! learns it), changes the phone, downloads everything held, opts in to news, and deletes
//! themselves (gone from the store and the admin list, as with an admin's erasure). A used
//! or made-up link is refused.

use std::time::Duration;

use frivillig_tests::smtp::SmtpSink;
use frivillig_tests::webdriver::Chrome;
use frivillig_tests::{
    Browser, TestServer, demo_catalog_with_shifts_in, synced_kiosk, visitor_form, wait_status,
    web_signup,
};

use crate::browser::{wait_for_text, wait_for_url};
use crate::mail::{parsed, to_sink};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_sees_changes_and_deletes_their_signups_on_min_side() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, to_sink(sink.port)).await?;
    let catalog = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 50), ("gaatur-lor", 70)]);
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, catalog, "admin")
        .await?;
    let (library, library_worker) =
        synced_kiosk(&server, "kiosk-min-1", "bibliotek", &dir.path().join("k1")).await?;
    let (home, home_worker) = synced_kiosk(
        &server,
        "kiosk-min-2",
        "plejecenter",
        &dir.path().join("k2"),
    )
    .await?;
    let email = "aase.min@example.dk";
    let mut form = visitor_form("min", 1);
    form.email = email.into();
    let reading = library.submit_signup("hojtlaesning", None, &form).await?;
    home.submit_signup("gaatur", Some("gaatur-lor"), &form)
        .await?;
    let someone_else = visitor_form("min", 2);
    library
        .submit_signup("hojtlaesning", None, &someone_else)
        .await?;
    // On the web with the address typed in capitals: still the same person.
    let mut web = Browser::new(&server.url())?;
    web_signup(&mut web, &form.name, "Aase.Min@Example.dk").await?;
    for core in [&library, &home] {
        wait_status(core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    }
    let confirmations = 4;
    sink.wait_for(confirmations, Duration::from_secs(20))
        .await?;

    let chrome = Chrome::start(420, 900).await?;
    let url = server.url();
    chrome.goto(&format!("{url}/min-side")).await?;
    chrome.type_into("#ask-email", email).await?;
    chrome
        .click("form[action^='/min-side/link'] button[type=submit]")
        .await?;
    wait_for_text(&chrome, "Tjek din e-mail").await?;
    sink.wait_for(confirmations + 1, Duration::from_secs(20))
        .await?;
    let mails = parsed(&sink)?;
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("Min side"))
        .ok_or_else(|| anyhow::anyhow!("no sign-in mail"))?;
    anyhow::ensure!(mail.to == email, "sent to {}", mail.to);
    let link = mail
        .text
        .lines()
        .find(|l| l.contains("/min-side/ind/"))
        .map(str::trim)
        .ok_or_else(|| anyhow::anyhow!("no link in {}", mail.text))?
        .to_owned();
    // Opening the link signs nobody in (mail scanners open links); its button does.
    chrome.goto(&link).await?;
    chrome.click("form button[type=submit]").await?;
    wait_for_url(&chrome, "/min-side").await?;
    let page = wait_for_text(&chrome, "Dine tilmeldinger").await?;
    for title in ["Højtlæsning for voksne", "Lektiehjælper i lektiecaféen"] {
        anyhow::ensure!(page.contains(title), "{title} missing:\n{page}");
    }
    anyhow::ensure!(page.matches("Træk tilbage").count() >= 3, "{page}");
    anyhow::ensure!(!page.contains(&someone_else.email));

    // The private calendar feed lists the two shifts, and follows a move.
    let at = page
        .find("/kalender/")
        .ok_or_else(|| anyhow::anyhow!("no calendar feed on the page"))?;
    let end = page[at..]
        .find(".ics")
        .ok_or_else(|| anyhow::anyhow!("no .ics"))?;
    let feed = format!("{url}{}", &page[at..at + end + 4]);
    let ics = reqwest::get(&feed).await?.text().await?;
    anyhow::ensure!(ics.matches("BEGIN:VEVENT").count() == 2, "{ics}");
    let moved = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 50), ("gaatur-lor", 90)]);
    let new_start = moved
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .find(|s| s.id == "gaatur-lor")
        .map(|s| s.starts.clone())
        .unwrap_or_default();
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, moved, "admin").await?;
    let utc = chrono::DateTime::parse_from_rfc3339(&new_start)?
        .to_utc()
        .format("DTSTART:%Y%m%dT%H%M%SZ")
        .to_string();
    let ics = reqwest::get(&feed).await?.text().await?;
    anyhow::ensure!(
        ics.contains(&utc),
        "the feed did not follow the move: {ics}"
    );

    // Withdraw the reading: the library kiosk's copy learns it.
    chrome
        .click("button[aria-label='Træk tilbage Højtlæsning for voksne']")
        .await?;
    wait_for_text(&chrome, "Tilmeldingen er trukket tilbage.").await?;
    let mut seen = false;
    for _ in 0..100 {
        if library
            .signup(&reading.signup_id)
            .await
            .is_some_and(|r| r.status == "withdrawn")
        {
            seen = true;
            break;
        }
        library.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(seen, "the kiosk's copy never learnt of the withdrawal");

    // A new phone number, on every signup.
    chrome.type_into("#phone", "87 65 43 21").await?;
    chrome
        .click("form[action^='/min-side/kontakt'] button[type=submit]")
        .await?;
    wait_for_text(&chrome, "Dine kontaktoplysninger er gemt.").await?;
    let ids = server.state.store.listing().with_email(email);
    anyhow::ensure!(ids.len() == 3, "{ids:?}");
    for id in &ids {
        let row = server.state.store.signup(id)?;
        let phone = row.and_then(|r| r.person.and_then(|p| p.phone));
        anyhow::ensure!(phone.as_deref() == Some("87654321"), "{id}: {phone:?}");
    }
    // News only with a yes.
    chrome.click("input[name=news]").await?;
    chrome
        .click("form[action^='/min-side/nyheder'] button[type=submit]")
        .await?;
    wait_for_text(&chrome, "Dit valg er gemt.").await?;

    // Everything held, with the browser's own session.
    let session = chrome
        .cookie("frivillig_min_side")
        .await?
        .and_then(|c| c["value"].as_str().map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    let data: serde_json::Value = reqwest::Client::new()
        .get(format!("{url}/min-side/data"))
        .header("cookie", format!("frivillig_min_side={session}"))
        .send()
        .await?
        .json()
        .await?;
    let signups = data["signups"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(signups == 3, "{data}");
    anyhow::ensure!(data["news_opt_in"]["text_version"] == 1, "{data}");
    anyhow::ensure!(data.to_string().contains("87654321"));

    // A used link, or one nobody sent, opens nothing.
    let reuse = reqwest::get(&link).await?;
    anyhow::ensure!(reuse.status() == 401, "a used link: {}", reuse.status());
    let made_up = reqwest::get(format!("{url}/min-side/ind/{}", "ab".repeat(16))).await?;
    anyhow::ensure!(made_up.status() == 401);

    // Delete me: gone, as with an admin's erasure.
    chrome.click("input[name=bekraeft]").await?;
    chrome
        .click("form[action^='/min-side/slet'] button[type=submit]")
        .await?;
    wait_for_text(&chrome, "Du er slettet").await?;
    anyhow::ensure!(server.state.store.listing().with_email(email).is_empty());
    for id in &ids {
        anyhow::ensure!(server.state.store.is_erased(id)?, "{id} is not erased");
        anyhow::ensure!(server.state.store.signup(id)?.is_none());
    }
    let left = server.signups().await?;
    anyhow::ensure!(
        left.len() == 1
            && left[0]
                .person
                .as_ref()
                .is_some_and(|p| p.email.as_deref() == Some(someone_else.email.as_str())),
        "left: {}",
        left.len()
    );
    let mut admin = Browser::new(&url)?;
    admin.log_in("admin", &server.admin_password).await?;
    let list = admin.get("/admin/tilmeldinger").await?.text();
    anyhow::ensure!(
        !list.contains(email) && !list.contains(&form.name),
        "{list}"
    );
    anyhow::ensure!(
        server.state.store.volunteer_prefs(email)? == Default::default(),
        "the opt-in outlived the person"
    );
    let gone = reqwest::get(&feed).await?;
    anyhow::ensure!(
        gone.status() == 404,
        "the feed outlived the person: {}",
        gone.status()
    );
    // The session ended with them.
    chrome.goto(&format!("{url}/min-side")).await?;
    wait_for_text(&chrome, "Send mig et link").await?;
    chrome.quit().await;
    library_worker.stop().await;
    home_worker.stop().await;
    server.stop().await;
    Ok(())
}

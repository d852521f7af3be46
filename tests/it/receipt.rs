//! The receipt page a kiosk's QR code opens, against the real server: "on its way" before
//! the kiosk has synced, the signup's job and status after, a data download for the person,
//! a withdrawal that reaches the kiosk's own copy, and nothing for a wrong or odd link.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_link_shows_the_signup_lets_the_volunteer_withdraw_and_download()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-r", "bibliotek").await?;
    let config = kiosk_config(
        &server.url(),
        &enrol,
        "bibliotek",
        &dir.path().join("kiosk"),
    );
    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;
    worker.stop().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    // Scanned before the kiosk has synced: kindly "on its way".
    let form = visitor_form("r", 1);
    let receipt = core.submit_signup("hojtlaesning", None, &form).await?;
    let page = http.get(&receipt.url).send().await?;
    anyhow::ensure!(page.status() == 200);
    let text = page.text().await?;
    anyhow::ensure!(
        text.contains("er på vej") && !text.contains("Højtlæsning"),
        "{text}"
    );

    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    let page = http.get(&receipt.url).send().await?;
    let headers = page.headers().clone();
    let text = page.text().await?;
    anyhow::ensure!(text.contains("Højtlæsning for voksne"), "{text}");
    anyhow::ensure!(
        text.contains("Modtaget") && text.contains(r#"lang="da""#),
        "{text}"
    );
    anyhow::ensure!(
        !text.contains(&form.name),
        "the page does not repeat the name"
    );
    anyhow::ensure!(
        headers.get("referrer-policy").and_then(|v| v.to_str().ok()) == Some("no-referrer")
    );
    anyhow::ensure!(headers.get("cache-control").and_then(|v| v.to_str().ok()) == Some("no-store"));
    let english = http
        .get(format!("{}?lang=en", receipt.url))
        .send()
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        english.contains("Reading aloud for adults") && english.contains(r#"lang="en""#)
    );

    // The person's data, as a file: everything held, a coordinator's note included.
    let signup_id = frivillig_common::ids::SignupId::parse(&receipt.signup_id)
        .ok_or_else(|| anyhow::anyhow!("a signup id"))?;
    let note = "Ringede; starter i januar.";
    frivillig_sync_server::service::signups::change_signup(
        &server.state,
        &signup_id,
        frivillig_sync_server::service::signups::Change::Note(note.into()),
        "admin",
    )
    .await?;
    let data: serde_json::Value = http
        .get(format!("{}/data", receipt.url))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(data["person"]["name"] == form.name.as_str(), "{data}");
    anyhow::ensure!(data["person"]["email"] == form.email.as_str(), "{data}");
    anyhow::ensure!(
        data["notes"][0]["text"] == note,
        "the note is not in the download: {data}"
    );

    // A wrong token for the same signup, and odd links: nothing of the signup.
    let (id, _) = frivillig_common::receipt::parse_receipt_url(&receipt.url).expect("receipt url");
    let wrong = format!("{}/kvittering/{id}/{}", server.url(), "A".repeat(43));
    let text = http.get(&wrong).send().await?.text().await?;
    anyhow::ensure!(
        text.contains("er på vej") && !text.contains("Højtlæsning"),
        "{text}"
    );
    let status = http.get(format!("{wrong}/data")).send().await?.status();
    anyhow::ensure!(status == 404, "data for a wrong token: {status}");
    let post = http.post(format!("{wrong}/tilbagetraek")).send().await?;
    anyhow::ensure!(post.status() == 303, "{}", post.status());
    for odd in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E/x",
        &format!("{}/y", "z".repeat(5000)),
    ] {
        let r = http
            .get(format!("{}/kvittering/{odd}", server.url()))
            .send()
            .await?;
        let code = r.status();
        let text = r.text().await?;
        anyhow::ensure!(code == 200 && !text.contains("<script>"), "{code}: {text}");
    }
    let still = server.signups().await?;
    anyhow::ensure!(
        still.iter().all(|s| s.record.status == "new"),
        "a wrong link changed nothing"
    );

    // Withdraw: the server records it, and the kiosk's copy of the journal learns it.
    let post = http
        .post(format!("{}/tilbagetraek", receipt.url))
        .send()
        .await?;
    anyhow::ensure!(post.status() == 303, "{}", post.status());
    let location = post
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    anyhow::ensure!(location.ends_with("?done=withdrawn"), "{location}");
    let text = http
        .get(format!("{}{location}", server.url()))
        .send()
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        text.contains("trukket tilmeldingen tilbage") && !text.contains("tilbagetraek"),
        "{text}"
    );
    let at_server = server.signups().await?;
    anyhow::ensure!(at_server[0].record.status == "withdrawn");
    anyhow::ensure!(
        at_server[0]
            .record
            .status_history
            .last()
            .map(|c| c.by.as_str())
            == Some("borger via kvittering")
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = core
            .signup(&receipt.signup_id)
            .await
            .map(|s| s.status.to_string());
        if status.as_deref() == Some("withdrawn") {
            break;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the kiosk never heard: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

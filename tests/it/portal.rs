//! The public job pages that the posters' QR codes open, against the real server: the list
//! with its theme filter, a job's page with requirements, contact and spots left (which move
//! when a kiosk's signup arrives), English, and a kind 404 for a job that is gone.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, visitor_form, wait_status};

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

    let root = http.get(format!("{base}/")).send().await?;
    anyhow::ensure!(root.status().is_redirection(), "{}", root.status());

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
    let (_, job) = get(format!("{base}/frivilligjob/lektiecafe")).await?;
    anyhow::ensure!(
        job.contains("3 ledige pladser") && job.contains("4 ledige pladser"),
        "{job}"
    );

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

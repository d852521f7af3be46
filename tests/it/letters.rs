//! Coordinators write to volunteers through the web app, against a real SMTP server: to the
//! current filter of the signup list (only those people receive it; who withdrew and who
//! has no address do not), with a preview first, recorded on each signup and in the audit
//! log; a coordinator of another site cannot reach them.

use std::time::Duration;

use frivillig_common::domain::Status;
use frivillig_common::ids::SignupId;
use frivillig_sync_server::service::catalog::replace_catalog;
use frivillig_sync_server::service::signups::change_status;
use frivillig_tests::smtp::SmtpSink;
use frivillig_tests::{
    Browser, TestServer, demo_catalog_with_shifts_in, synced_kiosk, visitor_form, wait_status,
};

use crate::mail::{parsed, to_sink};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_writes_to_a_filtered_list_and_only_those_people_receive_it()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, to_sink(sink.port)).await?;
    let catalog = demo_catalog_with_shifts_in(&[("lektiecafe-tor", 50)]);
    replace_catalog(&server.state, catalog, "admin").await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-letters", "bibliotek", &dir.path().join("k")).await?;
    let mut reading = Vec::new();
    for i in 0..3 {
        let form = visitor_form("letters", i);
        let r = core.submit_signup("hojtlaesning", None, &form).await?;
        reading.push((form.email, r.signup_id));
    }
    let mut phone_only = visitor_form("letters", 3);
    phone_only.email = String::new();
    phone_only.name = "Poul Telefon".into();
    core.submit_signup("hojtlaesning", None, &phone_only)
        .await?;
    let other = visitor_form("letters", 4);
    core.submit_signup("lektiecafe", Some("lektiecafe-tor"), &other)
        .await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    // Four confirmations (the phone-only signup gets none).
    sink.wait_for(4, Duration::from_secs(20)).await?;
    let withdrawn = SignupId::parse(&reading[2].1).ok_or_else(|| anyhow::anyhow!("id"))?;
    change_status(&server.state, &withdrawn, Status::Withdrawn, "admin").await?;

    let mut admin = Browser::new(&server.url())?;
    admin.log_in("admin", &server.admin_password).await?;
    let page = admin.get("/admin/besked?opportunity=hojtlaesning").await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let text = page.text();
    anyhow::ensure!(
        text.contains("2 får beskeden på e-mail")
            && text.contains(&reading[0].0)
            && !text.contains(&reading[2].0)
            && !text.contains(&other.email)
            && text.contains("Poul Telefon"),
        "{text}"
    );
    let letter = [
        ("csrf", csrf.as_str()),
        ("opportunity", "hojtlaesning"),
        ("subject", "Oplæsning flyttes til salen"),
        ("text", "Kære frivillige\nVi læser i salen på torsdag."),
    ];
    let preview = admin
        .post(
            "/admin/besked",
            &[&letter[..], &[("step", "preview")]].concat(),
        )
        .await?;
    let text = preview.text();
    anyhow::ensure!(
        preview.status == 200
            && text.contains("Forhåndsvisning")
            && text.contains("Vi læser i salen")
            && text.contains("Send til 2 personer"),
        "{text}"
    );
    anyhow::ensure!(sink.messages()?.len() == 4, "a preview sent something");
    let sent = admin
        .post(
            "/admin/besked",
            &[&letter[..], &[("step", "send")]].concat(),
        )
        .await?;
    anyhow::ensure!(
        sent.status == 200 && sent.text().contains("2 beskeder"),
        "{}",
        sent.text()
    );
    sink.wait_for(6, Duration::from_secs(20)).await?;

    // A coordinator of another site reaches nobody here, by filter or by signup id.
    let mut kim = crate::admin::coordinator_of_kulturnat(&server).await?;
    let csrf = kim
        .get("/admin/besked")
        .await?
        .field("csrf")
        .unwrap_or_default();
    for (k, v) in [
        ("opportunity", "hojtlaesning"),
        ("signup", reading[0].1.as_str()),
    ] {
        let a = kim
            .post(
                "/admin/besked",
                &[
                    ("csrf", csrf.as_str()),
                    (k, v),
                    ("subject", "Hej"),
                    ("text", "Fra Kulturnat"),
                    ("step", "send"),
                ],
            )
            .await?;
        anyhow::ensure!(a.text().contains("0 beskeder"), "{k}: {}", a.text());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = parsed(&sink)?;
    let mut got: Vec<&str> = mails
        .iter()
        .filter(|m| m.subject.contains("Oplæsning flyttes") || m.subject == "Hej")
        .map(|m| m.to.as_str())
        .collect();
    got.sort_unstable();
    let mut want = vec![reading[0].0.as_str(), reading[1].0.as_str()];
    want.sort_unstable();
    anyhow::ensure!(got == want, "{got:?} != {want:?}");
    anyhow::ensure!(mails.len() == 6, "{} messages", mails.len());
    let letter_mail = mails
        .iter()
        .find(|m| m.subject.contains("Oplæsning flyttes"))
        .ok_or_else(|| anyhow::anyhow!("no letter"))?;
    anyhow::ensure!(
        letter_mail.text.contains("Vi læser i salen")
            && letter_mail.text.contains("Højtlæsning for voksne"),
        "{}",
        letter_mail.text
    );

    // Recorded on the signup and in the audit log.
    let signup = admin
        .get(&format!("/admin/tilmeldinger/{}", reading[0].1))
        .await?
        .text();
    anyhow::ensure!(
        signup.contains("Besked sendt: Oplæsning flyttes til salen"),
        "{signup}"
    );
    let log = admin.get("/admin/log").await?.text();
    anyhow::ensure!(
        log.matches("Oplæsning flyttes til salen").count() == 2,
        "{log}"
    );
    worker.stop().await;
    server.stop().await;
    Ok(())
}

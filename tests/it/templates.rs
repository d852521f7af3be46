//! Message templates edited by an admin in the web app, against a real SMTP server: a
//! preview fills in a made-up signup, an unknown field is refused with its name, a saved
//! text is what the next confirmation says (the footer kept), and a reset brings back the
//! default.

use std::time::Duration;

use frivillig_tests::smtp::SmtpSink;
use frivillig_tests::{Browser, TestServer, synced_kiosk, visitor_form, wait_status};

use crate::mail::{parsed, to_sink};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_a_template_previews_it_and_the_next_mail_uses_it() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sink = SmtpSink::start(&dir.path().join("sink"))?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, to_sink(sink.port)).await?;
    let mut admin = Browser::new(&server.url())?;
    admin.log_in("admin", &server.admin_password).await?;
    let list = admin.get("/admin/skabeloner").await?.text();
    anyhow::ensure!(list.contains("/admin/skabeloner/bekraeftelse"), "{list}");
    let page = admin.get("/admin/skabeloner/bekraeftelse").await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    anyhow::ensure!(
        page.text().contains("{kvittering}"),
        "the default is not shown"
    );
    let page_en = page.text();
    let en_subject = "Thank you for signing up: {opgave}";
    anyhow::ensure!(page_en.contains(en_subject));
    let en_body = frivillig_sync_server::service::mail::templates::TemplateKind::Confirmation
        .default_template(frivillig_common::text::Lang::En)
        .body;
    let form = |subject: &'static str, body: &'static str, step: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("subject_da", subject.to_owned()),
            ("body_da", body.to_owned()),
            ("subject_en", en_subject.to_owned()),
            ("body_en", en_body.clone()),
            ("step", step.to_owned()),
        ]
    };
    let body = "Hej {navn}!\nVi glæder os til at se dig til {opgave}.\nKontakt: {kontakt}";
    let a = post_form(&mut admin, form("Velkommen, {navn}", body, "preview")).await?;
    let text = a.text();
    anyhow::ensure!(
        a.status == 200
            && text.contains("Hej Åse Eksempel!")
            && text.contains("Velkommen, Åse Eksempel"),
        "{text}"
    );
    let a = post_form(&mut admin, form("Velkommen", "Dit CPR: {cpr}", "save")).await?;
    anyhow::ensure!(
        a.status == 400 && a.text().contains("{cpr}"),
        "an unknown field: {} {}",
        a.status,
        a.text()
    );
    let a = post_form(&mut admin, form("Velkommen, {navn}", body, "save")).await?;
    anyhow::ensure!(a.status == 303, "save: {} {}", a.status, a.text());
    anyhow::ensure!(
        admin
            .get("/admin/skabeloner/bekraeftelse?gemt=1")
            .await?
            .text()
            .contains("Skabelonen er gemt."),
    );
    anyhow::ensure!(admin.get("/admin/log").await?.text().contains("template"));

    let (core, worker) = synced_kiosk(
        &server,
        "kiosk-templates",
        "bibliotek",
        &dir.path().join("k"),
    )
    .await?;
    let first = visitor_form("tpl", 1);
    core.submit_signup("hojtlaesning", None, &first).await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    sink.wait_for(1, Duration::from_secs(20)).await?;
    let mail = &parsed(&sink)?[0];
    anyhow::ensure!(
        mail.subject == format!("Velkommen, {}", first.name)
            && mail.text.contains(&format!("Hej {}!", first.name))
            && mail.text.contains("Højtlæsning for voksne")
            && mail.text.contains("Kontakt: ")
            && !mail.text.contains("{kontakt}")
            && mail.text.contains("Denne mail er sendt af"),
        "{} / {}",
        mail.subject,
        mail.text
    );

    let a = post_form(&mut admin, form("x", "y", "reset")).await?;
    anyhow::ensure!(a.status == 303, "reset: {}", a.status);
    let second = visitor_form("tpl", 2);
    core.submit_signup("hojtlaesning", None, &second).await?;
    wait_status(&core, Duration::from_secs(30), |s| s.queued_signups == 0).await?;
    sink.wait_for(2, Duration::from_secs(20)).await?;
    let mail = &parsed(&sink)?[1];
    anyhow::ensure!(
        mail.text.contains("Tak fordi du vil være frivillig"),
        "{}",
        mail.text
    );
    worker.stop().await;
    server.stop().await;
    Ok(())
}

async fn post_form(
    b: &mut Browser,
    form: Vec<(&'static str, String)>,
) -> anyhow::Result<frivillig_tests::Answer> {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/admin/skabeloner/bekraeftelse", &pairs).await
}

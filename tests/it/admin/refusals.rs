//! Every admin page and form refuses without a session or the role.

use frivillig_tests::{Browser, TestServer};

use super::coordinator_of_kulturnat;

/// Every page and form of the admin app refuses a visitor without a session (pages lead to
/// the login, forms are refused and change nothing), and the admins' pages and forms
/// refuse a coordinator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_page_and_form_refuses_without_a_session_or_the_role() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let pages = [
        "/admin",
        "/admin/tilmeldinger",
        "/admin/tilmeldinger/eksport.csv",
        "/admin/tilmeldinger/abc",
        "/admin/oversigt",
        "/admin/koer",
        "/admin/kiosker",
        "/admin/katalog",
        "/admin/log",
        "/admin/udbakke",
        "/admin/udbakke/1",
        "/admin/besked",
        "/admin/skabeloner",
        "/admin/skabeloner/bekraeftelse",
        "/admin/job",
        "/admin/job/ny",
        "/admin/job/lektiecafe",
        "/admin/job/lektiecafe/vagter/lektiecafe-tir",
        "/admin/steder",
        "/admin/steder/ny",
        "/admin/steder/bibliotek",
        "/admin/ambassadoerer/ny",
        "/admin/ambassadoerer/amb-bibliotek",
        "/admin/haandbog",
        "/admin/haandbog/ny",
        "/admin/haandbog/samarbejde",
        "/admin/arrangementer",
        "/admin/arrangementer/frivilligfest",
        "/admin/arrangementer/frivilligfest/inviter",
        "/admin/historier",
        "/admin/historier/ny",
        "/admin/historier/x",
        "/admin/historier/x/foto",
        "/admin/priser",
    ];
    let forms = [
        "/admin/logout",
        "/admin/tilmeldinger/abc/status",
        "/admin/tilmeldinger/abc/note",
        "/admin/tilmeldinger/abc/tildel",
        "/admin/tilmeldinger/abc/slet",
        "/admin/koer/dublet",
        "/admin/kiosker/k/spaer",
        "/admin/katalog",
        "/admin/katalog/samtykke",
        "/admin/besked",
        "/admin/skabeloner/bekraeftelse",
        "/admin/tilmeldinger/abc/fulgt-op",
        "/admin/job/ny",
        "/admin/job/lektiecafe",
        "/admin/job/lektiecafe/vagter",
        "/admin/job/lektiecafe/vagter/lektiecafe-tir/flyt",
        "/admin/job/lektiecafe/vagter/lektiecafe-tir/aflys",
        "/admin/steder/ny",
        "/admin/steder/bibliotek",
        "/admin/ambassadoerer/ny",
        "/admin/ambassadoerer/amb-bibliotek",
        "/admin/haandbog/ny",
        "/admin/haandbog/samarbejde",
        "/admin/haandbog/samarbejde/op",
        "/admin/arrangementer/frivilligfest/inviter",
        "/admin/arrangementer/frivilligfest/paamind",
        "/admin/historier/ny",
        "/admin/historier/x",
        "/admin/historier/x/udgiv",
        "/admin/historier/x/afpublicer",
        "/admin/historier/x/foto/fjern",
        "/admin/tilmeldinger/abc/fremmoede",
        "/admin/tilmeldinger/abc/timer",
        "/admin/tilmeldinger/abc/timer/0/fjern",
        "/admin/priser/x/laest",
        "/admin/priser/x/slet",
    ];
    let mut anon = Browser::new(&server.url())?;
    for page in pages {
        let a = anon.get(page).await?;
        anyhow::ensure!(
            a.status == 303 && a.location.as_deref() == Some("/admin/login"),
            "{page} without a session: {} {:?}",
            a.status,
            a.location
        );
    }
    // A session cookie that is not a session is no session.
    anon.set_cookie("frivillig_session", Some(&"ab".repeat(32)));
    for form in forms {
        let a = anon.post(form, &[("csrf", "x")]).await?;
        anyhow::ensure!(a.status == 401, "{form} without a session: {}", a.status);
        anyhow::ensure!(!a.text().contains("panicked"), "{form}");
    }
    let mut kim = coordinator_of_kulturnat(&server).await?;
    let csrf = kim
        .get("/admin/tilmeldinger")
        .await?
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    for page in [
        "/admin/kiosker",
        "/admin/katalog",
        "/admin/log",
        "/admin/udbakke",
        "/admin/udbakke/1",
        "/admin/skabeloner",
        "/admin/skabeloner/bekraeftelse",
        "/admin/arrangementer/frivilligfest/inviter",
        "/admin/priser",
    ] {
        anyhow::ensure!(
            kim.get(page).await?.status == 403,
            "{page} for a coordinator"
        );
    }
    for form in [
        "/admin/kiosker/k/spaer",
        "/admin/katalog",
        "/admin/katalog/samtykke",
        "/admin/arrangementer/frivilligfest/inviter",
        "/admin/arrangementer/frivilligfest/paamind",
    ] {
        let a = kim
            .post(
                form,
                &[
                    ("csrf", csrf.as_str()),
                    ("bekraeft", "ja"),
                    ("password", &server.admin_password),
                    ("toml", ""),
                    ("text_da", "x"),
                    ("text_en", "x"),
                ],
            )
            .await?;
        anyhow::ensure!(a.status == 403, "{form} for a coordinator: {}", a.status);
    }
    // The library's job, shifts, site, ambassador and the handbook are not the festival
    // coordinator's: neither page nor form.
    for page in [
        "/admin/job/lektiecafe",
        "/admin/job/lektiecafe/vagter/lektiecafe-tir",
        "/admin/steder/ny",
        "/admin/steder/bibliotek",
        "/admin/ambassadoerer/amb-bibliotek",
        "/admin/haandbog",
        "/admin/haandbog/samarbejde",
    ] {
        anyhow::ensure!(kim.get(page).await?.status == 404, "{page} for kim");
    }
    for form in [
        "/admin/job/lektiecafe",
        "/admin/job/lektiecafe/vagter",
        "/admin/job/lektiecafe/vagter/lektiecafe-tir/flyt",
        "/admin/job/lektiecafe/vagter/lektiecafe-tir/aflys",
        "/admin/steder/bibliotek",
        "/admin/ambassadoerer/amb-bibliotek",
        "/admin/haandbog/samarbejde",
        "/admin/haandbog/samarbejde/fjern",
    ] {
        let a = kim
            .post(
                form,
                &[
                    ("csrf", csrf.as_str()),
                    ("confirmed", "ja"),
                    ("site", "kulturnat"),
                    ("title", "x"),
                    ("name", "x"),
                ],
            )
            .await?;
        anyhow::ensure!(a.status == 404, "{form} for kim: {}", a.status);
    }
    // Logins are audited, good and bad; nothing else may be.
    let (entries, _) = server.state.store.audit_entries(0, 1000)?;
    anyhow::ensure!(
        entries.iter().all(|e| e.action == "login"),
        "a refused request reached the audit log"
    );
    server.stop().await;
    Ok(())
}

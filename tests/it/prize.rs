//! The volunteer prize: a nomination from the portal reaches the admins' review with the
//! nominator's consent recorded; a form without its page's CSRF cookie, with a field
//! missing, or one too many from one address stores nothing; coordinators cannot read them.

use frivillig_tests::{Browser, TestServer};

use crate::admin::{coordinator_of_kulturnat, csrf_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nomination_from_the_portal_reaches_the_admins_review() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut citizen = Browser::new(&server.url())?;
    let csrf = csrf_of(&mut citizen, "/frivillighedspris").await?;
    let nomination = [
        ("csrf", csrf.as_str()),
        ("nominee", "Karen Jensen"),
        ("place", "Plejecenter Solgården"),
        (
            "why",
            "Karen har gået tur med beboerne hver lørdag i ti år.",
        ),
        ("by_name", "Lars Nabo"),
        ("by_contact", "lars@example.dk"),
        ("consent", "ja"),
    ];
    // Without the page's cookie (another site's form): refused, nothing kept.
    let mut stranger = Browser::new(&server.url())?;
    let a = stranger.post("/frivillighedspris", &nomination).await?;
    anyhow::ensure!(a.status == 403, "without the cookie: {}", a.status);
    // Without consent: the form again, with the problem named.
    let without: Vec<_> = nomination
        .iter()
        .filter(|(k, _)| *k != "consent")
        .copied()
        .collect();
    let a = citizen.post("/frivillighedspris", &without).await?;
    anyhow::ensure!(
        a.status == 422 && a.text().contains("Sæt kryds") && a.text().contains("Karen Jensen"),
        "{} {}",
        a.status,
        a.text()
    );
    anyhow::ensure!(
        server.state.store.nominations()?.is_empty(),
        "kept without consent"
    );
    let a = citizen.post("/frivillighedspris", &nomination).await?;
    anyhow::ensure!(
        a.status == 200 && a.text().contains("Tak for din indstilling"),
        "{}",
        a.status
    );
    let kept = server.state.store.nominations()?;
    anyhow::ensure!(
        kept.len() == 1 && kept[0].consent_version == 1 && kept[0].by_contact == "lars@example.dk",
        "{kept:?}"
    );

    // The admins read it; a coordinator may not.
    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);
    let page = admin.get("/admin/priser").await?.text();
    anyhow::ensure!(
        page.contains("Karen Jensen") && page.contains("hver lørdag") && page.contains("Lars Nabo"),
        "{page}"
    );
    let mut kim = coordinator_of_kulturnat(&server).await?;
    anyhow::ensure!(kim.get("/admin/priser").await?.status == 403);
    let csrf = csrf_of(&mut admin, "/admin/priser").await?;
    let id = kept[0].id.clone();
    let a = admin
        .post(
            &format!("/admin/priser/{id}/laest"),
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303);
    anyhow::ensure!(server.state.store.nominations()?[0].state == "read");
    let a = admin
        .post(
            &format!("/admin/priser/{id}/slet"),
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303 && server.state.store.nominations()?.is_empty());

    // One address sending many: refused after the limit, with nothing more kept.
    let mut refused = 0;
    for _ in 0..12 {
        let a = citizen.post("/frivillighedspris", &nomination).await?;
        if a.status == 429 {
            refused += 1;
        }
    }
    anyhow::ensure!(refused > 0, "no rate limit");
    let kept = server.state.store.nominations()?.len();
    anyhow::ensure!(
        kept + refused == 12 && kept < 12,
        "{kept} kept, {refused} refused"
    );
    server.stop().await;
    Ok(())
}

//! Sites, ambassadors and handbook pages as forms: an admin adds a site, a coordinator adds
//! an ambassador at their own site but not at another, the handbook's preview is the
//! portal's rendering and its order is kept, and each change reaches the portal.

use frivillig_sync_server::service::accounts::Role;
use frivillig_tests::{Browser, TestServer};

use super::{catalog, csrf_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_ambassadors_and_handbook_pages_are_edited_with_forms_by_whom_may()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut admin = Browser::new(&server.url())?;
    anyhow::ensure!(admin.log_in("admin", &server.admin_password).await?.status == 303);
    let csrf = csrf_of(&mut admin, "/admin/steder/ny").await?;

    // A new site, with a problem first: the name is kept, the id is named.
    let a = admin
        .post(
            "/admin/steder/ny",
            &[
                ("csrf", csrf.as_str()),
                ("id", "Skole 1"),
                ("name", "Søndervangsskolen"),
                ("kind", "other"),
                ("address", "Søndervang 1"),
            ],
        )
        .await?;
    anyhow::ensure!(
        a.status == 422
            && a.text().contains("value=\"Søndervangsskolen\"")
            && a.text().contains("f-id-error"),
        "{} {}",
        a.status,
        a.text()
    );
    let a = admin
        .post(
            "/admin/steder/ny",
            &[
                ("csrf", csrf.as_str()),
                ("id", "skole"),
                ("name", "Søndervangsskolen"),
                ("kind", "other"),
                ("address", "Søndervang 1"),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "site: {} {}", a.status, a.text());
    anyhow::ensure!(
        catalog(&server)
            .await?
            .sites
            .iter()
            .any(|s| s.id == "skole" && s.address == "Søndervang 1")
    );

    // A coordinator of the school adds its ambassador; the library's is not theirs.
    server.state.store.add_account(
        "sofie",
        "Sofie Skole",
        "skole-koordinator-2026",
        Role::Coordinator,
        vec!["skole".into()],
    )?;
    let mut sofie = Browser::new(&server.url())?;
    anyhow::ensure!(
        sofie
            .log_in("sofie", "skole-koordinator-2026")
            .await?
            .status
            == 303
    );
    anyhow::ensure!(
        sofie.get("/admin/steder/ny").await?.status == 404,
        "a coordinator opened the site form"
    );
    let sc = csrf_of(&mut sofie, "/admin/ambassadoerer/ny").await?;
    let a = sofie
        .post(
            "/admin/ambassadoerer/ny",
            &[
                ("csrf", sc.as_str()),
                ("id", "amb-skole"),
                ("name", "Ole Lærer"),
                ("site", "skole"),
                ("contact", "ole@example.dk"),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "ambassador: {} {}", a.status, a.text());
    let a = sofie
        .post(
            "/admin/ambassadoerer/ny",
            &[
                ("csrf", sc.as_str()),
                ("id", "amb-falsk"),
                ("name", "Falsk"),
                ("site", "bibliotek"),
                ("contact", ""),
            ],
        )
        .await?;
    anyhow::ensure!(
        a.status == 422 && a.text().contains("dine egne steder"),
        "{} {}",
        a.status,
        a.text()
    );
    anyhow::ensure!(
        sofie
            .get("/admin/ambassadoerer/amb-bibliotek")
            .await?
            .status
            == 404
    );
    let a = sofie
        .post(
            "/admin/ambassadoerer/amb-bibliotek",
            &[
                ("csrf", sc.as_str()),
                ("name", "Overtaget"),
                ("site", "skole"),
                ("contact", ""),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 404, "another site's ambassador: {}", a.status);
    let c = catalog(&server).await?;
    anyhow::ensure!(
        c.ambassadors
            .iter()
            .any(|a| a.id == "amb-skole" && a.site_id == "skole")
    );
    anyhow::ensure!(
        c.ambassadors
            .iter()
            .any(|a| a.id == "amb-bibliotek" && a.name == "Mette Holm")
    );
    let portal = reqwest::get(format!("{}/ambassadoerer", server.url()))
        .await?
        .text()
        .await?;
    anyhow::ensure!(portal.contains("Ole Lærer"), "{portal}");

    // A handbook page: the preview is the portal's rendering and saves nothing.
    anyhow::ensure!(
        sofie.get("/admin/haandbog/ny").await?.status == 404,
        "a coordinator opened the handbook"
    );
    let body = "# Før du starter\n\nMød op ti minutter før.\n\n* Tag navneskilt på";
    let page = [
        ("csrf", csrf.as_str()),
        ("id", "foer-du-starter"),
        ("title", "Før du starter"),
        ("body", body),
    ];
    let mut preview = page.to_vec();
    preview.push(("preview", "ja"));
    let a = admin.post("/admin/haandbog/ny", &preview).await?;
    anyhow::ensure!(
        a.status == 200 && a.text().contains("<h2>Før du starter</h2><p>Mød op ti minutter før.</p><ul><li>Tag navneskilt på</li></ul>"),
        "preview: {} {}",
        a.status,
        a.text()
    );
    anyhow::ensure!(
        catalog(&server)
            .await?
            .handbook
            .iter()
            .all(|p| p.id != "foer-du-starter"),
        "the preview saved"
    );
    let a = admin.post("/admin/haandbog/ny", &page).await?;
    anyhow::ensure!(a.status == 303, "page: {} {}", a.status, a.text());
    let a = admin
        .post(
            "/admin/haandbog/foer-du-starter/op",
            &[("csrf", csrf.as_str())],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "up: {}", a.status);
    let ids: Vec<String> = catalog(&server)
        .await?
        .handbook
        .into_iter()
        .map(|p| p.id)
        .collect();
    anyhow::ensure!(
        ids == [
            "hvad-er-frivilligt-arbejde",
            "samarbejde",
            "foer-du-starter",
            "boerneattest"
        ],
        "{ids:?}"
    );
    let shown = reqwest::get(format!("{}/haandbog/foer-du-starter", server.url()))
        .await?
        .text()
        .await?;
    anyhow::ensure!(shown.contains("Mød op ti minutter før."), "{shown}");
    let audit = server.state.store.audit_entries(0, 50)?.0;
    for (by, target) in [
        ("admin", "site skole"),
        ("sofie", "ambassador amb-skole"),
        ("admin", "handbook foer-du-starter"),
    ] {
        anyhow::ensure!(
            audit.iter().any(|e| e.by == by && e.target == target),
            "no audit of {target} by {by}"
        );
    }
    server.stop().await;
    Ok(())
}

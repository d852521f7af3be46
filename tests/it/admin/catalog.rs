//! The catalog editor: an admin's edit reaches the kiosk.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{Browser, TestServer, kiosk_config, open_kiosk, wait_status};

use super::coordinator_of_kulturnat;

/// The catalog editor: an admin edits the catalog text and a kiosk receives the change; a
/// text with a mistake is refused with its line and nothing changes; consent texts change
/// only as a new version; coordinators cannot edit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_the_catalog_and_the_kiosk_receives_it() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-cat", "bibliotek").await?;
    let core = open_kiosk(
        kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join("k")),
        Arc::new(SystemClock),
    )
    .await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;

    let mut b = Browser::new(&server.url())?;
    anyhow::ensure!(b.log_in("admin", &server.admin_password).await?.status == 303);
    let page = b.get("/admin/katalog").await?;
    anyhow::ensure!(page.status == 200, "editor: {}", page.status);
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let old_title = "Lektiehjælper i lektiecaféen";
    let text = frivillig_common::catalog_file::catalog_to_toml(
        &core
            .catalog()
            .ok_or_else(|| anyhow::anyhow!("no catalog"))?,
    )?;
    anyhow::ensure!(text.contains(old_title));

    // A mistake: refused with the line, nothing changed.
    let broken = text.replacen("capacity = 4", "capacity = \"fire\"", 1);
    let a = b
        .post(
            "/admin/katalog",
            &[
                ("csrf", &csrf),
                ("toml", &broken),
                ("password", &server.admin_password),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 422, "broken catalog: {}", a.status);
    let line = text
        .lines()
        .position(|l| l.contains("capacity = 4"))
        .map_or(0, |i| i + 1);
    anyhow::ensure!(
        a.text().contains(&format!("Linje {line}: ")),
        "no line {line} in: {}",
        a.text()
    );
    // The consent text edited in place: refused.
    let consent = core
        .catalog()
        .and_then(|c| c.current_consent().map(|c| c.text_da.clone()))
        .unwrap_or_default();
    let sneaky = text.replacen(&consent, "Vi må alt.", 1);
    let a = b
        .post(
            "/admin/katalog",
            &[
                ("csrf", &csrf),
                ("toml", &sneaky),
                ("password", &server.admin_password),
            ],
        )
        .await?;
    anyhow::ensure!(
        a.status == 422 && a.text().contains("Samtykketeksterne"),
        "{}",
        a.status
    );

    let edited = text.replacen(old_title, "Lektiehjælper (ny titel)", 1);
    // Without the password again: refused, nothing changed.
    let a = b
        .post(
            "/admin/katalog",
            &[
                ("csrf", &csrf),
                ("toml", &edited),
                ("password", "not the password"),
            ],
        )
        .await?;
    anyhow::ensure!(
        a.status == 403,
        "a catalog without the password: {}",
        a.status
    );
    let a = b
        .post(
            "/admin/katalog",
            &[
                ("csrf", &csrf),
                ("toml", &edited),
                ("password", &server.admin_password),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "save: {} {}", a.status, a.text());
    let new_text = [
        ("csrf", csrf.as_str()),
        ("text_da", "Ny samtykketekst, version to."),
        ("text_en", "New consent text, version two."),
    ];
    // First what it changes, word by word; saved only on the button under it.
    let a = b.post("/admin/katalog/samtykke", &new_text).await?;
    anyhow::ensure!(
        a.status == 200 && a.text().contains("<ins>") && a.text().contains("<del>"),
        "consent changes: {} {}",
        a.status,
        a.text()
    );
    let mut confirmed = new_text.to_vec();
    confirmed.push(("confirmed", "ja"));
    let a = b.post("/admin/katalog/samtykke", &confirmed).await?;
    anyhow::ensure!(a.status == 303, "consent: {}", a.status);
    let mut received = false;
    for _ in 0..100 {
        core.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Some(c) = core.catalog()
            && c.opportunities
                .iter()
                .any(|o| o.title == "Lektiehjælper (ny titel)")
            && c.current_consent().is_some_and(|x| x.version == 2)
        {
            anyhow::ensure!(
                c.consent_texts
                    .iter()
                    .any(|x| x.version == 1 && x.text_da == consent),
                "version 1 was changed"
            );
            received = true;
            break;
        }
    }
    anyhow::ensure!(received, "the kiosk never received the edited catalog");
    anyhow::ensure!(b.get("/admin/log").await?.text().contains("catalog"));

    let mut kim = coordinator_of_kulturnat(&server).await?;
    anyhow::ensure!(kim.get("/admin/katalog").await?.status == 403);
    let kim_csrf = kim
        .get("/admin/tilmeldinger")
        .await?
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let a = kim
        .post("/admin/katalog", &[("csrf", &kim_csrf), ("toml", &edited)])
        .await?;
    anyhow::ensure!(
        a.status == 403,
        "a coordinator saved the catalog: {}",
        a.status
    );

    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

//! The coordinators' web app over real HTTP, with a cookie-keeping client: log in, find a
//! kiosk signup that arrived by sync, change it and see the change reach the kiosk, export
//! CSV, roles, the audit log, log out; and the refusals (no session, wrong CSRF token,
//! tampered ids, malformed and oversized forms, too many logins).
//!
//! Layout: this file the follow-up of one signup and the login limits; [`review`] the
//! review queues, overview and kiosks page; [`catalog`] the catalog editor; [`refusals`]
//! every page and form without a session or the role.

mod catalog;
mod forms;
pub(crate) mod photos;
mod places;
mod refusals;
mod review;

use std::time::Duration;

use frivillig_sync_server::service::accounts::Role;
use frivillig_tests::{Browser, TestServer, synced_kiosk, visitor_form, wait_status};

/// The catalog as the server holds it.
pub(crate) async fn catalog(
    server: &TestServer,
) -> anyhow::Result<frivillig_common::domain::Catalog> {
    Ok(frivillig_sync_server::service::catalog::catalog(&server.state).await?)
}

/// The CSRF token of the form on `path`.
pub(crate) async fn csrf_of(b: &mut Browser, path: &str) -> anyhow::Result<String> {
    b.get(path)
        .await?
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf on {path}"))
}

/// A coordinator account for the festival site only, logged in.
pub(crate) async fn coordinator_of_kulturnat(server: &TestServer) -> anyhow::Result<Browser> {
    server.state.store.add_account(
        "kim",
        "Kim Koordinator",
        "kulturnat-koordinator-2026",
        Role::Coordinator,
        vec!["kulturnat".into()],
    )?;
    let mut kim = Browser::new(&server.url())?;
    let login = kim.log_in("kim", "kulturnat-koordinator-2026").await?;
    anyhow::ensure!(login.status == 303, "coordinator login: {}", login.status);
    Ok(kim)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_follows_up_a_kiosk_signup_in_the_web_app() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let (core, worker) =
        synced_kiosk(&server, "kiosk-adm", "bibliotek", &dir.path().join("k")).await?;
    let mut receipts = Vec::new();
    for i in 0..3 {
        receipts.push(
            core.submit_signup(
                "lektiecafe",
                Some("lektiecafe-tir"),
                &visitor_form("adm", i),
            )
            .await?,
        );
    }
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    let target = receipts[1].signup_id.clone();
    let target_form = visitor_form("adm", 1);

    // No session: pages send you to the login page, forms are refused.
    let mut b = Browser::new(&server.url())?;
    let a = b.get("/admin/tilmeldinger").await?;
    anyhow::ensure!(
        a.status == 303 && a.location.as_deref() == Some("/admin/login"),
        "no session: {} {:?}",
        a.status,
        a.location
    );
    let a = b
        .post(
            &format!("/admin/tilmeldinger/{target}/status"),
            &[("status", "active")],
        )
        .await?;
    anyhow::ensure!(a.status == 401, "form without session: {}", a.status);

    // Login: a wrong password, a missing CSRF token, then right.
    let a = b.log_in("admin", "not the password").await?;
    anyhow::ensure!(a.status == 401, "wrong password: {}", a.status);
    anyhow::ensure!(
        a.text()
            .contains("Forkert brugernavn, adgangskode eller kode")
    );
    anyhow::ensure!(b.cookie("frivillig_session").is_none());
    let a = b
        .post(
            "/admin/login",
            &[("username", "admin"), ("password", &server.admin_password)],
        )
        .await?;
    anyhow::ensure!(a.status == 403, "login without CSRF token: {}", a.status);
    let a = b.log_in("admin", &server.admin_password).await?;
    anyhow::ensure!(
        a.status == 303 && a.location.as_deref() == Some("/admin/tilmeldinger"),
        "login: {} {}",
        a.status,
        a.text()
    );
    let set = b.last_set_cookies.join("\n");
    anyhow::ensure!(
        set.contains("frivillig_session=")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Strict")
            && set.contains("Path=/admin"),
        "session cookie: {set}"
    );
    let session = b
        .cookie("frivillig_session")
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?;

    // The list holds the three kiosk signups; search by name, by e-mail and by phone.
    let list = b.get("/admin/tilmeldinger").await?;
    anyhow::ensure!(list.status == 200, "list: {}", list.status);
    let text = list.text();
    for i in 0..3 {
        let name = visitor_form("adm", i).name;
        anyhow::ensure!(text.contains(&name), "{name} missing from the list");
    }
    anyhow::ensure!(text.contains("3 tilmeldinger") && text.contains("Kiosk kiosk-adm"));
    for q in [
        target_form.name.to_lowercase(),
        target_form.email.to_uppercase(),
        target_form.phone.clone(),
    ] {
        let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let a = b.get(&format!("/admin/tilmeldinger?q={enc}")).await?;
        let t = a.text();
        anyhow::ensure!(
            t.contains("1 tilmelding<") && t.contains(&target_form.name),
            "search {q:?} did not find exactly the one signup"
        );
    }
    let a = b.get("/admin/tilmeldinger?status=active").await?;
    anyhow::ensure!(a.text().contains("0 tilmeldinger"));
    let a = b.get("/admin/tilmeldinger?source=web").await?;
    anyhow::ensure!(a.text().contains("0 tilmeldinger"));
    // A hand-edited query shows the list rather than an error.
    let a = b.get("/admin/tilmeldinger?sort=sideways&page=x").await?;
    anyhow::ensure!(a.status == 200 && a.text().contains("3 tilmeldinger"));

    // The detail page: the person, the job, the provenance.
    let detail = b.get(&format!("/admin/tilmeldinger/{target}")).await?;
    anyhow::ensure!(detail.status == 200, "detail: {}", detail.status);
    let t = detail.text();
    for want in [
        target_form.name.as_str(),
        target_form.email.as_str(),
        target_form.phone.as_str(),
        "Kiosk kiosk-adm",
        "Modtaget af serveren",
    ] {
        anyhow::ensure!(t.contains(want), "detail lacks {want}");
    }
    let csrf = detail
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no CSRF field"))?;

    // Changes with a wrong token are refused and change nothing.
    let path = format!("/admin/tilmeldinger/{target}/status");
    let a = b
        .post(
            &path,
            &[("csrf", "0".repeat(64).as_str()), ("status", "active")],
        )
        .await?;
    anyhow::ensure!(a.status == 403, "wrong CSRF: {}", a.status);
    let a = b.post(&path, &[("status", "active")]).await?;
    anyhow::ensure!(a.status == 403, "missing CSRF: {}", a.status);
    let a = b
        .post(&path, &[("csrf", &csrf), ("status", "promoted")])
        .await?;
    anyhow::ensure!(a.status == 400, "unknown status: {}", a.status);
    let a = b
        .post_raw(
            &path,
            "application/x-www-form-urlencoded",
            b"csrf=%ZZ&&=".to_vec(),
        )
        .await?;
    anyhow::ensure!(
        a.status == 400 || a.status == 403,
        "malformed form: {}",
        a.status
    );
    let a = b
        .post_raw(
            &path,
            "application/x-www-form-urlencoded",
            vec![b'a'; 3 * 1024 * 1024],
        )
        .await?;
    anyhow::ensure!(a.status == 413, "oversized form: {}", a.status);
    let a = b
        .post(
            "/admin/tilmeldinger/not-a-signup/status",
            &[("csrf", &csrf), ("status", "active")],
        )
        .await?;
    anyhow::ensure!(a.status == 404, "unknown id: {}", a.status);
    let a = b.get("/admin/tilmeldinger/..%2F..%2Fetc%2Fpasswd").await?;
    anyhow::ensure!(a.status == 404, "tampered id: {}", a.status);
    let view = server.state.store.signup(&target)?;
    anyhow::ensure!(
        view.is_some_and(|r| r.record.status == "new" && r.record.status_history.is_empty()),
        "a refused change was written"
    );

    // Status, a note, an assignment.
    let a = b
        .post(&path, &[("csrf", &csrf), ("status", "contacted")])
        .await?;
    anyhow::ensure!(a.status == 303, "status: {} {}", a.status, a.text());
    let note = "Ringet op; vil gerne starte i januar.";
    let a = b
        .post(
            &format!("/admin/tilmeldinger/{target}/note"),
            &[("csrf", &csrf), ("text", note)],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "note: {}", a.status);
    let a = b
        .post(
            &format!("/admin/tilmeldinger/{target}/tildel"),
            &[("csrf", &csrf), ("assignee", "admin")],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "assign: {}", a.status);
    let a = b
        .post(
            &format!("/admin/tilmeldinger/{target}/tildel"),
            &[("csrf", &csrf), ("assignee", "mallory")],
        )
        .await?;
    anyhow::ensure!(a.status == 400, "assign to a stranger: {}", a.status);
    let t = b
        .get(&format!("/admin/tilmeldinger/{target}?gemt=1"))
        .await?
        .text();
    anyhow::ensure!(t.contains("Ændringen er gemt") && t.contains(note));
    anyhow::ensure!(
        t.contains("Status: Kontaktet"),
        "history lacks the status change"
    );

    // The kiosk's copy of the journal receives the status (so staff know a volunteer
    // withdrew), never the note or the assignment: personal data a kiosk does not need.
    let mut seen = None;
    for _ in 0..100 {
        if let Some(r) = core
            .signup(&target)
            .await
            .filter(|r| r.status == "contacted")
        {
            seen = Some(r);
            break;
        }
        core.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let on_kiosk = seen.ok_or_else(|| anyhow::anyhow!("the kiosk never received the status"))?;
    anyhow::ensure!(
        on_kiosk.notes.is_empty() && on_kiosk.assignee.is_none(),
        "a coordinator's note or assignment reached the kiosk: {on_kiosk:?}"
    );

    // CSV for Danish Excel, of the current filter.
    let csv = b
        .get("/admin/tilmeldinger/eksport.csv?status=contacted")
        .await?;
    anyhow::ensure!(csv.status == 200);
    anyhow::ensure!(csv.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "no BOM");
    let t = csv.text();
    let lines: Vec<&str> = t.trim_start_matches('\u{feff}').split("\r\n").collect();
    anyhow::ensure!(
        lines[0].starts_with(
            "\"Navn\";\"Telefon\";\"E-mail\";\"Job\";\"Vagt\";\"Sted\";\"Kilde\";\"Tilmeldt\";\"Modtaget\";\"Status\""
        ),
        "header: {}",
        lines[0]
    );
    anyhow::ensure!(lines.len() == 3 && lines[2].is_empty(), "rows: {lines:?}");
    // Every cell is quoted (none of these holds a quote or a semicolon).
    let cells: Vec<&str> = lines[1].split(';').map(|c| c.trim_matches('"')).collect();
    anyhow::ensure!(
        cells[0] == target_form.name && cells[9] == "Kontaktet",
        "{cells:?}"
    );
    let date = cells[7];
    anyhow::ensure!(
        date.len() == 16 && &date[2..3] == "-" && &date[5..6] == "-" && &date[10..11] == " ",
        "date as Danish Excel reads it: {date}"
    );

    // A coordinator of another site sees none of it and cannot open it; no audit log.
    let mut kim = coordinator_of_kulturnat(&server).await?;
    let t = kim.get("/admin/tilmeldinger").await?.text();
    anyhow::ensure!(t.contains("0 tilmeldinger") && !t.contains(&target_form.name));
    anyhow::ensure!(
        kim.get(&format!("/admin/tilmeldinger/{target}"))
            .await?
            .status
            == 404
    );
    let kim_csrf = kim
        .get("/admin/tilmeldinger")
        .await?
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no CSRF field"))?;
    let a = kim
        .post(&path, &[("csrf", &kim_csrf), ("status", "declined")])
        .await?;
    anyhow::ensure!(
        a.status == 404,
        "coordinator changed another site's signup: {}",
        a.status
    );
    let csv = kim.get("/admin/tilmeldinger/eksport.csv").await?.text();
    anyhow::ensure!(
        !csv.contains(&target_form.name),
        "export leaks another site"
    );
    anyhow::ensure!(kim.get("/admin/log").await?.status == 403);

    // The audit log names who did what.
    let log = b.get("/admin/log").await?;
    let t = log.text();
    for want in ["status", "note", "assign", "export", "contacted"] {
        anyhow::ensure!(t.contains(want), "audit log lacks {want}");
    }
    anyhow::ensure!(
        !t.contains("declined"),
        "a refused change reached the audit log"
    );

    // Log out ends the session at the server: the old cookie no longer works.
    let a = b.post("/admin/logout", &[("csrf", &csrf)]).await?;
    anyhow::ensure!(a.status == 303, "logout: {}", a.status);
    b.set_cookie("frivillig_session", Some(&session));
    let a = b.get("/admin/tilmeldinger").await?;
    anyhow::ensure!(a.status == 303, "old session still works: {}", a.status);

    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_limited_per_address() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut b = Browser::new(&server.url())?;
    let mut refused = 0;
    for _ in 0..12 {
        let a = b.log_in("admin", "guess-guess-guess").await?;
        if a.status == 429 {
            refused += 1;
        }
    }
    anyhow::ensure!(refused == 2, "refused {refused} of 12");
    // The right password is refused too while the limit holds: guessing cannot go on.
    let a = b.log_in("admin", &server.admin_password).await?;
    anyhow::ensure!(
        a.status == 429,
        "right password during lock-out: {}",
        a.status
    );
    server.stop().await;
    Ok(())
}

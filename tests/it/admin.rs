//! The coordinators' web app over real HTTP, with a cookie-keeping client: log in, find a
//! kiosk signup that arrived by sync, change it and see the change reach the kiosk, export
//! CSV, roles, the audit log, log out; and the refusals (no session, wrong CSRF token,
//! tampered ids, malformed and oversized forms, too many logins).

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_sync_server::service::accounts::Role;
use frivillig_tests::{
    Browser, TestServer, kiosk_config, open_kiosk, synced_kiosk, visitor_form, wait_status,
};

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

async fn post_pair(
    b: &mut Browser,
    form: Vec<(&'static str, String)>,
) -> anyhow::Result<frivillig_tests::Answer> {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/admin/koer/dublet", &refs).await
}

/// Two kiosks offline together take six signups for a shift of four, one person at both:
/// the review page suggests the pair and the latest two for the waiting list; decisions
/// are stored and undone; the overview counts; the kiosks page shows and revokes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_queues_overview_and_kiosks_page() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let mut cores = Vec::new();
    for id in ["kiosk-qa", "kiosk-qb"] {
        let enrol = server.enrol(id, "bibliotek").await?;
        let core = open_kiosk(
            kiosk_config(&server.url(), &enrol, "bibliotek", &dir.path().join(id)),
            Arc::new(SystemClock),
        )
        .await?;
        // Online once for the catalog, then offline for the signups.
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(20), |_| core.catalog().is_some()).await?;
        worker.stop().await;
        cores.push(core);
    }
    let same_person = visitor_form("qa", 0);
    let mut twin = same_person.clone();
    twin.name = same_person.name.to_uppercase();
    twin.phone = String::new();
    for i in 0..3 {
        cores[0]
            .submit_signup("lektiecafe", Some("lektiecafe-tir"), &visitor_form("qa", i))
            .await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for i in 0..3 {
        // Distinct phones: the test's visitors share numbers by index otherwise.
        let form = if i == 0 {
            twin.clone()
        } else {
            let mut f = visitor_form("qb", i);
            f.phone = format!("{}", 31_000_000 + i);
            f
        };
        cores[1]
            .submit_signup("lektiecafe", Some("lektiecafe-tir"), &form)
            .await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut workers = Vec::new();
    for core in &cores {
        workers.push(SyncWorker::start(core));
        wait_status(core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    }

    let mut b = Browser::new(&server.url())?;
    anyhow::ensure!(b.log_in("admin", &server.admin_password).await?.status == 303);
    let page = b.get("/admin/koer").await?;
    anyhow::ensure!(page.status == 200, "queues: {}", page.status);
    let t = page.text();
    anyhow::ensure!(
        t.contains(&same_person.name) && t.contains(&twin.name),
        "the pair is not suggested"
    );
    anyhow::ensure!(t.contains("6 tilmeldt til 4"), "overbooking not shown");
    anyhow::ensure!(
        t.matches("Sæt på venteliste").count() == 2,
        "not two suggestions"
    );
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let (a, pb) = {
        let rows = server.state.store.listing();
        let q = frivillig_sync_server::store::listing::ListQuery::default();
        let ids: Vec<String> = rows
            .matching(&q, None)
            .iter()
            .filter(|r| r.email == same_person.email)
            .map(|r| r.id.clone())
            .collect();
        anyhow::ensure!(ids.len() == 2, "{ids:?}");
        (ids[0].clone(), ids[1].clone())
    };
    let decide = |d: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("a", a.clone()),
            ("b", pb.clone()),
            ("decision", d.to_owned()),
        ]
    };
    anyhow::ensure!(post_pair(&mut b, decide("merge")).await?.status == 400);
    let mut wrong = decide("linked");
    wrong[0].1 = "f".repeat(64);
    anyhow::ensure!(post_pair(&mut b, wrong).await?.status == 403);
    anyhow::ensure!(post_pair(&mut b, decide("linked")).await?.status == 303);
    let t = b.get("/admin/koer").await?.text();
    anyhow::ensure!(
        t.contains("Afgjort") && t.contains("Fortryd") && t.contains("Ingen forslag"),
        "after linking: {}",
        &t[t.find("id=\"dupes\"").unwrap_or(0)..t.find("id=\"overbooked\"").unwrap_or(t.len())]
    );
    let detail = b.get(&format!("/admin/tilmeldinger/{a}")).await?.text();
    anyhow::ensure!(
        detail.contains("Samme person som") && detail.contains(&pb),
        "the link is not shown on the signup's page"
    );
    anyhow::ensure!(post_pair(&mut b, decide("undo")).await?.status == 303);
    let t = b.get("/admin/koer").await?.text();
    anyhow::ensure!(
        !t.contains("Afgjort") && t.contains("Samme person"),
        "undo did not bring it back"
    );
    anyhow::ensure!(post_pair(&mut b, decide("dismissed")).await?.status == 303);
    anyhow::ensure!(b.get("/admin/koer").await?.text().contains("Ikke samme ("));

    // The suggested two go to the waiting list; the page comes back with nothing overbooked.
    for _ in 0..2 {
        let page = b.get("/admin/koer").await?.text();
        let at = page
            .find("/status\"")
            .ok_or_else(|| anyhow::anyhow!("no waitlist form"))?;
        let start = page[..at]
            .rfind("/admin/tilmeldinger/")
            .ok_or_else(|| anyhow::anyhow!("no form action"))?;
        let action = format!("{}/status", &page[start..at]);
        let a = b
            .post(
                &action,
                &[
                    ("csrf", &csrf),
                    ("status", "waitlisted"),
                    ("tilbage", "/admin/koer"),
                ],
            )
            .await?;
        anyhow::ensure!(
            a.status == 303 && a.location.as_deref() == Some("/admin/koer?gemt=1"),
            "waitlist: {} {:?}",
            a.status,
            a.location
        );
    }
    anyhow::ensure!(
        b.get("/admin/koer")
            .await?
            .text()
            .contains("Ingen vagter har flere")
    );

    // Overview: charts with their numbers.
    let t = b.get("/admin/oversigt").await?.text();
    anyhow::ensure!(t.contains("<svg") && t.contains("6 tilmeldinger i alt"));
    anyhow::ensure!(t.contains("Kiosk kiosk-qa") && t.contains("Venteliste"));

    // Kiosks: both listed with version and an empty queue; revoke one from the page.
    let page = b.get("/admin/kiosker").await?;
    let t = page.text();
    anyhow::ensure!(t.contains("kiosk-qa") && t.contains("kiosk-qb"));
    anyhow::ensure!(t.contains(env!("CARGO_PKG_VERSION")), "no version shown");
    let a = b
        .post("/admin/kiosker/kiosk-qb/spaer", &[("csrf", &csrf)])
        .await?;
    anyhow::ensure!(a.status == 400, "revoke without confirmation: {}", a.status);
    let a = b
        .post(
            "/admin/kiosker/kiosk-qb/spaer",
            &[
                ("csrf", &csrf),
                ("bekraeft", "ja"),
                ("password", &server.admin_password),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "revoke: {}", a.status);
    cores[1].sync_now();
    wait_status(&cores[1], Duration::from_secs(20), |s| s.revoked).await?;
    anyhow::ensure!(b.get("/admin/kiosker").await?.text().contains("Spærret"));

    // A coordinator of another site: no kiosks page, nothing to review.
    let mut kim = coordinator_of_kulturnat(&server).await?;
    anyhow::ensure!(kim.get("/admin/kiosker").await?.status == 403);
    let t = kim.get("/admin/koer").await?.text();
    anyhow::ensure!(!t.contains(&same_person.name) && t.contains("Ingen forslag"));
    anyhow::ensure!(
        kim.get("/admin/oversigt")
            .await?
            .text()
            .contains("0 tilmeldinger i alt")
    );

    for w in workers {
        w.stop().await;
    }
    for c in cores {
        c.shutdown().await;
    }
    server.stop().await;
    Ok(())
}

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
    anyhow::ensure!(a.text().contains("linje "), "no line in: {}", a.text());
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
    let a = b
        .post(
            "/admin/katalog/samtykke",
            &[
                ("csrf", &csrf),
                ("text_da", "Ny samtykketekst, version to."),
                ("text_en", "New consent text, version two."),
            ],
        )
        .await?;
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
    // Logins are audited, good and bad; nothing else may be.
    let (entries, _) = server.state.store.audit_entries(0, 1000)?;
    anyhow::ensure!(
        entries.iter().all(|e| e.action == "login"),
        "a refused request reached the audit log"
    );
    server.stop().await;
    Ok(())
}

//! Backups miss no table: after a server has done every kind of work (kiosks, codes, web
//! signups, accounts, sessions, the audit log, an erasure with its rewrite, a review
//! decision, a refused kiosk record, an invitation, a story, hours by hand, a nomination), every table its database file holds is in the schema's list, every table
//! the list copies holds rows, and the backup holds each of them row for row.

use frivillig_sync_server::store::schema::{ALL_TABLES, InBackup, table_named};
use frivillig_tests::{Browser, TestServer, web_signup};
use redb::{ReadableDatabase, TableHandle};

/// Rows per table of the database at `path`, for every table the file holds.
fn rows_per_table(path: &std::path::Path) -> anyhow::Result<Vec<(String, Option<u64>)>> {
    let db = redb::Database::open(path)?;
    let tx = db.begin_read()?;
    let mut out = Vec::new();
    for handle in tx.list_tables()? {
        let name = handle.name().to_owned();
        let rows = match table_named(&name) {
            Some(table) => table.copy_rows(&tx, None, &mut |_, _| {})?,
            None => None,
        };
        out.push((name, rows));
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_holds_every_table_the_server_writes() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // A mail server that is not there: messages stay queued, so the queue has rows.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let server = TestServer::start_with(&dir.path().join("server"), 0, move |c| {
        c.mail.smtp_host = Some("127.0.0.1".into());
        c.mail.smtp_port = closed;
        c.mail.smtp_security = frivillig_sync_server::config::mail::SmtpSecurity::None;
    })
    .await?;
    // The web signups' shift starts in three hours, so its holders are reminded.
    let catalog = frivillig_tests::demo_catalog_with_shifts_in(&[("lektiecafe-tor", 3)]);
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, catalog, "admin")
        .await?;
    let kiosk = server.enrol("kiosk-backup", "bibliotek").await?;
    server.state.store.create_api_token(
        "Backup-job",
        &[frivillig_sync_server::store::Scope::Backup],
        30,
        "admin",
        chrono::Utc::now(),
    )?;
    // A kiosk's signup the server refuses (its job was removed meanwhile): kept aside.
    frivillig_tests::signup_for_a_removed_job(
        &server,
        &kiosk,
        "bibliotek",
        "hojtlaesning",
        &dir.path().join("kiosk"),
    )
    .await?;
    let (code, _) = server
        .admin_post(
            "/api/admin/enrol-codes",
            &serde_json::json!({"kiosk_id": "kiosk-later", "site_id": "bibliotek"}),
        )
        .await?;
    anyhow::ensure!(code == 200, "enrolment code: {code}");

    // Two signups of one person (a duplicate pair) and one to erase.
    let mut visitor = Browser::new(&server.url())?;
    web_signup(&mut visitor, "Bodil Backup", "bodil@example.dk").await?;
    web_signup(&mut visitor, "Bodil Bakup", "bodil@example.dk").await?;
    web_signup(&mut visitor, "Erik Slettes", "erik@example.dk").await?;
    let signups = server.signups().await?;
    anyhow::ensure!(signups.len() == 3, "{} signups", signups.len());
    let id_of = |name: &str| {
        signups
            .iter()
            .find(|s| s.person.as_ref().is_some_and(|p| p.name == name))
            .map(|s| s.record.id.clone())
            .ok_or_else(|| anyhow::anyhow!("{name} not at the server"))
    };
    let (first, second, erik) = (
        id_of("Bodil Backup")?,
        id_of("Bodil Bakup")?,
        id_of("Erik Slettes")?,
    );

    let mut coordinator = Browser::new(&server.url())?;
    let a = coordinator.log_in("admin", &server.admin_password).await?;
    anyhow::ensure!(a.status == 303, "login: {}", a.status);
    let (code, _) = server
        .admin_post(
            &format!("/api/admin/signups/{first}/status"),
            &serde_json::json!({"status": "contacted"}),
        )
        .await?;
    anyhow::ensure!(code == 200, "status: {code}");
    server
        .state
        .store
        .decide_pair(&first, &second, Some("linked"), "admin")?;
    let page = coordinator
        .get(&format!("/admin/tilmeldinger/{erik}"))
        .await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf on the signup page"))?;
    let a = coordinator
        .post(
            &format!("/admin/tilmeldinger/{erik}/slet"),
            &[
                ("csrf", csrf.as_str()),
                ("bekraeft", "ja"),
                ("password", &server.admin_password),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "erasure: {} {}", a.status, a.text());
    // A check-in a festival kiosk recorded for a signup whose journal has not come yet.
    let owner = frivillig_common::ids::KioskId::parse("kiosk-backup")
        .map(frivillig_sync_server::store::JournalOwner::Kiosk)
        .ok_or_else(|| anyhow::anyhow!("a kiosk id"))?;
    server
        .state
        .store
        .claim_journal("festival-journal", &owner, &frivillig_tests::today())?;
    server
        .state
        .store
        .ingest(frivillig_sync_server::store::IngestBatch {
            doc_id: "festival-journal".into(),
            heads: Vec::new(),
            chunk: Vec::new(),
            records: Vec::new(),
            refused: Vec::new(),
            presence: vec![(
                frivillig_common::receipt::new_signup_id(),
                frivillig_common::domain::CheckIn {
                    at: frivillig_tests::now_rfc3339(),
                    by: "kiosk-backup".into(),
                    out: false,
                },
            )],
        })?;
    // A nomination for the volunteer prize.
    frivillig_sync_server::service::nominations::nominate(
        &server.state,
        frivillig_sync_server::service::nominations::NominationForm {
            nominee: "Bodil Backup".into(),
            why: "Hun læser højt hver uge.".into(),
            by_name: "Erik".into(),
            by_contact: "erik@example.dk".into(),
            consent: true,
            ..Default::default()
        },
    )
    .await?;
    // Hours by hand for Bodil.
    let a = coordinator
        .post(
            &format!("/admin/tilmeldinger/{first}/timer"),
            &[
                ("csrf", csrf.as_str()),
                ("hours", "2"),
                ("day", "2026-11-30"),
                ("reason", "Oplæsning"),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "hours: {} {}", a.status, a.text());

    // An admin's own confirmation text.
    server
        .state
        .store
        .set_template("bekraeftelse", "da", "Hej {navn}", "Tak, {navn}", "admin")?;

    // Bodil signs in to Min side and opts in to news.
    frivillig_tests::sign_in_to_min_side(&server, &mut visitor, "bodil@example.dk").await?;
    let csrf = visitor
        .get("/min-side")
        .await?
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("not signed in"))?;
    let a = visitor
        .post(
            "/min-side/nyheder",
            &[("csrf", csrf.as_str()), ("news", "ja")],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "news: {}", a.status);
    // The party, and an invitation to the ambassadors (they wait in the outbox).
    let mut with_party = frivillig_sync_server::service::catalog::catalog(&server.state).await?;
    with_party.opportunities.push(crate::events::party());
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, with_party, "admin")
        .await?;
    let invited = frivillig_sync_server::service::invitations::send(
        &server.state,
        "frivilligfest",
        &frivillig_sync_server::service::invitations::Who::Ambassadors,
        "admin",
    )
    .await?;
    anyhow::ensure!(invited == 2, "ambassadors with an address: {invited}");
    // A story kept as a draft with its consents.
    let editor = frivillig_sync_server::service::catalog_edit::Editor {
        username: "admin".into(),
        sites: None,
    };
    let story = frivillig_common::domain::Story {
        id: "en-god-historie".into(),
        site_id: "bibliotek".into(),
        opportunity_id: None,
        title: "En god historie".into(),
        title_en: String::new(),
        body_md: "Om at læse højt.".into(),
        body_md_en: String::new(),
        photo: None,
        published_on: String::new(),
    };
    frivillig_sync_server::service::stories::save(
        &server.state,
        &editor,
        None,
        story,
        Vec::new(),
        true,
    )
    .await?;

    // The scheduler has reminded Bodil (it runs after each ingest that queued mail).
    let start = std::time::Instant::now();
    while server.state.store.queued_messages()? < 4
        || !server
            .state
            .store
            .messages(None, 100)?
            .iter()
            .any(|(_, m)| {
                m.message.kind == frivillig_sync_server::store::outbox::MessageKind::Reminder
            })
    {
        anyhow::ensure!(start.elapsed().as_secs() < 20, "no reminder was queued");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The shift moves an hour later: its holders are marked for follow-up.
    let moved = frivillig_tests::demo_catalog_with_shifts_in(&[("lektiecafe-tor", 4)]);
    frivillig_sync_server::service::catalog::replace_catalog(&server.state, moved, "admin").await?;
    // The scheduler tells them in one transaction with its reminders: once a notice is
    // queued, the outbox stands still for the backup.
    let start = std::time::Instant::now();
    while !server
        .state
        .store
        .messages(None, 100)?
        .iter()
        .any(|(_, m)| {
            m.message.kind == frivillig_sync_server::store::outbox::MessageKind::ShiftMoved
        })
    {
        anyhow::ensure!(start.elapsed().as_secs() < 20, "the move was not told");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/api/admin/backup", server.url()))
        .bearer_auth(&server.admin_token)
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "backup: {}", resp.status());
    let backup_path = dir.path().join("backup.redb");
    std::fs::write(&backup_path, resp.bytes().await?)?;
    let data_dir = server.data_dir.clone();
    server.stop().await;

    let held = rows_per_table(&data_dir.join("server.redb"))?;
    let unlisted: Vec<&str> = held
        .iter()
        .filter(|(name, _)| table_named(name).is_none())
        .map(|(name, _)| name.as_str())
        .collect();
    anyhow::ensure!(
        unlisted.is_empty(),
        "tables the schema does not list (no backup would hold them): {unlisted:?}"
    );
    let (summary, _) = frivillig_sync_server::backup::verify_backup(&backup_path)?;
    for table in ALL_TABLES {
        let rows = held
            .iter()
            .find(|(name, _)| name == table.name())
            .and_then(|(_, rows)| *rows)
            .ok_or_else(|| anyhow::anyhow!("the database lacks {}", table.name()))?;
        // Every table took part in the work above, so a backup that dropped one would show.
        anyhow::ensure!(
            rows > 0,
            "{} is empty: extend this test's work",
            table.name()
        );
        match table.in_backup() {
            InBackup::Copied => anyhow::ensure!(
                summary.rows_of(table.name()) == rows,
                "{}: {} rows in the database, {} in the backup",
                table.name(),
                rows,
                summary.rows_of(table.name())
            ),
            InBackup::LeftOut(_) => anyhow::ensure!(
                summary.rows.iter().all(|(name, _)| name != table.name()),
                "{} is left out of backups, yet the backup holds it",
                table.name()
            ),
        }
    }
    Ok(())
}

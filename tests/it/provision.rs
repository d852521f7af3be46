//! The operator's path end to end, through the real binary: `init` a data folder, start the
//! server on it, `enrol` a kiosk, let it sync, `revoke` it, and see it refused.
//!
//! The binary is `provision-proc`: `frivillig-provision`'s own source built as a binary of
//! this crate (cargo tells a test where a binary is only within one package, and these tests
//! need a real kiosk, which the operator's tool must not link).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{KioskConfig, KioskCore, SyncWorker, SystemClock};
use frivillig_tests::{TestServer, visitor_form, wait_status};

fn provision(args: &[&str]) -> anyhow::Result<(bool, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_provision-proc"))
        .args(args)
        .output()?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_enrol_sync_revoke() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let data_arg = data.to_str().unwrap_or_default();
    let (ok, out, err) = provision(&["init", "--data-dir", data_arg])?;
    anyhow::ensure!(ok, "init failed: {err}");
    let token = out
        .lines()
        .skip_while(|l| !l.contains("admin token"))
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_owned();
    anyhow::ensure!(token.len() == 64, "no admin token in: {out}");
    let password = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("adgangskode / password: "))
        .unwrap_or_default()
        .to_owned();
    anyhow::ensure!(password.len() >= 20, "no admin password in: {out}");
    anyhow::ensure!(
        out.contains("public signing key"),
        "the signing key is not reported: {out}"
    );
    let settings = std::fs::read_to_string(data.join("frivillig.toml"))?;
    let parsed: frivillig_sync_server::ServerConfig = toml::from_str(&settings)?;
    anyhow::ensure!(
        parsed.data_dir == data && settings.contains("# "),
        "settings file: {settings}"
    );
    let (ok, _, err) = provision(&["init", "--data-dir", data_arg])?;
    anyhow::ensure!(
        !ok && err.contains("refusing to overwrite"),
        "a second init must refuse: {err}"
    );
    std::fs::write(data.join("admin-token.txt"), &token)?;

    // The password is shown once, stored nowhere but as a hash, and opens the web app.
    for entry in std::fs::read_dir(&data)? {
        let path = entry?.path();
        if path.is_file() {
            let bytes = std::fs::read(&path)?;
            anyhow::ensure!(
                !bytes
                    .windows(password.len())
                    .any(|w| w == password.as_bytes()),
                "{} holds the admin password in the clear",
                path.display()
            );
        }
    }
    let server = TestServer::start(&data).await?;
    let url = server.url();
    let mut browser = frivillig_tests::Browser::new(&url)?;
    let login = browser.log_in("admin", &password).await?;
    anyhow::ensure!(
        login.status == 303,
        "the password from init does not log in: {}",
        login.status
    );
    let password_of = |out: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix("adgangskode / password: "))
            .unwrap_or_default()
            .to_owned()
    };
    let access = ["--server", url.as_str(), "--admin-token", token.as_str()];
    let with = |args: &[&'static str]| -> Vec<String> {
        args.iter()
            .chain(access.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let provision_with = |args: &[&'static str]| {
        let args = with(args);
        provision(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (ok, out, err) = provision_with(&[
        "account-add",
        "--username",
        "kim",
        "--name",
        "Kim Koordinator",
        "--site",
        "bibliotek",
    ])?;
    anyhow::ensure!(ok, "account-add: {err}");
    let first = password_of(&out);
    anyhow::ensure!(
        frivillig_tests::Browser::new(&url)?
            .log_in("kim", &first)
            .await?
            .status
            == 303
    );
    let (ok, _, err) = provision_with(&["account-add", "--username", "kim", "--name", "Kim"])?;
    anyhow::ensure!(
        !ok && err.contains("site"),
        "a coordinator without a site: {err}"
    );
    let (ok, out, err) = provision_with(&["account-password", "--username", "kim"])?;
    anyhow::ensure!(ok, "account-password: {err}");
    let second = password_of(&out);
    anyhow::ensure!(
        frivillig_tests::Browser::new(&url)?
            .log_in("kim", &first)
            .await?
            .status
            == 401
    );
    anyhow::ensure!(
        frivillig_tests::Browser::new(&url)?
            .log_in("kim", &second)
            .await?
            .status
            == 303
    );
    let (ok, _, err) = provision_with(&["account-disable", "--username", "kim"])?;
    anyhow::ensure!(ok, "account-disable: {err}");
    anyhow::ensure!(
        frivillig_tests::Browser::new(&url)?
            .log_in("kim", &second)
            .await?
            .status
            == 401
    );
    let (ok, out, _) = provision_with(&["accounts"])?;
    anyhow::ensure!(
        ok && out.contains("kim") && out.contains("spærret"),
        "accounts: {out}"
    );
    let config_path = dir.path().join("kiosk.toml");
    let kiosk_data = dir.path().join("kiosk");
    let (ok, _, err) = provision(&[
        "enrol",
        "--server",
        &url,
        "--admin-token",
        &token,
        "--kiosk-id",
        "bibliotek-1",
        "--site",
        "bibliotek",
        "--out",
        config_path.to_str().unwrap_or_default(),
        "--kiosk-data-dir",
        kiosk_data.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok, "enrol failed: {err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        anyhow::ensure!(
            std::fs::metadata(&config_path)?.permissions().mode() & 0o077 == 0,
            "config readable by others"
        );
    }
    let (ok, _, err) = provision(&[
        "enrol",
        "--server",
        &url,
        "--admin-token",
        "wrong",
        "--kiosk-id",
        "x",
        "--site",
        "s",
        "--out",
        "/nonexistent-dir/x.toml",
    ])?;
    anyhow::ensure!(!ok && err.contains("refused the admin token"), "{err}");

    let config = KioskConfig::load(&config_path)?;
    let core = KioskCore::open(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    core.submit_signup("hojtlaesning", None, &visitor_form("b", 1))
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    anyhow::ensure!(server.signups().await?.len() == 1);

    let (ok, out, err) = provision(&["list", "--server", &url, "--admin-token", &token])?;
    anyhow::ensure!(ok && out.contains("bibliotek-1"), "list: {out} {err}");
    let (ok, _, err) = provision(&[
        "revoke",
        "--server",
        &url,
        "--admin-token",
        &token,
        "--kiosk-id",
        "bibliotek-1",
    ])?;
    anyhow::ensure!(ok, "revoke failed: {err}");
    worker.sync_now();
    wait_status(&core, Duration::from_secs(20), |s| s.revoked).await?;
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_export_import_round_trip_and_refusals() -> anyhow::Result<()> {
    use frivillig_common::catalog_file::{catalog_to_toml, parse_catalog_toml};
    use frivillig_common::domain::{Opportunity, Requirements, Shift};

    let dir = tempfile::tempdir()?;
    let a = TestServer::start(&dir.path().join("a")).await?;
    let b = TestServer::start(&dir.path().join("b")).await?;
    let path = |name: &str| {
        dir.path()
            .join(name)
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };

    let (ok, _, err) = provision(&[
        "catalog-export",
        "--server",
        &a.url(),
        "--admin-token",
        &a.admin_token,
        "--out",
        &path("a.toml"),
    ])?;
    anyhow::ensure!(ok, "export: {err}");
    let (ok, _, err) = provision(&[
        "catalog-export",
        "--server",
        &a.url(),
        "--admin-token",
        &a.admin_token,
        "--out",
        &path("a.toml"),
    ])?;
    anyhow::ensure!(
        !ok && err.contains("not overwriting"),
        "export over a file: {err}"
    );

    // Municipal staff add a job with a shift, then import into a fresh server.
    let mut catalog = parse_catalog_toml(&std::fs::read_to_string(path("a.toml"))?)
        .map_err(|p| anyhow::anyhow!("{p:?}"))?;
    catalog.opportunities.push(Opportunity {
        id: "frivillig-fredag".into(),
        site_id: "kulturnat".into(),
        title: "Vært ved Frivillig Fredag".into(),
        title_en: "Host at Volunteer Friday".into(),
        theme: "fællesskab".into(),
        description_md: "Tag imod gæsterne og vis rundt.".into(),
        requirements: Requirements::default(),
        shifts: vec![Shift {
            id: "ff-1".into(),
            starts: "2027-09-24T16:00:00+02:00".into(),
            ends: "2027-09-24T19:00:00+02:00".into(),
            capacity: 10,
        }],
        ambassador_id: Some("amb-kultur".into()),
    });
    let edited = catalog_to_toml(&catalog)?;
    std::fs::write(path("edited.toml"), &edited)?;

    let enrol = b.enrol("kiosk-c", "kulturnat").await?;
    let config =
        frivillig_tests::kiosk_config(&b.url(), &enrol, "kulturnat", &dir.path().join("kiosk"));
    let core = KioskCore::open(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    anyhow::ensure!(
        core.catalog()
            .is_some_and(|c| c.opportunity("frivillig-fredag").is_none())
    );

    let (ok, _, err) = provision(&[
        "catalog-import",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        &path("edited.toml"),
    ])?;
    anyhow::ensure!(ok, "import: {err}");
    let (ok, _, err) = provision(&[
        "catalog-export",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        "--out",
        &path("b.toml"),
    ])?;
    anyhow::ensure!(ok, "export: {err}");
    anyhow::ensure!(
        std::fs::read_to_string(path("b.toml"))? == edited,
        "export after import differs"
    );

    // The kiosk gets the new job at its next sync.
    let mut seen = false;
    for _ in 0..100 {
        worker.sync_now();
        let mut rx = core.subscribe_status();
        let _ = tokio::time::timeout(Duration::from_millis(200), rx.changed()).await;
        if core
            .catalog()
            .is_some_and(|c| c.opportunity("frivillig-fredag").is_some())
        {
            seen = true;
            break;
        }
    }
    anyhow::ensure!(seen, "the kiosk never received the imported job");

    // A file with errors names file and line, and changes nothing.
    let broken = edited.replacen("site = \"kulturnat\"", "site = \"kulturhus\"", 1);
    let bad_line = broken
        .lines()
        .position(|l| l.contains("kulturhus"))
        .map(|i| i + 1)
        .unwrap_or(0);
    std::fs::write(path("broken.toml"), &broken)?;
    let (ok, _, err) = provision(&[
        "catalog-import",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        &path("broken.toml"),
    ])?;
    anyhow::ensure!(
        !ok && err.contains(&format!("broken.toml:{bad_line}: ")) && err.contains("unknown site"),
        "{err}"
    );
    // A consent text changed in place is refused: people accepted the old wording.
    let reworded = edited.replacen("Glostrup Kommune gemmer", "Kommunen gemmer", 1);
    std::fs::write(path("reworded.toml"), &reworded)?;
    let (ok, _, err) = provision(&[
        "catalog-import",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        &path("reworded.toml"),
    ])?;
    anyhow::ensure!(!ok && err.contains("consent version 1"), "{err}");
    let (ok, _, _) = provision(&[
        "catalog-export",
        "--server",
        &b.url(),
        "--admin-token",
        &b.admin_token,
        "--out",
        &path("b2.toml"),
    ])?;
    anyhow::ensure!(
        ok && std::fs::read_to_string(path("b2.toml"))? == edited,
        "a refused import changed the catalog"
    );

    worker.stop().await;
    core.shutdown().await;
    a.stop().await;
    b.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_signups_restores_everything_acknowledged_before_it()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-b", "bibliotek").await?;
    let config = frivillig_tests::kiosk_config(
        &server.url(),
        &enrol,
        "bibliotek",
        &dir.path().join("kiosk"),
    );
    let core = KioskCore::open(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;

    // A steady stream of signups while the backup is taken.
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let streamer = {
        let core = core.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                if stop_rx.try_recv().is_ok() {
                    return n;
                }
                if core
                    .submit_signup("hojtlaesning", None, &visitor_form("b", n))
                    .await
                    .is_ok()
                {
                    n += 1;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    wait_status(&core, Duration::from_secs(20), |s| {
        s.last_contact.is_some() && s.queued_signups < 1000
    })
    .await?;
    let mut ingests = server.state.ingest.committed.subscribe();
    let _ = tokio::time::timeout(Duration::from_secs(10), ingests.wait_for(|n| *n >= 3)).await;
    let before: Vec<String> = server
        .signups()
        .await?
        .into_iter()
        .map(|s| s.record.id)
        .collect();
    anyhow::ensure!(
        !before.is_empty(),
        "nothing was acknowledged before the backup"
    );
    let backup = dir.path().join("backup.redb");
    let (ok, out, err) = provision(&[
        "backup",
        "--server",
        &server.url(),
        "--admin-token",
        &server.admin_token,
        "--out",
        backup.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok, "backup failed: {err}");
    anyhow::ensure!(out.contains("signups"), "{out}");
    let _ = stop_tx.send(());
    let streamed = streamer.await?;
    anyhow::ensure!(
        streamed > before.len(),
        "signups did not keep coming during the backup"
    );

    // Restore into a new folder and start a server there.
    let restored_dir = dir.path().join("restored");
    let (ok, _, err) = provision(&[
        "restore",
        backup.to_str().unwrap_or_default(),
        "--data-dir",
        restored_dir.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok, "restore failed: {err}");
    let (ok, _, err) = provision(&[
        "restore",
        backup.to_str().unwrap_or_default(),
        "--data-dir",
        restored_dir.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(
        !ok && err.contains("exists already"),
        "a restore over a database must be refused: {err}"
    );
    std::fs::copy(
        server.data_dir.join("admin-token.txt"),
        restored_dir.join("admin-token.txt"),
    )?;
    let restored = TestServer::start(&restored_dir).await?;
    let after: std::collections::HashMap<String, bool> = restored
        .signups()
        .await?
        .into_iter()
        .map(|s| (s.record.id, s.person.is_some()))
        .collect();
    for id in &before {
        anyhow::ensure!(
            after.get(id) == Some(&true),
            "signup {id} acknowledged before the backup is missing or unopened"
        );
    }
    anyhow::ensure!(
        restored.state.keys.sealing.public().to_hex() == enrol.server_public_key,
        "the sealing key was not restored"
    );
    anyhow::ensure!(
        restored.state.keys.signing.public_hex() == enrol.server_signing_key,
        "the signing key was not restored: enrolled kiosks would refuse the catalog"
    );

    // A truncated backup is refused, and nothing is written.
    let bytes = std::fs::read(&backup)?;
    let truncated = dir.path().join("truncated.redb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2])?;
    let (ok, _, err) = provision(&["verify", truncated.to_str().unwrap_or_default()])?;
    anyhow::ensure!(!ok, "a truncated backup verified: {err}");
    let empty_dir = dir.path().join("never");
    let (ok, _, _) = provision(&[
        "restore",
        truncated.to_str().unwrap_or_default(),
        "--data-dir",
        empty_dir.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(
        !ok && !empty_dir.join("server.redb").exists(),
        "a truncated backup was restored"
    );

    worker.stop().await;
    core.shutdown().await;
    restored.stop().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_what_is_wrong() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let enrol = server.enrol("kiosk-d", "bibliotek").await?;
    let config = frivillig_tests::kiosk_config(
        &server.url(),
        &enrol,
        "bibliotek",
        &dir.path().join("kiosk"),
    );
    let good = dir.path().join("good.toml");
    config.save(&good)?;
    let (ok, out, err) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok && !out.contains("FEJL"), "a healthy kiosk: {out} {err}");

    let mut other_key = config.clone();
    other_key.server_public_key = frivillig_common::seal::SealingKeyPair::generate()
        .public()
        .to_hex();
    let wrong = dir.path().join("wrong-key.toml");
    other_key.save(&wrong)?;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        wrong.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("different key"), "{out}");

    let (ok, out, _) = provision(&[
        "doctor",
        "--data-dir",
        server.data_dir.to_str().unwrap_or_default(),
        "--server",
        &server.url(),
    ])?;
    anyhow::ensure!(ok && !out.contains("FEJL"), "a healthy server: {out}");

    server.revoke("kiosk-d").await?;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("revoked"), "{out}");

    let url = server.url();
    server.stop().await;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("cannot be reached"), "{out}");
    let (ok, out, _) = provision(&[
        "doctor",
        "--data-dir",
        dir.path().join("nowhere").to_str().unwrap_or_default(),
        "--server",
        &url,
    ])?;
    anyhow::ensure!(
        !ok && out.contains("cannot be read") && out.contains("does not answer"),
        "{out}"
    );
    std::fs::write(&good, "kiosk_id = \"x\"\n")?;
    let (ok, out, _) = provision(&[
        "doctor",
        "--kiosk-config",
        good.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(!ok && out.contains("good.toml"), "{out}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_enrolment_code_works_once_and_only_in_time() -> anyhow::Result<()> {
    use frivillig_kiosk::enrol::{RedeemError, redeem_code};
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let svg = dir.path().join("code.svg");
    let (ok, out, err) = provision(&[
        "enrol-code",
        "--server",
        &server.url(),
        "--admin-token",
        &server.admin_token,
        "--kiosk-id",
        "kulturnat-2",
        "--site",
        "kulturnat",
        "--svg",
        svg.to_str().unwrap_or_default(),
    ])?;
    anyhow::ensure!(ok, "enrol-code: {err}");
    let code = out
        .lines()
        .find_map(|l| l.split("kulturnat-2: ").nth(1))
        .map(str::trim)
        .ok_or_else(|| anyhow::anyhow!("no code in {out}"))?
        .to_owned();
    anyhow::ensure!(
        std::fs::read_to_string(&svg)?.starts_with("<?xml"),
        "no SVG written"
    );
    anyhow::ensure!(
        out.contains('█') || out.contains('▀'),
        "no QR code in the terminal"
    );

    // Typed on the kiosk, in lower case with spaces: accepted once.
    let typed = code.to_lowercase().replace('-', " ");
    let config_path = dir.path().join("kiosk.toml");
    let config = redeem_code(
        &server.url(),
        &typed,
        &dir.path().join("kiosk"),
        &config_path,
    )
    .await?;
    anyhow::ensure!(config.kiosk_id == "kulturnat-2" && config.site_id == "kulturnat");
    let core = KioskCore::open(KioskConfig::load(&config_path)?, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    worker.stop().await;
    core.shutdown().await;

    let again = redeem_code(
        &server.url(),
        &code,
        &dir.path().join("k2"),
        &dir.path().join("k2.toml"),
    )
    .await;
    anyhow::ensure!(
        matches!(&again, Err(RedeemError::Refused(m)) if m.contains("used")),
        "second use: {again:?}"
    );
    let (_, expired) = server
        .admin_post(
            "/api/admin/enrol-codes",
            &serde_json::json!({"kiosk_id": "late", "site_id": "bibliotek", "valid_seconds": 0}),
        )
        .await?;
    let expired = expired["code"].as_str().unwrap_or_default().to_owned();
    let late = redeem_code(
        &server.url(),
        &expired,
        &dir.path().join("k3"),
        &dir.path().join("k3.toml"),
    )
    .await;
    anyhow::ensure!(
        matches!(&late, Err(RedeemError::Refused(m)) if m.contains("expired")),
        "expired: {late:?}"
    );
    let guessed = redeem_code(
        &server.url(),
        "AAAA-BBBB-CCCC",
        &dir.path().join("k4"),
        &dir.path().join("k4.toml"),
    )
    .await;
    anyhow::ensure!(
        matches!(&guessed, Err(RedeemError::Refused(m)) if m.contains("does not exist")),
        "guess: {guessed:?}"
    );
    anyhow::ensure!(
        !dir.path().join("k4.toml").exists(),
        "a refused code wrote a config"
    );

    // Guessing is limited per address: within a minute the 11th attempt is refused outright.
    let mut limited = false;
    for i in 0..10 {
        let r = redeem_code(
            &server.url(),
            &format!("ZZZZ-ZZZZ-ZZ{i:02}"),
            &dir.path().join("g"),
            &dir.path().join("g.toml"),
        )
        .await;
        if matches!(r, Err(RedeemError::TooMany)) {
            limited = true;
            break;
        }
    }
    anyhow::ensure!(limited, "no rate limit on guesses");
    // 31 letters, 12 of them: even 10 guesses a minute for a code's whole 15 minutes, against
    // 100 live codes, succeed with odds below one in a billion.
    let odds = 10.0 * 15.0 * 100.0 / 31f64.powi(12);
    anyhow::ensure!(odds < 1e-9, "codes are too short: {odds}");
    server.stop().await;
    Ok(())
}

/// Decode every QR code in a PNG file.
fn decode_png(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path)?));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf)?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels * (info.bit_depth as usize / 8).max(1);
        if channels >= 3 {
            ((buf[i] as u32 + buf[i + 1] as u32 + buf[i + 2] as u32) / 3) as u8
        } else {
            buf[i]
        }
    });
    Ok(img
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poster_qr_codes_decode_to_the_signup_pages() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    let out = dir.path().join("print");
    let (ok, _, err) = provision(&[
        "posters",
        "--server",
        &server.url(),
        "--admin-token",
        &server.admin_token,
        "--out-dir",
        out.to_str().unwrap_or_default(),
        "--public-url",
        "https://frivillig.glostrup.dk",
        "--cards-for-site",
        "kulturnat",
    ])?;
    anyhow::ensure!(ok, "posters: {err}");
    let render_pdf = |name: &str| -> anyhow::Result<std::path::PathBuf> {
        let prefix = dir.path().join(name);
        let st = Command::new("pdftoppm")
            .args(["-r", "100", "-png", "-singlefile"])
            .arg(out.join(format!("{name}.pdf")))
            .arg(&prefix)
            .status()?;
        anyhow::ensure!(st.success(), "pdftoppm failed on {name}.pdf");
        Ok(prefix.with_extension("png"))
    };
    let render_svg = |name: &str| -> anyhow::Result<std::path::PathBuf> {
        let png = dir.path().join(format!("{name}-svg.png"));
        let st = Command::new("rsvg-convert")
            .args(["-w", "900", "-b", "white", "-o"])
            .arg(&png)
            .arg(out.join(format!("{name}.svg")))
            .status()?;
        anyhow::ensure!(st.success(), "rsvg-convert failed on {name}.svg");
        Ok(png)
    };
    for job in ["gaatur", "lektiecafe", "kulturnat-info"] {
        let want = format!("https://frivillig.glostrup.dk/frivilligjob/{job}");
        for png in [
            render_pdf(&format!("plakat-{job}"))?,
            render_svg(&format!("plakat-{job}"))?,
        ] {
            let found = decode_png(&png)?;
            anyhow::ensure!(
                found == vec![want.clone()],
                "{}: decoded {found:?}",
                png.display()
            );
        }
    }
    let mut cards = decode_png(&render_pdf("bordkort-kulturnat")?)?;
    cards.sort();
    anyhow::ensure!(
        cards
            == vec![
                "https://frivillig.glostrup.dk/frivilligjob/kulturnat-info".to_owned(),
                "https://frivillig.glostrup.dk/frivilligjob/kulturnat-oprydning".to_owned()
            ],
        "table cards decoded {cards:?}"
    );
    let (ok, _, err) = provision(&[
        "posters",
        "--server",
        &server.url(),
        "--admin-token",
        &server.admin_token,
        "--out-dir",
        out.to_str().unwrap_or_default(),
        "--opportunity",
        "gaatur",
    ])?;
    anyhow::ensure!(!ok && err.contains("not overwriting"), "{err}");
    server.stop().await;
    Ok(())
}

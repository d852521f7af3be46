//! `init`, enrolment by the admin token and by a one-time code, sync, revocation.

use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{KioskConfig, KioskCore, SyncWorker, SystemClock};
use frivillig_tests::{TestServer, visitor_form, wait_status};

use super::provision;

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

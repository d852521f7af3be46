//! The operator's path end to end, through the real binary: `init` a data folder, start the
//! server on it, `enrol` a kiosk, let it sync, `revoke` it, and see it refused.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use frivillig_kiosk::{KioskConfig, KioskCore, SyncWorker, SystemClock};
use frivillig_tests::{TestServer, visitor_form, wait_status};

fn provision(args: &[&str]) -> anyhow::Result<(bool, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_frivillig-provision"))
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
    let (ok, _, err) = provision(&["init", "--data-dir", data_arg])?;
    anyhow::ensure!(
        !ok && err.contains("refusing to overwrite"),
        "a second init must refuse: {err}"
    );
    std::fs::write(data.join("admin-token.txt"), &token)?;

    let server = TestServer::start(&data).await?;
    let url = server.url();
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

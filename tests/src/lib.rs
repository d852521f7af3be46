//! Helpers for Frivillig's whole-system tests and load generator: a real server on its own
//! runtime thread (so a test can stop it like a power cut and start it again on the same
//! data folder and port), enrolment through the real admin API, and kiosk cores on
//! temporary redb files.

pub mod bench;
mod browser;
pub mod fuzz;
pub mod powercut;
mod server;
pub mod smtp;
mod visitors;
pub mod webdriver;

pub use bench::{Stats, bench_args, bench_setup, cpu_seconds, ms, replace_section, rss_mib, stats};
pub use browser::{Answer, Browser, web_signup};
pub use server::{
    Proc, TestServer, all_signups, bind, enrol_at, start_server_process, start_server_process_with,
};
pub use visitors::{FIRST_NAMES, SURNAMES, realistic_visitor, sealed_person, visitor_form};

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use frivillig_common::api::EnrolResponse;
use frivillig_kiosk::{Clock, KioskConfig, KioskCore, SyncStatus};

/// Open a kiosk core, sync until it holds nothing unacknowledged, and close it: how the
/// fault tests let a kiosk deliver what it kept.
pub async fn deliver_all(config: KioskConfig, timeout: Duration) -> anyhow::Result<()> {
    let core = open_kiosk(config, Arc::new(frivillig_kiosk::SystemClock)).await?;
    let worker = frivillig_kiosk::SyncWorker::start(&core);
    wait_status(&core, timeout, |s| s.online && s.queued_signups == 0).await?;
    worker.stop().await;
    core.shutdown().await;
    Ok(())
}

/// A real kiosk at `site` takes a signup for `job` while its sync is stopped; an admin then
/// removes the job from the catalog, and the kiosk syncs: the server refuses the signup (a
/// job that is not in the catalog) and tells the kiosk. Returns the kiosk's status once it
/// knows, and the signup's id. The kiosk is shut down afterwards.
pub async fn signup_for_a_removed_job(
    server: &TestServer,
    enrol: &EnrolResponse,
    site: &str,
    job: &str,
    data_dir: &Path,
) -> anyhow::Result<(SyncStatus, String)> {
    let config = kiosk_config(&server.url(), enrol, site, data_dir);
    let core = open_kiosk(config, Arc::new(frivillig_kiosk::SystemClock)).await?;
    let worker = frivillig_kiosk::SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    worker.stop().await;
    let receipt = core
        .submit_signup(job, None, &visitor_form("fjernet", 0))
        .await?;
    let mut catalog = frivillig_sync_server::service::catalog::catalog(&server.state).await?;
    catalog.opportunities.retain(|o| o.id != job);
    let (code, body) = server
        .admin_put("/api/admin/catalog", &serde_json::to_value(&catalog)?)
        .await?;
    anyhow::ensure!(code == 200, "catalog: {code} {body}");
    let worker = frivillig_kiosk::SyncWorker::start(&core);
    let status = wait_status(&core, Duration::from_secs(30), |s| !s.refused.is_empty()).await?;
    worker.stop().await;
    core.shutdown().await;
    Ok((status, receipt.signup_id))
}

/// The demo catalog as a server starting today has it, with each of `shifts` (id, hours
/// from now) starting then, for two hours, in Danish winter time: tests of what depends on
/// the clock (reminders, past shifts) must not depend on the day they run.
pub fn demo_catalog_with_shifts_in(shifts: &[(&str, i64)]) -> frivillig_common::domain::Catalog {
    let mut catalog = demo_catalog_today();
    use chrono::SubsecRound as _;
    let zone = chrono::FixedOffset::east_opt(3600).expect("+01:00 is an offset");
    let base = chrono::Utc::now().with_timezone(&zone).trunc_subsecs(0);
    for o in &mut catalog.opportunities {
        for s in &mut o.shifts {
            if let Some((_, hours)) = shifts.iter().find(|(id, _)| *id == s.id) {
                let starts = base + chrono::Duration::hours(*hours);
                s.starts = starts.to_rfc3339();
                s.ends = (starts + chrono::Duration::hours(2)).to_rfc3339();
            }
        }
    }
    catalog
}

/// A coordinator account for the library only, on `server`: its user name and password.
pub fn library_coordinator(server: &TestServer) -> anyhow::Result<(&'static str, &'static str)> {
    let (user, password) = ("lise", "bibliotek-koordinator-2026");
    server.state.store.add_account(
        user,
        "Lise Bibliotek",
        password,
        frivillig_sync_server::service::accounts::Role::Coordinator,
        vec!["bibliotek".into()],
    )?;
    Ok((user, password))
}

/// The demo catalog a server first started today holds (its shifts are all ahead).
pub fn demo_catalog_today() -> frivillig_common::domain::Catalog {
    frivillig_common::catalog::demo_catalog_from(
        frivillig_common::offer::glostrup_now().date_naive(),
    )
}

/// Today's date by the real clock (`YYYY-MM-DD`, UTC): the server refuses journal days and
/// signup times far from its own clock, so tests that write them by hand use this.
pub fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// Now by the real clock, as a kiosk writes a time (RFC 3339, milliseconds, UTC).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A kiosk configuration for an enrolment.
pub fn kiosk_config(
    server_url: &str,
    enrol: &EnrolResponse,
    site_id: &str,
    data_dir: &Path,
) -> KioskConfig {
    KioskConfig::from_enrolment(server_url, enrol.clone(), site_id, data_dir.to_owned())
}

/// Open a kiosk core.
pub async fn open_kiosk(config: KioskConfig, clock: Arc<dyn Clock>) -> anyhow::Result<KioskCore> {
    Ok(KioskCore::open(config, clock).await?)
}

/// Wait until the kiosk's sync status satisfies `pred`, or fail after `timeout` with the
/// last status seen.
pub async fn wait_status(
    core: &KioskCore,
    timeout: Duration,
    mut pred: impl FnMut(&SyncStatus) -> bool,
) -> anyhow::Result<SyncStatus> {
    let mut rx = core.subscribe_status();
    let result = tokio::time::timeout(timeout, rx.wait_for(|s| pred(s))).await;
    match result {
        Ok(Ok(s)) => Ok(s.clone()),
        _ => Err(anyhow!("timed out; last status: {:?}", core.status())),
    }
}

/// Enrol a kiosk at `server`, open its core in `dir` and start its sync worker, once it is
/// online: the start of most whole-system tests.
pub async fn synced_kiosk(
    server: &TestServer,
    kiosk_id: &str,
    site_id: &str,
    dir: &Path,
) -> anyhow::Result<(KioskCore, frivillig_kiosk::SyncWorker)> {
    let enrol = server.enrol(kiosk_id, site_id).await?;
    let core = open_kiosk(
        kiosk_config(&server.url(), &enrol, site_id, dir),
        Arc::new(frivillig_kiosk::SystemClock),
    )
    .await?;
    let worker = frivillig_kiosk::SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    Ok((core, worker))
}

/// Read until the server closes the socket (or a bounded time passes).
pub async fn closed_by_server(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> bool {
    use futures::StreamExt as _;
    use tokio_tungstenite::tungstenite::Message;
    let r = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Close(_)) | Err(_) => return true,
                Ok(_) => {}
            }
        }
        true
    })
    .await;
    matches!(r, Ok(true))
}

/// Sign `b` in to Min side as `email`, through the link the server queued (its outbox holds
/// the message whether or not a mail server took it).
pub async fn sign_in_to_min_side(
    server: &TestServer,
    b: &mut Browser,
    email: &str,
) -> anyhow::Result<()> {
    let a = b.post("/min-side/link", &[("email", email)]).await?;
    anyhow::ensure!(a.status == 200, "link: {} {}", a.status, a.text());
    let link = server
        .state
        .store
        .messages(None, 100)?
        .into_iter()
        .filter(|(_, m)| m.message.to == email)
        .find_map(|(_, m)| {
            m.message
                .body
                .lines()
                .find(|l| l.contains("/min-side/ind/"))
                .map(|l| l.trim().to_owned())
        })
        .ok_or_else(|| anyhow::anyhow!("no sign-in link queued"))?;
    let path = &link[link.find("/min-side/").unwrap_or(0)..];
    let nonce = b
        .get(path)
        .await?
        .field("nonce")
        .ok_or_else(|| anyhow::anyhow!("no sign-in button"))?;
    let a = b.post(path, &[("nonce", nonce.as_str())]).await?;
    anyhow::ensure!(a.status == 303, "sign-in: {} {}", a.status, a.text());
    Ok(())
}

/// Start the `kiosk-burst` process at `exe` (its path is known to integration tests only)
/// with `args` and `env`; every signup it confirms (`SAVED <id>` on its stdout) goes to
/// `saved`. Killed when the handle is dropped.
pub fn spawn_burst(
    exe: &str,
    args: &[&str],
    env: &[(&str, String)],
    saved: tokio::sync::mpsc::UnboundedSender<String>,
) -> anyhow::Result<tokio::process::Child> {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = tokio::process::Command::new(exe)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(id) = line.strip_prefix("SAVED ") {
                let _ = saved.send(id.to_owned());
            }
        }
    });
    Ok(child)
}

/// A bare samod repository that speaks as the device in `config`, with samod's default
/// (permissive) policy on its side: a kiosk written by hand, to probe what the server lets
/// through.
pub async fn probe_repo(
    config: &KioskConfig,
) -> anyhow::Result<(
    samod::Repo,
    samod::DialerHandle<frivillig_kiosk::sync::WsError>,
)> {
    let repo = samod::Repo::build_tokio()
        .with_peer_id(frivillig_common::sync::kiosk_peer_id(&config.kiosk_id))
        .load()
        .await;
    let dialer = repo.dial(
        samod::BackoffConfig::default(),
        Arc::new(frivillig_kiosk::sync::WsDialer::new(config)?),
    )?;
    tokio::time::timeout(Duration::from_secs(10), dialer.established())
        .await?
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok((repo, dialer))
}

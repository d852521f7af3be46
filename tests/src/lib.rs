//! Helpers for Frivillig's whole-system tests and load generator: a real server on its own
//! runtime thread (so a test can stop it like a power cut and start it again on the same
//! data folder and port), enrolment through the real admin API, and kiosk cores on
//! temporary redb files.

pub mod fuzz;
pub mod powercut;
pub mod smtp;
pub mod webdriver;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use frivillig_common::api::{EnrolRequest, EnrolResponse, SignupPage, SignupView};
use frivillig_common::domain::SignupForm;
use frivillig_kiosk::{Clock, KioskConfig, KioskCore, SyncStatus};
use frivillig_sync_server::{AppState, Server, ServerConfig, run};

/// A server running on its own thread and runtime.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its admin credential.
    pub admin_token: String,
    /// The password of the first admin account (`admin`) of the web app; empty if the data
    /// folder was set up by something else (e.g. `frivillig-provision init`).
    pub admin_password: String,
    /// Its data folder.
    pub data_dir: PathBuf,
    /// Its state, for tests that look inside.
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    http: reqwest::Client,
    /// Where this helper's own requests go (over TLS: the pinned name, see
    /// `frivillig_common::tls::client_base`).
    base: String,
}

/// A listener on 127.0.0.1:`port` (0: any free port).
pub fn bind(port: u16) -> std::io::Result<std::net::TcpListener> {
    // SO_REUSEADDR so a restarted server gets the same port back at once, as kiosks expect.
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    let listener = socket.listen(1024)?;
    listener.into_std()
}

impl TestServer {
    /// Start on a free port.
    pub async fn start(data_dir: &Path) -> anyhow::Result<TestServer> {
        Self::start_on(data_dir, 0).await
    }

    /// Start on `port` (0: any free one).
    pub async fn start_on(data_dir: &Path, port: u16) -> anyhow::Result<TestServer> {
        Self::start_with(data_dir, port, |_| {}).await
    }

    /// Start on `port` with settings changed by `adjust` (e.g. small limits for a test).
    pub async fn start_with(
        data_dir: &Path,
        port: u16,
        adjust: impl FnOnce(&mut ServerConfig) + Send + 'static,
    ) -> anyhow::Result<TestServer> {
        Self::start_on_storage(data_dir, port, adjust, None).await
    }

    /// Start with its database on a simulated disk (`crate::powercut`).
    pub async fn start_on_disk(
        data_dir: &Path,
        adjust: impl FnOnce(&mut ServerConfig) + Send + 'static,
        disk: crate::powercut::PowerCutDisk,
    ) -> anyhow::Result<TestServer> {
        let storage = frivillig_common::storage::RedbStorage::with_backend(disk)?;
        Self::start_on_storage(data_dir, 0, adjust, Some(storage)).await
    }

    /// Start with its database on `storage` (e.g. a simulated disk) when given.
    pub async fn start_on_storage(
        data_dir: &Path,
        port: u16,
        adjust: impl FnOnce(&mut ServerConfig) + Send + 'static,
        storage: Option<frivillig_common::storage::RedbStorage>,
    ) -> anyhow::Result<TestServer> {
        let data_dir = data_dir.to_owned();
        let dir = data_dir.clone();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(anyhow!(e)));
                    return;
                }
            };
            rt.block_on(async move {
                let started = async {
                    let std_listener = {
                        // Binding needs a runtime context for the tokio socket.
                        bind(port)?
                    };
                    std_listener.set_nonblocking(true)?;
                    let listener = tokio::net::TcpListener::from_std(std_listener)?;
                    let addr = listener.local_addr()?;
                    let mut config = ServerConfig {
                        listen: addr,
                        data_dir: dir.clone(),
                        public_url: format!("http://{addr}"),
                        ..ServerConfig::default()
                    };
                    adjust(&mut config);
                    let server = match storage {
                        Some(storage) => Server::open_on(config, storage).await?,
                        None => Server::open(config).await?,
                    };
                    let token_file = dir.join("admin-token.txt");
                    let token = match &server.new_admin_token {
                        Some(t) => {
                            std::fs::write(&token_file, t)?;
                            t.clone()
                        }
                        None => std::fs::read_to_string(&token_file)?.trim().to_owned(),
                    };
                    let password_file = dir.join("admin-password.txt");
                    let password = match &server.new_admin_password {
                        Some(p) => {
                            // The same shape as the server binary's file: user, then password.
                            std::fs::write(&password_file, format!("admin\n{p}\n"))?;
                            p.clone()
                        }
                        // A data folder made by `init` shows the password once and keeps no
                        // file; tests of it read the password from init's output.
                        None => std::fs::read_to_string(&password_file)
                            .ok()
                            .and_then(|t| t.lines().nth(1).map(|p| p.trim().to_owned()))
                            .unwrap_or_default(),
                    };
                    anyhow::Ok((listener, addr, server, (token, password)))
                };
                match started.await {
                    Ok((listener, addr, server, token)) => {
                        let state = server.state.clone();
                        let _ = ready_tx.send(Ok((addr, token, state)));
                        let _ = run(listener, server.state, async {
                            let _ = shutdown_rx.await;
                        })
                        .await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
            rt.shutdown_timeout(Duration::from_secs(5));
        });
        let (addr, (admin_token, admin_password), state) =
            ready_rx.await.context("server thread ended")??;
        let pin = state.tls.as_ref().map(|t| t.fingerprint.clone());
        let url = match pin {
            Some(_) => format!("https://{addr}"),
            None => format!("http://{addr}"),
        };
        let (http, base) =
            frivillig_common::tls::http_client(&url, pin.as_deref(), reqwest::Client::builder())?;
        Ok(TestServer {
            addr,
            admin_token,
            admin_password,
            data_dir,
            state,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
            http,
            base,
        })
    }

    /// Base URL (https when the server serves TLS).
    pub fn url(&self) -> String {
        match self.state.tls {
            Some(_) => format!("https://{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// The CA fingerprint kiosks pin, when the server serves TLS.
    pub fn ca_fingerprint(&self) -> Option<String> {
        self.state.tls.as_ref().map(|t| t.fingerprint.clone())
    }

    /// Stop it and wait until its runtime (and database) is gone.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let thread = self.thread.take();
        drop(self.state);
        if let Some(t) = thread {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }

    /// Enrol a kiosk through the admin API.
    pub async fn enrol(&self, kiosk_id: &str, site_id: &str) -> anyhow::Result<EnrolResponse> {
        enrol_at(&self.http, &self.base, &self.admin_token, kiosk_id, site_id).await
    }

    /// Revoke a kiosk through the admin API.
    pub async fn revoke(&self, kiosk_id: &str) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!("{}/api/admin/kiosks/{kiosk_id}/revoke", self.base))
            .bearer_auth(&self.admin_token)
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "revoke: {}", resp.status());
        Ok(())
    }

    /// Every signup the server holds, through the admin API.
    pub async fn signups(&self) -> anyhow::Result<Vec<SignupView>> {
        all_signups(&self.http, &self.base, &self.admin_token).await
    }

    /// A GET with the admin credential, as JSON.
    pub async fn admin_get(&self, path: &str) -> anyhow::Result<(u16, serde_json::Value)> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.admin_token)
            .send()
            .await?;
        let code = resp.status().as_u16();
        Ok((code, resp.json().await.unwrap_or(serde_json::Value::Null)))
    }

    /// A POST with the admin credential, as JSON.
    pub async fn admin_post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        self.admin_send(reqwest::Method::POST, path, body).await
    }

    /// A PUT with the admin credential, as JSON.
    pub async fn admin_put(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        self.admin_send(reqwest::Method::PUT, path, body).await
    }

    async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.admin_token)
            .json(body)
            .send()
            .await?;
        let code = resp.status().as_u16();
        Ok((code, resp.json().await.unwrap_or(serde_json::Value::Null)))
    }
}

/// A running child process (killed if dropped).
pub struct Proc {
    /// The process.
    pub child: tokio::process::Child,
}

/// Start the server as a process of its own (`exe`: the `server-proc` binary, which
/// integration tests name with `env!("CARGO_BIN_EXE_server-proc")`) on `port` with its
/// data in `data`, and wait until it listens. Its admin token and the admin password are
/// in `admin-token.txt` and `admin-password.txt` there.
pub async fn start_server_process(exe: &str, data: &Path, port: u16) -> anyhow::Result<Proc> {
    start_server_process_with(exe, data, port, &[]).await
}

/// [`start_server_process`] with environment variables `env` set for it.
pub async fn start_server_process_with(
    exe: &str,
    data: &Path,
    port: u16,
    env: &[(&str, &str)],
) -> anyhow::Result<Proc> {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = tokio::process::Command::new(exe)
        .args([data.to_str().unwrap_or_default(), &port.to_string()])
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await? {
            if line == "READY" {
                return anyhow::Ok(true);
            }
        }
        anyhow::Ok(false)
    })
    .await??;
    anyhow::ensure!(ready, "the server process ended before it was ready");
    // Keep reading so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Proc { child })
}

/// Enrol kiosk `kiosk_id` at site `site_id` through the admin API of the server at `url`.
pub async fn enrol_at(
    http: &reqwest::Client,
    url: &str,
    admin_token: &str,
    kiosk_id: &str,
    site_id: &str,
) -> anyhow::Result<EnrolResponse> {
    let resp = http
        .post(format!("{url}/api/admin/kiosks"))
        .bearer_auth(admin_token)
        .json(&EnrolRequest {
            kiosk_id: kiosk_id.into(),
            site_id: site_id.into(),
            bench: false,
        })
        .send()
        .await?;
    anyhow::ensure!(resp.status().is_success(), "enrol: {}", resp.status());
    Ok(resp.json().await?)
}

/// Every signup a server at `url` holds, through its admin API, page by page.
pub async fn all_signups(
    http: &reqwest::Client,
    url: &str,
    admin_token: &str,
) -> anyhow::Result<Vec<SignupView>> {
    let mut out = Vec::new();
    loop {
        let page: SignupPage = http
            .get(format!(
                "{url}/api/admin/signups?offset={}&limit=1000",
                out.len()
            ))
            .bearer_auth(admin_token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let n = page.signups.len();
        out.extend(page.signups);
        if n == 0 || out.len() as u64 >= page.total {
            return Ok(out);
        }
    }
}

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
    let mut catalog = frivillig_common::catalog::demo_catalog();
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

/// A portal signup for the homework café, through the public form.
pub async fn web_signup(b: &mut Browser, name: &str, email: &str) -> anyhow::Result<()> {
    let page = b.get("/frivilligjob/lektiecafe").await?;
    let csrf = page
        .field("csrf")
        .ok_or_else(|| anyhow::anyhow!("no csrf on the job page"))?;
    let a = b
        .post(
            "/frivilligjob/lektiecafe/tilmeld",
            &[
                ("csrf", csrf.as_str()),
                ("shift", "lektiecafe-tor"),
                ("name", name),
                ("phone", ""),
                ("email", email),
                ("age", "ja"),
                ("note", ""),
                ("consent", "ja"),
            ],
        )
        .await?;
    anyhow::ensure!(a.status == 303, "web signup: {} {}", a.status, a.text());
    Ok(())
}

/// The demo catalog with each of `shifts` (id, hours from now) starting then, for two
/// hours, in Danish winter time: the demo's dates are fixed, and tests of what depends on
/// the clock (reminders, past shifts) must not depend on the day they run.
pub fn demo_catalog_with_shifts_in(shifts: &[(&str, i64)]) -> frivillig_common::domain::Catalog {
    let mut catalog = frivillig_common::catalog::demo_catalog();
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

/// A valid form for visitor number `i` of kiosk `kiosk`, with distinctive personal data.
pub fn visitor_form(kiosk: &str, i: usize) -> SignupForm {
    SignupForm {
        name: format!("Åse Frivillig-{kiosk}-{i}"),
        phone: format!("{:08}", 20_000_000 + i),
        email: format!("aase.{kiosk}.{i}@example.dk"),
        age_confirmed: true,
        note: String::new(),
        consent_given: true,
        lang: frivillig_common::text::Lang::Da,
    }
}

/// First names common in Denmark, for [`realistic_visitor`] and the benchmarks.
pub const FIRST_NAMES: &[&str] = &[
    "Anne", "Kirsten", "Mette", "Hanne", "Helle", "Susanne", "Lene", "Camilla", "Ida", "Emma",
    "Sofie", "Freja", "Karen", "Inge", "Birgit", "Bente", "Åse", "Maja", "Peter", "Jens", "Lars",
    "Michael", "Henrik", "Søren", "Thomas", "Niels", "Rasmus", "Jesper", "Morten", "Ole", "Hans",
    "Anders", "Mads", "Frederik", "Mikkel", "Jørgen", "Poul", "Ahmed", "Fatima", "Mohammad",
    "Zeynep", "Ali", "Noah", "Oliver", "William", "Karl", "Aksel", "Lærke",
];

/// Surnames common in Denmark, for [`realistic_visitor`] and the benchmarks.
pub const SURNAMES: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Karlsen",
    "Yilmaz",
    "Hussein",
    "Frederiksen",
    "Lund",
    "Holm",
    "Schmidt",
    "Eriksen",
    "Kristiansen",
    "Simonsen",
    "Clausen",
    "Svendsen",
    "Andreasen",
    "Iversen",
    "Østergaard",
    "Jeppesen",
    "Vestergaard",
    "Nissen",
    "Lauridsen",
    "Kjær",
    "Dahl",
    "Bach",
];

/// Where Danes' private e-mail lives, most common first (the first ones drawn more often).
const MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "hotmail.com",
    "outlook.dk",
    "live.dk",
    "yahoo.dk",
    "icloud.com",
    "mail.dk",
    "hotmail.dk",
    "jubii.dk",
    "youmail.dk",
    "stofanet.dk",
    "privat.dk",
];

/// Notes a visitor might leave the coordinator.
const NOTES: &[&str] = &[
    "Kan kun om aftenen",
    "Har erfaring fra spejderne",
    "Vil gerne være sammen med min nabo",
    "Kan ikke løfte tungt",
    "Taler også arabisk",
    "Har bil og kan køre",
    "Først efter sommerferien",
];

/// A valid form with personal data drawn the way real visitors' differs: Danish names,
/// e-mail in one of a few common shapes at common providers, random phone numbers, some
/// without phone or e-mail, a few with a note. The benchmarks' bytes-on-the-wire floor is
/// the JSON+zstd size of the same signups, so formulaic data ([`visitor_form`], which only
/// a counter tells apart) would make the clear-text floor unrealistically small: real names
/// do not compress to a few bytes.
pub fn realistic_visitor(rng: &mut impl rand::Rng) -> SignupForm {
    let pick = |rng: &mut dyn rand::RngCore, list: &[&'static str]| -> &'static str {
        // Skewed towards the front: common names and providers are common.
        let a = rng.next_u32() as usize % list.len();
        let b = rng.next_u32() as usize % list.len();
        list[a.min(b)]
    };
    let first = pick(rng, FIRST_NAMES);
    let last = pick(rng, SURNAMES);
    let middle = if rng.gen_bool(0.3) {
        Some(pick(rng, SURNAMES))
    } else {
        None
    };
    let name = match middle {
        Some(m) => format!("{first} {m} {last}"),
        None => format!("{first} {last}"),
    };
    let ascii = |s: &str| {
        s.to_lowercase()
            .replace('æ', "ae")
            .replace('ø', "oe")
            .replace('å', "aa")
    };
    let (f, l) = (ascii(first), ascii(last));
    let local = match rng.gen_range(0..5) {
        0 => format!("{f}.{l}"),
        1 => format!("{f}{l}{}", rng.gen_range(1..100)),
        2 => format!(
            "{}{}{}",
            &f[..1],
            &l[..l.len().min(4)],
            rng.gen_range(1950..2010)
        ),
        3 => format!("{f}_{}", rng.gen_range(1..1000)),
        _ => format!("{f}{}", &l[..1]),
    };
    let domain = pick(rng, MAIL_DOMAINS);
    let (phone, email) = match rng.gen_range(0..10) {
        0 => (String::new(), format!("{local}@{domain}")),
        1 => (
            format!("{}", rng.gen_range(20_000_000..99_999_999u32)),
            String::new(),
        ),
        _ => (
            format!("{}", rng.gen_range(20_000_000..99_999_999u32)),
            format!("{local}@{domain}"),
        ),
    };
    let note = if rng.gen_bool(0.1) {
        NOTES[rng.gen_range(0..NOTES.len())].to_owned()
    } else {
        String::new()
    };
    SignupForm {
        name,
        phone,
        email,
        age_confirmed: true,
        note,
        consent_given: true,
        lang: frivillig_common::text::Lang::Da,
    }
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

/// Order statistics of a set of timings.
pub struct Stats {
    /// Median.
    pub median: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Fastest.
    pub min: Duration,
    /// Slowest.
    pub max: Duration,
}

/// Median, p99, min and max of a non-empty set of timings.
pub fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        p99: at(0.99),
        min: v[0],
        max: v[v.len() - 1],
    }
}

/// The benchmark binaries' arguments: `--out PATH` (default `BENCHMARKS.md`) and
/// `--signups N` (default `default_signups`).
pub fn bench_args(default_signups: usize) -> anyhow::Result<(PathBuf, usize)> {
    let mut out = PathBuf::from("BENCHMARKS.md");
    let mut signups = default_signups;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().context("--out PATH")?.into(),
            "--signups" => signups = args.next().context("--signups N")?.parse()?,
            other => anyhow::bail!("unknown argument {other}; use --out, --signups"),
        }
    }
    Ok((out, signups))
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

/// A duration in milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// A web client that keeps cookies like a browser (per name, no expiry handling) and does
/// not follow redirects, so tests see every answer.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: std::collections::BTreeMap<String, String>,
    /// The `Set-Cookie` headers of the last answer, as sent.
    pub last_set_cookies: Vec<String>,
    /// `Accept-Language` sent with every request.
    pub language: &'static str,
}

/// An answer as a test looks at it.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Location`, if any.
    pub location: Option<String>,
    /// The body as bytes.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The value of the first `<input ... name="NAME" value="...">` on the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let text = self.text();
        let at = text.find(&format!("name=\"{name}\" value=\""))?;
        let rest = &text[at + name.len() + 15..];
        Some(rest[..rest.find('"')?].to_owned())
    }
}

impl Browser {
    /// A browser pointed at `base` (e.g. the server's URL), preferring Danish.
    pub fn new(base: &str) -> anyhow::Result<Browser> {
        Self::from_address(base, None)
    }

    /// A browser whose connections leave from `local` (e.g. `127.0.0.2`, so that a proxy
    /// in front of the server sees another client), when given.
    pub fn from_address(base: &str, local: Option<std::net::IpAddr>) -> anyhow::Result<Browser> {
        Ok(Browser {
            // No connection reuse: a test that sends an over-limit body gets its connection
            // closed by the server, and the next request must not pick that one up.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .local_address(local)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            cookies: Default::default(),
            last_set_cookies: Vec::new(),
            language: "da-DK,da;q=0.9",
        })
    }

    /// The current value of a cookie.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Set (or, with `None`, forget) a cookie by hand.
    pub fn set_cookie(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(v) => self.cookies.insert(name.to_owned(), v.to_owned()),
            None => self.cookies.remove(name),
        };
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> anyhow::Result<Answer> {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = req.header("accept-language", self.language);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        let resp = req.send().await?;
        self.last_set_cookies = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for c in &self.last_set_cookies {
            if let Some((k, v)) = c.split(';').next().and_then(|kv| kv.split_once('=')) {
                if v.is_empty() {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies.insert(k.trim().to_owned(), v.to_owned());
                }
            }
        }
        Ok(Answer {
            status: resp.status().as_u16(),
            location: resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            bytes: resp.bytes().await?.to_vec(),
        })
    }

    /// GET a path.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Answer> {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// POST a form to a path.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> anyhow::Result<Answer> {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    /// POST raw bytes with a content type to a path.
    pub async fn post_raw(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Answer> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        self.send(req).await
    }

    /// Open the login page and log in; returns the answer to the login.
    pub async fn log_in(&mut self, user: &str, password: &str) -> anyhow::Result<Answer> {
        let page = self.get("/admin/login").await?;
        let csrf = page
            .field("csrf")
            .ok_or_else(|| anyhow!("no CSRF field on the login page"))?;
        self.post(
            "/admin/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }
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

/// Resident memory of process `pid`, in MiB (from /proc).
pub fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// CPU seconds (user and system) process `pid` has used so far (from /proc; Linux counts
/// in hundredths of a second).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Put `section` (a markdown text starting with `heading`) into the report at `path`: in
/// place of the part from `heading` to the next `## ` heading if there is one, else at the
/// end. Each benchmark owns its section; the others are kept as they are.
pub fn replace_section(path: &Path, heading: &str, section: &str) -> anyhow::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let section = format!("{}\n", section.trim_end());
    let new = match old.find(heading) {
        Some(start) => {
            let after = start + heading.len();
            let end = old[after..]
                .find("\n## ")
                .map_or(old.len(), |i| after + i + 1);
            format!(
                "{}{section}{}",
                &old[..start],
                if end < old.len() {
                    format!("\n{}", &old[end..])
                } else {
                    String::new()
                }
            )
        }
        None if old.trim().is_empty() => section,
        None => format!("{}\n\n{section}", old.trim_end()),
    };
    std::fs::write(path, new)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_replaces_only_itself() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("B.md");
        replace_section(&path, "## A", "## A\n\none\n").expect("write");
        replace_section(&path, "## B", "## B\n\ntwo\n").expect("write");
        replace_section(&path, "## A", "## A\n\nthree\n").expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "## A\n\nthree\n\n## B\n\ntwo\n");
    }
}

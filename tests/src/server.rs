//! The real server for tests: on its own runtime thread (so a test can stop it like a
//! power cut and start it again on the same data folder and port) or as a process of its
//! own, and its admin API: enrolment and the signups it holds.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};
use frivillig_common::api::{EnrolRequest, EnrolResponse, SignupPage, SignupView};
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

//! `sync-bench`: our sync server against the JS automerge-repo server, side by side, with
//! the same load client (`../shared/bench/automerge-repo-baseline/loadclient.mjs`) in the
//! same run: each server pinned to core 0, the client to core 1, a fresh server and data
//! folder for every run. Writes its section of the benchmark report.
//!
//! `cargo run --release -p frivillig-tests --bin sync-bench -- --out BENCHMARKS.md`
//! (build `frivillig-server` in release first; `just bench` does both).
//!
//! Options: `--baseline DIR` (the baseline scripts, default
//! `../shared/bench/automerge-repo-baseline`), `--server-bin PATH` (default: next to this
//! binary), `--runs N` (3), `--held N` (documents held before workload (c), 1000; the issue's
//! figure is 10000), `--held-secs S` (how long the baseline may take to take them, 600),
//! `--quick` (one run each, small sizes: checks the harness works), `--only-held` (only
//! workload (c), only our server, fresh and holding `--held` documents; writes its own
//! section: the baseline cannot take 10,000 in any time this benchmark can wait),
//! `--rust-fill` (our server is filled by Rust clients instead of the JS one, see
//! `fill_rust`; workload (c) itself stays the JS client's), `--client rust` (every workload
//! with our Rust load client instead of the shared JS one, on both servers, into a section
//! of its own; see `rust_client`: the JS client's own CPU caps what it can show).
//!
//! After each fill the clients leave and the servers get 15 s, then their memory is read
//! again: ours drops documents no connection takes part in after 10 s.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use frivillig_common::api::{EnrolRequest, EnrolResponse};
use rand::Rng as _;
use rand::rngs::StdRng;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

/// The report's section for each load client.
const JS_CLIENT_HEADING: &str = "## Sync server against the JS automerge-repo server, side by side";
const RUST_CLIENT_HEADING: &str = "## Sync servers side by side with our Rust load client";
/// The section of `--only-live`: workload (b) alone, with our client's ceiling.
const LIVE_HEADING: &str = "## Workload (b) alone, with our load client's ceiling";

/// The two servers compared.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Baseline,
    Ours,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Baseline => "automerge-repo 2.5.6 (JS)",
            Side::Ours => "frivillig-server",
        }
    }
}

/// One running server under test.
struct Running {
    child: tokio::process::Child,
    pid: u32,
    /// The WebSocket URL the load client is given (with a device token for ours).
    url: String,
    _data: tempfile::TempDir,
}

impl Running {
    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// What one load-client run printed (the fields we report).
#[derive(Clone, Debug)]
struct Run {
    docs: f64,
    errors: f64,
    docs_per_s: f64,
    wall_s: f64,
    server_cpu_s: f64,
    client_cpu_s: f64,
    rss_mb: f64,
}

struct Bench {
    baseline: PathBuf,
    server_bin: PathBuf,
    work: PathBuf,
    http: reqwest::Client,
    /// The load client: the shared JS one, or ours (`--client rust`, see [`rust_client`]).
    rust_client: bool,
}

async fn wait_listening(port: u16) -> anyhow::Result<()> {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("nothing listens on port {port} after 30 s")
}

/// Read a child's output to the end so it never blocks on a full pipe.
fn drain<R: tokio::io::AsyncRead + Unpin + Send + 'static>(r: Option<R>) {
    if let Some(r) = r {
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(r).lines();
            while let Ok(Some(_)) = lines.next_line().await {}
        });
    }
}

impl Bench {
    /// Copy the baseline scripts somewhere writable and install their packages, once.
    async fn prepare_baseline(&self) -> anyhow::Result<PathBuf> {
        let dir = self.work.join("baseline");
        if !dir.join("node_modules/@automerge/automerge-repo").exists() {
            std::fs::create_dir_all(&dir)?;
            for f in [
                "package.json",
                "package-lock.json",
                "server.mjs",
                "loadclient.mjs",
            ] {
                let to = dir.join(f);
                let _ = std::fs::remove_file(&to);
                std::fs::copy(self.baseline.join(f), &to)
                    .with_context(|| format!("copying {f} from {}", self.baseline.display()))?;
                let mut perm = std::fs::metadata(&to)?.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                perm.set_readonly(false);
                std::fs::set_permissions(&to, perm)?;
            }
            // The lock file lacks other platforms' optional packages, which `npm ci` refuses.
            let ci = tokio::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .status()
                .await?;
            if !ci.success() {
                let install = tokio::process::Command::new("npm")
                    .args(["install", "--no-audit", "--no-fund"])
                    .current_dir(&dir)
                    .status()
                    .await?;
                anyhow::ensure!(install.success(), "npm install failed in {}", dir.display());
            }
        }
        Ok(dir)
    }

    async fn start(&self, side: Side, js: &Path) -> anyhow::Result<Running> {
        let port = frivillig_tests::bind(0)?.local_addr()?.port();
        let data = tempfile::tempdir_in(&self.work)?;
        match side {
            Side::Baseline => {
                let mut child = tokio::process::Command::new("taskset")
                    .args(["-c", "0", "node", "server.mjs"])
                    .current_dir(js)
                    .env("PORT", port.to_string())
                    .env("DATA_DIR", data.path())
                    .env("MAX_SECONDS", "7200")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .context("starting node (Node 20 must be installed)")?;
                drain(child.stdout.take());
                drain(child.stderr.take());
                let pid = child.id().ok_or_else(|| anyhow!("node ended at once"))?;
                wait_listening(port).await?;
                Ok(Running {
                    child,
                    pid,
                    url: format!("ws://127.0.0.1:{port}"),
                    _data: data,
                })
            }
            Side::Ours => {
                let config = data.path().join("server.toml");
                std::fs::write(
                    &config,
                    format!(
                        "listen = \"127.0.0.1:{port}\"\ndata_dir = {:?}\npublic_url = \"http://127.0.0.1:{port}\"\nbench_devices = true\n",
                        data.path().join("data")
                    ),
                )?;
                let mut child = tokio::process::Command::new("taskset")
                    .args(["-c", "0"])
                    .arg(&self.server_bin)
                    .arg("--config")
                    .arg(&config)
                    .env("RUST_LOG", "warn")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .with_context(|| format!("starting {}", self.server_bin.display()))?;
                drain(child.stdout.take());
                drain(child.stderr.take());
                let pid = child
                    .id()
                    .ok_or_else(|| anyhow!("the server ended at once"))?;
                wait_listening(port).await?;
                // The server may listen a moment before its first start has written the
                // admin token (this failed one run in two here).
                let token_file = data.path().join("data/admin-token.txt");
                let mut token = std::fs::read_to_string(&token_file);
                for _ in 0..100 {
                    if token.as_ref().is_ok_and(|t| !t.trim().is_empty()) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    token = std::fs::read_to_string(&token_file);
                }
                let token = token.with_context(|| format!("reading {}", token_file.display()))?;
                let resp = self
                    .http
                    .post(format!("http://127.0.0.1:{port}/api/admin/kiosks"))
                    .bearer_auth(token.trim())
                    .json(&EnrolRequest {
                        kiosk_id: "bench".into(),
                        site_id: "bench".into(),
                        bench: true,
                    })
                    .send()
                    .await?;
                anyhow::ensure!(resp.status().is_success(), "enrol: {}", resp.status());
                let enrol: EnrolResponse = resp.json().await?;
                let token = frivillig_common::sync::device_token("bench", &enrol.device_secret);
                Ok(Running {
                    child,
                    pid,
                    url: format!("ws://127.0.0.1:{port}/sync?token={token}"),
                    _data: data,
                })
            }
        }
    }

    /// One run of the load client against `server`; with none (our client only), the
    /// client alone, as the ceiling no server can exceed with it.
    async fn load(
        &self,
        js: &Path,
        server: Option<&Running>,
        args: &[String],
        timeout_s: u64,
    ) -> anyhow::Result<Run> {
        let mut command = tokio::process::Command::new("taskset");
        command.args(["-c", "1"]);
        if self.rust_client {
            command.arg(std::env::current_exe()?).arg("--rust-client");
        } else {
            command.args(["node", "loadclient.mjs"]);
        }
        match server {
            Some(server) => command
                .arg(&server.url)
                .args(["--server-pid", &server.pid.to_string()]),
            None if self.rust_client => command.arg(ALONE),
            None => bail!("the shared client needs a server"),
        };
        let out = command
            .args(args)
            .args(["--timeout", &timeout_s.to_string()])
            .current_dir(js)
            .stderr(Stdio::inherit())
            .output()
            .await?;
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .ok_or_else(|| anyhow!("the load client printed no result ({})", out.status))?;
        let v: Value = serde_json::from_str(line)?;
        let f = |path: &[&str]| {
            path.iter()
                .try_fold(&v, |v, k| v.get(k))
                .and_then(Value::as_f64)
                .unwrap_or(f64::NAN)
        };
        Ok(Run {
            docs: f(&["docs"]),
            errors: f(&["errors"]),
            docs_per_s: f(&["docs_per_s"]),
            wall_s: f(&["wall_s"]),
            server_cpu_s: f(&["server_cpu_s"]),
            client_cpu_s: f(&["client_cpu_s"]),
            rss_mb: f(&["server_after", "rss_kb"]) / 1024.0,
        })
    }
}

/// A document as the shared load client builds one (`--mode offline --strings scalar`): a
/// `signups` map of `records` records of 8 strings, one change per record. Distinct
/// contents from a seeded generator.
fn load_doc(rng: &mut StdRng, records: usize) -> anyhow::Result<automerge::Automerge> {
    let mut doc = empty_load_doc()?;
    for i in 0..records {
        add_load_record(&mut doc, rng, i)?;
    }
    Ok(doc)
}

/// A document with only the empty `signups` map, in its first change.
fn empty_load_doc() -> anyhow::Result<automerge::Automerge> {
    use automerge::transaction::Transactable as _;
    use automerge::{AutomergeError, ObjType, ROOT};
    let mut doc = automerge::Automerge::new();
    doc.transact::<_, _, AutomergeError>(|tx| tx.put_object(ROOT, "signups", ObjType::Map))
        .map_err(|f| f.error)?;
    Ok(doc)
}

/// Add the `i`th signup-shaped record to `doc` in a change of its own, as the shared load
/// client does: 8 string fields under a fresh UUID-shaped key.
fn add_load_record(
    doc: &mut automerge::Automerge,
    rng: &mut StdRng,
    i: usize,
) -> anyhow::Result<()> {
    use automerge::transaction::Transactable as _;
    use automerge::{AutomergeError, ObjType, ROOT, ReadDoc as _};
    const FIRST: [&str; 10] = [
        "Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Fatima", "John", "Priya", "Lars",
    ];
    const LAST: [&str; 10] = [
        "Gonzalez", "Smith", "Okafor", "Zhang", "Ivanova", "Silva", "Khan", "Miller", "Patel",
        "Nguyen",
    ];
    let mut hex = |n: usize| -> String {
        (0..n)
            .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
            .collect()
    };
    let Some((_, signups)) = doc.get(ROOT, "signups")? else {
        bail!("the document has no signups map");
    };
    let id = format!("{}-{}-4{}-a{}-{}", hex(8), hex(4), hex(3), hex(3), hex(12));
    let (opportunity, shift) = (hex(32), hex(32));
    let (f, l) = (FIRST[i % 10], LAST[(i / 10) % 10]);
    let secs = 8 * 3600 + (i * 3) % (12 * 3600);
    let fields = [
        ("name", format!("{f} {l}")),
        (
            "email",
            format!(
                "{}.{}{}@example.org",
                f.to_lowercase(),
                l.to_lowercase(),
                hex(4)
            ),
        ),
        ("phone", format!("+1-555-{}-{}", hex(3), hex(4))),
        ("opportunity_id", opportunity),
        ("shift_id", shift),
        ("kiosk_id", "kiosk-07".to_owned()),
        (
            "created_at",
            format!(
                "2026-07-04T{:02}:{:02}:{:02}.{}Z",
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                hex(3)
            ),
        ),
        ("consent_version", "2026-01".to_owned()),
    ];
    doc.transact::<_, _, AutomergeError>(|tx| {
        let record = tx.put_object(&signups, &id, ObjType::Map)?;
        for (key, value) in &fields {
            tx.put(&record, *key, value.as_str())?;
        }
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

/// The URL that runs our load client without a server: it builds and stores the same
/// changes and has no one to send them to. Its docs/s are the most any server can show with
/// this client on this machine (the client's own work bounds workload (b)).
const ALONE: &str = "none";

/// The row of [`ALONE`] in the report.
const ALONE_NAME: &str = "none: our client alone (the most any server can show with it)";

/// One load client's connection (or none, [`ALONE`]): samod's dialer reconnects by itself
/// when the server drops the socket, so what is waited for is the connection of the
/// moment, and each drop is counted (and its first reason kept) for the report.
struct Link {
    repo: samod::Repo,
    dialer: Option<samod::DialerHandle<frivillig_kiosk::sync::WsError>>,
    /// How many times the server dropped it, and the first reason.
    drops: Arc<std::sync::Mutex<(usize, Option<String>)>>,
}

impl Link {
    /// Until the server's sync state holds our heads of `handle` on the current connection
    /// (waiting out a reconnect).
    async fn acknowledged(&self, handle: &samod::DocHandle) {
        let Some(dialer) = &self.dialer else {
            return;
        };
        loop {
            match dialer.connection_id() {
                Some(conn) => {
                    let wait = handle.they_have_our_changes(conn);
                    if tokio::time::timeout(Duration::from_millis(500), wait)
                        .await
                        .is_ok()
                    {
                        return;
                    }
                }
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}

/// A samod client connected to the sync server at `url` (a `token` query parameter, as the
/// shared client passes our device token, goes into the header instead).
async fn rust_connect(url: &str) -> anyhow::Result<Link> {
    use futures::StreamExt as _;
    if url == ALONE {
        return Ok(Link {
            repo: samod::Repo::build_tokio().load().await,
            dialer: None,
            drops: Arc::default(),
        });
    }
    let mut url = url::Url::parse(url)?;
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    url.set_query(None);
    let repo = samod::Repo::build_tokio().load().await;
    let dialer = repo.dial(
        samod::BackoffConfig::default(),
        Arc::new(frivillig_kiosk::sync::WsDialer::to_any_server(url, token)),
    )?;
    let drops = Arc::new(std::sync::Mutex::new((0, None)));
    let (watcher, counted) = (dialer.clone(), drops.clone());
    tokio::spawn(async move {
        let mut events = watcher.events();
        while let Some(event) = events.next().await {
            if let samod::DialerEvent::Disconnected { reason } = event {
                let mut counted = counted.lock().unwrap_or_else(|p| p.into_inner());
                counted.0 += 1;
                counted.1.get_or_insert(reason);
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(20), dialer.established())
        .await
        .context("connecting")?
        .map_err(|e| anyhow!("connecting: {e:?}"))?;
    Ok(Link {
        repo,
        dialer: Some(dialer),
        drops,
    })
}

/// `sync-bench --rust-client URL [--clients C] [--docs-per-client K] [--records R] [--mode
/// offline|online] [--server-pid P] [--timeout S]`: our load client (samod, Rust), the same
/// workloads as the shared JS one and the same JSON line, so `Bench::load` reads both. The
/// shared client spends about 60 ms of its core per document on its own `repo.import`
/// (automerge's load and the handle's first diff, measured with `node --cpu-prof`), so with
/// it no server can show more than about 15 documents a second on this machine; this one
/// spends a few, so its docs/s measure the server. Offline documents are built before the
/// clock starts; online, each record is its own change while connected. A document counts
/// once the server's sync state shares its heads.
async fn rust_client(mut args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    use futures::StreamExt as _;
    use rand::SeedableRng as _;
    let url = args.next().context("--rust-client needs a URL")?;
    // Quiet unless RUST_LOG asks (e.g. RUST_LOG=samod=debug to see why a connection ended).
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let (mut clients, mut per_client, mut records) = (10usize, 1usize, 200usize);
    let (mut online, mut server_pid, mut timeout_s) = (false, None, 300u64);
    while let Some(a) = args.next() {
        let mut next = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--clients" => clients = next()?.parse()?,
            "--docs-per-client" => per_client = next()?.parse()?,
            "--records" => records = next()?.parse()?,
            "--mode" => online = next()? == "online",
            "--server-pid" => server_pid = Some(next()?.parse::<u32>()?),
            "--timeout" => timeout_s = next()?.parse()?,
            other => bail!("unknown argument {other} for --rust-client"),
        }
    }
    let mut rng = StdRng::seed_from_u64(0x9e37_79b9);
    let mut peers = Vec::with_capacity(clients);
    for _ in 0..clients {
        // Built before the clock, as the shared client does, unless there are too many to
        // hold at once (the fill of workload (c)): those are built as they go.
        let docs = if online || clients * per_client > 1000 {
            Vec::new()
        } else {
            (0..per_client)
                .map(|_| load_doc(&mut rng, records))
                .collect::<anyhow::Result<Vec<_>>>()?
        };
        let seed = rng.r#gen::<u64>();
        peers.push((rust_connect(&url).await?, docs, seed));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let server = |f: fn(u32) -> Option<f64>| server_pid.and_then(f).unwrap_or(f64::NAN);
    let me = std::process::id();
    let (server_cpu0, client_cpu0) = (
        server(frivillig_tests::cpu_seconds),
        frivillig_tests::cpu_seconds(me),
    );
    let deadline = Duration::from_secs(timeout_s);
    let t0 = std::time::Instant::now();
    let (connections, prebuilt): (Vec<_>, Vec<_>) =
        peers.into_iter().map(|(c, d, s)| (c, (d, s))).unzip();
    let mut work = futures::stream::FuturesUnordered::new();
    for (link, (docs, seed)) in connections.iter().zip(prebuilt) {
        let repo = &link.repo;
        work.push(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut latencies = Vec::new();
            let mut docs = docs.into_iter();
            // One document after the other; the first that fails or runs out of time ends
            // this client, and what it had confirmed still counts.
            let mut one = async || -> anyhow::Result<f64> {
                let start = std::time::Instant::now();
                let handle = match docs.next() {
                    Some(doc) => repo.create(doc).await?,
                    None if online => {
                        let handle = repo.create(empty_load_doc()?).await?;
                        for i in 0..records {
                            handle.with_document(|d| add_load_record(d, &mut rng, i))?;
                        }
                        handle
                    }
                    None => repo.create(load_doc(&mut rng, records)?).await?,
                };
                let left = deadline.saturating_sub(t0.elapsed());
                if tokio::time::timeout(left, link.acknowledged(&handle))
                    .await
                    .is_err()
                {
                    let heads = handle.with_document(|d| d.get_heads());
                    let peer = link
                        .dialer
                        .as_ref()
                        .and_then(|d| d.connection_id())
                        .and_then(|c| handle.peers().0.remove(&c));
                    bail!(
                        "the server did not take document {} in time: ours {heads:?}, the server's as we know it {peer:?}",
                        handle.document_id()
                    );
                }
                Ok(start.elapsed().as_secs_f64() * 1000.0)
            };
            for _ in 0..per_client {
                match one().await {
                    Ok(ms) => latencies.push(ms),
                    Err(e) => return (latencies, Some(e)),
                }
            }
            (latencies, None)
        });
    }
    let (mut latencies, mut errors) = (Vec::new(), 0usize);
    while let Some((l, error)) = work.next().await {
        latencies.extend(l);
        if let Some(e) = error {
            errors += 1;
            eprintln!("{e:#}");
        }
    }
    let wall_s = t0.elapsed().as_secs_f64();
    let client_cpu = frivillig_tests::cpu_seconds(me)
        .zip(client_cpu0)
        .map(|(a, b)| a - b);
    // As the shared client does: the server gets half a second to finish what it started.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let server_cpu = server(frivillig_tests::cpu_seconds) - server_cpu0;
    let rss_kb = server(frivillig_tests::rss_mib) * 1024.0;
    let counted: Vec<_> = connections
        .iter()
        .map(|l| l.drops.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .collect();
    let drops: usize = counted.iter().map(|(n, _)| n).sum();
    if let Some(reason) = counted.into_iter().find_map(|(_, reason)| reason) {
        eprintln!("the server dropped {drops} connections; the first: {reason}");
    }
    latencies.sort_by(f64::total_cmp);
    let docs = latencies.len();
    println!(
        "{}",
        serde_json::json!({
            "bench": "rust-load", "clients": clients, "docs_per_client": per_client,
            "records_per_doc": records, "mode": if online { "online" } else { "offline" },
            "docs": docs, "errors": errors, "wall_s": wall_s, "docs_per_s": docs as f64 / wall_s,
            "latency_ms": { "median": latencies.get(docs / 2), "max": latencies.last() },
            "client_cpu_s": client_cpu, "server_cpu_s": server_cpu,
            "server_after": { "rss_kb": rss_kb }, "dropped_connections": drops,
        })
    );
    drop(work);
    for link in connections {
        link.repo.stop().await;
    }
    Ok(())
}

/// Fill our server with `n` documents of 200 records from Rust clients (`--rust-fill`): each
/// client (one connection, as the benchmark device) hands over [`PER_CLIENT`] documents,
/// 16 in flight, waits until the server's sync state holds each one's heads, and leaves.
/// The shared JS client would take about 33 minutes only to build 10,000 documents and then
/// slows down as it holds them itself.
async fn fill_rust(server: &Running, n: usize) -> anyhow::Result<Run> {
    use futures::StreamExt as _;
    use rand::SeedableRng as _;
    const PER_CLIENT: usize = 500;
    let mut rng = StdRng::seed_from_u64(0x9e37_79b9);
    let cpu0 = frivillig_tests::cpu_seconds(server.pid).unwrap_or(f64::NAN);
    let t0 = std::time::Instant::now();
    let mut done = 0;
    let mut rss = f64::NAN;
    while done < n {
        let link = rust_connect(&server.url).await?;
        let batch = PER_CLIENT.min(n - done);
        let mut in_flight = futures::stream::FuturesUnordered::new();
        for _ in 0..batch {
            let handle = link.repo.create(load_doc(&mut rng, 200)?).await?;
            let link = &link;
            in_flight.push(async move {
                tokio::time::timeout(Duration::from_secs(120), link.acknowledged(&handle)).await
            });
            while in_flight.len() >= 16 {
                in_flight.next().await.transpose()?;
            }
        }
        while let Some(r) = in_flight.next().await {
            r?;
        }
        done += batch;
        rss = frivillig_tests::rss_mib(server.pid).unwrap_or(f64::NAN);
        link.repo.stop().await;
        println!("(c) rust fill: {done} of {n} documents held");
    }
    let wall_s = t0.elapsed().as_secs_f64();
    Ok(Run {
        docs: n as f64,
        errors: 0.0,
        docs_per_s: n as f64 / wall_s,
        wall_s,
        server_cpu_s: frivillig_tests::cpu_seconds(server.pid).unwrap_or(f64::NAN) - cpu0,
        client_cpu_s: f64::NAN,
        rss_mb: rss,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

fn spread(v: &[f64]) -> String {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.1}–{max:.1}")
}

/// The ratios of one workload: docs/s ours / baseline, server CPU per document baseline /
/// ours, and (with our client) ours as a share of the client alone.
struct Ratios {
    docs_per_s: f64,
    cpu: f64,
    of_ceiling: Option<f64>,
}

/// A figure with its unit, or a dash where there is none (no server to measure, nothing
/// filled).
fn shown(x: f64, digits: usize, unit: &str) -> String {
    if x.is_nan() {
        "–".to_owned()
    } else {
        format!("{x:.digits$} {unit}")
    }
}

/// Rows of the report for one workload (runs per server: baseline, ours, then perhaps the
/// client alone), and its ratios.
fn rows(name: &str, runs: &[(&str, Vec<Run>)]) -> (String, Option<Ratios>) {
    let mut text = String::new();
    let mut medians = Vec::new();
    for (side, rs) in runs {
        let dps: Vec<f64> = rs.iter().map(|r| r.docs_per_s).collect();
        let cpu_per_doc = median(
            rs.iter()
                .map(|r| 1000.0 * r.server_cpu_s / r.docs)
                .collect(),
        );
        let busy = median(rs.iter().map(|r| r.client_cpu_s / r.wall_s).collect());
        let errors: f64 = rs.iter().map(|r| r.errors).sum();
        let docs = median(rs.iter().map(|r| r.docs).collect());
        text.push_str(&format!(
            "| {name} | {side} | {} | {:.1} ({}) | {} | {} | {:.0} % | {docs:.0} | {errors:.0} |\n",
            rs.len(),
            median(dps.clone()),
            spread(&dps),
            shown(cpu_per_doc, 1, "ms"),
            shown(median(rs.iter().map(|r| r.rss_mb).collect()), 0, "MB"),
            100.0 * busy,
        ));
        medians.push((median(dps), cpu_per_doc));
    }
    let ratio = match medians.as_slice() {
        [(b_dps, b_cpu), (o_dps, o_cpu), rest @ ..] => Some(Ratios {
            docs_per_s: o_dps / b_dps,
            cpu: b_cpu / o_cpu,
            of_ceiling: rest.first().map(|(alone, _)| o_dps / alone),
        }),
        _ => None,
    };
    (text, ratio)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut out = PathBuf::from("BENCHMARKS.md");
    let mut baseline = PathBuf::from("../shared/bench/automerge-repo-baseline");
    let mut server_bin = std::env::current_exe()?
        .parent()
        .map(|d| d.join("frivillig-server"))
        .ok_or_else(|| anyhow!("no folder for this binary"))?;
    let (mut runs, mut held, mut held_secs, mut quick) = (3usize, 1000usize, 600u64, false);
    let (mut only_held, mut rust_fill, mut rust) = (false, false, false);
    let mut only_live = false;
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "--rust-client") {
        return rust_client(args.skip(1)).await;
    }
    while let Some(a) = args.next() {
        let mut next = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--out" => out = next()?.into(),
            "--baseline" => baseline = next()?.into(),
            "--server-bin" => server_bin = next()?.into(),
            "--runs" => runs = next()?.parse()?,
            "--held" => held = next()?.parse()?,
            "--held-secs" => held_secs = next()?.parse()?,
            "--quick" => quick = true,
            "--only-held" => only_held = true,
            "--only-live" => only_live = true,
            "--rust-fill" => rust_fill = true,
            "--client" => match next()?.as_str() {
                "js" => rust = false,
                "rust" => rust = true,
                other => bail!("--client is js or rust, not {other}"),
            },
            other => bail!(
                "unknown argument {other}; use --out, --baseline, --server-bin, --runs, --held, --held-secs, --quick, --only-held, --only-live, --rust-fill, --client js|rust"
            ),
        }
    }
    if quick {
        (runs, held, held_secs) = (1, 20, 30);
    }
    anyhow::ensure!(
        !(rust && only_held),
        "--only-held measures with the shared client; --client rust runs every workload"
    );
    anyhow::ensure!(
        rust || !only_live,
        "--only-live needs --client rust (its ceiling is our client's)"
    );
    let work = std::env::current_dir()?.join("target/sync-bench");
    std::fs::create_dir_all(&work)?;
    let bench = Bench {
        baseline,
        server_bin,
        work,
        http: reqwest::Client::new(),
        rust_client: rust,
    };
    let js = bench.prepare_baseline().await?;
    let sides = [Side::Baseline, Side::Ours];
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    let (online_clients, online_records) = if quick { ("4", "200") } else { ("20", "2000") };
    let workloads: Vec<(String, Vec<String>)> = vec![
        (
            "(a) 10 clients x 1 document of 200 records".into(),
            s(&["--clients", "10"]),
        ),
        (
            "(a) 100 clients x 1 document of 200 records".into(),
            s(&["--clients", if quick { "20" } else { "100" }]),
        ),
        (
            format!(
                "(b) {online_clients} clients, {online_records} records each, one change at a time"
            ),
            s(&[
                "--clients",
                online_clients,
                "--records",
                online_records,
                "--mode",
                "online",
            ]),
        ),
    ];

    // With our client the JS server stalled in workload (b): one message per change, and
    // after 9 minutes it was still not done, its core almost idle. A run ends after
    // `run_secs`; what was not acknowledged by then counts as an error.
    let run_secs = if rust { 120 } else { 900 };
    let mut table = String::new();
    let mut ratios = Vec::new();
    let workloads = if only_held {
        &workloads[..0]
    } else if only_live {
        // (b), the last.
        &workloads[2..]
    } else {
        &workloads[..]
    };
    for (name, args) in workloads {
        let mut per_side = Vec::new();
        for side in sides {
            let mut rs = Vec::new();
            for i in 0..runs {
                let server = bench.start(side, &js).await?;
                let r = bench.load(&js, Some(&server), args, run_secs).await;
                server.stop().await;
                let r = r.with_context(|| format!("{name}, {}", side.name()))?;
                println!("{name} | {} | run {i}: {r:?}", side.name());
                rs.push(r);
            }
            per_side.push((side.name(), rs));
        }
        if rust {
            let mut rs = Vec::new();
            for i in 0..runs {
                let r = bench.load(&js, None, args, run_secs).await;
                let r = r.with_context(|| format!("{name}, {ALONE_NAME}"))?;
                println!("{name} | {ALONE_NAME} | run {i}: {r:?}");
                rs.push(r);
            }
            per_side.push((ALONE_NAME, rs));
        }
        let (text, ratio) = rows(name, &per_side);
        table.push_str(&text);
        if let Some(r) = ratio {
            ratios.push((name.clone(), r));
        }
    }

    // (c) Documents already held, then (a) with 10 clients again. Both are offered `held`
    // documents; the baseline gets `held_secs` to take them, and if it takes fewer, ours is
    // measured at the baseline's count too. (The client builds each document before the
    // clock starts, about 0.2 s each on this machine.)
    let mut held_rows = String::new();
    let mut held_figures: Vec<(Side, usize, f64, f64)> = Vec::new();
    let mut baseline_held = 0usize;
    let plan: &[(Side, Option<usize>)] = if only_live {
        &[]
    } else if only_held {
        &[(Side::Ours, None), (Side::Ours, Some(0))]
    } else {
        &[
            (Side::Baseline, None),
            (Side::Ours, None),
            (Side::Ours, Some(0)),
        ]
    };
    for &(side, count) in plan {
        let server = bench.start(side, &js).await?;
        let want = match (side, count) {
            (_, None) => held,
            (Side::Ours, Some(n)) if only_held => n,
            (Side::Ours, Some(_)) if baseline_held < held => baseline_held,
            _ => {
                server.stop().await;
                continue;
            }
        };
        let clients = 10usize.min(want.max(1));
        let per_client = want.div_ceil(clients).max(1);
        let fill = if want == 0 {
            Err(anyhow!("nothing to hold"))
        } else if rust_fill && !rust && side == Side::Ours {
            fill_rust(&server, want).await
        } else {
            bench
                .load(
                    &js,
                    Some(&server),
                    &s(&[
                        "--clients",
                        &clients.to_string(),
                        "--docs-per-client",
                        &per_client.to_string(),
                    ]),
                    if side == Side::Baseline {
                        held_secs
                    } else {
                        7200
                    },
                )
                .await
        };
        let filled = match (&fill, side) {
            (Ok(r), _) => r.docs as usize,
            (Err(_), _) if want == 0 => 0,
            // The baseline's fill stops at its time limit; what it took is not reported.
            (Err(_), Side::Baseline) => 0,
            (Err(e), Side::Ours) => bail!("filling our server: {e}"),
        };
        // The filling clients have left; give idle documents time to leave memory.
        let rss_full = fill.as_ref().map(|f| f.rss_mb).unwrap_or(f64::NAN);
        if want > 0 {
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
        let rss_idle = frivillig_tests::rss_mib(server.pid).unwrap_or(f64::NAN);
        if side == Side::Baseline {
            baseline_held = filled;
        }
        let r = bench
            .load(&js, Some(&server), &s(&["--clients", "10"]), 900)
            .await;
        server.stop().await;
        let r = r?;
        println!("(c) {} holding {filled}: {r:?}", side.name());
        held_figures.push((side, filled, r.docs_per_s, r.server_cpu_s / r.docs));
        let fill_cpu = fill
            .as_ref()
            .map(|f| 1000.0 * f.server_cpu_s / f.docs)
            .unwrap_or(f64::NAN);
        held_rows.push_str(&format!(
            "| {} | {filled} | {:.1} | {} | {:.1} ms | {} | {} | {} |\n",
            side.name(),
            r.docs_per_s,
            shown(fill_cpu, 1, "ms"),
            1000.0 * r.server_cpu_s / r.docs,
            shown(rss_full, 0, "MB"),
            shown(rss_idle, 0, "MB"),
            shown(r.rss_mb, 0, "MB"),
        ));
    }

    let (heading, client) = if rust {
        (
            RUST_CLIENT_HEADING,
            "Written by `sync-bench --client rust`. Our load client (`sync-bench --rust-client`: \
             samod, one repository and WebSocket per client, the shared client's document shape \
             and workloads; when a server drops a socket, samod reconnects and the client waits \
             for the server's heads on the new connection, as a kiosk does: the JS server's \
             keep-alive cuts a socket whose pong comes late, a ping every 5 s, which the busy \
             clients of (b) sometimes are) against both servers in the same run; the third row of \
             each workload is the same client with no server at all (it builds and stores the \
             same changes and sends them nowhere), the most any server can show with this client \
             on this machine",
        )
    } else {
        (
            JS_CLIENT_HEADING,
            "Written by `sync-bench`. The same load client (`loadclient.mjs` of the shared \
             baseline) against both servers in the same run",
        )
    };
    let mut section = format!(
        "{heading}\n\n{client}, server pinned to core 0 and client to core 1, a \
         fresh server and data folder for every run. Each document: signup-shaped records \
         (8 string fields), one change per record; a document counts once the server's \
         advertised heads equal the client's. Our server stores every document with an fsync \
         before it answers (the baseline never fsyncs); it sees the client as a *benchmark \
         device* (`bench_devices = true`, off by default), which may store documents of its \
         own and see nothing else. Each run of (a) and (b) may take {run_secs} s; documents \
         not acknowledged by then are counted as errors.\n\n\
         | workload | server | runs | docs/s median (min–max) | server CPU per doc | server RSS after | client core busy | docs | errors |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    section.push_str(&table);
    section.push_str(
        "\n| workload | docs/s, ours / baseline | server CPU per doc, baseline / ours | docs/s, ours / the client alone |\n|---|---|---|---|\n",
    );
    for (name, r) in &ratios {
        let of_ceiling = r
            .of_ceiling
            .map_or_else(|| "–".to_owned(), |c| format!("{:.0} %", 100.0 * c));
        section.push_str(&format!(
            "| {name} | {:.2}x | {:.2}x | {of_ceiling} |\n",
            r.docs_per_s, r.cpu
        ));
    }
    if only_live {
        section = section
            .replacen(RUST_CLIENT_HEADING, LIVE_HEADING, 1)
            .replacen(
                "`sync-bench --client rust`",
                "`sync-bench --client rust --only-live`",
                1,
            );
        frivillig_tests::replace_section(&out, LIVE_HEADING, &section)?;
        println!("{section}\n(written to {})", out.display());
        return Ok(());
    }
    section.push_str(&format!(
        "\n### (c) Documents already held, then 10 clients x 1 document again\n\n\
         Both were offered {held} documents; the baseline had {held_secs} s to take them (if it \
         took fewer, ours was also measured at the baseline's count).\n\n\
         | server | documents held | docs/s after | server CPU per doc while filling | server CPU per doc after | server RSS when filled | RSS 15 s after the fill's clients left | RSS after (a) |\n\
         |---|---|---|---|---|---|---|---|\n{held_rows}\n"
    ));
    // The ratios of (c): ours against the baseline at the baseline's count, and at the
    // count ours was offered.
    let baseline_c = held_figures.iter().find(|f| f.0 == Side::Baseline);
    for ours in held_figures.iter().filter(|f| f.0 == Side::Ours && f.1 > 0) {
        if let Some(b) = baseline_c {
            section.push_str(&format!(
                "Ours holding {} against the baseline holding {}: docs/s {:.2}x, server CPU per \
                 document {:.2}x less.\n",
                ours.1,
                b.1,
                ours.2 / b.2,
                b.3 / ours.3
            ));
        }
    }
    section.push_str(
        "\nWhen the client core is near 100 % busy, docs/s measure the client, not the server: \
         then the server CPU per document is the comparison that tells the servers apart.\n",
    );
    if only_held {
        // Its own section, so the side-by-side one stays as the last full run wrote it.
        let heading = "## Our sync server holding many documents";
        let (flag, how) = if rust_fill {
            (
                " --rust-fill",
                "The documents held were handed over by Rust clients (200 records of 8 strings \
                 each, one change per record; 500 per connection, 16 in flight; \"when filled\" is with the last one still \
                 connected), because the JS client needs half an hour only to build 10,000.",
            )
        } else {
            ("", "The JS client filled it too, 10 connections.")
        };
        section = format!(
            "{heading}\n\nWritten by `sync-bench --only-held --held {held}{flag}`: the shared \
             load client against our server only, fresh and holding {held} documents of 200 \
             records (server on core 0, client on core 1), then 10 clients x 1 document. {how} Of \
             the memory, up to 64 MiB is redb's page cache (`storage_cache_mib`).\n\n\
             | server | documents held | docs/s after | server CPU per doc while filling | server CPU per doc after | server RSS when filled | RSS 15 s after the fill's clients left | RSS after (a) |\n\
             |---|---|---|---|---|---|---|---|\n{held_rows}"
        );
        frivillig_tests::replace_section(&out, heading, &section)?;
    } else {
        frivillig_tests::replace_section(&out, heading, &section)?;
    }
    println!("{section}\n(written to {})", out.display());
    Ok(())
}

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
//! `fill_rust`; workload (c) itself stays the JS client's).
//!
//! After each fill the clients leave and the servers get 15 s, then their memory is read
//! again: ours drops documents no connection takes part in after 10 s.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use frivillig_common::api::{EnrolRequest, EnrolResponse};
use rand::Rng as _;
use rand::rngs::StdRng;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

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
    /// Ours: its HTTP address and the benchmark device's enrolment (for `--rust-fill`).
    device: Option<(String, EnrolResponse)>,
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
                    device: None,
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
                    device: Some((format!("http://127.0.0.1:{port}"), enrol)),
                    _data: data,
                })
            }
        }
    }

    /// One load-client run against `server`.
    async fn load(
        &self,
        js: &Path,
        server: &Running,
        args: &[String],
        timeout_s: u64,
    ) -> anyhow::Result<Run> {
        let out = tokio::process::Command::new("taskset")
            .args(["-c", "1", "node", "loadclient.mjs"])
            .arg(&server.url)
            .args(args)
            .args([
                "--server-pid",
                &server.pid.to_string(),
                "--timeout",
                &timeout_s.to_string(),
            ])
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
    use automerge::transaction::Transactable as _;
    use automerge::{AutomergeError, ObjType, ROOT};
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
    let mut doc = automerge::Automerge::new();
    let signups = doc
        .transact::<_, _, AutomergeError>(|tx| tx.put_object(ROOT, "signups", ObjType::Map))
        .map_err(|f| f.error)?
        .result;
    for i in 0..records {
        let id = format!("{}-{}-4{}-a{}-{}", hex(8), hex(4), hex(3), hex(3), hex(12));
        let (opportunity, shift) = (hex(32), hex(32));
        let fields = {
            let (f, l) = (FIRST[i % 10], LAST[(i / 10) % 10]);
            let secs = 8 * 3600 + (i * 3) % (12 * 3600);
            [
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
            ]
        };
        doc.transact::<_, _, AutomergeError>(|tx| {
            let record = tx.put_object(&signups, &id, ObjType::Map)?;
            for (key, value) in &fields {
                tx.put(&record, *key, value.as_str())?;
            }
            Ok(())
        })
        .map_err(|f| f.error)?;
    }
    Ok(doc)
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
    let (http, enrol) = server
        .device
        .as_ref()
        .ok_or_else(|| anyhow!("--rust-fill works with our server only"))?;
    let dir = tempfile::tempdir()?;
    let config = frivillig_tests::kiosk_config(http, enrol, "bench", dir.path());
    let mut rng = StdRng::seed_from_u64(0x9e37_79b9);
    let cpu0 = frivillig_tests::cpu_seconds(server.pid).unwrap_or(f64::NAN);
    let t0 = std::time::Instant::now();
    let mut done = 0;
    let mut rss = f64::NAN;
    while done < n {
        let repo = samod::Repo::build_tokio().load().await;
        let dialer = repo.dial(
            samod::BackoffConfig::default(),
            std::sync::Arc::new(frivillig_kiosk::sync::WsDialer::new(&config)?),
        )?;
        tokio::time::timeout(Duration::from_secs(20), dialer.established())
            .await
            .context("connecting")?
            .map_err(|e| anyhow!("connecting: {e:?}"))?;
        let conn = dialer
            .connection_id()
            .ok_or_else(|| anyhow!("no connection"))?;
        let batch = PER_CLIENT.min(n - done);
        let mut in_flight = futures::stream::FuturesUnordered::new();
        for _ in 0..batch {
            let handle = repo.create(load_doc(&mut rng, 200)?).await?;
            in_flight.push(async move {
                tokio::time::timeout(Duration::from_secs(120), handle.they_have_our_changes(conn))
                    .await
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
        dialer.close();
        repo.stop().await;
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

/// Rows of the report for one workload, and the two ratios.
fn rows(name: &str, runs: &[(Side, Vec<Run>)]) -> (String, Option<(f64, f64)>) {
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
            "| {name} | {} | {} | {:.1} ({}) | {:.1} ms | {:.0} MB | {:.0} % | {docs:.0} | {errors:.0} |\n",
            side.name(),
            rs.len(),
            median(dps.clone()),
            spread(&dps),
            cpu_per_doc,
            median(rs.iter().map(|r| r.rss_mb).collect()),
            100.0 * busy,
        ));
        medians.push((median(dps), cpu_per_doc));
    }
    let ratio = match medians.as_slice() {
        [(b_dps, b_cpu), (o_dps, o_cpu)] => Some((o_dps / b_dps, b_cpu / o_cpu)),
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
    let (mut only_held, mut rust_fill) = (false, false);
    let mut args = std::env::args().skip(1);
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
            "--rust-fill" => rust_fill = true,
            other => bail!(
                "unknown argument {other}; use --out, --baseline, --server-bin, --runs, --held, --held-secs, --quick, --only-held, --rust-fill"
            ),
        }
    }
    if quick {
        (runs, held, held_secs) = (1, 20, 30);
    }
    let work = std::env::current_dir()?.join("target/sync-bench");
    std::fs::create_dir_all(&work)?;
    let bench = Bench {
        baseline,
        server_bin,
        work,
        http: reqwest::Client::new(),
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

    let mut table = String::new();
    let mut ratios = Vec::new();
    let workloads = if only_held {
        &workloads[..0]
    } else {
        &workloads[..]
    };
    for (name, args) in workloads {
        let mut per_side = Vec::new();
        for side in sides {
            let mut rs = Vec::new();
            for i in 0..runs {
                let server = bench.start(side, &js).await?;
                let r = bench.load(&js, &server, args, 900).await;
                server.stop().await;
                let r = r.with_context(|| format!("{name}, {}", side.name()))?;
                println!("{name} | {} | run {i}: {r:?}", side.name());
                rs.push(r);
            }
            per_side.push((side, rs));
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
    let mut baseline_held = 0usize;
    let plan: &[(Side, Option<usize>)] = if only_held {
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
        } else if rust_fill && side == Side::Ours {
            fill_rust(&server, want).await
        } else {
            bench
                .load(
                    &js,
                    &server,
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
            .load(&js, &server, &s(&["--clients", "10"]), 900)
            .await;
        server.stop().await;
        let r = r?;
        println!("(c) {} holding {filled}: {r:?}", side.name());
        let fill_cpu = fill
            .as_ref()
            .map(|f| 1000.0 * f.server_cpu_s / f.docs)
            .unwrap_or(f64::NAN);
        // A figure with its unit, or a dash where there is none (nothing was filled).
        let shown = |x: f64, digits: usize, unit: &str| {
            if x.is_nan() {
                "–".to_owned()
            } else {
                format!("{x:.digits$} {unit}")
            }
        };
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

    let mut section = String::from(
        "## Sync server against the JS automerge-repo server, side by side\n\n\
         Written by `sync-bench`. The same load client (`loadclient.mjs` of the shared baseline) \
         against both servers in the same run, server pinned to core 0 and client to core 1, a \
         fresh server and data folder for every run. Each document: signup-shaped records \
         (8 string fields), one change per record; a document counts once the server's \
         advertised heads equal the client's. Our server stores every document with an fsync \
         before it answers (the baseline never fsyncs); it sees the client as a *benchmark \
         device* (`bench_devices = true`, off by default), which may store documents of its \
         own and see nothing else.\n\n\
         | workload | server | runs | docs/s median (min–max) | server CPU per doc | server RSS after | client core busy | docs | errors |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    section.push_str(&table);
    section.push_str("\n| workload | docs/s, ours / baseline | server CPU per doc, baseline / ours |\n|---|---|---|\n");
    for (name, (dps, cpu)) in &ratios {
        section.push_str(&format!("| {name} | {dps:.2}x | {cpu:.2}x |\n"));
    }
    section.push_str(&format!(
        "\n### (c) Documents already held, then 10 clients x 1 document again\n\n\
         Both were offered {held} documents; the baseline had {held_secs} s to take them (if it \
         took fewer, ours was also measured at the baseline's count).\n\n\
         | server | documents held | docs/s after | server CPU per doc while filling | server CPU per doc after | server RSS when filled | RSS 15 s after the fill's clients left | RSS after (a) |\n\
         |---|---|---|---|---|---|---|---|\n{held_rows}\n\
         When the client core is near 100 % busy, docs/s measure the client, not the server: \
         then the server CPU per document is the comparison that tells the servers apart.\n"
    ));
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
        frivillig_tests::replace_section(
            &out,
            "## Sync server against the JS automerge-repo server",
            &section,
        )?;
    }
    println!("{section}\n(written to {})", out.display());
    Ok(())
}

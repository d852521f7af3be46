//! `kiosk-fleet-bench`: N kiosk cores with their own redb stores take M signups each while
//! offline, then reconnect together; measures the time until the server has durably
//! acknowledged every signup, the bytes of sync messages per signup against the JSON+zstd
//! size of the same signups, and the server's CPU and memory. The server runs as a process
//! of its own (`server-proc`, next to this binary) pinned to core 0; run this on core 1
//! (`just bench` does: `taskset -c 1`). Writes its section of the benchmark report.
//!
//! Personal data is drawn like real visitors' ([`frivillig_tests::realistic_visitor`]); the
//! first size runs once more with the formulaic data of the other tests, whose clear-text
//! floor is far smaller than real names would give.
//!
//! `kiosk-fleet-bench [--out BENCHMARKS.md] [--sizes 10x2000,200x50]`

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{
    all_signups, enrol_at, kiosk_config, open_kiosk, realistic_visitor, visitor_form, wait_status,
};
use rand::SeedableRng as _;
use tokio::io::AsyncBufReadExt;

/// CPU seconds and resident MiB of process `pid`, from /proc.
fn proc_stats(pid: u32) -> anyhow::Result<(f64, f64)> {
    let cpu = frivillig_tests::cpu_seconds(pid).ok_or_else(|| anyhow!("no /proc/{pid}/stat"))?;
    Ok((cpu, frivillig_tests::rss_mib(pid).unwrap_or(f64::NAN)))
}

/// What the visitors type.
#[derive(Clone, Copy, PartialEq)]
enum Data {
    /// Drawn like real visitors' data, seeded per kiosk.
    Realistic,
    /// The other tests' data: one name and address apart from a counter.
    Formulaic,
}

/// Figures of one fleet size.
struct Figures {
    data: Data,
    kiosks: usize,
    per_kiosk: usize,
    elapsed: Duration,
    bytes_in: u64,
    bytes_out: u64,
    server_cpu_s: f64,
    rss_before: f64,
    rss_after: f64,
    plain_zstd: usize,
    sealed_zstd: usize,
}

async fn metrics(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<(u64, u64)> {
    let v: serde_json::Value = http
        .get(format!("{url}/api/admin/metrics"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let n = |k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    Ok((n("sync_bytes_in"), n("sync_bytes_out")))
}

async fn run(
    server_exe: &Path,
    work: &Path,
    kiosks: usize,
    per_kiosk: usize,
    visitors: Data,
) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir_in(work)?;
    let data = dir.path().join("server");
    let port = frivillig_tests::bind(0)?.local_addr()?.port();
    let mut child = tokio::process::Command::new("taskset")
        .args(["-c", "0"])
        .arg(server_exe)
        .args([data.to_str().unwrap_or_default(), &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", server_exe.display()))?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow!("the server ended at once"))?;
    let mut lines =
        tokio::io::BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?).lines();
    while let Some(line) = lines.next_line().await? {
        if line == "READY" {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let url = format!("http://127.0.0.1:{port}");
    let token = std::fs::read_to_string(data.join("admin-token.txt"))?
        .trim()
        .to_owned();
    let http = reqwest::Client::new();

    // Every kiosk enrolled, given the catalog once, then offline with its signups.
    let mut cores = Vec::with_capacity(kiosks);
    for k in 0..kiosks {
        let id = format!("fleet-{k}");
        let enrol = enrol_at(&http, &url, &token, &id, "bibliotek").await?;
        let core = open_kiosk(
            kiosk_config(&url, &enrol, "bibliotek", &dir.path().join(&id)),
            Arc::new(SystemClock),
        )
        .await?;
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(60), |s| s.online).await?;
        worker.stop().await;
        let mut rng = rand::rngs::StdRng::seed_from_u64(k as u64);
        for i in 0..per_kiosk {
            let form = match visitors {
                Data::Realistic => realistic_visitor(&mut rng),
                Data::Formulaic => visitor_form(&id, i),
            };
            core.submit_signup("gaatur", Some("gaatur-lor"), &form)
                .await?;
        }
        cores.push(core);
    }

    // Reconnect together; the clock stops when every kiosk holds nothing unacknowledged.
    let (in0, out0) = metrics(&http, &url, &token).await?;
    let (cpu0, rss_before) = proc_stats(pid)?;
    let t = Instant::now();
    let workers: Vec<SyncWorker> = cores.iter().map(SyncWorker::start).collect();
    for core in &cores {
        wait_status(core, Duration::from_secs(600), |s| {
            s.online && s.queued_signups == 0 && s.unacked_journals == 0
        })
        .await?;
    }
    let elapsed = t.elapsed();
    let (cpu1, rss_after) = proc_stats(pid)?;
    let (in1, out1) = metrics(&http, &url, &token).await?;
    let held = all_signups(&http, &url, &token).await?;
    if held.len() != kiosks * per_kiosk || held.iter().any(|v| v.person.is_none()) {
        bail!(
            "the server holds {} of {} signups",
            held.len(),
            kiosks * per_kiosk
        );
    }

    // Floors: the same signups as JSON, zstd level 3: personal data in the clear, and the
    // records as the server received them (personal data sealed).
    let plain: Vec<serde_json::Value> = held
        .iter()
        .map(|v| {
            let r = &v.record;
            serde_json::json!({
                "id": r.id, "opportunity_id": r.opportunity_id, "shift_id": r.shift_id,
                "site_id": r.site_id, "source": r.source, "created_at": r.created_at,
                "consent_version": r.consent_version, "consent_at": r.consent_at,
                "receipt_hash": r.receipt_hash, "person": v.person, "status": r.status,
            })
        })
        .collect();
    let plain_zstd = zstd::bulk::compress(&serde_json::to_vec(&plain)?, 3)?.len();
    let sealed: Vec<_> = held.iter().map(|v| &v.record).collect();
    let sealed_zstd = zstd::bulk::compress(&serde_json::to_vec(&sealed)?, 3)?.len();

    for w in workers {
        w.stop().await;
    }
    for core in cores {
        core.shutdown().await;
    }
    let _ = child.kill().await;
    Ok(Figures {
        data: visitors,
        kiosks,
        per_kiosk,
        elapsed,
        bytes_in: in1 - in0,
        bytes_out: out1 - out0,
        server_cpu_s: cpu1 - cpu0,
        rss_before,
        rss_after,
        plain_zstd,
        sealed_zstd,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut out = PathBuf::from("BENCHMARKS.md");
    let mut sizes = vec![(10usize, 2000usize), (200, 50)];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().context("--out PATH")?.into(),
            "--sizes" => {
                sizes = args
                    .next()
                    .context("--sizes KxN,...")?
                    .split(',')
                    .map(|s| {
                        let (k, n) = s.split_once('x').context("KxN")?;
                        Ok((k.parse()?, n.parse()?))
                    })
                    .collect::<anyhow::Result<_>>()?
            }
            other => bail!("unknown argument {other}; use --out, --sizes"),
        }
    }
    let server_exe = std::env::current_exe()?
        .parent()
        .map(|d| d.join("server-proc"))
        .ok_or_else(|| anyhow!("no folder for this binary"))?;
    let work = std::env::current_dir()?.join("target/fleet-bench");
    std::fs::create_dir_all(&work)?;
    let mut rows = String::new();
    let mut runs: Vec<_> = sizes
        .iter()
        .map(|&(k, n)| (k, n, Data::Realistic))
        .collect();
    runs.extend(sizes.first().map(|&(k, n)| (k, n, Data::Formulaic)));
    for (kiosks, per_kiosk, data) in runs {
        let f = run(&server_exe, &work, kiosks, per_kiosk, data).await?;
        let n = (f.kiosks * f.per_kiosk) as f64;
        println!(
            "{} kiosks x {}: {:?}, {} bytes in",
            f.kiosks, f.per_kiosk, f.elapsed, f.bytes_in
        );
        rows.push_str(&format!(
            "| {} x {} | {} | {:.3} s | {:.0} | {:.0} | {:.0} | {:.2}x | {:.2}x | {:.0} | {:.2} s ({:.0} µs per signup) | {:.0} → {:.0} MiB |\n",
            f.kiosks,
            f.per_kiosk,
            match f.data {
                Data::Realistic => "realistic",
                Data::Formulaic => "formulaic",
            },
            f.elapsed.as_secs_f64(),
            n / f.elapsed.as_secs_f64(),
            f.bytes_in as f64 / n,
            f.plain_zstd as f64 / n,
            f.bytes_in as f64 / f.plain_zstd as f64,
            f.bytes_in as f64 / f.sealed_zstd as f64,
            f.bytes_out as f64 / n,
            f.server_cpu_s,
            1e6 * f.server_cpu_s / n,
            f.rss_before,
            f.rss_after,
        ));
    }
    let section = format!(
        "## Kiosk fleet: offline signups, then everyone reconnects\n\n\
         Written by `kiosk-fleet-bench`. Kiosk cores with their own redb stores, in one process \
         on core 1, take their signups while offline, then all start syncing at once; the \
         server (`server-proc`, its own process, core 0) opens, indexes and commits each \
         signup before it acknowledges. Personal data: realistic (Danish names, e-mail at common \
         providers, random phone numbers, some without one or the other, a few notes, seeded) or \
         formulaic (the other tests' data, one name and address apart from a counter, which \
         zstd in the clear squeezes to a few bytes a signup and a sealed box cannot). Time: from the reconnect until every kiosk holds nothing \
         unacknowledged. Bytes: sync messages as the server counts them. Floor: the same \
         signups as JSON, zstd level 3, personal data in the clear (the sealed floor: the records \
         as received, personal data sealed, which does not compress). CPU time of the server \
         process has a resolution of 10 ms.\n\n\
         | kiosks x signups | personal data | until all durably acknowledged | signups/s | bytes in per signup | floor bytes per signup | in / floor | in / sealed floor | bytes out per signup | server CPU | server memory |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n{rows}\n\
         Targets: 10 x 2,000 under 3 s; bytes on the wire at most 2x the floor.\n"
    );
    frivillig_tests::replace_section(&out, "## Kiosk fleet:", &section)?;
    println!("{section}\n(written to {})", out.display());
    Ok(())
}

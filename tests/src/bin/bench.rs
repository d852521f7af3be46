//! `frivillig-bench`: measures the kiosk's signup path against the disk's own fsync latency,
//! and a reconnect of a kiosk with queued signups against the JSON+zstd size of the same
//! signups, all in one run on this machine, and writes a markdown report.
//!
//! `cargo run --release -p frivillig-tests --bin frivillig-bench -- --out BENCHMARKS.md`

use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{
    TestServer, kiosk_config, ms, open_kiosk, realistic_visitor, replace_section, stats,
    wait_status,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut out = PathBuf::from("BENCHMARKS.md");
    let mut n = 2000usize;
    let mut dir = PathBuf::from("target/bench-tmp");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().context("--out PATH")?.into(),
            "--signups" => n = args.next().context("--signups N")?.parse()?,
            "--dir" => dir = args.next().context("--dir PATH")?.into(),
            other => anyhow::bail!("unknown argument {other}; use --out, --signups, --dir"),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let tmp = tempfile::tempdir_in(&dir)?;

    // Floor 1: raw fsync latency of this disk, same folder as the redb files.
    let mut fsyncs = Vec::with_capacity(n);
    {
        let mut f = std::fs::File::create(tmp.path().join("fsync.bin"))?;
        let block = [7u8; 512];
        for i in 0..n {
            let t = Instant::now();
            f.seek(SeekFrom::Start(((i % 64) * 4096) as u64))?;
            f.write_all(&block)?;
            f.sync_data()?;
            fsyncs.push(t.elapsed());
        }
    }
    let fsync = stats(fsyncs);

    // Floor 2: one redb commit with full durability of a value the size of a signup's change.
    let mut commits = Vec::with_capacity(n);
    {
        let db = redb::Database::create(tmp.path().join("floor.redb"))?;
        let table: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("floor");
        let value = [9u8; 600];
        for i in 0..n as u64 {
            let t = Instant::now();
            let mut tx = db.begin_write()?;
            tx.set_durability(redb::Durability::Immediate)?;
            tx.open_table(table)?.insert(i, value.as_slice())?;
            tx.commit()?;
            commits.push(t.elapsed());
        }
    }
    let commit = stats(commits);

    // The system: a server, one enrolled kiosk that has the catalog, then offline.
    let server = TestServer::start(&tmp.path().join("server")).await?;
    let enrol = server.enrol("bench", "bibliotek").await?;
    let config = kiosk_config(
        &server.url(),
        &enrol,
        "bibliotek",
        &tmp.path().join("kiosk"),
    );
    let core = open_kiosk(config, Arc::new(SystemClock)).await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(30), |s| s.online).await?;
    worker.stop().await;

    // Kiosk: submit_signup until durable and read back, first at a festival's pace (a visitor
    // every 10 ms, so background work keeps up), then as one burst.
    let paced_n = n / 10;
    let mut paced = Vec::with_capacity(paced_n);
    let mut submits = Vec::with_capacity(n);
    let mut records = Vec::with_capacity(n);
    // Personal data drawn like real visitors' (seeded), so the clear-text floor below is
    // not one a counter makes tiny.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    for i in 0..n {
        if i < paced_n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let form = realistic_visitor(&mut rng);
        let t = Instant::now();
        let receipt = core
            .submit_signup("gaatur", Some("gaatur-lor"), &form)
            .await?;
        if i < paced_n {
            paced.push(t.elapsed());
        } else {
            submits.push(t.elapsed());
        }
        records.push((receipt, form));
    }
    let paced = stats(paced);
    let submit = stats(submits);

    // Reconnect with everything queued: time until the server durably acknowledged it all.
    let in0 = server.state.sync.bytes_in.load(Ordering::Relaxed);
    let out0 = server.state.sync.bytes_out.load(Ordering::Relaxed);
    let t = Instant::now();
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(120), |s| {
        s.online && s.queued_signups == 0 && s.unacked_journals == 0
    })
    .await?;
    let reconnect = t.elapsed();
    let sent = server.state.sync.bytes_in.load(Ordering::Relaxed) - in0;
    let received = server.state.sync.bytes_out.load(Ordering::Relaxed) - out0;
    let at_server = server.signups().await?.len();
    anyhow::ensure!(at_server == n, "server holds {at_server} of {n}");

    // Floor 2: the same signups as JSON (personal data in the clear), zstd level 3.
    let json: Vec<serde_json::Value> = records
        .iter()
        .map(|(r, f)| {
            serde_json::json!({
                "id": r.signup_id, "opportunity_id": "gaatur", "shift_id": "gaatur-lor", "site_id": "bibliotek",
                "source": {"kind": "kiosk", "id": "bench"}, "created_at": "2026-11-27T10:00:00.000+01:00",
                "consent_version": 1, "consent_at": "2026-11-27T10:00:00.000+01:00",
                "receipt_hash": frivillig_common::receipt::receipt_hash(&r.token),
                "name": f.name, "phone": f.phone, "email": f.email, "age_confirmed": f.age_confirmed,
                "status": "new",
            })
        })
        .collect();
    let json_bytes = serde_json::to_vec(&json)?;
    let zstd_bytes = zstd::bulk::compress(&json_bytes, 3)?.len();
    // Floor 3: the records exactly as the server received them (personal data sealed).
    let stored: Vec<_> = server
        .signups()
        .await?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let sealed_json = serde_json::to_vec(&stored)?;
    let sealed_zstd = zstd::bulk::compress(&sealed_json, 3)?.len();

    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    drop(tmp);

    let report = format!(
        "## Kiosk: `submit_signup` until durable and read back\n\n\
         | figure | median | p99 | min | max |\n|---|---|---|---|---|\n\
         | raw fsync of 512 bytes (floor) | {} | {} | {} | {} |\n\
         | redb commit of one 600-byte value, full durability | {} | {} | {} | {} |\n\
         | `submit_signup`, {paced_n} paced 10 ms apart | {} | {} | {} | {} |\n\
         | `submit_signup`, {} in one burst | {} | {} | {} | {} |\n\n\
         Ratio to the fsync floor: paced median {:.2}x, p99 {:.2}x; burst median {:.2}x, p99 {:.2}x. \
         Target: p99 under 1 ms and within 3x of fsync.\n\n\
         ## Reconnect: a kiosk with {n} queued signups\n\n\
         | figure | value |\n|---|---|\n\
         | time until every signup is durably acknowledged | {} |\n\
         | bytes sent by the kiosk (sync messages) | {sent} |\n\
         | bytes sent by the server (sync messages) | {received} |\n\
         | same signups as JSON | {} |\n\
         | same signups as JSON+zstd, personal data (realistic, seeded) in the clear (floor) | {zstd_bytes} |\n\
         | same records as the journal holds them (sealed) as JSON+zstd | {sealed_zstd} |\n\n\
         Ratio of bytes sent to the plain floor: {:.2}x ({:.0} bytes per signup); to the sealed records as JSON+zstd: {:.2}x. \
         Targets: under 1 s on loopback, under 2x the floor. Sealed personal data is ciphertext and does not \
         compress, so against the plain floor the sealing alone costs about {:.0} bytes per signup.\n",
        ms(fsync.median),
        ms(fsync.p99),
        ms(fsync.min),
        ms(fsync.max),
        ms(commit.median),
        ms(commit.p99),
        ms(commit.min),
        ms(commit.max),
        ms(paced.median),
        ms(paced.p99),
        ms(paced.min),
        ms(paced.max),
        n - paced_n,
        ms(submit.median),
        ms(submit.p99),
        ms(submit.min),
        ms(submit.max),
        paced.median.as_secs_f64() / fsync.median.as_secs_f64(),
        paced.p99.as_secs_f64() / fsync.p99.as_secs_f64(),
        submit.median.as_secs_f64() / fsync.median.as_secs_f64(),
        submit.p99.as_secs_f64() / fsync.p99.as_secs_f64(),
        ms(reconnect),
        json_bytes.len(),
        sent as f64 / zstd_bytes as f64,
        sent as f64 / n as f64,
        sent as f64 / sealed_zstd as f64,
        (sealed_zstd as f64 - zstd_bytes as f64) / n as f64,
    );
    // Each benchmark replaces only its own sections, so one can be rerun alone.
    if std::fs::read_to_string(&out).map_or(true, |t| t.trim().is_empty()) {
        std::fs::write(
            &out,
            "# Benchmarks\n\n\
             Written by `just bench`. Every ratio compares figures measured in the same run on \
             the same machine and disk.\n",
        )?;
    }
    let (signup, reconnect) = report
        .split_once("## Reconnect:")
        .context("the report has its two sections")?;
    replace_section(&out, "## Kiosk: `submit_signup`", signup)?;
    replace_section(
        &out,
        "## Reconnect: a kiosk with",
        &format!("## Reconnect:{reconnect}"),
    )?;
    println!("{report}");
    println!("(written to {})", out.display());
    Ok(())
}

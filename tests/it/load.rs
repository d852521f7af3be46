//! Load (item 7 of the hardening issue): `FRIVILLIG_LOAD_KIOSKS` kiosk cores (20 here,
//! 500 in `just soak`), each with its own redb store and sync connection, sign visitors up
//! for `FRIVILLIG_LOAD_SECS` (10 here, 600 in `just soak`) against the server running as a
//! process of its own, while a coordinator pages and searches the admin list in the web
//! app. Every confirmed signup arrives exactly once; the server's resident memory is
//! sampled every second and printed with the figures.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{
    Browser, all_signups, enrol_at, kiosk_config, ms, open_kiosk, rss_mib, start_server_process,
    stats, visitor_form, wait_status,
};
use rand::Rng;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_kiosks_sync_while_a_coordinator_pages_the_list() -> anyhow::Result<()> {
    let kiosks = env_or("FRIVILLIG_LOAD_KIOSKS", 20) as usize;
    let secs = env_or("FRIVILLIG_LOAD_SECS", 10);
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let port = frivillig_tests::bind(0)?.local_addr()?.port();
    let server = start_server_process(env!("CARGO_BIN_EXE_server-proc"), &data, port).await?;
    let pid = server
        .child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the server process has no id"))?;
    let url = format!("http://127.0.0.1:{port}");
    let token = std::fs::read_to_string(data.join("admin-token.txt"))?
        .trim()
        .to_owned();
    let password = std::fs::read_to_string(data.join("admin-password.txt"))?
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let http = reqwest::Client::new();

    let mut cores = Vec::new();
    for k in 0..kiosks {
        let id = format!("last-{k}");
        let enrol = enrol_at(&http, &url, &token, &id, "bibliotek").await?;
        let config = kiosk_config(&url, &enrol, "bibliotek", &dir.path().join(&id));
        let core = Arc::new(open_kiosk(config, Arc::new(SystemClock)).await?);
        let worker = SyncWorker::start(&core);
        cores.push((id, core, worker));
    }
    for (_, core, _) in &cores {
        wait_status(core, Duration::from_secs(120), |s| s.online).await?;
    }
    let rss_start = rss_mib(pid).unwrap_or(0.0);

    let stop = Arc::new(AtomicBool::new(false));
    // Visitors: each kiosk about once every `kiosks / 100` seconds, so about 100 signups a
    // second in all, whatever the number of kiosks.
    let mut visitors = Vec::new();
    for (id, core, _) in &cores {
        let (id, core, stop) = (id.clone(), core.clone(), stop.clone());
        let mean_ms = (kiosks as u64 * 10).max(20);
        visitors.push(tokio::spawn(async move {
            let mut confirmed = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let wait = rand::thread_rng().gen_range(0..2 * mean_ms);
                tokio::time::sleep(Duration::from_millis(wait)).await;
                let form = visitor_form(&id, i);
                i += 1;
                if core
                    .submit_signup("hojtlaesning", None, &form)
                    .await
                    .is_ok()
                {
                    confirmed.push(form.name);
                }
            }
            confirmed
        }));
    }
    // A coordinator pages through the list and searches it meanwhile.
    let coordinator = {
        let (url, stop) = (url.clone(), stop.clone());
        tokio::spawn(async move {
            let mut browser = Browser::new(&url)?;
            browser.log_in("admin", &password).await?;
            let mut times = Vec::new();
            let mut page = 1;
            while !stop.load(Ordering::Relaxed) {
                for path in [
                    format!("/admin/tilmeldinger?page={page}"),
                    "/admin/tilmeldinger?q=%C3%85se".to_owned(),
                ] {
                    let t = std::time::Instant::now();
                    let answer = browser.get(&path).await?;
                    anyhow::ensure!(answer.status == 200, "{path}: {}", answer.status);
                    times.push(t.elapsed());
                }
                page = page % 20 + 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            anyhow::Ok(times)
        })
    };
    let mut rss_max = rss_start;
    let until = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_max = rss_max.max(rss_mib(pid).unwrap_or(0.0));
    }
    stop.store(true, Ordering::Relaxed);
    let mut confirmed = Vec::new();
    for v in visitors {
        confirmed.extend(v.await?);
    }
    let times = coordinator.await??;
    for (_, core, _) in &cores {
        core.sync_now();
        wait_status(core, Duration::from_secs(300), |s| s.queued_signups == 0).await?;
    }
    let rss_end = rss_mib(pid).unwrap_or(0.0);

    let mut held: HashMap<String, usize> = HashMap::new();
    for s in all_signups(&http, &url, &token).await? {
        if let Some(p) = s.person {
            *held.entry(p.name).or_insert(0) += 1;
        }
    }
    let lost = confirmed.iter().filter(|n| !held.contains_key(*n)).count();
    let duplicated = held.values().filter(|n| **n > 1).count();
    let list = stats(times.clone());
    println!(
        "{kiosks} kiosks: {secs} s, {} signups confirmed, {lost} lost, {duplicated} duplicated; server memory {rss_start:.0} MiB at start, {rss_max:.0} MiB at most, {rss_end:.0} MiB at the end; admin list {} pages, p99 {}",
        confirmed.len(),
        times.len(),
        ms(list.p99)
    );
    anyhow::ensure!(lost == 0, "{lost} confirmed signups never arrived");
    anyhow::ensure!(duplicated == 0, "{duplicated} signups arrived twice");
    anyhow::ensure!(!confirmed.is_empty(), "no visitor signed up");
    for (_, core, worker) in cores {
        worker.stop().await;
        core.shutdown().await;
    }
    drop(server);
    Ok(())
}

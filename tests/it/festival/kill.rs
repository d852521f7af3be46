//! SIGKILLs of festival kiosks while they take signups and sync with each other, the server
//! gone: afterwards every signup any of them confirmed reaches the server exactly once,
//! carried by one kiosk for the two that never reach it again.

use std::collections::HashSet;

use rand::{Rng as _, SeedableRng as _};

use super::*;

/// A kiosk-burst process in festival mode; its confirmed signups go to `saved`.
fn burst(
    config: &Path,
    first: usize,
    saved: tokio::sync::mpsc::UnboundedSender<String>,
) -> anyhow::Result<tokio::process::Child> {
    frivillig_tests::spawn_burst(
        env!("CARGO_BIN_EXE_kiosk-burst"),
        &[config.to_str().unwrap_or_default(), "1000000", JOB, SHIFT],
        &[
            ("FRIVILLIG_BURST_SYNC", "1".into()),
            ("FRIVILLIG_BURST_PEERS", "1".into()),
            ("FRIVILLIG_BURST_PAUSE_MS", "15".into()),
            ("FRIVILLIG_BURST_FIRST", first.to_string()),
        ],
        saved,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn festival_kiosks_killed_at_random_lose_and_duplicate_nothing() -> anyhow::Result<()> {
    let seed: u64 = std::env::var("FRIVILLIG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    println!("festival kill loop: FRIVILLIG_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir()?;
    let server_dir = dir.path().join("server");
    let server = TestServer::start(&server_dir).await?;
    let port = server.addr.port();
    shift_of(&server, 12).await?;
    let clock = ManualClock::new(chrono::Utc::now().fixed_offset());
    let ids = ["telt-a", "telt-b", "telt-c"];
    let mut kiosks = Vec::new();
    for id in ids {
        kiosks.push(kiosk(&server, id, SITE, dir.path(), &clock).await?);
    }
    know_each_other(&kiosks).await?;
    // Fixed addresses, so a kiosk started again listens where its peers dial.
    let mut addresses = Vec::new();
    for _ in ids {
        addresses.push(frivillig_tests::bind(0)?.local_addr()?.to_string());
    }
    let mut configs = Vec::new();
    for (i, k) in kiosks.into_iter().enumerate() {
        let mut config = k.core.config().clone();
        k.stop().await;
        config.peer_listen = Some(addresses[i].clone());
        config.peers = (0..3)
            .filter(|j| *j != i)
            .map(|j| addresses[j].clone())
            .collect();
        let path = dir.path().join(format!("{}.toml", config.kiosk_id));
        config.save(&path)?;
        configs.push((config, path));
    }
    server.stop().await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut procs = Vec::new();
    for (i, (_, path)) in configs.iter().enumerate() {
        procs.push(burst(path, i * 100_000, tx.clone())?);
    }
    for kill in 0..8 {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(500..1500))).await;
        let i = rng.gen_range(0..3);
        procs[i].start_kill()?;
        procs[i].wait().await?;
        procs[i] = burst(
            &configs[i].1,
            (kill + 1) * 1_000_000 + i * 100_000,
            tx.clone(),
        )?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for p in &mut procs {
        p.start_kill()?;
        p.wait().await?;
    }
    drop(tx);
    let mut confirmed = HashSet::new();
    while let Some(id) = rx.recv().await {
        confirmed.insert(id);
    }
    anyhow::ensure!(confirmed.len() > 50, "only {} confirmed", confirmed.len());

    // The server comes back; only telt-c reaches it, and carries the others' journals.
    let server = TestServer::start_on(&server_dir, port).await?;
    let mut open = Vec::new();
    for (i, (config, _)) in configs.into_iter().enumerate() {
        let listen: SocketAddr = config.peer_listen.clone().unwrap_or_default().parse()?;
        let core = open_kiosk(config, Arc::new(frivillig_kiosk::SystemClock)).await?;
        let peers = PeerNet::start(&core, listen).await?;
        let worker = (i == 2).then(|| SyncWorker::start(&core));
        open.push((core, peers, worker));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let at_server = loop {
        let signups = server.signups().await?;
        let ids: HashSet<String> = signups.iter().map(|s| s.record.id.clone()).collect();
        if confirmed.is_subset(&ids) {
            break ids;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{} of {} confirmed signups at the server (seed {seed})",
            confirmed.intersection(&ids).count(),
            confirmed.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // Exactly once: the store keys signups by id, and no kiosk's copy may have made a
    // second record of one (the list is read while nothing arrives any more).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let signups = server.signups().await?;
    let distinct: HashSet<&String> = signups.iter().map(|s| &s.record.id).collect();
    anyhow::ensure!(distinct.len() == signups.len(), "a signup is listed twice");
    println!(
        "{} confirmed, {} at the server (the rest were saved as the process died)",
        confirmed.len(),
        at_server.len()
    );
    for (core, peers, worker) in open {
        peers.stop().await;
        if let Some(w) = worker {
            w.stop().await;
        }
        core.shutdown().await;
    }
    server.stop().await;
    Ok(())
}

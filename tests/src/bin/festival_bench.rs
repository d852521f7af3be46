//! `festival-bench`: five kiosks of one site in festival mode on loopback, the server gone
//! for the evening, 2,000 signups in all at random kiosks, one kiosk cut off from the others
//! for a stretch every 400 signups. Measured in one run:
//!
//! - the time from a signup's confirmation at one kiosk until every kiosk connected to it
//!   counts it (median, p99), against the confirmation itself (the local durable write);
//! - the bytes the kiosks exchange (sync messages and manifests) per signup;
//! - the time a cut-off kiosk takes to catch up once its link is back;
//! - the time from one kiosk's link to the server appearing until every signup of all five
//!   is durably acknowledged (the others' journals delivered by it).
//!
//! `cargo run --release -p frivillig-tests --bin festival-bench -- --out BENCHMARKS.md`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use frivillig_kiosk::{KioskCore, PeerNet, SyncWorker, SystemClock};
use frivillig_tests::{
    TestServer, bench_args, bench_setup, kiosk_config, ms, open_kiosk, replace_section, stats,
    visitor_form,
};
use rand::{Rng as _, SeedableRng as _};

const SECTION: &str = "## Festival mode: five kiosks, one evening without the server";
const SITE: &str = "kulturnat";
const JOB: &str = "kulturnat-oprydning";
const SHIFT: &str = "oprydning";
const KIOSKS: usize = 5;

struct Kiosk {
    id: String,
    core: KioskCore,
    peers: Option<PeerNet>,
    listen: SocketAddr,
}

/// Signups `owner` made that `reader` holds in its copy of `owner`'s journals.
async fn held_from(reader: &KioskCore, owner: &str) -> u64 {
    reader
        .held_journals()
        .await
        .iter()
        .filter(|h| h.owner == owner)
        .map(|h| h.signups)
        .sum()
}

fn main() -> anyhow::Result<()> {
    let (out, signups) = bench_args(2_000)?;
    let (rt, dir) = bench_setup()?;
    rt.block_on(async {
        let server_dir = dir.path().join("server");
        let server = TestServer::start(&server_dir).await?;
        let port = server.addr.port();
        let mut catalog = frivillig_sync_server::service::catalog::catalog(&server.state).await?;
        for o in &mut catalog.opportunities {
            for s in &mut o.shifts {
                if s.id == SHIFT {
                    s.capacity = signups as u32 + 100;
                }
            }
        }
        frivillig_sync_server::service::catalog::replace_catalog(&server.state, catalog, "admin")
            .await?;
        // Enrol, get certificates and the site's list, on the server's network.
        let mut kiosks = Vec::new();
        let mut workers = Vec::new();
        for i in 0..KIOSKS {
            let id = format!("telt-{i}");
            let enrol = server.enrol(&id, SITE).await?;
            let config = kiosk_config(&server.url(), &enrol, SITE, &dir.path().join(&id));
            let core = open_kiosk(config, Arc::new(SystemClock)).await?;
            let peers = PeerNet::start(&core, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            workers.push(SyncWorker::start(&core));
            let listen = peers.local_addr();
            kiosks.push(Kiosk {
                id,
                core,
                peers: Some(peers),
                listen,
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while !kiosks.iter().all(|k| {
            k.core.catalog().is_some()
                && k.core
                    .site_peers()
                    .iter()
                    .filter(|p| !p.addresses.is_empty())
                    .count()
                    == KIOSKS - 1
        }) {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the kiosks did not learn each other"
            );
            for k in &kiosks {
                k.core.sync_now();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for w in workers {
            w.stop().await;
        }
        server.stop().await;

        let mut rng = rand::rngs::StdRng::seed_from_u64(24);
        let mut writes = Vec::new();
        let mut counted = Vec::new();
        let mut catch_up = Vec::new();
        let mut made = [0u64; KIOSKS];
        let mut cut: Option<(usize, usize)> = None;
        let bytes_before: u64 = kiosks.iter().map(|k| k.core.peer_bytes()).sum();
        for n in 0..signups {
            // Every 400 signups one kiosk loses its link for 100 of them.
            if n % 400 == 200 {
                let i = rng.gen_range(0..KIOSKS);
                if let Some(p) = kiosks[i].peers.take() {
                    p.stop().await;
                }
                cut = Some((i, n));
            }
            if let Some((i, from)) = cut
                && n == from + 100
            {
                let healed = Instant::now();
                kiosks[i].peers = Some(PeerNet::start(&kiosks[i].core, kiosks[i].listen).await?);
                // Caught up: it holds all the others made, and they hold all it made.
                loop {
                    let mut done = true;
                    for (j, other) in kiosks.iter().enumerate() {
                        if j != i
                            && (held_from(&kiosks[i].core, &other.id).await < made[j]
                                || held_from(&other.core, &kiosks[i].id).await < made[i])
                        {
                            done = false;
                        }
                    }
                    if done {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                catch_up.push(healed.elapsed());
                cut = None;
            }
            let at = rng.gen_range(0..KIOSKS);
            let t = Instant::now();
            kiosks[at]
                .core
                .submit_signup(JOB, Some(SHIFT), &visitor_form(&kiosks[at].id, n))
                .await?;
            writes.push(t.elapsed());
            made[at] += 1;
            let t = Instant::now();
            let cut_off = cut.map(|(i, _)| i);
            if cut_off == Some(at) {
                continue;
            }
            loop {
                let mut all = true;
                for (j, other) in kiosks.iter().enumerate() {
                    if j != at
                        && Some(j) != cut_off
                        && held_from(&other.core, &kiosks[at].id).await < made[at]
                    {
                        all = false;
                        break;
                    }
                }
                if all {
                    break;
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            counted.push(t.elapsed());
        }
        let bytes: u64 = kiosks.iter().map(|k| k.core.peer_bytes()).sum::<u64>() - bytes_before;
        // A kiosk still cut off at the end gets its link back before the server's comes.
        if let Some((i, _)) = cut {
            kiosks[i].peers = Some(PeerNet::start(&kiosks[i].core, kiosks[i].listen).await?);
        }

        // One kiosk's link to the server appears.
        let server = TestServer::start_on(&server_dir, port).await?;
        let linked = Instant::now();
        let worker = SyncWorker::start(&kiosks[0].core);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let mut all = true;
            for k in &kiosks {
                if k.core.journals().await.iter().any(|j| !j.fully_acked) {
                    all = false;
                }
            }
            if all {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "not all acknowledged in 2 minutes"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let delivered = linked.elapsed();
        let at_server = server.state.store.signup_count()?;
        anyhow::ensure!(
            at_server as usize == signups,
            "{at_server} of {signups} at the server"
        );

        let w = stats(writes);
        let c = stats(counted.clone());
        // With fewer than 300 signups no cut heals inside the loop.
        let u = stats(if catch_up.is_empty() {
            vec![Duration::ZERO]
        } else {
            catch_up.clone()
        });
        let ratio = |a: Duration| a.as_secs_f64() / w.median.as_secs_f64().max(1e-9);
        let section = format!(
            "{SECTION}\n\n\
             `cargo run --release -p frivillig-tests --bin festival-bench` (`just bench`). Five\n\
             kiosk cores in one process on loopback, each with its own store, festival mode on,\n\
             the server stopped; {signups} signups at random kiosks, one kiosk cut off from the\n\
             others (its festival mode stopped) for 100 signups every 400. Then the server comes\n\
             back and one kiosk syncs with it. Baseline: the confirmation of a signup at its\n\
             kiosk (the durable local write), measured in the same run.\n\n\
             | Measure | Median | p99 | Ratio to the confirmation (median) |\n\
             |---|---|---|---|\n\
             | Confirmation at the kiosk (baseline) | {} | {} | 1.0x |\n\
             | Counted at every connected kiosk ({} signups) | {} | {} | {:.1}x |\n\
             | A cut-off kiosk caught up after its link is back ({} times) | {} | {} | {:.0}x |\n\n\
             Bytes between kiosks (sync messages and manifests, both directions, all five):\n\
             {:.0} per signup. From one kiosk's link to the server appearing until every\n\
             signup of all five is durably acknowledged at the server and each kiosk holds\n\
             the server's signed acknowledgement: {:.2} s ({} signups).\n",
            ms(w.median),
            ms(w.p99),
            counted.len(),
            ms(c.median),
            ms(c.p99),
            ratio(c.median),
            catch_up.len(),
            ms(u.median),
            ms(u.p99),
            ratio(u.median),
            bytes as f64 / signups as f64,
            delivered.as_secs_f64(),
            signups,
        );
        println!("{section}");
        replace_section(&out, SECTION, &section)?;
        worker.stop().await;
        for k in kiosks {
            if let Some(p) = k.peers {
                p.stop().await;
            }
            k.core.shutdown().await;
        }
        server.stop().await;
        anyhow::Ok(())
    })
}

//! `catalog-bench`: a kiosk's sync of a large catalog (200 jobs, 5,000 shifts, 200 photos)
//! through a byte-counting relay in front of the real server: bytes and time of the first
//! sync (catalog and photos) and of one edited job afterwards, beside the same catalog as
//! JSON compressed with zstd and the photos' own bytes, measured in the same run. Replaces
//! its section in BENCHMARKS.md.
//!
//! `cargo run --release -p frivillig-tests --bin catalog-bench -- --out BENCHMARKS.md`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use frivillig_common::domain::{Catalog, Opportunity, Photo, Requirements, Shift};
use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_sync_server::service::catalog::replace_catalog;
use frivillig_sync_server::service::photos::process_image;
use frivillig_tests::{TestServer, kiosk_config, open_kiosk, replace_section, wait_status};

const SECTION: &str = "## Catalog: 200 jobs, 5,000 shifts, 200 photos to a kiosk";
const JOBS: usize = 200;
const SHIFTS_PER_JOB: usize = 25;

/// Copy `from` into `to`, adding each chunk to `count` as it passes (a kept-alive
/// connection never ends, so counting at the end would miss it).
async fn pipe<R, W>(mut from: R, mut to: W, count: Arc<AtomicU64>)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = to.shutdown().await;
}

/// A relay from a local port to `to`, counting the bytes that pass either way.
async fn relay(to: std::net::SocketAddr, count: Arc<AtomicU64>) -> anyhow::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(to).await else {
                    return;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::join!(pipe(cr, sw, count.clone()), pipe(sr, cw, count));
            });
        }
    });
    Ok(port)
}

/// A picture of its own for job `i`: a gradient and a disc whose colours and place depend on
/// `i`, so every photo is different and none is trivially small.
fn picture(i: usize) -> image::DynamicImage {
    let (w, h) = (1200u32, 800u32);
    let seed = (i as u32).wrapping_mul(2_654_435_761);
    let (cx, cy) = (f64::from(seed % w), f64::from((seed / 7) % h));
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        let d = ((f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2)).sqrt();
        let noise = (x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed) % 23;
        image::Rgb([
            ((x * 255 / w) as u8).wrapping_add(noise as u8),
            ((y * 255 / h) as u8) ^ (seed as u8),
            if d < 180.0 { 230 } else { (seed >> 8) as u8 },
        ])
    }))
}

fn catalog(base: &Catalog, photos: &[Photo]) -> Catalog {
    let mut c = base.clone();
    c.opportunities = (0..JOBS)
        .map(|j| {
            let site = &base.sites[j % base.sites.len()].id;
            Opportunity {
                id: format!("job-{j}"),
                site_id: site.clone(),
                title: format!("Frivilligjob nummer {j}"),
                title_en: format!("Volunteer job number {j}"),
                theme: ["kultur", "ældre", "børn og unge", "miljø"][j % 4].into(),
                description_md: "Hjælp til med det, der skal gøres, og mød andre frivillige. "
                    .repeat(4),
                requirements: Requirements {
                    child_record_check: j % 3 == 0,
                    min_age: Some(15),
                },
                shifts: (0..SHIFTS_PER_JOB)
                    .map(|s| {
                        let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap_or_default()
                            + chrono::Duration::days((s * 7 + j % 7) as i64);
                        Shift {
                            id: format!("job-{j}-{s}"),
                            starts: format!("{day}T15:00:00+01:00"),
                            ends: format!("{day}T17:00:00+01:00"),
                            capacity: 4,
                        }
                    })
                    .collect(),
                ambassador_id: None,
                contact: String::new(),
                description_md_en: String::new(),
                visible_from: None,
                visible_until: None,
                photo: Some(photos[j].clone()),
                event: None,
            }
        })
        .collect();
    c
}

fn kib(n: u64) -> String {
    format!("{:.0} KiB", n as f64 / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let (out, _) = frivillig_tests::bench_args(0)?;
    let (rt, dir) = frivillig_tests::bench_setup()?;
    let section = rt.block_on(async {
        let server = TestServer::start(&dir.path().join("server")).await?;
        let mut photos = Vec::new();
        let mut photo_bytes = 0u64;
        for i in 0..JOBS {
            let p = process_image(picture(i))?;
            let sizes: Vec<(&str, &[u8])> = p.sizes.iter().map(|(s, b)| (s.as_str(), b.as_slice())).collect();
            photo_bytes += p.sizes[0].1.len() as u64;
            server.state.store.put_photo(&p.id, &sizes)?;
            photos.push(Photo { id: p.id, alt_da: format!("Foto {i}"), alt_en: format!("Photo {i}"), width: p.width, height: p.height });
        }
        let base = frivillig_sync_server::service::catalog::catalog(&server.state).await?;
        let big = catalog(&base, &photos);
        replace_catalog(&server.state, big.clone(), "bench").await?;
        let json = serde_json::to_vec(&big)?;
        let zstd = zstd::encode_all(json.as_slice(), 3)?.len() as u64;

        let count = Arc::new(AtomicU64::new(0));
        let port = relay(server.addr, count.clone()).await?;
        let enrol = server.enrol("bench-kiosk", "bibliotek").await?;
        let config = kiosk_config(&format!("http://127.0.0.1:{port}"), &enrol, "bibliotek", &dir.path().join("kiosk"));
        let core = open_kiosk(config, Arc::new(SystemClock)).await?;
        let started = Instant::now();
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(300), |_| {
            core.sync_now();
            core.catalog().is_some_and(|c| c.opportunities.len() == JOBS)
                && photos.iter().all(|p| core.photo(&p.id).is_some())
        })
        .await?;
        let first_time = started.elapsed();
        // The counts are added as connections close: stop the kiosk to close them.
        worker.stop().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let first_bytes = count.swap(0, Ordering::Relaxed);

        let mut edited = big.clone();
        edited.opportunities[17].title = "Frivilligjob nummer 17, nu med kaffe".into();
        edited.opportunities[17].shifts[3].capacity = 6;
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(60), |s| s.online).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        worker.stop().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let idle_bytes = count.swap(0, Ordering::Relaxed);
        let started = Instant::now();
        replace_catalog(&server.state, edited, "bench").await?;
        let worker = SyncWorker::start(&core);
        wait_status(&core, Duration::from_secs(60), |_| {
            core.sync_now();
            core.catalog().is_some_and(|c| c.opportunities[17].title.ends_with("kaffe"))
        })
        .await?;
        let edit_time = started.elapsed();
        worker.stop().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let edit_bytes = count.swap(0, Ordering::Relaxed);
        core.shutdown().await;
        server.stop().await;
        let whole = zstd + photo_bytes;
        // The same edit as an Automerge change, written the way the server writes it (only
        // what differs) and the way it did before (the whole catalog put again).
        let change_bytes = |rewrite: bool| -> anyhow::Result<usize> {
            let keys = frivillig_common::sign::SigningKeyPair::generate();
            let mut doc = frivillig_common::catalog::new_catalog_doc(&big, &keys)?;
            let heads = doc.get_heads();
            let mut edited = big.clone();
            edited.opportunities[17].title = "Frivilligjob nummer 17, nu med kaffe".into();
            if rewrite {
                let value = serde_json::to_value(&edited)?;
                doc.transact::<_, _, frivillig_common::amjson::AmJsonError>(|tx| {
                    frivillig_common::amjson::put_json(tx, &automerge::ROOT, "catalog", &value)
                })
                .map_err(|f| anyhow::anyhow!("{}", f.error))?;
            } else {
                frivillig_common::catalog::write_catalog(&mut doc, &edited, &keys)?;
            }
            Ok(doc.save_after(&heads).len())
        };
        let (updated, rewritten) = (change_bytes(false)?, change_bytes(true)?);
        anyhow::Ok(format!(
            "{SECTION}\n\n\
             A kiosk syncs a catalog of {JOBS} jobs with {} shifts and {JOBS} photos (one per job, \
             1,280 px JPEG) from the real server, through a relay that counts every byte either way \
             (HTTP, WebSocket, both directions). Then one job is edited (title and one shift's \
             capacity). Baselines from the same run: the catalog as JSON compressed with zstd (level \
             3) and the photos' own bytes. `cargo run --release -p frivillig-tests --bin catalog-bench`.\n\n\
             | | bytes | time | against the baseline |\n|---|---:|---:|---:|\n\
             | first sync (catalog and photos) | {} | {} ms | {:.2}x JSON+zstd and photos ({}) |\n\
             | of which the catalog and the photos' requests (first sync less the photos) | {} | | {:.2}x JSON+zstd ({}) |\n\
             | a sync round with nothing new | {} | | |\n\
             | one edited job | {} | {} ms | {:.3}x JSON+zstd ({}) |\n\
             | the edit as an Automerge change, written as the difference | {} B | | |\n\
             | the same edit with the whole catalog written again (before this change) | {} | | {:.0}x the difference |\n\n\
             Times run from the worker's start (first sync) and from the save (edit) until the \
             kiosk holds it, with the kiosk asked to sync at once. The edit is sent as the \
             change it is (the catalog is updated field by field, not rewritten), and no photo \
             is sent again: the kiosk holds them by content hash.\n",
            JOBS * SHIFTS_PER_JOB,
            kib(first_bytes),
            first_time.as_millis(),
            first_bytes as f64 / whole as f64,
            kib(whole),
            kib(first_bytes.saturating_sub(photo_bytes)),
            first_bytes.saturating_sub(photo_bytes) as f64 / zstd as f64,
            kib(zstd),
            kib(idle_bytes),
            kib(edit_bytes),
            edit_time.as_millis(),
            edit_bytes.saturating_sub(idle_bytes) as f64 / zstd as f64,
            kib(zstd),
            updated,
            kib(rewritten as u64),
            rewritten as f64 / updated.max(1) as f64,
        ))
    })?;
    replace_section(&out, SECTION, &section)?;
    println!("{section}");
    Ok(())
}

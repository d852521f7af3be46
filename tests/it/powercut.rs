//! Power cuts on the kiosk's disk while visitors sign up (item 1 of the hardening issue): the
//! real signup path (`KioskCore::submit_signup`) on a redb database on a simulated disk that
//! loses power at a random write, sometimes while the kiosk is opening (repair,
//! compaction). After each cut the disk keeps what was synced and a random mix of kept,
//! dropped and torn later writes; the kiosk is opened on that and must hold every signup it
//! confirmed, and no more signups than were attempted. The same harness on a disk whose sync
//! does nothing must report lost signups, or it proves nothing.

use std::sync::Arc;

use frivillig_common::catalog::demo_catalog;
use frivillig_common::seal::SealingKeyPair;
use frivillig_common::storage::RedbStorage;
use frivillig_kiosk::store::KioskStore;
use frivillig_kiosk::{KioskConfig, KioskCore, SystemClock};
use frivillig_tests::powercut::PowerCutDisk;
use frivillig_tests::visitor_form;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Cuts on one disk before starting over with an empty one.
const CHAIN: u64 = 25;

#[derive(Debug, Default)]
struct Tally {
    points: u64,
    confirmed: u64,
    lost: u64,
    phantom: u64,
    unopenable: u64,
}

fn config() -> KioskConfig {
    KioskConfig {
        server_url: "http://127.0.0.1:9".into(),
        kiosk_id: "strøm".replace('ø', "o"),
        device_secret: "x".into(),
        server_public_key: SealingKeyPair::generate().public().to_hex(),
        server_signing_key: frivillig_common::sign::SigningKeyPair::generate().public_hex(),
        site_id: "bibliotek".into(),
        public_url: "http://127.0.0.1:9".into(),
        data_dir: std::env::temp_dir(),
        server_ca_sha256: None,
        staff_pin: "482915".into(),
        peer_listen: None,
        peers: Vec::new(),
        camera: None,
    }
}

async fn run(points: u64, seed: u64, lying: bool) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let config = config();
    let catalog = serde_json::to_string(&demo_catalog()).expect("catalog json");
    let mut image: Option<Vec<u8>> = None;
    let mut confirmed: Vec<String> = Vec::new();
    let mut attempted = 0u64;
    let mut tally = Tally::default();
    // Points include the verify-only step that ends each chain.
    let points = points + points / (CHAIN - 1);
    for point in 0..=points {
        let disk = match image.take() {
            None if lying => PowerCutDisk::lying(),
            None => PowerCutDisk::new(),
            Some(img) if lying => PowerCutDisk::lying_from_image(img),
            Some(img) => PowerCutDisk::from_image(img),
        };
        // Now and then the power goes while the kiosk is still opening.
        let cut_while_opening = point > 0 && point < points && rng.gen_bool(0.1);
        if cut_while_opening {
            disk.cut_after(rng.gen_range(1..30));
        }
        let opened = async {
            let store = KioskStore::on(RedbStorage::with_backend(disk.clone())?)?;
            if store.meta("catalog_json")?.is_none() {
                store.set_meta("catalog_json", &catalog)?;
            }
            anyhow::Ok(KioskCore::open_on(config.clone(), Arc::new(SystemClock), store).await?)
        }
        .await;
        let core = match opened {
            Ok(core) => core,
            Err(_) if disk.is_dead() => {
                image = Some(disk.crash_image(&mut rng));
                continue;
            }
            Err(e) => {
                tally.unopenable += 1;
                eprintln!(
                    "seed {seed}, point {point}: the kiosk does not open after a power cut: {e}"
                );
                break;
            }
        };
        // Every signup confirmed before any earlier cut is here, and nothing invented.
        let present = core.signup_ids().await;
        tally.lost += confirmed.iter().filter(|id| !present.contains(*id)).count() as u64;
        // On a lying disk each loss is counted once.
        confirmed.retain(|id| !lying || present.contains(id));
        let held = present.len() as u64;
        if held > attempted {
            tally.phantom += held - attempted;
        }
        if point == points {
            core.shutdown().await;
            break;
        }
        // A fresh disk now and then keeps each database small, so that thousands of cuts
        // fit in a CI run; each chain of cuts still builds on its own crash images.
        if (point + 1) % CHAIN == 0 {
            core.shutdown().await;
            confirmed.clear();
            attempted = 0;
            continue;
        }
        tally.points += 1;
        if !disk.is_dead() {
            disk.cut_after(rng.gen_range(1..80));
        }
        let mut i = 0;
        loop {
            attempted += 1;
            i += 1;
            match core
                .submit_signup(
                    "hojtlaesning",
                    None,
                    &visitor_form("strom", attempted as usize),
                )
                .await
            {
                Ok(r) => {
                    tally.confirmed += 1;
                    confirmed.push(r.signup_id);
                }
                Err(_) => break,
            }
            if i > 500 {
                break;
            }
        }
        core.shutdown().await;
        image = Some(disk.crash_image(&mut rng));
    }
    tally
}

fn points() -> u64 {
    std::env::var("FRIVILLIG_POWERCUT_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_confirmed_signup_survives_power_cuts() {
    let seed: u64 = std::env::var("FRIVILLIG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    let t = run(points(), seed, false).await;
    println!("power cuts: {t:?} (seed {seed})");
    assert!(
        t.points >= points() * 8 / 10,
        "too few cuts happened: {t:?} (seed {seed})"
    );
    assert!(
        t.confirmed > t.points,
        "the kiosk confirmed too little to prove anything: {t:?}"
    );
    assert_eq!(
        (t.lost, t.phantom, t.unopenable),
        (0, 0, 0),
        "{t:?} (seed {seed}; rerun with FRIVILLIG_SEED={seed})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_finds_loss_on_a_disk_that_does_not_sync() {
    let seed: u64 = rand::random();
    let t = run(40, seed, true).await;
    println!("lying disk: {t:?} (seed {seed})");
    assert!(
        t.lost > 0 || t.unopenable > 0,
        "a disk that never syncs lost nothing? {t:?} (seed {seed})"
    );
}

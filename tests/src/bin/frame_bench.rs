//! `kiosk-frame-bench`: what a frame of each main kiosk screen costs, and how long a kiosk
//! with 10,000 signups in its store takes from opening to its first frame. Each figure is
//! compared with a baseline measured in the same run: a frame with one label, and a kiosk
//! with an empty store. Appends (or replaces) its section in BENCHMARKS.md.
//!
//! `cargo run --release -p frivillig-tests --bin kiosk-frame-bench -- --out BENCHMARKS.md`

use std::sync::Arc;
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;
use frivillig_kiosk::state::keyboard::Key;
use frivillig_kiosk::state::{Confirmation, Event, KioskState, Screen, TextField};
use frivillig_kiosk::{KioskApp, KioskConfig, KioskCore, SyncWorker, SystemClock};
use frivillig_tests::{
    TestServer, kiosk_config, ms, replace_section, stats, visitor_form, wait_status,
};

const SECTION: &str = "## Kiosk screens: frame cost and cold start";
const WARMUP: usize = 30;
const FRAMES: usize = 400;

/// Build and tessellate one frame; returns the thread's CPU time for it.
fn frame(
    ctx: &egui::Context,
    size: egui::Vec2,
    t: f64,
    ui_fn: &mut dyn FnMut(&mut egui::Ui),
) -> Duration {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, size)),
        time: Some(t),
        ..Default::default()
    };
    let start = ThreadTime::now();
    let out = ctx.run_ui(input, |ui| ui_fn(ui));
    let meshes = ctx.tessellate(out.shapes, out.pixels_per_point);
    let spent = start.elapsed();
    std::hint::black_box(meshes);
    spent
}

fn measure(size: egui::Vec2, ui_fn: &mut dyn FnMut(&mut egui::Ui)) -> Vec<Duration> {
    let ctx = egui::Context::default();
    let mut t = 0.0;
    let mut out = Vec::with_capacity(FRAMES);
    for i in 0..WARMUP + FRAMES {
        t += 1.0 / 60.0;
        let d = frame(&ctx, size, t, ui_fn);
        if i >= WARMUP {
            out.push(d);
        }
    }
    out
}

/// Put the app on a screen, as a visitor would have brought it there.
fn go(app: &mut KioskApp, screen: &str) {
    let st: &mut KioskState = app.state_mut();
    *st = KioskState::new("2600", 0.0);
    let _ = st.handle(Event::Touch, 0.0);
    match screen {
        "start" => {}
        "browse" => {
            let _ = st.handle(Event::StartBrowsing, 0.0);
        }
        "detail" => {
            let _ = st.handle(Event::OpenJob("lektiecafe".into()), 0.0);
        }
        "form with keyboard" => {
            let _ = st.handle(Event::OpenJob("lektiecafe".into()), 0.0);
            let _ = st.handle(
                Event::ChooseShift {
                    shift_id: Some("lektiecafe-tir".into()),
                    needs_age: true,
                },
                0.0,
            );
            for c in "søren".chars() {
                let _ = st.handle(Event::Key(Key::Char(c)), 0.0);
            }
            let _ = st.handle(Event::Focus(TextField::Phone), 0.0);
        }
        "confirmation" => {
            st.screen = Screen::Confirmation(Confirmation {
                first_name: "Søren".into(),
                opportunity_id: "lektiecafe".into(),
                shift_id: Some("lektiecafe-tir".into()),
                receipt_url: "https://frivillig.glostrup.dk/kvittering/8c1f0e2a9b7d4c3e/Zq8wX1vR4tY7uI0oP2aS5dF8gH3jK6lL".into(),
                signup_id: "8c1f0e2a9b7d4c3e".into(),
                checked_in: None,
                shown_at: 0.0,
            });
        }
        _ => st.screen = Screen::Staff,
    }
}

fn main() -> anyhow::Result<()> {
    let (out, signups) = frivillig_tests::bench_args(10_000)?;
    let (rt, tmp) = frivillig_tests::bench_setup()?;

    // A kiosk with the catalog, then offline: the screens draw from its cache.
    let (config, empty_config) = rt.block_on(async {
        let server = TestServer::start(&tmp.path().join("server")).await?;
        let mut configs = Vec::new();
        for (id, dir) in [("bench-big", "big"), ("bench-empty", "empty")] {
            let enrol = server.enrol(id, "bibliotek").await?;
            let config = kiosk_config(&server.url(), &enrol, "bibliotek", &tmp.path().join(dir));
            let core = KioskCore::open(config.clone(), Arc::new(SystemClock)).await?;
            let worker = SyncWorker::start(&core);
            wait_status(&core, Duration::from_secs(30), |_| core.catalog().is_some()).await?;
            worker.stop().await;
            core.shutdown().await;
            configs.push(config);
        }
        server.stop().await;
        anyhow::Ok((configs.remove(0), configs.remove(0)))
    })?;
    eprintln!("filling a store with {signups} signups …");
    rt.block_on(async {
        let core = KioskCore::open(config.clone(), Arc::new(SystemClock)).await?;
        for i in 0..signups {
            core.submit_signup("hojtlaesning", None, &visitor_form("bench", i))
                .await?;
        }
        core.shutdown().await;
        anyhow::Ok(())
    })?;

    // Frame cost per screen, against a frame with one label.
    let mut rows = String::new();
    let mut worst_p99 = Duration::ZERO;
    for (size, orientation) in [
        (egui::vec2(1080.0, 1920.0), "portrait"),
        (egui::vec2(1920.0, 1080.0), "landscape"),
    ] {
        let base = stats(measure(size, &mut |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.label("Bliv frivillig");
            });
        }));
        rows.push_str(&format!(
            "| {orientation}: baseline, one label | {} | {} | 1.00x | 1.00x |\n",
            ms(base.median),
            ms(base.p99)
        ));
        let core = rt.block_on(KioskCore::open(config.clone(), Arc::new(SystemClock)))?;
        let mut app = KioskApp::new(core.clone(), rt.handle().clone(), false);
        for screen in [
            "start",
            "browse",
            "detail",
            "form with keyboard",
            "confirmation",
            "staff",
        ] {
            go(&mut app, screen);
            let s = stats(measure(size, &mut |ui| app.show(ui)));
            worst_p99 = worst_p99.max(s.p99);
            rows.push_str(&format!(
                "| {orientation}: {screen} | {} | {} | {:.2}x | {:.2}x |\n",
                ms(s.median),
                ms(s.p99),
                s.median.as_secs_f64() / base.median.as_secs_f64(),
                s.p99.as_secs_f64() / base.p99.as_secs_f64(),
            ));
        }
        drop(app);
        rt.block_on(core.shutdown());
    }

    // Cold start: open the store and draw the first frame, five times each.
    let cold = |config: &KioskConfig, times: usize| -> anyhow::Result<Vec<Duration>> {
        let mut v = Vec::new();
        for _ in 0..times {
            let start = Instant::now();
            let core = rt.block_on(KioskCore::open(config.clone(), Arc::new(SystemClock)))?;
            let mut app = KioskApp::new(core.clone(), rt.handle().clone(), false);
            let ctx = egui::Context::default();
            frame(&ctx, egui::vec2(1080.0, 1920.0), 0.0, &mut |ui| {
                app.show(ui)
            });
            v.push(start.elapsed());
            drop(app);
            rt.block_on(core.shutdown());
        }
        Ok(v)
    };
    // The first open after the burst finds 10,000 changes stored one by one and compacts
    // them (the state after a power cut on a busy day); later opens load the snapshots.
    let first = cold(&config, 1)?[0];
    let big = stats(cold(&config, 5)?);
    let empty = stats(cold(&empty_config, 5)?);

    let section = format!(
        "{SECTION}\n\n\
         Written by `kiosk-frame-bench`. CPU time of the UI thread to build one frame with egui and \
         tessellate it into meshes (the GPU upload is left out: it is the driver's), {FRAMES} frames \
         per screen after {WARMUP} to warm up, against a frame with a single label measured the same \
         way in the same run.\n\n\
         | screen | median | p99 | median vs baseline | p99 vs baseline |\n|---|---|---|---|---|\n{rows}\n\
         Worst p99 of any screen: {}. Target: p99 under 4 ms.\n\n\
         Cold start, opening the kiosk's store and drawing the first frame (median of 5; the file \
         is in the page cache, and the window system's start is not counted):\n\n\
         | store | median | max |\n|---|---|---|\n\
         | {signups} signups in {} journals, first open: 10,000 separate changes, compacted on the way | {} | {} |\n\
         | the same store, later opens (compacted) | {} | {} |\n\
         | empty (baseline) | {} | {} |\n\n\
         Ratios to the empty store: first open {:.2}x, later opens {:.2}x. Target: under 1 s \
         with 10,000 signups.\n",
        ms(worst_p99),
        signups.div_ceil(2000),
        ms(first),
        ms(first),
        ms(big.median),
        ms(big.max),
        ms(empty.median),
        ms(empty.max),
        first.as_secs_f64() / empty.median.as_secs_f64(),
        big.median.as_secs_f64() / empty.median.as_secs_f64(),
    );
    replace_section(&out, SECTION, &section)?;
    println!("{section}");
    Ok(())
}

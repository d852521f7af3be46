//! `frivillig-kiosk`: the touchscreen kiosk. Starts into the start screen from the
//! configuration the provisioning tool wrote, syncing in the background; with no usable
//! configuration it shows a setup screen that says what to do.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use frivillig_kiosk::{
    KioskApp, KioskConfig, KioskCore, PeerNet, SetupApp, SyncWorker, SystemClock,
};

#[derive(Parser)]
#[command(
    name = "frivillig-kiosk",
    version,
    about = "Frivillig's touchscreen kiosk"
)]
struct Cli {
    /// The configuration file written at enrolment.
    #[arg(
        long,
        env = "FRIVILLIG_KIOSK_CONFIG",
        default_value = "data/kiosk/kiosk.toml"
    )]
    config: PathBuf,
    /// Kiosk mode: full screen, no window decoration, cursor hidden.
    #[arg(long)]
    kiosk: bool,
    /// Keep the mouse cursor visible in kiosk mode (for a kiosk with a mouse).
    #[arg(long)]
    show_cursor: bool,
    /// The kiosk's data folder, for an enrolment made on the setup screen.
    #[arg(
        long,
        global = true,
        env = "FRIVILLIG_KIOSK_DATA",
        default_value = "data/kiosk"
    )]
    data_dir: PathBuf,
    /// Window size in windowed mode, e.g. `1080x1920` for a portrait screen.
    #[arg(long, default_value = "1200x900")]
    size: String,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Enrol this kiosk with a one-time code from `frivillig-provision enrol-code`, and write
    /// its configuration file.
    Enrol {
        /// The server's address, e.g. `http://frivillig.glostrup.local:8700`.
        #[arg(long)]
        server: String,
        /// The one-time code.
        #[arg(long)]
        code: String,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,samod=warn,samod_core=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    if let Some(Cmd::Enrol { server, code }) = &cli.command {
        let config = rt
            .block_on(frivillig_kiosk::enrol::redeem_code(
                server,
                code,
                &cli.data_dir,
                &cli.config,
            ))
            .context("enrolment failed")?;
        println!(
            "Kiosken er tilmeldt som {} ved {} / enrolled as {} at {}; configuration in {}",
            config.kiosk_id,
            config.site_id,
            config.kiosk_id,
            config.site_id,
            cli.config.display()
        );
        println!(
            "Personale-PIN / staff PIN: {} (skriv den ned / write it down)",
            config.staff_pin
        );
        return Ok(());
    }
    let size = parse_size(&cli.size)?;
    let opened = match KioskConfig::load(&cli.config) {
        Ok(config) => rt
            .block_on(KioskCore::open(config, Arc::new(SystemClock)))
            .map_err(|e| {
                format!(
                    "Kioskens lager kunne ikke åbnes / the kiosk's store could not be opened: {e}"
                )
            }),
        Err(e) => Err(format!(
            "Ingen brugbar konfiguration / no usable configuration: {e}"
        )),
    };
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Frivillig")
        .with_inner_size(size);
    if cli.kiosk {
        viewport = viewport.with_fullscreen(true).with_decorations(false);
    }
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    match opened {
        Ok(core) => {
            let worker = rt.block_on(async { SyncWorker::start(&core) });
            // Festival mode, where IT set an address to listen on for the site's kiosks.
            let peers = core.config().peer_listen.as_deref().and_then(|listen| {
                let addr = listen.parse().ok()?;
                rt.block_on(PeerNet::start(&core, addr))
                    .inspect_err(|e| tracing::warn!(error = %e, "festival mode did not start"))
                    .ok()
            });
            let app = KioskApp::new(core.clone(), rt.handle().clone(), cli.kiosk)
                .show_cursor(cli.show_cursor);
            let result = eframe::run_native("Frivillig", options, Box::new(|_| Ok(Box::new(app))));
            rt.block_on(async {
                if let Some(p) = peers {
                    p.stop().await;
                }
                worker.stop().await;
                core.shutdown().await;
            });
            result.map_err(|e| anyhow::anyhow!("the window failed: {e}"))
        }
        Err(problem) => {
            tracing::warn!("{problem}");
            let app = SetupApp::new(
                problem,
                &cli.config,
                &cli.data_dir,
                rt.handle().clone(),
                cli.kiosk,
            );
            // The setup app closes the store it may have opened in `on_exit`.
            eframe::run_native("Frivillig", options, Box::new(|_| Ok(Box::new(app))))
                .map_err(|e| anyhow::anyhow!("the window failed: {e}"))
        }
    }
}

fn parse_size(s: &str) -> anyhow::Result<[f32; 2]> {
    let (w, h) = s
        .split_once('x')
        .with_context(|| format!("--size {s}: expected WIDTHxHEIGHT, e.g. 1080x1920"))?;
    let w: f32 = w
        .trim()
        .parse()
        .with_context(|| format!("--size {s}: bad width"))?;
    let h: f32 = h
        .trim()
        .parse()
        .with_context(|| format!("--size {s}: bad height"))?;
    anyhow::ensure!(
        (200.0..=10000.0).contains(&w) && (200.0..=10000.0).contains(&h),
        "--size {s}: out of range"
    );
    Ok([w, h])
}

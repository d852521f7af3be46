//! `frivillig-demo`: the whole system on one machine. Starts the sync server with its
//! embedded defaults, enrols a kiosk to it (once; later starts reuse both), opens the kiosk
//! window, and prints every signup as it arrives at the server, personal data opened.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use frivillig_common::api::{EnrolRequest, EnrolResponse, SignupPage};
use frivillig_kiosk::{KioskApp, KioskConfig, KioskCore, SyncWorker, SystemClock};
use frivillig_sync_server::{Server, ServerConfig, run};

#[derive(Parser)]
#[command(
    name = "frivillig-demo",
    about = "Server and one kiosk window on this machine"
)]
struct Args {
    /// Folder for the server's and the kiosk's data.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Where the server listens.
    #[arg(long, default_value = "127.0.0.1:8700")]
    listen: std::net::SocketAddr,
    /// The site the demo kiosk stands at (a site of the demo catalog).
    #[arg(long, default_value = "bibliotek")]
    site: String,
    /// Window size, e.g. `1080x1920` for a portrait kiosk.
    #[arg(long, default_value = "1200x900")]
    size: String,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,frivillig=info".into()),
        )
        .init();
    let args = Args::parse();
    #[cfg(target_os = "linux")]
    if ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .all(|v| std::env::var_os(v).is_none_or(|s| s.is_empty()))
    {
        anyhow::bail!(
            "ingen skærm fundet (DISPLAY er ikke sat) / no display found (DISPLAY is not set).\n\
             Kør serveren alene med / run the server alone with: cargo run -p frivillig-sync-server"
        );
    }
    let (w, h) = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<f32>().ok()?, h.parse::<f32>().ok()?)))
        .context("--size: expected WIDTHxHEIGHT, e.g. 1200x900")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let server_dir = args.data_dir.join("server");
    let kiosk_config_path = args.data_dir.join("kiosk").join("kiosk.toml");

    let (core, worker) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let config = ServerConfig {
            listen: addr,
            data_dir: server_dir.clone(),
            public_url: url.clone(),
            ..ServerConfig::default()
        };
        let server = Server::open(config)
            .await
            .with_context(|| format!("starting the server in {}", server_dir.display()))?;
        let token_file = server_dir.join("admin-token.txt");
        if let Some(token) = &server.new_admin_token {
            std::fs::write(&token_file, format!("{token}\n"))
                .context("saving the demo's admin token")?;
            restrict(&token_file)?;
        }
        let password_file = server_dir.join("admin-password.txt");
        if let Some(password) = &server.new_admin_password {
            std::fs::write(&password_file, format!("admin\n{password}\n"))
                .context("saving the demo's admin password")?;
            restrict(&password_file)?;
        }
        let admin_token = std::fs::read_to_string(&token_file)
            .with_context(|| format!("reading {} (delete the data folder to start afresh)", token_file.display()))?
            .trim()
            .to_owned();
        let state = server.state;
        tokio::spawn(async move {
            if let Err(e) = run(listener, state, std::future::pending::<()>()).await {
                eprintln!("server stopped: {e}");
            }
        });
        let config = match KioskConfig::load(&kiosk_config_path) {
            // The demo may listen elsewhere this time; its own kiosk follows it.
            Ok(c) if c.server_url != url => {
                let c = KioskConfig {
                    server_url: url.clone(),
                    ..c
                };
                c.save(&kiosk_config_path)?;
                c
            }
            Ok(c) => c,
            Err(_) => enrol(&url, &admin_token, &args.site, &args.data_dir, &kiosk_config_path).await?,
        };
        println!("Frivillig kører / is running:");
        println!("  server   {url}   (data i / in {})", server_dir.display());
        println!("  kiosk    {} ved / at {}", config.kiosk_id, config.site_id);
        println!(
            "  admin    {url}/admin  (bruger / user admin, adgangskode i / password in {})",
            password_file.display()
        );
        println!("  API      curl -H 'Authorization: Bearer {admin_token}' {url}/api/admin/signups");
        println!("  personale / staff: tryk fem gange på logoet, PIN {}", config.staff_pin);
        println!("Tilmeldinger vises her, når de når serveren / signups show here as they reach the server.");
        let core = KioskCore::open(config, Arc::new(SystemClock))
            .await
            .context("opening the kiosk's store")?;
        let worker = SyncWorker::start(&core);
        tokio::spawn(watch_signups(url.clone(), admin_token));
        anyhow::Ok((core, worker))
    })?;

    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Frivillig – kiosk (demo)")
            .with_inner_size([w, h]),
        ..Default::default()
    };
    let app = KioskApp::new(core.clone(), rt.handle().clone(), false);
    let result = eframe::run_native("Frivillig", options, Box::new(|_| Ok(Box::new(app))));
    rt.block_on(async {
        worker.stop().await;
        core.shutdown().await;
    });
    result.map_err(|e| anyhow::anyhow!("the kiosk window failed (is there a display?): {e}"))
}

/// Enrol the demo kiosk through the admin API, as `frivillig-provision enrol` does.
async fn enrol(
    url: &str,
    admin_token: &str,
    site: &str,
    data_dir: &std::path::Path,
    config_path: &std::path::Path,
) -> anyhow::Result<KioskConfig> {
    let http = reqwest::Client::new();
    // A fresh id each time the kiosk's files are gone, since the server keeps old ids.
    for n in 1..100 {
        let kiosk_id = format!("demo-kiosk-{n}");
        let resp = http
            .post(format!("{url}/api/admin/kiosks"))
            .bearer_auth(admin_token)
            .json(&EnrolRequest {
                kiosk_id: kiosk_id.clone(),
                site_id: site.to_owned(),
                bench: false,
            })
            .send()
            .await?;
        if resp.status() == reqwest::StatusCode::CONFLICT {
            continue;
        }
        let resp = resp
            .error_for_status()
            .context("enrolling the demo kiosk")?;
        let e: EnrolResponse = resp.json().await?;
        let config = KioskConfig::from_enrolment(url, e, site, data_dir.join("kiosk"));
        config.save(config_path)?;
        return Ok(config);
    }
    anyhow::bail!(
        "no free demo kiosk id; delete {} to start afresh",
        data_dir.display()
    )
}

/// Print each signup once it has reached the server, so a newcomer sees the round trip.
async fn watch_signups(url: String, admin_token: String) {
    let http = reqwest::Client::new();
    let mut seen = std::collections::HashSet::new();
    let mut first = true;
    loop {
        let page = http
            .get(format!("{url}/api/admin/signups?limit=1000"))
            .bearer_auth(&admin_token)
            .send()
            .await;
        if let Ok(resp) = page
            && let Ok(page) = resp.json::<SignupPage>().await
        {
            for s in page.signups {
                if seen.insert(s.record.id.clone()) && !first {
                    let name = s.person.map(|p| p.name).unwrap_or_else(|| "?".into());
                    println!(
                        "Ny tilmelding på serveren / new signup at the server: {name} → {} ({})",
                        s.record.opportunity_id, s.record.created_at
                    );
                }
            }
            first = false;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn restrict(path: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    let _ = path;
    Ok(())
}

//! `frivillig-server`: starts the sync server with embedded defaults or a config file.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use frivillig_sync_server::{Server, ServerConfig, run};

/// Frivillig's central server: sync for kiosks, the coordinators' API.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// A TOML configuration file; without it, the embedded defaults are used.
    #[arg(long, env = "FRIVILLIG_CONFIG")]
    config: Option<PathBuf>,
    /// Override the listen address, e.g. 0.0.0.0:8700.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Override the data folder.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Write a secret to a file only its owner can read.
fn save_owner_only(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str::<ServerConfig>(&text)
                .with_context(|| format!("in {}", path.display()))?
        }
        None => ServerConfig::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let server = Server::open(config.clone())
        .await
        .with_context(|| format!("starting with data folder {}", config.data_dir.display()))?;
    match &server.state.tls {
        Some(tls) => {
            println!("Frivillig-server lytter på / listens on https://{addr}");
            println!("  Synkronisering / sync:  wss://{addr}/sync");
            println!(
                "  CA-fingeraftryk, som kiosker låser sig til / CA fingerprint kiosks pin: {}",
                tls.fingerprint
            );
        }
        None => {
            println!("Frivillig-server lytter på / listens on http://{addr}");
            println!("  Synkronisering / sync:  ws://{addr}/sync");
            println!(
                "  Uden TLS: kun til en demo på denne maskine eller bag en proxy på den (tls = true i indstillingerne) / without TLS: only for a demo on this machine or behind a proxy on it (tls = true in the settings)"
            );
            if !addr.ip().is_loopback() {
                tracing::warn!(%addr, "plain HTTP on a network address: passwords, tokens and personal data cross in the clear; set tls = true");
            }
        }
    }
    println!("  Data:                   {}", config.data_dir.display());
    println!("  Katalog / catalog:      {}", server.state.sync.catalog_id);
    // A secret goes to the screen only when someone is looking at it: under systemd the
    // output lands in the journal, which outlives the terminal. The owner-only file is
    // always written, and named.
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    if let Some(token) = &server.new_admin_token {
        println!();
        if on_terminal {
            println!(
                "  Operatørnøgle (vises kun denne ene gang) / operator token (shown only once):"
            );
            println!("  {token}");
        }
        save_owner_only(
            &config.data_dir.join("admin-token.txt"),
            &format!("{token}\n"),
        )
        .context("saving the admin token for the demo")?;
        println!(
            "  (gemt i / saved in {})",
            config.data_dir.join("admin-token.txt").display()
        );
    }
    if let Some(password) = &server.new_admin_password {
        let path = config.data_dir.join("admin-password.txt");
        println!();
        println!("  Administrator i webappen / admin web app: http://{addr}/admin");
        if on_terminal {
            println!(
                "  Bruger / user: admin   Adgangskode / password (vises kun nu / shown only now):"
            );
            println!("  {password}");
        }
        save_owner_only(&path, &format!("admin\n{password}\n"))
            .context("saving the admin password for the demo")?;
        println!(
            "  (gemt i / saved in {}; slet filen, når du har skiftet den / delete it once changed)",
            path.display()
        );
    }
    run(listener, server.state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("serving")?;
    Ok(())
}

//! `init`: a server's data folder made ready (keys, database, demo catalog, first admin).

use super::*;

pub(crate) async fn init(
    data_dir: &Path,
    force: bool,
    config_path: Option<PathBuf>,
    public_url: String,
) -> anyhow::Result<()> {
    let keys = frivillig_sync_server::keys::create(data_dir, force)?;
    let config = frivillig_sync_server::ServerConfig {
        data_dir: data_dir.to_owned(),
        public_url,
        ..Default::default()
    };
    let config_path = config_path.unwrap_or_else(|| data_dir.join("frivillig.toml"));
    if config_path.exists() {
        println!(
            "Indstillinger / settings: {} exists; left as it is",
            config_path.display()
        );
    } else {
        std::fs::write(&config_path, config.documented_toml())
            .with_context(|| format!("writing {}", config_path.display()))?;
        println!("Indstillinger / settings: {}", config_path.display());
    }
    let server = frivillig_sync_server::Server::open(config)
        .await
        .with_context(|| format!("opening {} (is the server running?)", data_dir.display()))?;
    println!("Datamappe / data folder: {}", data_dir.display());
    println!(
        "Offentlig forseglingsnøgle / public sealing key: {}",
        keys.sealing.public().to_hex()
    );
    println!(
        "Offentlig signeringsnøgle / public signing key: {}",
        keys.signing.public_hex()
    );
    match &server.new_admin_password {
        Some(password) => {
            println!(
                "Første administrator i webappen / first admin of the web app (vises kun nu / shown only now):"
            );
            println!("  bruger / user: admin");
            println!("  adgangskode / password: {password}");
        }
        None => println!("Der findes allerede konti / accounts exist already."),
    }
    match server.new_admin_token {
        Some(token) => {
            println!("Administratornøgle (vises kun nu) / admin token (shown only now):");
            println!("{token}");
        }
        None => {
            println!("Der findes allerede en administratornøgle / an admin token exists already.")
        }
    }
    server.state.sync.repo.stop().await;
    Ok(())
}

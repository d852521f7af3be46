//! `frivillig-provision`: the municipal IT operator's tool. Sets up a server's data folder
//! (keys, first admin credential, demo catalog), enrols kiosks (writing their configuration
//! file), lists and revokes them.

use std::path::{Path, PathBuf};

mod backup;
mod catalog;
mod doctor;
mod init;
mod poster;
mod posters;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use frivillig_common::api::{EnrolRequest, EnrolResponse, KioskSummary};
use frivillig_common::kiosk_config::{KioskConfig, pin_problem};

/// Set up and run a Frivillig installation.
#[derive(Parser)]
#[command(name = "frivillig-provision", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the server is and how to prove we may administer it.
#[derive(clap::Args)]
struct ServerAccess {
    /// The server's base URL.
    #[arg(
        long,
        env = "FRIVILLIG_SERVER",
        default_value = "http://127.0.0.1:8700"
    )]
    server: String,
    /// The admin token (printed once by `init` or the server's first start).
    #[arg(
        long,
        env = "FRIVILLIG_ADMIN_TOKEN",
        conflicts_with = "admin_token_file"
    )]
    admin_token: Option<String>,
    /// A file holding the admin token.
    #[arg(long, env = "FRIVILLIG_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<PathBuf>,
    /// For an https server: the SHA-256 fingerprint of its certificate authority (shown at
    /// its start and on the admin app's kiosk page). Only a server whose certificate that
    /// authority signed is spoken to.
    #[arg(long, env = "FRIVILLIG_SERVER_CA")]
    server_ca: Option<String>,
}

/// The kiosk an enrolment is for.
#[derive(clap::Args)]
struct KioskTarget {
    /// The kiosk's id: lower-case letters, digits and dashes, e.g. `bibliotek-1`.
    #[arg(long)]
    kiosk_id: String,
    /// The site it stands at, as in the catalog (e.g. `bibliotek`).
    #[arg(long)]
    site: String,
}

#[derive(Subcommand)]
enum Command {
    /// Create a server's data folder: the sealing key pair, the database with the demo
    /// catalog, and the first admin token (shown once). Run it before the first start, with
    /// the server stopped. Refuses to replace an existing key unless --force is given.
    Init {
        /// The server's data folder.
        #[arg(long, default_value = "data/server")]
        data_dir: PathBuf,
        /// Replace an existing sealing key. Signups sealed to the old key can then no longer
        /// be opened: only for a server that has never taken a signup.
        #[arg(long)]
        force: bool,
        /// Where to write the server's settings file, every setting explained (default:
        /// `frivillig.toml` in the data folder). An existing file is left as it is.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The portal's public address, written into the settings file.
        #[arg(long, default_value = "http://127.0.0.1:8700")]
        public_url: String,
    },
    /// Enrol a kiosk at a running server and write its configuration file (readable by its
    /// owner only: it holds the device secret). Copy the file to the kiosk.
    Enrol {
        #[command(flatten)]
        access: ServerAccess,
        #[command(flatten)]
        kiosk: KioskTarget,
        /// Where to write the configuration file.
        #[arg(long)]
        out: PathBuf,
        /// The data folder on the kiosk machine.
        #[arg(long, default_value = "data/kiosk")]
        kiosk_data_dir: PathBuf,
        /// The staff-mode PIN to put in the configuration (4-12 digits); by default a new
        /// random one, shown once here.
        #[arg(long)]
        staff_pin: Option<String>,
    },
    /// Make a one-time enrolment code for a kiosk, valid for a short time and once. Shown as
    /// text and as a QR code here, and saved as an SVG image to print. On the kiosk, run
    /// `frivillig-kiosk enrol --server URL --code CODE`.
    EnrolCode {
        #[command(flatten)]
        access: ServerAccess,
        #[command(flatten)]
        kiosk: KioskTarget,
        /// Minutes the code stays valid (at most a day).
        #[arg(long, default_value_t = 15)]
        valid_minutes: u64,
        /// Where to save the QR code as SVG.
        #[arg(long)]
        svg: Option<PathBuf>,
    },
    /// Revoke a kiosk: it is refused at once and its open connections are closed.
    Revoke {
        #[command(flatten)]
        access: ServerAccess,
        /// The kiosk to revoke.
        #[arg(long)]
        kiosk_id: String,
    },
    /// Create an account for the admin web app (`/admin`) with a generated password, shown
    /// once. A coordinator sees only the signups of the sites given with --site; an admin
    /// sees everything.
    AccountAdd {
        #[command(flatten)]
        access: ServerAccess,
        /// User name: lower-case letters, digits, dots and dashes, e.g. `mette.holm`.
        #[arg(long)]
        username: String,
        /// The person's name, shown in signup history and the audit log.
        #[arg(long)]
        name: String,
        /// `coordinator` or `admin`.
        #[arg(long, default_value = "coordinator")]
        role: String,
        /// A site the coordinator works for (repeat for several), e.g. `bibliotek`.
        #[arg(long = "site")]
        sites: Vec<String>,
    },
    /// Give an account a new generated password (shown once), remove its authenticator app
    /// and log it out everywhere, e.g. when a coordinator forgot the password or lost the
    /// phone; they set up the app again at their next login.
    AccountPassword {
        #[command(flatten)]
        access: ServerAccess,
        /// The account's user name.
        #[arg(long)]
        username: String,
    },
    /// Disable an account: it is logged out at once and cannot log in; its history stays.
    AccountDisable {
        #[command(flatten)]
        access: ServerAccess,
        /// The account's user name.
        #[arg(long)]
        username: String,
    },
    /// List the accounts of the admin web app.
    Accounts {
        #[command(flatten)]
        access: ServerAccess,
    },
    /// List enrolled kiosks with their last contact and queued signups.
    List {
        #[command(flatten)]
        access: ServerAccess,
    },
    /// Take a consistent backup of a running server (database and sealing key) and check it.
    /// Store it as carefully as the server: it holds personal data and the key.
    Backup {
        #[command(flatten)]
        access: ServerAccess,
        /// The file to write; an existing file is not overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check that a backup opens and is complete, and count what it holds.
    Verify {
        /// The backup file.
        backup: PathBuf,
    },
    /// Restore a backup into a server's data folder (the server must be stopped). Refuses a
    /// damaged backup, and refuses to replace an existing database unless --force.
    Restore {
        /// The backup file.
        backup: PathBuf,
        /// The server's data folder.
        #[arg(long, default_value = "data/server")]
        data_dir: PathBuf,
        /// Replace an existing database and key.
        #[arg(long)]
        force: bool,
    },
    /// Check a kiosk's configuration and its link to the server (reachability, enrolment,
    /// revocation, key, clock, disk), or a server's data folder and health, and say in plain
    /// words what is wrong. Exits non-zero if anything is.
    Doctor {
        /// A kiosk's configuration file.
        #[arg(long, conflicts_with = "data_dir")]
        kiosk_config: Option<PathBuf>,
        /// A server's data folder.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The server's URL (for the server check).
        #[arg(long, default_value = "http://127.0.0.1:8700")]
        server: String,
    },
    /// Print material: an A4 poster (SVG and PDF) per job, or for one job, with a QR code
    /// that opens its signup page on the portal, and a sheet of table cards for a festival.
    Posters {
        #[command(flatten)]
        access: ServerAccess,
        /// The folder to write into (created; existing files are not overwritten).
        #[arg(long)]
        out_dir: PathBuf,
        /// Only this job.
        #[arg(long)]
        opportunity: Option<String>,
        /// Also a sheet of table cards for the jobs of this site (e.g. `kulturnat`).
        #[arg(long)]
        cards_for_site: Option<String>,
        /// The portal's public address used in the QR codes (default: the server's).
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Write the server's current catalog (sites, jobs, shifts, ambassadors, handbook,
    /// consent texts) to a TOML file that can be edited and imported again.
    CatalogExport {
        #[command(flatten)]
        access: ServerAccess,
        /// The file to write; an existing file is not overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a catalog TOML file and, if it has no errors, replace the server's catalog with
    /// it in one step (kiosks get it at their next sync). Errors name the line.
    CatalogImport {
        #[command(flatten)]
        access: ServerAccess,
        /// The catalog file.
        file: PathBuf,
        /// Only check the file; change nothing.
        #[arg(long)]
        check: bool,
    },
}

impl ServerAccess {
    fn token(&self) -> anyhow::Result<String> {
        if let Some(t) = &self.admin_token {
            return Ok(t.trim().to_owned());
        }
        if let Some(path) = &self.admin_token_file {
            let t = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            return Ok(t.trim().to_owned());
        }
        bail!("no admin token: give --admin-token, --admin-token-file or FRIVILLIG_ADMIN_TOKEN")
    }

    /// Send a request to the admin API with the credential; a connection failure names the
    /// server.
    async fn call(&self, request: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        request
            .bearer_auth(self.token()?)
            .send()
            .await
            .with_context(|| format!("cannot reach the server at {}", self.server))
    }

    fn url(&self, path: &str) -> String {
        let base = frivillig_common::tls::client_base(&self.server, self.server_ca.as_deref());
        format!("{base}{path}")
    }

    /// The HTTP client for this server: over https it trusts only the pinned authority.
    fn client(&self) -> anyhow::Result<reqwest::Client> {
        if self.server.starts_with("https://") && self.server_ca.is_none() {
            bail!(
                "an https server needs --server-ca (its CA fingerprint, shown at its start and on the admin app's kiosk page)"
            );
        }
        let (client, _) = frivillig_common::tls::http_client(
            &self.server,
            self.server_ca.as_deref(),
            reqwest::Client::builder(),
        )?;
        Ok(client)
    }
}

impl Command {
    /// The server a command speaks to, if it speaks to one.
    fn access(&self) -> Option<&ServerAccess> {
        match self {
            Command::Enrol { access, .. }
            | Command::EnrolCode { access, .. }
            | Command::Revoke { access, .. }
            | Command::AccountAdd { access, .. }
            | Command::AccountPassword { access, .. }
            | Command::AccountDisable { access, .. }
            | Command::Accounts { access }
            | Command::List { access }
            | Command::Backup { access, .. }
            | Command::CatalogExport { access, .. }
            | Command::CatalogImport { access, .. } => Some(access),
            _ => None,
        }
    }
}

/// Show a password the server generated, once.
fn print_password(username: &str, body: &serde_json::Value) -> anyhow::Result<()> {
    let password = body["password"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the server sent no password"))?;
    println!("Bruger / user: {username}");
    println!("adgangskode / password: {password}");
    println!("(vises kun nu; giv den videre sikkert / shown only now; pass it on safely)");
    Ok(())
}

async fn explain(resp: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    let message = body["message"].as_str().unwrap_or("");
    match status.as_u16() {
        401 => bail!("the server refused the admin token ({message})"),
        _ => bail!("the server answered {status}: {message}"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let http = match cli.command.access() {
        Some(access) => access.client()?,
        None => reqwest::Client::new(),
    };
    match cli.command {
        Command::Init {
            data_dir,
            force,
            config,
            public_url,
        } => init::init(&data_dir, force, config, public_url).await,
        Command::Enrol {
            access,
            kiosk: KioskTarget { kiosk_id, site },
            out,
            kiosk_data_dir,
            staff_pin,
        } => {
            if out.exists() {
                bail!("{} exists already; not overwriting it", out.display());
            }
            if let Some(problem) = staff_pin.as_deref().and_then(pin_problem) {
                bail!("{problem}");
            }
            let resp = access
                .call(
                    http.post(access.url("/api/admin/kiosks"))
                        .json(&EnrolRequest {
                            kiosk_id: kiosk_id.clone(),
                            site_id: site.clone(),
                            bench: false,
                        }),
                )
                .await?;
            let enrol: EnrolResponse = explain(resp).await?.json().await?;
            let mut config =
                KioskConfig::from_enrolment(&access.server, enrol, &site, kiosk_data_dir);
            if let Some(pin) = staff_pin {
                config.staff_pin = pin;
            }
            config.save(&out)?;
            println!(
                "Kiosk {kiosk_id} er tilmeldt / is enrolled. Konfiguration / configuration: {}",
                out.display()
            );
            println!(
                "Personale-PIN / staff PIN: {} (skriv den ned; den står også i konfigurationen / write it down; it is also in the configuration)",
                config.staff_pin
            );
            Ok(())
        }
        Command::EnrolCode {
            access,
            kiosk: KioskTarget { kiosk_id, site },
            valid_minutes,
            svg,
        } => {
            let resp = access
                .call(http.post(access.url("/api/admin/enrol-codes")).json(
                    &frivillig_common::api::EnrolCodeRequest {
                        kiosk_id: kiosk_id.clone(),
                        site_id: site,
                        valid_seconds: Some(valid_minutes * 60),
                    },
                ))
                .await?;
            let code: frivillig_common::api::EnrolCode = explain(resp).await?.json().await?;
            // The fingerprint rides in the QR, so the kiosk pins the server from its first
            // request on.
            let payload = frivillig_common::tls::EnrolLink {
                server: access.server.trim_end_matches('/').to_owned(),
                code: Some(code.code.clone()),
                ca: code.server_ca_sha256.clone(),
            }
            .to_text();
            let qr = qrcode::QrCode::new(payload.as_bytes()).context("making the QR code")?;
            println!(
                "{}",
                qr.render::<qrcode::render::unicode::Dense1x2>()
                    .quiet_zone(true)
                    .build()
            );
            println!(
                "Tilmeldingskode for / enrolment code for {kiosk_id}: {}",
                code.code
            );
            println!("Link (QR-kodens indhold / what the QR code holds): {payload}");
            println!(
                "Gyldig til / valid until {} (kun én gang / once only)",
                code.expires_at
            );
            if let Some(path) = svg {
                if path.exists() {
                    bail!("{} exists already; not overwriting it", path.display());
                }
                let image = qr
                    .render::<qrcode::render::svg::Color>()
                    .min_dimensions(300, 300)
                    .build();
                std::fs::write(&path, image)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("QR-kode gemt i / QR code saved to {}", path.display());
            }
            Ok(())
        }
        Command::AccountAdd {
            access,
            username,
            name,
            role,
            sites,
        } => {
            let resp = access
                .call(
                    http.post(access.url("/api/admin/accounts"))
                        .json(&serde_json::json!({
                            "username": username, "display_name": name, "role": role, "sites": sites
                        })),
                )
                .await?;
            let body: serde_json::Value = explain(resp).await?.json().await?;
            print_password(&username, &body)
        }
        Command::AccountPassword { access, username } => {
            let resp = access
                .call(http.post(access.url(&format!("/api/admin/accounts/{username}/password"))))
                .await?;
            let body: serde_json::Value = explain(resp).await?.json().await?;
            print_password(&username, &body)
        }
        Command::AccountDisable { access, username } => {
            let resp = access
                .call(http.post(access.url(&format!("/api/admin/accounts/{username}/disable"))))
                .await?;
            explain(resp).await?;
            println!("Kontoen {username} er spærret / the account {username} is disabled.");
            Ok(())
        }
        Command::Accounts { access } => {
            let resp = access
                .call(http.get(access.url("/api/admin/accounts")))
                .await?;
            let accounts: Vec<serde_json::Value> = explain(resp).await?.json().await?;
            println!(
                "{:<24} {:<12} {:<10} steder / sites",
                "bruger / user", "rolle / role", ""
            );
            for a in accounts {
                println!(
                    "{:<24} {:<12} {:<10} {}",
                    a["username"].as_str().unwrap_or(""),
                    a["role"].as_str().unwrap_or(""),
                    if a["disabled"].as_bool() == Some(true) {
                        "spærret"
                    } else {
                        ""
                    },
                    a["sites"]
                        .as_array()
                        .map(|s| s
                            .iter()
                            .filter_map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(", "))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Revoke { access, kiosk_id } => {
            let resp = access
                .call(http.post(access.url(&format!("/api/admin/kiosks/{kiosk_id}/revoke"))))
                .await?;
            explain(resp).await?;
            println!("Kiosk {kiosk_id} er spærret / is revoked.");
            Ok(())
        }
        Command::Doctor {
            kiosk_config,
            data_dir,
            server,
        } => {
            let findings = match (kiosk_config, data_dir) {
                (Some(config), _) => doctor::kiosk(&config).await,
                (None, Some(dir)) => doctor::server(&dir, &server).await,
                (None, None) => bail!("give --kiosk-config FILE or --data-dir DIR"),
            };
            for f in &findings {
                println!("{} {}", if f.ok { "OK  " } else { "FEJL" }, f.text);
            }
            let failed = findings.iter().filter(|f| !f.ok).count();
            if failed > 0 {
                bail!("{failed} problem(s) found / {failed} problem(er) fundet");
            }
            Ok(())
        }
        Command::Posters {
            access,
            out_dir,
            opportunity,
            cards_for_site,
            public_url,
        } => {
            posters::posters(
                &http,
                &access,
                &out_dir,
                opportunity.as_deref(),
                cards_for_site.as_deref(),
                public_url,
            )
            .await
        }
        Command::Backup { access, out } => backup::backup(&http, &access, &out).await,
        Command::Verify { backup } => {
            let (summary, _) = frivillig_sync_server::backup::verify_backup(&backup)?;
            backup::print_summary(&backup, &summary);
            Ok(())
        }
        Command::Restore {
            backup,
            data_dir,
            force,
        } => {
            let summary = frivillig_sync_server::backup::restore_backup(&backup, &data_dir, force)?;
            backup::print_summary(&backup, &summary);
            println!("Gendannet i / restored into {}", data_dir.display());
            Ok(())
        }
        Command::CatalogExport { access, out } => {
            catalog::catalog_export(&http, &access, &out).await
        }
        Command::CatalogImport {
            access,
            file,
            check,
        } => catalog::catalog_import(&http, &access, &file, check).await,
        Command::List { access } => {
            let resp = access
                .call(http.get(access.url("/api/admin/kiosks")))
                .await?;
            let kiosks: Vec<KioskSummary> = explain(resp).await?.json().await?;
            println!(
                "{:<24} {:<16} {:<9} {:<8} last contact",
                "kiosk", "site", "revoked", "queued"
            );
            for k in kiosks {
                println!(
                    "{:<24} {:<16} {:<9} {:<8} {}",
                    k.kiosk_id,
                    k.site_id,
                    if k.revoked { "ja/yes" } else { "nej/no" },
                    k.queued,
                    k.last_contact.unwrap_or_else(|| "-".into())
                );
            }
            Ok(())
        }
    }
}

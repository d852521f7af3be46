//! `server-proc`: the sync server as a process of its own on a fixed port, for the tests that
//! kill it and for the load test, which measures its memory. Prints `READY` once it listens;
//! writes the admin token and the admin password it made on first start to
//! `admin-token.txt` and `admin-password.txt` in the data folder.
//!
//! `server-proc <data dir> <port>`; with `FRIVILLIG_TEST_SMTP_PORT` set it sends mail to an
//! SMTP server on that port of 127.0.0.1.

use anyhow::Context as _;
use frivillig_sync_server::{Server, ServerConfig, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let data_dir: std::path::PathBuf = args
        .next()
        .context("usage: server-proc <data dir> <port>")?
        .into();
    let port: u16 = args.next().context("port")?.parse().context("port")?;
    let listener = frivillig_tests::bind(port)?;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let addr = listener.local_addr()?;
    let mut config = ServerConfig {
        listen: addr,
        data_dir: data_dir.clone(),
        public_url: format!("http://{addr}"),
        ..ServerConfig::default()
    };
    // The mail tests' SMTP server, on this machine, retried after a second.
    if let Ok(port) = std::env::var("FRIVILLIG_TEST_SMTP_PORT") {
        config.mail.smtp_host = Some("127.0.0.1".into());
        config.mail.smtp_port = port.parse().context("FRIVILLIG_TEST_SMTP_PORT")?;
        config.mail.smtp_security = frivillig_sync_server::config::mail::SmtpSecurity::None;
        config.mail.retry_first_secs = 1;
    }
    let server = Server::open(config).await?;
    if let Some(token) = &server.new_admin_token {
        std::fs::write(data_dir.join("admin-token.txt"), token)?;
    }
    if let Some(password) = &server.new_admin_password {
        // The same shape as the server binary's file: user, then password.
        std::fs::write(
            data_dir.join("admin-password.txt"),
            format!("admin\n{password}\n"),
        )?;
    }
    println!("READY");
    run(listener, server.state, std::future::pending::<()>()).await?;
    Ok(())
}

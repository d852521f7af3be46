//! `server-proc`: the sync server as a process of its own on a fixed port, for the tests that
//! kill it and for the load test, which measures its memory. Prints `READY` once it listens;
//! writes the admin token and the admin password it made on first start to
//! `admin-token.txt` and `admin-password.txt` in the data folder.
//!
//! `server-proc <data dir> <port>`

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
    let server = Server::open(ServerConfig {
        listen: addr,
        data_dir: data_dir.clone(),
        public_url: format!("http://{addr}"),
        ..ServerConfig::default()
    })
    .await?;
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

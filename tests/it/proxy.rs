//! Behind a real reverse proxy (nginx from Debian, started by the test): with
//! `trusted_proxies` set, rate limits count the client the proxy names, so one client's
//! failed logins do not lock out another who comes through the same proxy.

use std::net::IpAddr;
use std::time::Duration;

use frivillig_tests::{Browser, Proc, TestServer};

/// nginx in front of `upstream`, listening on 127.0.0.1:`port`, in its own folder.
async fn nginx(
    dir: &std::path::Path,
    port: u16,
    upstream: std::net::SocketAddr,
) -> anyhow::Result<Proc> {
    let exe = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .ok_or_else(|| anyhow::anyhow!("nginx is not installed (.ci/run installs nginx-light)"))?;
    std::fs::create_dir_all(dir.join("logs"))?;
    let conf = format!(
        "daemon off;\n# One process, so killing it when the test ends leaves no workers behind.\nmaster_process off;\npid {dir}/nginx.pid;\nerror_log stderr warn;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
           fastcgi_temp_path {dir}/fcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
           server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://{upstream};\n\
               proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_set_header Host $host;\n    }}\n  }}\n}}\n",
        dir = dir.display()
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf)?;
    let child = tokio::process::Command::new(exe)
        .args([
            "-c",
            conf_path.to_str().unwrap_or_default(),
            "-p",
            dir.to_str().unwrap_or_default(),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let proc = Proc { child };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(proc);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("nginx did not start listening on {port}")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Ten wrong passwords from `a`, then the right one from `b`; whether `b` got in.
async fn one_locks_out_the_other(proxy: &str, password: &str) -> anyhow::Result<bool> {
    let a: IpAddr = "127.0.0.2".parse()?;
    let b: IpAddr = "127.0.0.3".parse()?;
    let mut mallory = Browser::from_address(proxy, Some(a))?;
    for _ in 0..12 {
        mallory.log_in("admin", "not the password").await?;
    }
    let mut kim = Browser::from_address(proxy, Some(b))?;
    let answer = kim.log_in("admin", password).await?;
    Ok(answer.status == 303)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_one_clients_failed_logins_do_not_lock_out_another()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a network")];
    })
    .await?;
    let port = free_port()?;
    let _nginx = nginx(&dir.path().join("nginx"), port, server.addr).await?;
    let proxy = format!("http://127.0.0.1:{port}");
    anyhow::ensure!(
        one_locks_out_the_other(&proxy, &server.admin_password).await?,
        "a client behind the proxy was locked out by another's failed logins"
    );
    let data = server.data_dir.clone();
    server.stop().await;

    // The same without trusting the proxy: everyone is the proxy, and one locks out all.
    // (What the setting is for; this half shows the test can tell.)
    let server = TestServer::start_on(&data, 0).await?;
    let port = free_port()?;
    let _nginx = nginx(&dir.path().join("nginx2"), port, server.addr).await?;
    let proxy = format!("http://127.0.0.1:{port}");
    anyhow::ensure!(
        !one_locks_out_the_other(&proxy, &server.admin_password).await?,
        "without trusted_proxies the proxy's clients should share one limit"
    );
    server.stop().await;
    Ok(())
}

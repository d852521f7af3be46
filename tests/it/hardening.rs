//! The server defends itself: slow clients are cut off, oversized bodies refused, and
//! connections beyond the cap get a clear refusal while others keep being served.

use std::time::Duration;

use frivillig_tests::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Read until the server closes the connection; returns what it sent, or an error if it
/// kept the connection open for `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> anyhow::Result<String> {
    let mut out = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut out)).await??;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_big_bodies_and_too_many_connections_are_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, |c| {
        c.header_read_timeout_ms = 300;
        c.max_connections = 4;
        c.max_body_bytes = 64 * 1024;
    })
    .await?;
    let http = reqwest::Client::new();

    // Slow-loris: headers that never end. The server hangs up.
    let mut slow = TcpStream::connect(server.addr).await?;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: frivillig\r\nX-Slow: 1")
        .await?;
    read_until_closed(&mut slow, Duration::from_secs(10)).await?;

    // A body over the limit: 413, and the server goes on.
    let enrol = server.enrol("kiosk-h", "bibliotek").await?;
    let token = frivillig_common::sync::device_token("kiosk-h", &enrol.device_secret);
    let big = serde_json::json!({"doc_id": "x".repeat(100 * 1024), "day": "2026-11-27"});
    let resp = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&token)
        .json(&big)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status() == 413,
        "oversized body answered {}",
        resp.status()
    );

    // Fill every connection slot with idle clients that have sent nothing yet.
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(server.addr).await?);
    }
    let mut extra = TcpStream::connect(server.addr).await?;
    let refusal = read_until_closed(&mut extra, Duration::from_secs(10)).await?;
    anyhow::ensure!(
        refusal.starts_with("HTTP/1.1 503") && refusal.contains("too many connections"),
        "{refusal}"
    );
    // The idle clients are cut off by the header timeout, which frees their slots.
    for mut s in idle {
        read_until_closed(&mut s, Duration::from_secs(10)).await?;
    }
    let mut served = false;
    for _ in 0..50 {
        let r = http.get(format!("{}/healthz", server.url())).send().await;
        if r.as_ref().is_ok_and(|r| r.status() == 200) {
            served = true;
            break;
        }
        // A slot is freed when the server notices the close; look again shortly.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::ensure!(
        served,
        "the server did not serve again after the slots were freed"
    );
    server.stop().await;
    Ok(())
}

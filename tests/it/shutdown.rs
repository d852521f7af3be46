//! Stopping the server stops everything it started: its background loops (the ingester,
//! the spots-taken refresher, retention, the outbox's sender and scheduler) end before `run` returns, so a stopped server
//! leaves no task behind that could write to a database someone else opens next.

use frivillig_tests::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_loops_end_when_the_server_stops() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(&dir.path().join("server")).await?;
    // Once a request is answered, `run` has started its loops (they start before it accepts).
    let health = reqwest::get(format!("{}/healthz", server.url())).await?;
    anyhow::ensure!(health.status() == 200, "health: {}", health.status());
    let background = server.state.background.clone();
    anyhow::ensure!(
        background.running() == 5,
        "{} loops running before the stop",
        background.running()
    );
    server.stop().await;
    anyhow::ensure!(
        background.running() == 0,
        "{} loops still running after the stop",
        background.running()
    );
    Ok(())
}

//! Garbage on the WebSocket, an oversized message and a malformed document neither crash the
//! server nor disturb other kiosks' sync.

use std::sync::Arc;
use std::time::Duration;

use frivillig_common::sync::{device_token, kiosk_peer_id};
use frivillig_kiosk::sync::WsDialer;
use frivillig_kiosk::{SyncWorker, SystemClock};
use frivillig_tests::{
    TestServer, closed_by_server, kiosk_config, open_kiosk, visitor_form, wait_status,
};
use futures::SinkExt;
use samod::{BackoffConfig, Repo};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

async fn hostile_socket(
    server: &TestServer,
    token: &str,
) -> anyhow::Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
> {
    let mut req = format!("ws://{}/sync", server.addr).into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (ws, _) = tokio_tungstenite::connect_async(req).await?;
    Ok(ws)
}

/// A server with two enrolled kiosks: a good one, open and syncing, and a bad one whose
/// token the test uses by hand.
struct Scene {
    server: TestServer,
    bad: frivillig_common::api::EnrolResponse,
    bad_token: String,
    core: frivillig_kiosk::KioskCore,
    worker: SyncWorker,
}

async fn scene(dir: &std::path::Path) -> anyhow::Result<Scene> {
    let server = TestServer::start(&dir.join("server")).await?;
    let good = server.enrol("kiosk-good", "bibliotek").await?;
    let bad = server.enrol("kiosk-bad", "bibliotek").await?;
    let bad_token = device_token("kiosk-bad", &bad.device_secret);
    let core = open_kiosk(
        kiosk_config(&server.url(), &good, "bibliotek", &dir.join("g")),
        Arc::new(SystemClock),
    )
    .await?;
    let worker = SyncWorker::start(&core);
    wait_status(&core, Duration::from_secs(20), |s| s.online).await?;
    Ok(Scene {
        server,
        bad,
        bad_token,
        core,
        worker,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_peers_do_not_disturb_other_kiosks() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let Scene {
        server,
        bad,
        bad_token,
        core,
        worker,
    } = scene(dir.path()).await?;
    core.submit_signup("hojtlaesning", None, &visitor_form("g", 0))
        .await?;
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;

    // Garbage bytes where a CBOR sync message belongs.
    let mut ws = hostile_socket(&server, &bad_token).await?;
    ws.send(Message::Binary(vec![0xff; 300].into())).await?;
    anyhow::ensure!(
        closed_by_server(&mut ws).await,
        "garbage did not end the hostile connection"
    );

    // A text frame, which the protocol does not use.
    let mut ws = hostile_socket(&server, &bad_token).await?;
    ws.send(Message::Text("hallo".into())).await?;
    anyhow::ensure!(
        closed_by_server(&mut ws).await,
        "a text frame did not end the hostile connection"
    );

    // A message over the server's limit.
    let mut ws = hostile_socket(&server, &bad_token).await?;
    let oversized = vec![0u8; server.state.config.max_ws_message_bytes + 1];
    let _ = ws.send(Message::Binary(oversized.into())).await;
    anyhow::ensure!(
        closed_by_server(&mut ws).await,
        "an oversized message did not end the hostile connection"
    );

    // A malformed document: registered as a journal, but not one.
    let bad_config = kiosk_config(&server.url(), &bad, "bibliotek", &dir.path().join("b"));
    let repo = Repo::build_tokio()
        .with_peer_id(kiosk_peer_id("kiosk-bad"))
        .load()
        .await;
    let mut junk = automerge::Automerge::new();
    junk.transact::<_, _, automerge::AutomergeError>(|tx| {
        use automerge::transaction::Transactable;
        tx.put(automerge::ROOT, "kind", "journal")?;
        tx.put(automerge::ROOT, "signups", 42)?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    let handle = repo.create(junk).await?;
    let heads: Vec<String> = handle
        .with_document(|d| d.get_heads())
        .iter()
        .map(|h| h.to_string())
        .collect();
    let http = reqwest::Client::new();
    let reg = http
        .post(format!("{}/api/device/journals", server.url()))
        .bearer_auth(&bad_token)
        .json(&serde_json::json!({"doc_id": handle.document_id().to_string(), "day": frivillig_tests::today()}))
        .send()
        .await?;
    anyhow::ensure!(reg.status() == 200, "register: {}", reg.status());
    let dialer = repo.dial(
        BackoffConfig::default(),
        Arc::new(WsDialer::new(&bad_config)?),
    )?;
    tokio::time::timeout(Duration::from_secs(10), dialer.established())
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let ack = http
        .post(format!(
            "{}/api/device/journals/{}/ack",
            server.url(),
            handle.document_id()
        ))
        .bearer_auth(&bad_token)
        .json(&serde_json::json!({"heads": heads, "queued": 0}))
        .send()
        .await?;
    anyhow::ensure!(
        ack.status() == 409,
        "a malformed journal was answered {}",
        ack.status()
    );
    let bad_heads = http
        .post(format!(
            "{}/api/device/journals/{}/ack",
            server.url(),
            handle.document_id()
        ))
        .bearer_auth(&bad_token)
        .json(&serde_json::json!({"heads": ["not-a-hash"], "queued": 0}))
        .send()
        .await?;
    anyhow::ensure!(
        bad_heads.status() == 400,
        "bad heads were answered {}",
        bad_heads.status()
    );

    // The good kiosk keeps working throughout.
    for i in 1..=20 {
        core.submit_signup("hojtlaesning", None, &visitor_form("g", i))
            .await?;
    }
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    anyhow::ensure!(server.signups().await?.len() == 21);
    let health = http.get(format!("{}/healthz", server.url())).send().await?;
    anyhow::ensure!(health.status() == 200);

    dialer.close();
    repo.stop().await;
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

/// Sync messages that would make automerge fail while the server answers them (found by
/// the fuzzer: a bloom filter that claims entries but has no bits, a division by zero; one
/// that claims 2^30 probes per hash, a 4 GiB allocation per hash checked) are refused at the
/// socket, before samod, and the connection closed. Without that, it would stop the
/// catalog's document for every kiosk. The good kiosk still gets a catalog edit and
/// delivers signups afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_would_fail_automerge_is_refused_before_samod() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let Scene {
        server,
        bad_token,
        core,
        worker,
        ..
    } = scene(dir.path()).await?;

    let catalog_id = server.state.sync.catalog_id.to_string();
    let no_bits = [3u8, 0, 7];
    let many_probes = [1u8, 8, 0x80, 0x80, 0x80, 0x80, 0x04, 0xff];
    for bloom in [&no_bits[..], &many_probes[..]].repeat(3) {
        let bloom =
            automerge::sync::BloomFilter::try_from(bloom).map_err(|e| anyhow::anyhow!("{e}"))?;
        let poison = automerge::sync::Message {
            heads: vec![],
            need: vec![],
            have: vec![automerge::sync::Have {
                last_sync: vec![],
                bloom,
            }],
            changes: automerge::sync::ChunkList::from(Vec::<Vec<u8>>::new()),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        }
        .encode();
        let mut ws = hostile_socket(&server, &bad_token).await?;
        ws.send(Message::Binary(
            frivillig_tests::fuzz::join_message("kiosk-bad").into(),
        ))
        .await?;
        ws.send(Message::Binary(
            frivillig_tests::fuzz::doc_message("request", "kiosk-bad", &catalog_id, &poison).into(),
        ))
        .await?;
        anyhow::ensure!(
            closed_by_server(&mut ws).await,
            "the poisoned message did not end the connection"
        );
    }

    // The catalog's document still works for everyone: an edit reaches the good kiosk.
    let mut catalog = frivillig_common::catalog::demo_catalog();
    catalog.opportunities[0].title = "Højtlæsning, efter angrebet".into();
    let (code, body) = server
        .admin_put("/api/admin/catalog", &serde_json::to_value(&catalog)?)
        .await?;
    anyhow::ensure!(code == 200, "catalog edit: {code} {body}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let title = core.catalog().map(|c| c.opportunities[0].title.clone());
        if title.as_deref() == Some("Højtlæsning, efter angrebet") {
            break;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the edited catalog never reached the good kiosk (it holds {title:?})"
        );
        core.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for i in 0..5 {
        core.submit_signup("hojtlaesning", None, &visitor_form("g", i))
            .await?;
    }
    wait_status(&core, Duration::from_secs(20), |s| s.queued_signups == 0).await?;
    anyhow::ensure!(server.signups().await?.len() == 5);
    worker.stop().await;
    core.shutdown().await;
    server.stop().await;
    Ok(())
}

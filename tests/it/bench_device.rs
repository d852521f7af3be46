//! Benchmark devices (`bench_devices`): off by default; when on, a generic automerge-repo
//! client with a peer id of its own stores documents and sees nothing else; and the server
//! answers a sync message only once the changes it acknowledges are on disk.

use std::sync::Arc;
use std::time::Duration;

use automerge::transaction::Transactable;
use frivillig_common::api::EnrolResponse;
use frivillig_common::storage::RedbStorage;
use frivillig_common::sync::{device_token, kiosk_peer_id};
use frivillig_kiosk::sync::WsDialer;
use frivillig_tests::powercut::PowerCutDisk;
use frivillig_tests::{TestServer, closed_by_server, kiosk_config};
use futures::SinkExt;
use samod::{BackoffConfig, Repo};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

async fn enrol_bench(server: &TestServer) -> anyhow::Result<(u16, serde_json::Value)> {
    server
        .admin_post(
            "/api/admin/kiosks",
            &serde_json::json!({"kiosk_id": "bench", "site_id": "bench", "bench": true}),
        )
        .await
}

/// Dial the server from `repo` with the credentials of `enrol`.
async fn dial(
    repo: &Repo,
    server: &TestServer,
    enrol: &EnrolResponse,
    dir: &std::path::Path,
) -> anyhow::Result<samod::DialerHandle<frivillig_kiosk::sync::WsError>> {
    let config = kiosk_config(&server.url(), enrol, "bench", dir);
    let dialer = repo.dial(BackoffConfig::default(), Arc::new(WsDialer::new(&config)?))?;
    tokio::time::timeout(Duration::from_secs(10), dialer.established())
        .await?
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(dialer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_benchmark_device_stores_only_its_own_documents_and_only_durably_acknowledged()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;

    // Off by default: not even enrolled.
    let plain = TestServer::start(&dir.path().join("plain")).await?;
    let (status, _) = enrol_bench(&plain).await?;
    assert_eq!(status, 400, "a default server enrolled a benchmark device");
    plain.stop().await;

    // On, with a slow disk: each sync takes 300 ms to land.
    let disk = PowerCutDisk::new();
    let server_dir = dir.path().join("server");
    let server =
        TestServer::start_on_disk(&server_dir, |c| c.bench_devices = true, disk.clone()).await?;
    let (status, body) = enrol_bench(&server).await?;
    assert_eq!(status, 200, "{body}");
    let bench: EnrolResponse = serde_json::from_value(body)?;
    let kiosk = server.enrol("k1", "bibliotek").await?;

    // A client with a random peer id, as the JS load client has.
    let repo = Repo::build_tokio().load().await;
    let mut doc = automerge::Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let signups = tx.put_object(automerge::ROOT, "signups", automerge::ObjType::Map)?;
        tx.put(&signups, "s1", "Maria")?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    let handle = repo.create(doc).await?;
    let doc_id = handle.document_id().clone();
    let ours = handle.with_document(|d| d.get_heads());
    disk.set_sync_delay(Duration::from_millis(300));
    let dialer = dial(&repo, &server, &bench, &dir.path().join("b")).await?;

    // Wait until the server says it has our heads; at that moment they must be on its disk.
    let acknowledged = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let seen = handle
                .peers()
                .0
                .values()
                .any(|p| p.their_heads.as_ref() == Some(&ours));
            if seen {
                return disk.durable_image();
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await?;
    disk.set_sync_delay(Duration::ZERO);
    let reopened = Repo::build_tokio()
        .with_storage(RedbStorage::with_backend(PowerCutDisk::from_image(
            acknowledged,
        ))?)
        .load()
        .await;
    let stored = reopened
        .find(doc_id.clone())
        .await?
        .ok_or_else(|| anyhow::anyhow!("acknowledged, but not on the server's disk"))?;
    assert_eq!(stored.with_document(|d| d.get_heads()), ours);
    reopened.stop().await;

    // It sees nothing else: not the catalog.
    let catalog = server.state.sync.catalog_id.clone();
    let found = tokio::time::timeout(Duration::from_secs(10), repo.find(catalog)).await??;
    assert!(found.is_none(), "a benchmark device read the catalog");
    // And no kiosk sees its documents.
    let kiosk_repo = Repo::build_tokio()
        .with_peer_id(kiosk_peer_id("k1"))
        .load()
        .await;
    let kiosk_dialer = dial(&kiosk_repo, &server, &kiosk, &dir.path().join("k")).await?;
    let found =
        tokio::time::timeout(Duration::from_secs(10), kiosk_repo.find(doc_id.clone())).await??;
    assert!(
        found.is_none(),
        "a kiosk read a benchmark device's document"
    );
    // The server offers nothing unasked (lazy subscriptions, patched samod): the kiosk's
    // connection takes part in the one document it asked about, not in every one held.
    let (connections, _) = server.state.sync.repo.connected_peers();
    let kiosk_docs: Vec<_> = connections
        .iter()
        .filter(|c| {
            matches!(&c.state, samod::ConnectionState::Connected { their_peer_id }
                if *their_peer_id == kiosk_peer_id("k1"))
        })
        .flat_map(|c| c.docs.keys().cloned())
        .collect();
    assert!(
        kiosk_docs == [doc_id.clone()],
        "the kiosk's connection takes part in {kiosk_docs:?}"
    );
    kiosk_dialer.close();
    kiosk_repo.stop().await;

    // A benchmark client may not pass for a kiosk.
    let token = device_token("bench", &bench.device_secret);
    let mut req = format!("ws://{}/sync", server.addr).into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    ws.send(Message::Binary(
        frivillig_tests::fuzz::join_message("k1").into(),
    ))
    .await?;
    assert!(
        closed_by_server(&mut ws).await,
        "a benchmark socket joined as kiosk:k1"
    );

    dialer.close();
    repo.stop().await;
    server.stop().await;

    // Switched off again: the enrolled benchmark device is refused at the upgrade.
    let server =
        TestServer::start_on_disk(&server_dir, |_| {}, PowerCutDisk::from_image(disk.image()))
            .await?;
    let mut req = format!("ws://{}/sync", server.addr).into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 403)
        }
        other => panic!("a benchmark device connected while they are off: {other:?}"),
    }
    server.stop().await;
    Ok(())
}

/// How many documents the server holds in memory, from its metrics.
async fn documents_loaded(server: &TestServer) -> anyhow::Result<u64> {
    let (_, metrics) = server.admin_get("/api/admin/metrics").await?;
    metrics["documents_loaded"]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("no documents_loaded in {metrics}"))
}

/// Wait until the server's heads of `handle`'s document are ours.
async fn synced(handle: &samod::DocHandle) -> anyhow::Result<()> {
    let ours = handle.with_document(|d| d.get_heads());
    tokio::time::timeout(Duration::from_secs(20), async {
        while !handle
            .peers()
            .0
            .values()
            .any(|p| p.their_heads.as_ref() == Some(&ours))
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await?;
    Ok(())
}

fn one_change(doc: &mut automerge::Automerge, key: &str) -> anyhow::Result<()> {
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, key, "x")?;
        Ok(())
    })
    .map_err(|f| f.error)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_nobody_uses_leave_the_servers_memory_and_come_back_from_disk()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, |c| {
        c.bench_devices = true;
        c.unload_idle_secs = 1;
    })
    .await?;
    let (status, body) = enrol_bench(&server).await?;
    assert_eq!(status, 200, "{body}");
    let bench: EnrolResponse = serde_json::from_value(body)?;

    // A client stores 20 documents and leaves.
    let repo = Repo::build_tokio().load().await;
    let mut stored = Vec::new();
    for i in 0..20 {
        let mut doc = automerge::Automerge::new();
        one_change(&mut doc, &format!("record {i}"))?;
        let handle = repo.create(doc).await?;
        stored.push((
            handle.document_id().clone(),
            handle.with_document(|d| d.get_heads()),
        ));
    }
    let dialer = dial(&repo, &server, &bench, &dir.path().join("a")).await?;
    for (id, _) in &stored {
        let handle = repo
            .find(id.clone())
            .await?
            .ok_or_else(|| anyhow::anyhow!("lost our own document"))?;
        synced(&handle).await?;
    }
    assert!(documents_loaded(&server).await? >= 20);
    // The application (here: the test, as the server's ingest would) holds one of them.
    let held = server
        .state
        .sync
        .repo
        .find(stored[0].0.clone())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the server lost a document"))?;
    dialer.close();
    repo.stop().await;

    // Idle and without a connection, all but the held one leave memory.
    let left = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let n = documents_loaded(&server).await?;
            if n <= 2 {
                return anyhow::Ok(n);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let loaded = documents_loaded(&server).await?;
    assert!(
        left.is_ok(),
        "{loaded} documents still in memory after their client left"
    );

    // A new client finds every one, as stored (loaded again from disk), and a change it makes
    // to the held document reaches the handle the application kept.
    let repo = Repo::build_tokio().load().await;
    let dialer = dial(&repo, &server, &bench, &dir.path().join("b")).await?;
    for (id, heads) in &stored {
        let found = tokio::time::timeout(Duration::from_secs(10), repo.find(id.clone()))
            .await??
            .ok_or_else(|| anyhow::anyhow!("a document that left memory was not found again"))?;
        assert_eq!(&found.with_document(|d| d.get_heads()), heads);
    }
    let first = repo
        .find(stored[0].0.clone())
        .await?
        .ok_or_else(|| anyhow::anyhow!("lost"))?;
    first.with_document(|d| one_change(d, "later"))?;
    synced(&first).await?;
    let theirs = first.with_document(|d| d.get_heads());
    assert_eq!(
        held.with_document(|d| d.get_heads()),
        theirs,
        "the handle the server's application held went stale"
    );
    dialer.close();
    repo.stop().await;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_racing_with_unloading_always_resolve() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_with(&dir.path().join("server"), 0, |c| {
        c.unload_idle_secs = 1;
    })
    .await?;
    use rand::{Rng, SeedableRng};
    let catalog = server.state.sync.catalog_id.clone();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for round in 0..40 {
        let wait = rng.gen_range(900..1300);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let found = tokio::time::timeout(
            Duration::from_secs(10),
            server.state.sync.repo.find(catalog.clone()),
        )
        .await
        .map_err(|_| anyhow::anyhow!("round {round}: a find after {wait} ms never resolved"))??;
        anyhow::ensure!(found.is_some(), "round {round}: the catalog was not found");
    }
    server.stop().await;
    Ok(())
}

/// A benchmark device enrolled while they were allowed is refused by the device API (not
/// only the sync socket) once a restart turns them off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_benchmark_device_is_refused_once_benchmarks_are_off() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let server = TestServer::start_with(&data, 0, |c| c.bench_devices = true).await?;
    let (status, body) = enrol_bench(&server).await?;
    anyhow::ensure!(status == 200, "bench enrolment: {status} {body}");
    let enrol: EnrolResponse = serde_json::from_value(body)?;
    let token = frivillig_common::sync::device_token("bench", &enrol.device_secret);
    let info = |url: String| {
        let token = token.clone();
        async move {
            anyhow::Ok(
                reqwest::Client::new()
                    .get(format!("{url}/api/device/info"))
                    .bearer_auth(token)
                    .send()
                    .await?
                    .status(),
            )
        }
    };
    anyhow::ensure!(info(server.url()).await? == 200, "while benchmarks are on");
    server.stop().await;
    let server = TestServer::start_on(&data, 0).await?;
    let status = info(server.url()).await?;
    anyhow::ensure!(status == 403, "with benchmarks off: {status}");
    server.stop().await;
    Ok(())
}

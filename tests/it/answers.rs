//! A sync answer that waited for the disk still goes out.
//!
//! Our samod answers a sync message only once the changes in it are on disk (samod-core
//! patch 3). Automerge, though, assumes every message is answered at once: when a message
//! without changes names the same heads as ours, it records those heads as sent to the
//! peer. Found by the side-by-side benchmark's live workload on a busy server (one document
//! in about twenty never acknowledged): a client's changes arrived, their write was still
//! running, the client's next message (no changes, the same heads) arrived, and the answer
//! after the write found nothing to say, so the client waited for ever. Patch 8 keeps the
//! heads really sent. This test holds the server's writes and its messages at exactly those
//! moments, with two samod repositories joined by channels; without patch 8 the last
//! acknowledgement never comes.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use automerge::transaction::Transactable as _;
use automerge::{Automerge, AutomergeError, ROOT};
use futures::future::BoxFuture;
use futures::{SinkExt as _, StreamExt as _};
use samod::storage::{InMemoryStorage, Storage, StorageKey};
use samod::{AcceptorHandle, BackoffConfig, DialError, Dialer, PeerId, Repo, Transport};
use tokio::sync::watch;

/// In-memory storage whose puts wait while the gate is shut: a disk that stalls.
#[derive(Clone)]
struct GatedStorage {
    inner: InMemoryStorage,
    open: watch::Receiver<bool>,
    waiting: Arc<AtomicUsize>,
}

impl Storage for GatedStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        self.inner.load(key).await
    }

    async fn load_range(
        &self,
        prefix: StorageKey,
    ) -> std::collections::HashMap<StorageKey, Vec<u8>> {
        self.inner.load_range(prefix).await
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        let mut open = self.open.clone();
        self.waiting.fetch_add(1, Ordering::SeqCst);
        // A dropped sender means the test is over: let the write through.
        let _ = open.wait_for(|o| *o).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        self.inner.put(key, data).await;
    }

    async fn delete(&self, key: StorageKey) {
        self.inner.delete(key).await;
    }
}

/// Joins the client to the server's acceptor by channels; the server's messages to the
/// client pass a valve the test can shut (they wait, in order), and the client's messages
/// are counted.
struct ValveDialer {
    acceptor: AcceptorHandle,
    valve: watch::Receiver<bool>,
    held: Arc<AtomicUsize>,
    client_sent: Arc<AtomicUsize>,
}

impl Dialer for ValveDialer {
    type Error = Infallible;

    fn url(&self) -> url::Url {
        url::Url::parse("channel://answers").expect("a valid url")
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Infallible>>> {
        let (to_server, server_in) = futures::channel::mpsc::unbounded::<Vec<u8>>();
        let (server_out, mut valve_in) = futures::channel::mpsc::unbounded::<Vec<u8>>();
        let (valve_out, client_in) = futures::channel::mpsc::unbounded::<Vec<u8>>();
        let (mut valve, held) = (self.valve.clone(), self.held.clone());
        tokio::spawn(async move {
            while let Some(message) = valve_in.next().await {
                held.fetch_add(1, Ordering::SeqCst);
                let _ = valve.wait_for(|open| *open).await;
                held.fetch_sub(1, Ordering::SeqCst);
                if valve_out.unbounded_send(message).is_err() {
                    break;
                }
            }
        });
        let accepted = self.acceptor.accept(Transport::new(
            server_in.map(Ok::<_, Infallible>),
            server_out,
        ));
        let sent = self.client_sent.clone();
        let to_server = to_server.with(move |m: Vec<u8>| {
            sent.fetch_add(1, Ordering::SeqCst);
            futures::future::ready(Ok::<_, futures::channel::mpsc::SendError>(m))
        });
        Box::pin(async move {
            accepted.map_err(DialError::transient)?;
            Ok(Transport::new(
                client_in.map(Ok::<_, Infallible>),
                Box::pin(to_server),
            ))
        })
    }
}

/// Poll `what` every 10 ms until it holds, for at most 10 s.
async fn until(what: &str, mut check: impl FnMut() -> bool) -> anyhow::Result<()> {
    for _ in 0..1000 {
        if check() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    anyhow::bail!("timed out waiting until {what}")
}

fn add_record(doc: &mut Automerge, key: &str) -> Result<(), AutomergeError> {
    doc.transact::<_, _, AutomergeError>(|tx| tx.put(ROOT, key, "Maria"))
        .map(|_| ())
        .map_err(|f| f.error)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_waited_for_the_disk_still_reaches_the_peer() -> anyhow::Result<()> {
    let (gate, gate_rx) = watch::channel(true);
    let (valve, valve_rx) = watch::channel(true);
    let waiting_puts = Arc::new(AtomicUsize::new(0));
    let server = Repo::build_tokio()
        .with_peer_id(PeerId::from("server"))
        .with_storage(GatedStorage {
            inner: InMemoryStorage::new(),
            open: gate_rx,
            waiting: waiting_puts.clone(),
        })
        .load()
        .await;
    let acceptor = server.make_acceptor(url::Url::parse("channel://answers")?)?;
    let (held, client_sent) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let client = Repo::build_tokio().load().await;
    let dialer = client.dial(
        BackoffConfig::default(),
        Arc::new(ValveDialer {
            acceptor,
            valve: valve_rx,
            held: held.clone(),
            client_sent: client_sent.clone(),
        }),
    )?;
    tokio::time::timeout(Duration::from_secs(10), dialer.established())
        .await
        .context("connecting")?
        .map_err(|e| anyhow::anyhow!("connecting: {e:?}"))?;
    let conn = dialer.connection_id().context("no connection")?;

    // In step: one change, acknowledged.
    let mut first = Automerge::new();
    add_record(&mut first, "s1")?;
    let doc = client.create(first).await?;
    tokio::time::timeout(Duration::from_secs(10), doc.they_have_our_changes(conn))
        .await
        .context("the first change was never acknowledged")?;
    let on_server = server
        .find(doc.document_id().clone())
        .await?
        .context("the server does not have the document")?;
    let same_heads =
        || doc.with_document(|d| d.get_heads()) == on_server.with_document(|d| d.get_heads());

    // A second change reaches the server and is written; the answer is held on its way.
    valve.send(false)?;
    doc.with_document(|d| add_record(d, "s2"))?;
    until("the server answered the second change", || {
        same_heads() && held.load(Ordering::SeqCst) >= 1
    })
    .await?;

    // The disk stalls; a third change reaches the server, whose answer waits for the write.
    gate.send(false)?;
    doc.with_document(|d| add_record(d, "s3"))?;
    until("the third change waits for the disk", || {
        same_heads() && waiting_puts.load(Ordering::SeqCst) >= 1
    })
    .await?;

    // The held answer reaches the client, which replies: no changes (it sent the third
    // already), the same heads as the server's. Give the server time to take it in.
    let before = client_sent.load(Ordering::SeqCst);
    valve.send(true)?;
    until("the client replied to the held answer", || {
        client_sent.load(Ordering::SeqCst) > before
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        waiting_puts.load(Ordering::SeqCst) >= 1,
        "the write finished too early for this test to mean anything"
    );

    // The write lands: now the server must tell the client it has the third change.
    gate.send(true)?;
    tokio::time::timeout(Duration::from_secs(10), doc.they_have_our_changes(conn))
        .await
        .context("the server never acknowledged the change whose write it waited for")?;

    dialer.close();
    client.stop().await;
    server.stop().await;
    Ok(())
}

//! Frivillig's central server: the automerge-repo sync endpoint for kiosks (through samod),
//! the ingest of every signup the journals bring, the durable acknowledgement kiosks wait
//! for before they delete anything, and the JSON API coordinators and the provisioning tool
//! use.
//!
//! Layout: [`config`] settings; [`keys`] the sealing key pair and admin credential in the
//! data folder; [`store`] the server's own redb tables; [`policy`] the deny-by-default share
//! policy; [`ws`] the authenticated WebSocket upgrade; [`ingest`] opening and indexing
//! journals; [`api`] the HTTP handlers. [`Server::open`] wires them; [`router`] and [`run`]
//! serve them, so tests bind port 0.

pub mod backup;
pub mod config;
pub mod http;
pub mod keys;
pub mod limits;
pub mod policy;
pub mod service;
pub mod store;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use frivillig_common::catalog::{demo_catalog, new_catalog_doc};
use frivillig_common::storage::{RedbStorage, StorageError};
use frivillig_common::sync::SERVER_PEER_ID;
use samod::{AcceptorHandle, DocumentId, PeerId, Repo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::ServerConfig;
pub use service::{accounts, erasure, ingest, review, web_signup};
pub use store::listing;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data folder or key files could not be used.
    #[error("{0}")]
    Keys(#[from] keys::KeyError),
    /// The database could not be opened.
    #[error("cannot open the database: {0}")]
    Storage(#[from] StorageError),
    /// The server's tables could not be opened.
    #[error("cannot open the server tables: {0}")]
    Store(#[from] store::StoreError),
    /// The catalog document could not be made.
    #[error("cannot create the catalog: {0}")]
    Catalog(String),
    /// The first admin account could not be created.
    #[error("cannot create the first admin account: {0}")]
    Account(#[from] service::accounts::AccountError),
}

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Server tables.
    pub store: store::Store,
    /// samod's storage (for its health).
    pub storage: RedbStorage,
    /// The samod repository.
    pub repo: Repo,
    /// Where WebSocket connections are handed to samod.
    pub acceptor: AcceptorHandle,
    /// The catalog document id.
    pub catalog_id: DocumentId,
    /// The key pairs that open personal data and sign the catalog.
    pub keys: Arc<keys::ServerKeys>,
    /// SHA-256 of the admin credential.
    pub admin_token_hash: Arc<String>,
    /// Per-kiosk cancellation of open connections, for revocation.
    pub connections: Arc<Mutex<HashMap<String, CancellationToken>>>,
    /// Serialises ingests so each durable chunk follows the previous one.
    pub ingest_lock: Arc<tokio::sync::Mutex<()>>,
    /// Signalled by each ingest that changed signups: the spots taken are counted again
    /// and written into the catalog (see `ingest::start_taken_refresher`).
    pub taken_dirty: Arc<tokio::sync::Notify>,
    /// How many ingests have committed since start; tests and operators can wait on it.
    pub ingests: Arc<tokio::sync::watch::Sender<u64>>,
    /// Every journal the server knows: sync messages about them are ingested as they arrive
    /// (see `ingest::watch_journal`).
    pub journals: ingest::KnownJournals,
    /// Journals to ingest soon (fed by samod's observer and `ingest::watch_journal`).
    pub journal_activity: tokio::sync::mpsc::UnboundedSender<DocumentId>,
    /// How many documents samod holds in memory now (idle ones leave, see
    /// `ServerConfig::unload_idle_secs`).
    pub documents_loaded: Arc<std::sync::atomic::AtomicUsize>,
    /// Attempts to redeem enrolment codes per address in the current minute.
    pub redeem_attempts: Arc<limits::RateLimiter<std::net::IpAddr>>,
    /// Web signups per address in the current minute (spam from one place is refused).
    pub web_signup_attempts: Arc<limits::RateLimiter<std::net::IpAddr>>,
    /// Open sync WebSockets per kiosk (their sum is the total held).
    pub sync_sockets: Arc<Mutex<HashMap<String, usize>>>,
    /// Peer ids announced on benchmark devices' sockets (`ServerConfig::bench_devices`).
    pub bench_peers: policy::BenchPeers,
    /// Device API requests per kiosk in the current minute.
    pub device_requests: Arc<limits::RateLimiter<String>>,
    /// Login attempts at the admin app per address in the current minute.
    pub login_attempts: Arc<limits::RateLimiter<std::net::IpAddr>>,
    /// Held while a web signup finds or creates the day's web journal and adds to it.
    pub web_journal_lock: Arc<tokio::sync::Mutex<()>>,
    /// Bytes received on sync WebSockets since start (for operators and benchmarks).
    pub sync_bytes_in: Arc<std::sync::atomic::AtomicU64>,
    /// Bytes sent on sync WebSockets since start.
    pub sync_bytes_out: Arc<std::sync::atomic::AtomicU64>,
}

/// A started server (not yet serving HTTP).
pub struct Server {
    /// Its state.
    pub state: AppState,
    /// The admin credential, if it was created by this start (shown once).
    pub new_admin_token: Option<String>,
    /// The password of the first admin account (`admin`), if this start created it (shown
    /// once).
    pub new_admin_password: Option<String>,
}

impl Server {
    /// Open the data folder (creating keys, database and the demo catalog on first start).
    pub async fn open(config: ServerConfig) -> Result<Server, StartError> {
        // Keys are made after the database is opened: the folder must exist first.
        keys::load_or_create(&config.data_dir)?;
        let cache = usize::try_from(config.storage_cache_mib.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX);
        let storage = RedbStorage::open_with_cache(&config.data_dir.join("server.redb"), cache)?;
        Self::open_on(config, storage).await
    }

    /// Open with the database on `storage` instead of `server.redb` in the data folder
    /// (tests put it on a disk that fails on demand); keys stay in the data folder.
    pub async fn open_on(config: ServerConfig, storage: RedbStorage) -> Result<Server, StartError> {
        let keys = keys::load_or_create(&config.data_dir)?;
        let store = store::Store::new(storage.clone())?;
        let catalog_cell: Arc<OnceLock<DocumentId>> = Arc::new(OnceLock::new());
        let bench_peers = policy::BenchPeers::default();
        let policy = policy::ServerPolicy {
            catalog: catalog_cell.clone(),
            store: store.clone(),
            bench_peers: bench_peers.clone(),
        };
        let journals = ingest::KnownJournals::default();
        let documents_loaded = Arc::<std::sync::atomic::AtomicUsize>::default();
        let (journal_activity, journal_activity_rx) = tokio::sync::mpsc::unbounded_channel();
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_observer(ingest::SyncActivity {
                journals: journals.clone(),
                tx: journal_activity.clone(),
                documents_loaded: documents_loaded.clone(),
            })
            // Memory follows the kiosks connected rather than every journal ever held: a
            // document no connection takes part in and nobody holds leaves memory after this
            // long (patched samod) and is loaded again from disk when asked for.
            .with_unload_idle(std::time::Duration::from_secs(
                config.unload_idle_secs.max(1),
            ))
            .with_peer_id(PeerId::from(SERVER_PEER_ID))
            .with_share_policy(policy)
            // A kiosk syncs what it has and asks for the catalog; nothing is offered to a
            // connection unasked, so a new journal or kiosk costs the same with 10 or 10,000
            // held (patched samod, vendor/samod-core/PATCHES.md).
            .with_lazy_subscriptions(true)
            .load()
            .await;
        let catalog_id = match store.meta("catalog_doc_id")? {
            Some(id) => id
                .parse::<DocumentId>()
                .map_err(|e| StartError::Catalog(e.to_string()))?,
            None => {
                let doc = new_catalog_doc(&demo_catalog(), &keys.signing)
                    .map_err(|e| StartError::Catalog(e.to_string()))?;
                let handle = repo
                    .create(doc)
                    .await
                    .map_err(|_| StartError::Catalog("repository stopped".into()))?;
                let id = handle.document_id().clone();
                store.set_meta("catalog_doc_id", &id.to_string())?;
                id
            }
        };
        let _ = catalog_cell.set(catalog_id.clone());
        let (admin_token_hash, new_admin_token) = match store.meta("admin_token_hash")? {
            Some(h) => (h, None),
            None => {
                let token = frivillig_common::sync::new_secret();
                let hash = frivillig_common::sync::secret_hash(&token);
                store.set_meta("admin_token_hash", &hash)?;
                (hash, Some(token))
            }
        };
        let new_admin_password = store.create_first_admin()?;
        let url = url::Url::parse("ws://frivillig-server/sync")
            .map_err(|e| StartError::Catalog(e.to_string()))?;
        let acceptor = repo
            .make_acceptor(url)
            .map_err(|_| StartError::Catalog("repository stopped".into()))?;
        let state = AppState {
            config: Arc::new(config),
            store,
            storage,
            repo,
            acceptor,
            catalog_id,
            keys: Arc::new(keys),
            admin_token_hash: Arc::new(admin_token_hash),
            connections: Arc::new(Mutex::new(HashMap::new())),
            ingest_lock: Arc::new(tokio::sync::Mutex::new(())),
            sync_bytes_in: Arc::default(),
            sync_bytes_out: Arc::default(),
            ingests: Arc::new(tokio::sync::watch::channel(0).0),
            taken_dirty: Arc::default(),
            journals,
            journal_activity,
            documents_loaded,
            redeem_attempts: Arc::default(),
            web_signup_attempts: Arc::default(),
            login_attempts: Arc::default(),
            sync_sockets: Arc::default(),
            bench_peers,
            device_requests: Arc::default(),
            web_journal_lock: Arc::new(tokio::sync::Mutex::new(())),
        };
        ingest::start_ingester(&state, journal_activity_rx);
        Ok(Server {
            state,
            new_admin_token,
            new_admin_password,
        })
    }
}

/// The HTTP routes of the server.
pub fn router(state: AppState) -> Router {
    http::router(state)
}

/// Serve `state` on `listener` until `shutdown` completes, then stop samod cleanly.
///
/// A hand-written accept loop instead of `axum::serve`, for what that does not do: a limit on
/// how long a client may take to send its headers (slow-loris), and a cap on connections
/// with a clear 503 beyond it.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let repo = state.repo.clone();
    // Journals registered before this start are ingested as their changes arrive, too, and
    // once now: samod may have stored changes the last run did not get to ingest.
    match state.store.journal_ids() {
        Ok(ids) => {
            for id in ids.iter().filter_map(|id| id.parse::<DocumentId>().ok()) {
                ingest::watch_journal(&state, id);
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot list journals to watch"),
    }
    service::erasure::start_retention(&state);
    service::catalog::start_taken_refresher(&state);
    let header_timeout = std::time::Duration::from_millis(state.config.header_read_timeout_ms);
    let slots = Arc::new(tokio::sync::Semaphore::new(state.config.max_connections));
    let per_ip: PerIp = Arc::default();
    let per_ip_limit = state.config.max_connections_per_ip;
    let app = router(state);
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(per_ip) = PerIpSlot::take(&per_ip, limits::client_key(peer.ip()), per_ip_limit)
        else {
            tokio::spawn(refuse_busy(stream));
            continue;
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream));
            continue;
        };
        let service =
            app.clone()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let mut closing = closing_rx.clone();
        connections.spawn(async move {
            let _slot = (slot, per_ip);
            let conn = builder
                .serve_connection(
                    TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(service),
                )
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = async { closing.wait_for(|c| *c).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
        // Reap finished connection tasks so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    let _ = closing_tx.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    repo.stop().await;
    Ok(())
}

/// Connections being served, per address (as [`limits::client_key`] counts them).
type PerIp = Arc<Mutex<HashMap<std::net::IpAddr, usize>>>;

/// One address's place among the connections served; given back when dropped.
struct PerIpSlot {
    counts: PerIp,
    ip: std::net::IpAddr,
}

impl PerIpSlot {
    /// A place for `ip`, unless it holds `limit` already.
    fn take(counts: &PerIp, ip: std::net::IpAddr, limit: usize) -> Option<PerIpSlot> {
        let mut map = counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(ip).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(PerIpSlot {
            counts: counts.clone(),
            ip,
        })
    }
}

impl Drop for PerIpSlot {
    fn drop(&mut self) {
        release(&self.counts, &self.ip);
    }
}

/// Give back one of `key`'s places in a map of counts, forgetting keys that hold none, so
/// the map holds only what is in use.
pub(crate) fn release<K: std::hash::Hash + Eq>(counts: &Mutex<HashMap<K, usize>>, key: &K) {
    let mut map = counts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = map.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            map.remove(key);
        }
    }
}

/// Tell a client over the connection cap why it is refused, then close.
async fn refuse_busy(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt as _;
    let body = "{\"code\":\"busy\",\"message\":\"Serveren har for mange forbindelser; prøv igen om lidt / the server has too many connections; try again shortly\"}";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        stream.write_all(response.as_bytes()),
    )
    .await;
    let _ = stream.shutdown().await;
}

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

pub mod api;
pub mod backup;
pub mod config;
pub mod error;
pub mod ingest;
pub mod keys;
pub mod policy;
pub mod store;
pub mod ws;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use frivillig_common::catalog::{demo_catalog, new_catalog_doc};
use frivillig_common::seal::SealingKeyPair;
use frivillig_common::storage::{RedbStorage, StorageError};
use frivillig_common::sync::SERVER_PEER_ID;
use samod::{AcceptorHandle, DocumentId, PeerId, Repo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::ServerConfig;

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
    /// The key pair that opens personal data.
    pub keys: Arc<SealingKeyPair>,
    /// SHA-256 of the admin credential.
    pub admin_token_hash: Arc<String>,
    /// Per-kiosk cancellation of open connections, for revocation.
    pub connections: Arc<Mutex<HashMap<String, CancellationToken>>>,
    /// Serialises ingests so each durable chunk follows the previous one.
    pub ingest_lock: Arc<tokio::sync::Mutex<()>>,
    /// How many ingests have committed since start; tests and operators can wait on it.
    pub ingests: Arc<tokio::sync::watch::Sender<u64>>,
    /// Journals with a task that ingests them as their changes arrive.
    pub watched: Arc<Mutex<std::collections::HashSet<String>>>,
    /// Attempts to redeem enrolment codes per address: (window start, count).
    pub redeem_attempts: Arc<Mutex<HashMap<std::net::IpAddr, (std::time::Instant, u32)>>>,
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
}

impl Server {
    /// Open the data folder (creating keys, database and the demo catalog on first start).
    pub async fn open(config: ServerConfig) -> Result<Server, StartError> {
        let keys = keys::load_or_create(&config.data_dir)?;
        let storage = RedbStorage::open(&config.data_dir.join("server.redb"))?;
        let store = store::Store::new(storage.database()?)?;
        let catalog_cell: Arc<OnceLock<DocumentId>> = Arc::new(OnceLock::new());
        let policy = policy::ServerPolicy {
            catalog: catalog_cell.clone(),
            store: store.clone(),
        };
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_peer_id(PeerId::from(SERVER_PEER_ID))
            .with_share_policy(policy)
            .load()
            .await;
        let catalog_id = match store.meta("catalog_doc_id")? {
            Some(id) => id
                .parse::<DocumentId>()
                .map_err(|e| StartError::Catalog(e.to_string()))?,
            None => {
                let doc = new_catalog_doc(&demo_catalog())
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
        let url = url::Url::parse("ws://frivillig-server/sync")
            .map_err(|e| StartError::Catalog(e.to_string()))?;
        let acceptor = repo
            .make_acceptor(url)
            .map_err(|_| StartError::Catalog("repository stopped".into()))?;
        Ok(Server {
            state: AppState {
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
                watched: Arc::default(),
                redeem_attempts: Arc::default(),
            },
            new_admin_token,
        })
    }
}

/// The HTTP routes of the server.
pub fn router(state: AppState) -> Router {
    api::routes().with_state(state)
}

/// Serve `state` on `listener` until `shutdown` completes, then stop samod cleanly.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let repo = state.repo.clone();
    // Journals registered before this start are ingested as their changes arrive, too.
    match state.store.journal_ids() {
        Ok(ids) => {
            for id in ids.iter().filter_map(|id| id.parse::<DocumentId>().ok()) {
                ingest::watch_journal(&state, id);
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot list journals to watch"),
    }
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    repo.stop().await;
    result
}

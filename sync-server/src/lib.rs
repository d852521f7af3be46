//! Frivillig's central server: the automerge-repo sync endpoint for kiosks (through samod),
//! the ingest of every signup the journals bring, the durable acknowledgement kiosks wait
//! for before they delete anything, the coordinators' web app and API, and the public
//! portal.
//!
//! Layout, top to bottom: [`http`] (routes, pages, the JSON APIs) calls [`service`] (the
//! domain's operations), which reads and writes [`store`] (every redb table, defined in one
//! schema). Beside them: [`sync`] the samod repository and its share policy, [`serve`] the
//! accept loop, [`config`] the settings, [`keys`] the key pairs in the data folder,
//! [`limits`] the rate limits, [`backup`] backups. [`Server::open`] wires them; [`router`]
//! and [`run`] serve them, so tests bind port 0.

pub mod backup;
pub mod config;
mod http;
pub mod keys;
mod limits;
mod serve;
pub mod service;
pub mod store;
pub mod sync;
pub mod tls;

use std::sync::{Arc, OnceLock};

use axum::Router;
use frivillig_common::catalog::{demo_catalog_from, new_catalog_doc};
use frivillig_common::storage::{RedbStorage, StorageError};
use frivillig_common::sync::SERVER_PEER_ID;
use samod::{DocumentId, PeerId, Repo};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::ServerConfig;
pub use serve::run;

use service::ingest::{self, Ingest};
use sync::SyncHub;

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
    /// TLS could not be set up.
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] tls::TlsSetupError),
    /// The outbox's sender could not be set up.
    #[error("cannot set up mail: {0}")]
    Mail(#[from] service::mail::MailSetupError),
}

/// Everything a request handler needs, by subsystem.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// The server's tables.
    pub store: store::Store,
    /// The key pairs that open personal data and sign the catalog.
    pub keys: Arc<keys::ServerKeys>,
    /// SHA-256 of the admin credential.
    pub admin_token_hash: Arc<String>,
    /// The samod repository and its sockets.
    pub sync: SyncHub,
    /// What ingests share.
    pub ingest: Ingest,
    /// The rate limits.
    pub limits: Arc<limits::Limits>,
    /// The background loops, stopped together when the server stops.
    pub background: Background,
    /// TLS, when the settings ask for it (else plain HTTP).
    pub tls: Option<Arc<tls::ServerTls>>,
    /// The server's certificate authority (kiosks' certificates are signed by it, with TLS
    /// on or off).
    pub ca: Arc<tls::ServerCa>,
    /// The outbox's sender.
    pub mail: service::mail::SharedMailer,
}

/// The server's background loops (the ingester, the spots-taken refresher, retention, the
/// outbox's sender):
/// each runs until the server stops, and [`run`] returns only after they have.
#[derive(Clone, Default)]
pub struct Background {
    tasks: TaskTracker,
    stop: CancellationToken,
}

impl Background {
    /// Run `work` until it ends or the server stops, whichever comes first.
    pub fn spawn(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let stop = self.stop.clone();
        self.tasks.spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = work => {}
            }
        });
    }

    /// Stop every loop and wait until they have ended.
    pub async fn stop(&self) {
        self.stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }

    /// How many loops are running.
    pub fn running(&self) -> usize {
        self.tasks.len()
    }
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
        let ca = Arc::new(tls::ServerCa::load_or_create(&config.data_dir)?);
        let tls = tls::server_tls(&config, &ca)?.map(Arc::new);
        let mail = Arc::new(service::mail::Mailer::new(&config)?);
        let store = store::Store::new(storage.clone())?;
        mail.load_templates(&store)?;
        let catalog_cell: Arc<OnceLock<DocumentId>> = Arc::new(OnceLock::new());
        let bench_peers = sync::bench::BenchPeers::default();
        let policy = sync::policy::ServerPolicy {
            catalog: catalog_cell.clone(),
            store: store.clone(),
            bench_peers: bench_peers.clone(),
        };
        let (ingest, journal_activity) = Ingest::new();
        let documents_loaded = Arc::<std::sync::atomic::AtomicUsize>::default();
        let repo = Repo::build_tokio()
            .with_storage(storage)
            .with_observer(ingest::SyncActivity {
                journals: ingest.journals.clone(),
                tx: ingest.activity.clone(),
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
                // Its dates count from today, so the demo always shows shifts ahead.
                let today = frivillig_common::offer::glostrup_now().date_naive();
                let mut demo = demo_catalog_from(today);
                crate::service::demo_photos::add_to_demo(&store, &mut demo)
                    .map_err(|e| StartError::Catalog(e.to_string()))?;
                let doc = new_catalog_doc(&demo, &keys.signing)
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
            keys: Arc::new(keys),
            admin_token_hash: Arc::new(admin_token_hash),
            sync: SyncHub {
                repo,
                acceptor,
                catalog_id,
                connections: Arc::default(),
                sockets: Arc::default(),
                bench_peers,
                bytes_in: Arc::default(),
                bytes_out: Arc::default(),
                documents_loaded,
            },
            ingest,
            limits: Arc::default(),
            background: Background::default(),
            tls,
            ca,
            mail,
        };
        ingest::start_ingester(&state, journal_activity);
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

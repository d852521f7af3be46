//! The server's side of Automerge sync: the samod repository and what the server tracks
//! about the sockets kiosks sync over. [`policy`] decides what each peer may see;
//! [`bench`] holds everything that exists only for benchmark clients.

pub mod bench;
pub mod policy;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};

use samod::{AcceptorHandle, DocumentId, Repo};
use tokio_util::sync::CancellationToken;

/// The samod repository and the state of the sockets into it.
#[derive(Clone)]
pub struct SyncHub {
    /// The samod repository.
    pub repo: Repo,
    /// Where WebSocket connections are handed to samod.
    pub acceptor: AcceptorHandle,
    /// The catalog document id.
    pub catalog_id: DocumentId,
    /// Per-kiosk cancellation of open connections, for revocation.
    pub connections: Arc<Mutex<HashMap<String, CancellationToken>>>,
    /// Open sync WebSockets per kiosk (their sum is the total held).
    pub sockets: Arc<Mutex<HashMap<String, usize>>>,
    /// Peer ids announced on benchmark devices' sockets.
    pub bench_peers: bench::BenchPeers,
    /// Bytes received on sync WebSockets since start (for operators and benchmarks).
    pub bytes_in: Arc<AtomicU64>,
    /// Bytes sent on sync WebSockets since start.
    pub bytes_out: Arc<AtomicU64>,
    /// How many documents samod holds in memory now (idle ones leave, see
    /// `ServerConfig::unload_idle_secs`).
    pub documents_loaded: Arc<AtomicUsize>,
}

impl SyncHub {
    /// Close every open connection of `kiosk_id` now, not at its next reconnect.
    pub fn disconnect(&self, kiosk_id: &str) {
        let token = self
            .connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(kiosk_id);
        if let Some(token) = token {
            token.cancel();
        }
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

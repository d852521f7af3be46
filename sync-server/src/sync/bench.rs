//! Benchmark clients, and nothing else: paths that exist only while a server runs with
//! `bench_devices = true` (never in production), for `sync-bench`'s generic automerge-repo
//! load clients. A benchmark device names its own peer id in its `join` message; the peer
//! may read and write any document that is neither the catalog nor a journal, and is told
//! of none.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use samod::{DocumentId, PeerId, ShareConfig};

use crate::store::Store;

/// Peer ids of benchmark clients' sockets, counted.
pub type BenchPeers = Arc<Mutex<HashMap<String, usize>>>;

/// Why a benchmark client's message was refused.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BenchRefusal(pub String);

/// The peer id a benchmark client announced on one socket, known to the share policy while
/// the socket lives.
pub struct BenchPeer {
    peers: BenchPeers,
    id: Option<String>,
}

impl BenchPeer {
    /// A socket's peer, not yet announced.
    pub fn new(peers: BenchPeers) -> Self {
        BenchPeer { peers, id: None }
    }

    /// Note the sender of a `join` message. A benchmark client may name itself anything but
    /// a kiosk or the server, and only once per socket.
    pub fn join(&mut self, wire: &[u8]) -> Result<(), BenchRefusal> {
        let Some(sender) = frivillig_common::untrusted::join_sender(wire) else {
            return Ok(());
        };
        let peer = PeerId::from(sender);
        if frivillig_common::sync::kiosk_id_of_peer(&peer).is_some()
            || sender == frivillig_common::sync::SERVER_PEER_ID
            || self.id.is_some()
        {
            return Err(BenchRefusal(format!("peer id {sender:?} refused")));
        }
        let mut peers = self
            .peers
            .lock()
            .map_err(|_| BenchRefusal("bench peer table poisoned".into()))?;
        *peers.entry(sender.to_owned()).or_default() += 1;
        self.id = Some(sender.to_owned());
        Ok(())
    }
}

impl Drop for BenchPeer {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            super::release(&self.peers, &id);
        }
    }
}

/// What a peer that is not a kiosk may do with `doc_id`: a known benchmark peer reads and
/// writes anything but the catalog and journals (live or retired), announced to nobody; any
/// other peer gets nothing.
pub fn decide(
    peers: &BenchPeers,
    store: &Store,
    catalog: Option<&DocumentId>,
    doc_id: &DocumentId,
    peer: &PeerId,
) -> ShareConfig {
    let known = peers
        .lock()
        .is_ok_and(|peers| peers.contains_key(peer.as_str()));
    if !known || catalog == Some(doc_id) {
        return ShareConfig::none();
    }
    let id = doc_id.to_string();
    // A retired journal (erasure) may linger in memory: never a bench document.
    let journal = store
        .journal(&id)
        .and_then(|row| Ok(row.is_some() || store.is_retired(&id)?));
    match journal {
        Ok(false) => ShareConfig::read_write().with_announce(false),
        Ok(true) => ShareConfig::none(),
        Err(e) => {
            tracing::error!(error = %e, "share policy could not read journals; denying");
            ShareConfig::none()
        }
    }
}

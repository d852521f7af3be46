//! The deny-by-default share policy.
//!
//! samod's default shares every document read-write with every peer and announces it; that
//! would hand one kiosk's signups to the next. Here: an enrolled, unrevoked kiosk reads the
//! catalog (and its changes to it are ignored), reads and writes the journals it registered
//! as its own or as carried for a kiosk of its site (festival mode), and is told of nothing
//! else. Journals are never announced, so a kiosk that
//! deleted an acknowledged journal is not handed it back.

use std::sync::{Arc, OnceLock};

use frivillig_common::sync::kiosk_id_of_peer;
use futures::Stream;
use samod::{DocumentId, PeerId, ShareConfig};

use crate::store::Store;
use crate::sync::bench::{self, BenchPeers};

/// The server's policy.
#[derive(Clone)]
pub struct ServerPolicy {
    /// The catalog id, known once the catalog exists.
    pub catalog: Arc<OnceLock<DocumentId>>,
    /// Devices and journal owners.
    pub store: Store,
    /// Peer ids that benchmark devices announced on their sockets, each with the number of
    /// sockets using it.
    pub bench_peers: BenchPeers,
}

impl ServerPolicy {
    /// The decision for one document and peer.
    pub fn decide(&self, doc_id: &DocumentId, peer: &PeerId) -> ShareConfig {
        let Some(kiosk_id) = kiosk_id_of_peer(peer) else {
            return bench::decide(
                &self.bench_peers,
                &self.store,
                self.catalog.get(),
                doc_id,
                peer,
            );
        };
        match self.store.device(kiosk_id) {
            Ok(Some(device)) if !device.revoked => {}
            Ok(_) => return ShareConfig::none(),
            Err(e) => {
                tracing::error!(error = %e, "share policy could not read devices; denying");
                return ShareConfig::none();
            }
        }
        if self.catalog.get() == Some(doc_id) {
            return ShareConfig::read_only().with_announce(true);
        }
        match self.store.journal(&doc_id.to_string()) {
            Ok(Some(row)) if row.is_carried_by(kiosk_id) => {
                ShareConfig::read_write().with_announce(false)
            }
            Ok(_) => ShareConfig::none(),
            Err(e) => {
                tracing::error!(error = %e, "share policy could not read journals; denying");
                ShareConfig::none()
            }
        }
    }
}

impl samod::SharePolicy for ServerPolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        futures::stream::iter([self.decide(&doc_id, &peer_id)])
    }
}

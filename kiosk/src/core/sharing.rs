//! The kiosk's share policy: which document goes to which peer, and whose changes it takes.
//!
//! The server gets the catalog and every journal it has registered (the kiosk's own, and
//! those it relays; in festival mode the server's changes to the kiosk's own are not taken). The kiosks of the same site (festival mode; the server's list of them
//! as of the last contact) get the catalog, whose signature every kiosk checks before it
//! shows it, the kiosk's own journals read-only (a peer cannot write into them here), and the
//! peers' journals it holds read-write, so a journal relayed through a third kiosk arrives.
//! Everyone else gets nothing.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use frivillig_common::sync::{SERVER_PEER_ID, kiosk_id_of_peer};
use futures::Stream;
use samod::{DocumentId, PeerId, ShareConfig};
use tokio::sync::watch;

/// What the policy decides from; changes are pushed to every open decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sharing {
    /// Journals the server registered as this kiosk's or as relayed by it.
    pub(crate) registered: HashSet<DocumentId>,
    /// This kiosk's own journals.
    pub(crate) own: HashSet<DocumentId>,
    /// Other kiosks' journals held here.
    pub(crate) held: HashSet<DocumentId>,
    /// Kiosks this one may talk to: the server's list of the site's kiosks.
    pub(crate) peers: HashSet<String>,
    /// Festival mode: peers may carry this kiosk's journals to the server.
    pub(crate) festival: bool,
}

/// The share policy samod asks.
#[derive(Clone)]
pub(crate) struct KioskPolicy {
    pub(crate) catalog_id: Arc<RwLock<Option<DocumentId>>>,
    pub(crate) sharing: watch::Receiver<Sharing>,
}

impl KioskPolicy {
    fn decide(&self, sharing: &Sharing, doc_id: &DocumentId, peer: &PeerId) -> ShareConfig {
        let is_catalog = self
            .catalog_id
            .read()
            .map(|c| c.as_ref() == Some(doc_id))
            .unwrap_or(false);
        if peer.as_str() == SERVER_PEER_ID {
            // In festival mode a peer may carry the kiosk's journal to the server, with
            // changes of its own that the server then holds (and does not ingest): the
            // kiosk takes none of the server's changes to its own journals, so what it
            // vouches for is what it wrote. (Outside festival mode the server's status
            // changes arrive, so the kiosk knows of withdrawals.)
            let own = sharing.own.contains(doc_id);
            return if own && sharing.festival && sharing.registered.contains(doc_id) {
                ShareConfig::read_only()
            } else if is_catalog || sharing.registered.contains(doc_id) {
                ShareConfig::read_write()
            } else {
                ShareConfig::none()
            };
        }
        // samod binds a peer's id to its certificate before any message (`crate::peers`).
        let allowed = kiosk_id_of_peer(peer).is_some_and(|k| sharing.peers.contains(k));
        // The kiosk's own journals first: whatever else lists them, no peer writes them.
        if !allowed {
            ShareConfig::none()
        } else if sharing.own.contains(doc_id) {
            ShareConfig::read_only()
        } else if is_catalog || sharing.held.contains(doc_id) {
            ShareConfig::read_write()
        } else {
            ShareConfig::none()
        }
    }
}

impl samod::SharePolicy for KioskPolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        let policy = self.clone();
        let rx = self.sharing.clone();
        // The current decision at once, then a new one at every change (samod ignores
        // repeats), until the kiosk stops.
        futures::stream::unfold((rx, true), move |(mut rx, first)| {
            let policy = policy.clone();
            let doc_id = doc_id.clone();
            let peer_id = peer_id.clone();
            async move {
                if !first {
                    rx.changed().await.ok()?;
                }
                let decision = policy.decide(&rx.borrow_and_update(), &doc_id, &peer_id);
                Some((decision, (rx, false)))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::sync::kiosk_peer_id;

    fn doc() -> DocumentId {
        use rand::RngCore as _;
        let mut bytes = vec![0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        DocumentId::try_from(bytes).expect("16 bytes are a document id")
    }

    /// The server gets what it registered (the kiosk's own journals read-only in festival
    /// mode); a peer of the site gets the kiosk's own journals
    /// read-only and the journals held for others read-write; a kiosk not on the list, or
    /// anyone else, gets nothing.
    #[test]
    fn each_peer_gets_what_it_may_have() {
        let (own, held, registered, catalog, other) = (doc(), doc(), doc(), doc(), doc());
        let sharing = Sharing {
            registered: [registered.clone()].into(),
            own: [own.clone(), registered.clone()].into(),
            held: [held.clone()].into(),
            peers: ["telt-2".to_owned()].into(),
            festival: false,
        };
        let policy = KioskPolicy {
            catalog_id: Arc::new(RwLock::new(Some(catalog.clone()))),
            sharing: watch::channel(sharing.clone()).1,
        };
        let server = PeerId::from(SERVER_PEER_ID);
        let peer = kiosk_peer_id("telt-2");
        let stranger = kiosk_peer_id("telt-9");
        let d = |doc: &DocumentId, p: &PeerId| policy.decide(&sharing, doc, p);
        assert_eq!(d(&catalog, &server), ShareConfig::read_write());
        assert_eq!(d(&registered, &server), ShareConfig::read_write());
        let festival = Sharing {
            festival: true,
            ..sharing.clone()
        };
        assert_eq!(
            policy.decide(&festival, &registered, &server),
            ShareConfig::read_only(),
            "festival mode: the server's changes to its own journal are not taken"
        );
        let mut relaying = sharing.clone();
        relaying.registered.insert(held.clone());
        assert_eq!(
            policy.decide(&relaying, &held, &server),
            ShareConfig::read_write(),
            "a journal it carries"
        );
        assert_eq!(d(&own, &server), ShareConfig::none(), "not registered yet");
        assert_eq!(d(&catalog, &peer), ShareConfig::read_write());
        assert_eq!(d(&own, &peer), ShareConfig::read_only());
        assert_eq!(d(&held, &peer), ShareConfig::read_write());
        assert_eq!(d(&other, &peer), ShareConfig::none());
        // An own journal a peer managed to get listed as held stays read-only.
        let mut confused = sharing.clone();
        confused.held.insert(own.clone());
        assert_eq!(
            policy.decide(&confused, &own, &peer),
            ShareConfig::read_only()
        );
        for doc in [&catalog, &own, &held] {
            assert_eq!(d(doc, &stranger), ShareConfig::none());
            assert_eq!(d(doc, &PeerId::from("someone")), ShareConfig::none());
        }
    }
}

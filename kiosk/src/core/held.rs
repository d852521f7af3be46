//! Festival mode's bookkeeping in the core: the site's kiosks this one may talk to, the
//! other kiosks' journals it holds, and the server's signed acknowledgements that travel
//! between them.
//!
//! A kiosk holds a peer's journal only as a sealed replica (it cannot open the personal
//! data), to count its signups in the spots left and to carry it to the server. It takes an
//! acknowledgement from a peer only if the server's signature on it holds, and deletes its
//! own journal on such an acknowledgement exactly as on one it got from the server itself.

use std::collections::BTreeMap;

use frivillig_common::api::PeerKiosk;
use frivillig_common::journal::{read_header, signup_count};
use frivillig_common::sign::verify_ack;
use frivillig_common::storage::StorageError;
use samod::{DocHandle, DocumentId, Repo};

use super::KioskCore;
use crate::peers::wire::{JournalEntry, Manifest};
use crate::store::{PeerJournalMeta, SignedHeads};

/// Another kiosk's journal held here.
pub(crate) struct HeldJournal {
    pub(crate) meta: PeerJournalMeta,
    pub(crate) handle: DocHandle,
}

/// A kiosk of the site as last heard from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSeen {
    /// When, RFC 3339 by this kiosk's clock.
    pub at: String,
    /// The address it was heard at.
    pub address: String,
}

/// A journal held for another kiosk, as the kiosk reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldInfo {
    /// Document id.
    pub doc_id: String,
    /// The kiosk that writes it.
    pub owner: String,
    /// Signups in the replica held here.
    pub signups: u64,
    /// An acknowledgement by the server has been seen for it.
    pub acked: bool,
}

/// How long fetching a peer's journal through samod may take before a later manifest
/// tries again.
const FIND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The document once samod has it. Unlike `Repo::find`, which gives up when no connected
/// peer has it (and is not asked again), this waits while connections come and sync runs.
async fn found(repo: &Repo, doc_id: DocumentId) -> Option<DocHandle> {
    use futures::StreamExt as _;
    let (mut state, mut updates) = repo.search(doc_id).ok()?;
    loop {
        if let samod::SearchState::Found(handle) = state {
            return Some(handle);
        }
        state = updates.next().await?;
    }
}

/// Open the held journals recorded in the store (samod loads them from the kiosk's disk).
pub(super) async fn load(
    repo: &Repo,
    metas: Vec<(String, PeerJournalMeta)>,
) -> BTreeMap<String, HeldJournal> {
    let mut held = BTreeMap::new();
    for (id, meta) in metas {
        let Ok(doc_id) = id.parse::<DocumentId>() else {
            continue;
        };
        match repo.find(doc_id).await {
            Ok(Some(handle)) => {
                held.insert(id, HeldJournal { meta, handle });
            }
            _ => tracing::warn!(journal = %id, "a held peer journal is not in storage"),
        }
    }
    held
}

impl KioskCore {
    /// The site's other kiosks, as the server named them at the last contact.
    pub fn site_peers(&self) -> Vec<PeerKiosk> {
        self.inner
            .store
            .meta("site_peers")
            .ok()
            .flatten()
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default()
    }

    /// Keep the server's list of the site's kiosks: from now on only these are talked to.
    pub(crate) fn set_site_peers(&self, peers: &[PeerKiosk]) -> Result<(), StorageError> {
        if self.site_peers() != peers {
            let json = serde_json::to_string(peers).unwrap_or_default();
            self.inner.store.set_meta("site_peers", &json)?;
        }
        let ids: std::collections::HashSet<String> =
            peers.iter().map(|p| p.kiosk_id.clone()).collect();
        self.inner.sharing.send_if_modified(|s| {
            let changed = s.peers != ids;
            s.peers = ids;
            changed
        });
        Ok(())
    }

    /// Whether this kiosk may talk to `kiosk_id` (enrolled at its site, not revoked, as of
    /// the last contact with the server).
    pub fn may_talk_to(&self, kiosk_id: &str) -> bool {
        kiosk_id != self.inner.config.kiosk_id
            && self.inner.sharing.borrow().peers.contains(kiosk_id)
    }

    /// Where this kiosk listens for its peers, as it tells them and the server.
    pub fn advertised(&self) -> Vec<String> {
        self.inner
            .advertised
            .read()
            .map(|a| a.clone())
            .unwrap_or_default()
    }

    pub(crate) fn set_advertised(&self, addresses: Vec<String>) {
        if let Ok(mut a) = self.inner.advertised.write() {
            *a = addresses;
        }
        // Listening for peers is festival mode, whatever the configuration said.
        self.inner
            .sharing
            .send_if_modified(|s| !std::mem::replace(&mut s.festival, true));
    }

    /// Bytes of sync messages and manifests this kiosk exchanged with its peers since it
    /// started (festival mode's traffic).
    pub fn peer_bytes(&self) -> u64 {
        self.inner
            .peer_bytes
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn count_peer_bytes(&self, n: usize) {
        self.inner
            .peer_bytes
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Note that `kiosk_id` was heard from at `address`.
    pub(crate) fn note_heard(&self, kiosk_id: &str, address: &str) {
        let seen = PeerSeen {
            at: super::rfc3339(self.now()),
            address: address.to_owned(),
        };
        if let Ok(mut map) = self.inner.seen.write() {
            map.insert(kiosk_id.to_owned(), seen);
        }
    }

    /// The site's kiosks heard from since start, by id.
    pub fn peers_seen(&self) -> BTreeMap<String, PeerSeen> {
        self.inner
            .seen
            .read()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// The journals held for other kiosks.
    pub async fn held_journals(&self) -> Vec<HeldInfo> {
        let held = self.inner.held.lock().await;
        held.iter()
            .map(|(id, h)| HeldInfo {
                doc_id: id.clone(),
                owner: h.meta.owner.clone(),
                signups: h
                    .handle
                    .with_document(|d| signup_count(d).unwrap_or(0) as u64),
                acked: h.meta.ack.is_some(),
            })
            .collect()
    }

    /// What this kiosk tells its peers: the catalog's id, its own journals and those it
    /// holds, each with its heads and the server's signed acknowledgement if it has one.
    pub(crate) async fn manifest(&self) -> Manifest {
        let mut journals = Vec::new();
        {
            let own = self.inner.journals.lock().await;
            for (id, j) in own.iter() {
                let Some((heads, _)) = j.synced_heads().await else {
                    continue;
                };
                journals.push(JournalEntry {
                    doc_id: id.clone(),
                    owner: self.inner.config.kiosk_id.clone(),
                    day: j.meta.day.clone(),
                    closed: j.meta.closed,
                    owner_signed: self.vouch(id, &heads),
                    heads,
                    ack: (!j.meta.acked_signature.is_empty()).then(|| SignedHeads {
                        heads: j.meta.acked_heads.clone(),
                        signature: j.meta.acked_signature.clone(),
                    }),
                });
            }
        }
        {
            let held = self.inner.held.lock().await;
            for (id, h) in held.iter() {
                journals.push(JournalEntry {
                    doc_id: id.clone(),
                    owner: h.meta.owner.clone(),
                    day: h.meta.day.clone(),
                    closed: h.meta.closed,
                    heads: h
                        .handle
                        .with_document(|d| frivillig_common::sync::format_heads(&d.get_heads())),
                    ack: h.meta.ack.clone(),
                    owner_signed: h.meta.owner_signed.clone(),
                });
            }
        }
        Manifest {
            kiosk_id: self.inner.config.kiosk_id.clone(),
            listen: self.advertised(),
            catalog_doc_id: self
                .inner
                .catalog_id
                .read()
                .ok()
                .and_then(|c| c.as_ref().map(ToString::to_string)),
            journals,
        }
    }

    /// Whether `ack` of `doc_id` carries the server's valid signature.
    pub(crate) fn ack_holds(&self, doc_id: &str, ack: &SignedHeads) -> bool {
        verify_ack(
            &self.inner.config.server_signing_key,
            doc_id,
            &ack.heads,
            &ack.signature,
        )
        .is_ok()
    }

    /// Take in what peer `from` (authenticated, allowed) told: acknowledgements of this
    /// kiosk's journals and of those it holds, and journals to hold. Returns whether a
    /// journal of this kiosk became acknowledged (so it may be deleted).
    pub(crate) async fn take_manifest(&self, from: &str, manifest: Manifest) -> bool {
        tracing::debug!(from, journals = manifest.journals.len(), "manifest");
        let mut acked_own = false;
        self.note_owner_done(from, &manifest).await;
        for entry in manifest.journals {
            if entry.owner == self.inner.config.kiosk_id {
                acked_own |= self.take_own_ack(&entry).await;
                continue;
            }
            if !self.take_held_entry(from, &entry).await {
                self.adopt(from, entry).await;
            }
        }
        acked_own
    }

    /// What an owner's own manifest says of the journals held for it: one it no longer
    /// lists it has deleted; of one it lists, whether it holds the acknowledgement held here.
    async fn note_owner_done(&self, from: &str, manifest: &Manifest) {
        let mut held = self.inner.held.lock().await;
        for (id, h) in held.iter_mut().filter(|(_, h)| h.meta.owner == from) {
            let listed = manifest.journals.iter().find(|e| &e.doc_id == id);
            let done = match listed {
                None => true,
                Some(e) => e.ack.is_some() && e.ack == h.meta.ack,
            };
            if done != h.meta.owner_done {
                let meta = PeerJournalMeta {
                    owner_done: done,
                    ..h.meta.clone()
                };
                if self.inner.store.put_peer_journal(id, &meta).is_ok() {
                    h.meta = meta;
                }
            }
        }
    }

    /// A signed acknowledgement of one of this kiosk's journals, carried by a peer: taken
    /// if it holds and covers every change the kiosk has of the journal.
    async fn take_own_ack(&self, entry: &JournalEntry) -> bool {
        let Some(ack) = entry
            .ack
            .as_ref()
            .filter(|a| self.ack_holds(&entry.doc_id, a))
        else {
            return false;
        };
        let mut journals = self.inner.journals.lock().await;
        let Some(j) = journals.get_mut(&entry.doc_id) else {
            return false;
        };
        if j.meta.acked_heads == ack.heads {
            return false;
        }
        let Some((heads, true)) = j.synced_heads().await else {
            return false;
        };
        if heads != ack.heads {
            return false;
        }
        let mut meta = j.meta.clone();
        meta.acked_heads = ack.heads.clone();
        meta.acked_signature = ack.signature.clone();
        meta.acked_signups = j.local_count();
        // The server acknowledged it, so it holds the journal under this kiosk's name.
        meta.registered = true;
        if let Err(e) = self.inner.store.put_journal(&entry.doc_id, &meta) {
            tracing::warn!(error = %e, "a relayed acknowledgement could not be stored");
            return false;
        }
        j.meta = meta;
        // Offered to the server from now on: signups added later reach it from here too.
        if let Ok(doc_id) = entry.doc_id.parse::<DocumentId>() {
            self.inner.sharing.send_modify(|s| {
                s.registered.insert(doc_id);
            });
        }
        tracing::info!(journal = %entry.doc_id, "the server's acknowledgement arrived through a peer");
        true
    }

    /// Update a held journal from peer `from`'s entry; `false` if it is not held here.
    async fn take_held_entry(&self, from: &str, entry: &JournalEntry) -> bool {
        let mut held = self.inner.held.lock().await;
        let Some(h) = held.get_mut(&entry.doc_id) else {
            return false;
        };
        let mut meta = h.meta.clone();
        meta.closed |= entry.closed;
        if let Some(ack) = &entry.ack
            && meta.ack.as_ref() != Some(ack)
            && self.ack_holds(&entry.doc_id, ack)
        {
            meta.ack = Some(ack.clone());
        }
        if let Some(word) = &entry.owner_signed
            && self.take_word(
                (from, &meta.owner, &entry.doc_id),
                &h.handle,
                meta.owner_signed.as_ref(),
                word,
            )
        {
            meta.owner_signed = Some(word.clone());
        }
        if meta != h.meta {
            if let Err(e) = self.inner.store.put_peer_journal(&entry.doc_id, &meta) {
                tracing::warn!(error = %e, "a held journal's row could not be stored");
                return true;
            }
            h.meta = meta;
        }
        true
    }

    /// Start holding a journal a peer offered: its owner must be a kiosk of the site, and
    /// it is not taken if it is closed and the server has acknowledged all of it.
    async fn adopt(&self, from: &str, entry: JournalEntry) {
        if !self.may_talk_to(&entry.owner) {
            return;
        }
        let verified_ack = entry
            .ack
            .as_ref()
            .filter(|a| self.ack_holds(&entry.doc_id, a));
        if entry.closed && verified_ack.is_some_and(|a| a.heads == entry.heads) {
            return;
        }
        let Ok(doc_id) = entry.doc_id.parse::<DocumentId>() else {
            return;
        };
        // A peer may name any document: never one of this kiosk's own journals or the
        // catalog, which would open them to its writes (and a failed fetch would delete them).
        let is_catalog = self
            .inner
            .catalog_id
            .read()
            .map(|c| c.as_ref() == Some(&doc_id))
            .unwrap_or(true);
        let sharing = self.inner.sharing.borrow().clone();
        if is_catalog || sharing.own.contains(&doc_id) {
            tracing::warn!(journal = %entry.doc_id, via = %from, "a peer offered a document of this kiosk's own as another's");
            return;
        }
        // Listed in `held` of the share policy but not in the map: being fetched already.
        if sharing.held.contains(&doc_id) {
            return;
        }
        self.inner.store.keep_durably(&entry.doc_id);
        self.inner.sharing.send_modify(|s| {
            s.held.insert(doc_id.clone());
        });
        let core = self.clone();
        let from = from.to_owned();
        let ack = verified_ack.cloned();
        tokio::spawn(async move { core.fetch_held(&from, entry, doc_id, ack).await });
    }

    /// Fetch a journal to hold from the peers through samod (waiting for a sync connection
    /// if there is none yet), check it is the journal its entry said, and record it.
    async fn fetch_held(
        &self,
        from: &str,
        entry: JournalEntry,
        doc_id: DocumentId,
        ack: Option<SignedHeads>,
    ) {
        let owner_claim = format!("kiosk:{}", entry.owner);
        let handle = match tokio::time::timeout(
            FIND_TIMEOUT,
            found(&self.inner.repo, doc_id.clone()),
        )
        .await
        {
            Ok(Some(h))
                if h.with_document(|d| read_header(d).is_ok_and(|hd| hd.owner == owner_claim)) =>
            {
                h
            }
            other => {
                tracing::info!(journal = %entry.doc_id, via = %from, found = matches!(other, Ok(Some(_))), "a peer's journal was not found, or is not what was told");
                // Forget what arrived; a later manifest tries again.
                self.inner.sharing.send_modify(|s| {
                    s.held.remove(&doc_id);
                });
                let _ = self.inner.store.delete_peer_journal(&entry.doc_id);
                return;
            }
        };
        let meta = PeerJournalMeta {
            owner: entry.owner.clone(),
            day: entry.day.clone(),
            closed: entry.closed,
            ack,
            registered: false,
            owner_done: false,
            owner_signed: entry
                .owner_signed
                .clone()
                .filter(|word| self.owner_signed(&entry.owner, &entry.doc_id, word)),
        };
        if let Err(e) = self.inner.store.put_peer_journal(&entry.doc_id, &meta) {
            tracing::warn!(error = %e, "a peer's journal could not be recorded");
            return;
        }
        tracing::info!(journal = %entry.doc_id, owner = %entry.owner, via = %from, "holding a peer's journal");
        self.inner
            .held
            .lock()
            .await
            .insert(entry.doc_id, HeldJournal { meta, handle });
    }

    /// Drop the copies of peers' journals that are closed, that the server has acknowledged
    /// up to the heads held here, and whose owner holds that acknowledgement too (or has not
    /// been heard of for two days since): nobody needs the copy any more.
    pub(crate) async fn drop_acknowledged_held(&self) {
        let mut held = self.inner.held.lock().await;
        let long_ago = (self.now() - chrono::Duration::days(2))
            .date_naive()
            .to_string();
        let today = self.now().date_naive().to_string();
        let done: Vec<String> = held
            .iter()
            .filter(|(_, h)| {
                let heads = frivillig_common::sync::format_heads(
                    &h.handle.with_document(|d| d.get_heads()),
                );
                (h.meta.closed || h.meta.day < today)
                    && h.meta.ack.as_ref().is_some_and(|a| a.heads == heads)
                    && (h.meta.owner_done || h.meta.day < long_ago)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in done {
            if let Err(e) = self.inner.store.delete_peer_journal(&id) {
                tracing::warn!(error = %e, "a held journal could not be dropped");
                continue;
            }
            held.remove(&id);
            if let Ok(doc_id) = id.parse::<DocumentId>() {
                self.inner.sharing.send_modify(|s| {
                    s.held.remove(&doc_id);
                });
            }
            tracing::info!(journal = %id, "dropped a peer's journal the server acknowledged");
        }
    }
}
